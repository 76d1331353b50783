"""Chat channels for CloudButler: Rasa InputChannel/OutputChannel pairs, run by the Rasa server process.

Layers, top to bottom:
  server.py, guard.py     the process (``python -m connectors.server``) and its front door, which every request
                          passes first (Origins, message length on Rasa's API)
  rest.py                 the REST channel for scripts and benchmarks (``rest:local:<sender>``)
  discord/ slack/ webchat/  one package per platform: settings, transport, translate (events in), render
                          (replies out), channel (the Rasa pair); they translate, they never decide what is said
  core/                   what every channel shares, one job per module (see ``connectors.core``)
  vocabulary.py           the response vocabulary the action server writes and every platform renders
Connectors never import ``actions``; what both processes share (media URLs, the state store) is in ``common``.

Adding a platform ``x`` means adding files, not copying them:
  x/settings.py   ``XSettings(ChatSettings)``: its tokens (``repr=False``), ``enabled``, ``from_credentials``
                  reading values with ``core.settings`` helpers plus ``**cls.files_from(env)``
  x/translate.py  which events count; an ``Identity`` from the ids the platform verified; files offered as
                  ``OfferedFile``s to ``Inbox.receive``; the result as ``Incoming.of(identity, ...)``
  x/render.py     a vocabulary message as the platform shows it (``core.output`` helpers, ``core.text``)
  x/transport.py  the platform's client or webhook: acknowledge first, work in ``BackgroundTasks``
  x/channel.py    ``XOutput(ChatOutput)`` sends what ``render`` made; ``XInput(ChatInput)`` sets ``channel_name``
                  and ``late_errors`` and implements ``serve`` (routes, and a ``Lifecycle`` to start and stop
                  with the server, or None when off), ``status``, ``output_at`` (an output for a remembered
                  ``Place``) and, for alerts to channels, ``channel_output`` (an output into a channel recipient's
                  channel whose buttons anyone there may press); each message goes to
                  ``self.deliver(incoming, output, place=...)``, repeats are dropped with ``self.seen.first_time(...)``
  x/__init__.py   exports ``XInput``; ``credentials.yml`` gets a ``connectors.x.XInput:`` section of ``${ENV}``s
Tests: a protocol-level fake in ``tests/fakes/``, recorded payloads and tests in ``tests/connectors/``.
"""
