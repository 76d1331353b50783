"""Account statistics and how the assistant is used: ``action_usage_stats`` (``stats.py``) over the figures of
``actions.insights`` and ``actions.analytics``; the chart in ``charts.py``, every sentence in ``wording.py``."""
