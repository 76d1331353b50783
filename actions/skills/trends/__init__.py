"""Storage and server trends: how a tracked bucket's size changed (``storage.py``, over ``actions.aws.storage_trend``
and ``actions.aws.size_tracking``), starting and stopping that tracking (asked first, audited), and an instance's
CPU and network history (``metrics.py``, over ``actions.aws.metrics``); charts in ``charts.py``, every sentence in
``wording.py``."""
