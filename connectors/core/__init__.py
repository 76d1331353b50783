"""What every chat connector shares, one job per module: ``identity`` (sender ids, metadata), ``inbox`` and
``filenames`` (attachments), ``handover`` (to Rasa; the too-long refusal), ``output`` (replies out), ``late``
(messages nobody waits for), ``dedup``, ``text``, ``lifecycle``, ``settings``, ``messages`` (the connectors' own
words) and ``channel`` (the InputChannel skeleton tying them together)."""
