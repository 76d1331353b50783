"""CloudButler's action server, in three layers (each imports only the ones below it):

- ``actions.skills``: one module (or package) per skill area - thin Rasa Action classes and what they say;
- ``actions.core``: what every skill shares - base classes, confirmations, audit, identity, background jobs and
  late messages, media, formatting, wording and the one registry of failure replies;
- ``actions.aws``: the AWS services - a boto3 client in, typed results and our exceptions out, no Rasa, no chat text.

``actions.endpoint`` is the process (``python -m actions.endpoint``); ``actions.recovery`` runs once it listens.
``actions.tracker`` is a second process (``python -m actions.tracker``, no port): it turns S3 events from an SQS
queue into the size history the trend skills read (``actions.aws.size_*``).
"""
