"""Who an alert goes to: a chat channel (Slack, Discord) or a web chat conversation, as one recipient id that the
action server stores and the connectors resolve.

Ids as the connectors make them (``connectors/core/identity.py``, each platform's ``translate.py``):
  a user's sender id       ``<platform>:<workspace>:<user>``  e.g. ``slack:T1:U1``, ``discord:<guild>:<user>``
                           (``discord:dm:<user>`` in a DM), ``web:local:<session id>`` for the web chat
  a channel recipient      ``<platform>:<workspace>:#<channel>`` e.g. ``slack:T1:#C1``, ``discord:<guild>:#<channel>``
The ``#`` cannot start a Slack or Discord user id, so the two never collide. In the late-message URL
(``/conversations/<id>/trigger_intent``) the ``#`` is sent as ``%23``, and Rasa 3.6 (Sanic 21 matches the raw
path) keys the conversation, and names the recipient to the connector, as ``slack:T1:%23C1``: both spellings parse.
A web chat conversation has no channel beside its one session: its recipient is the session's sender id, which
its mailbox is keyed by.

Platform names: the metadata's ``platform`` is ``slack``, ``discord`` or ``web``; Rasa's output channel names
(``channel_name`` of each ``InputChannel``, the ``output_channel`` of Rasa's trigger_intent) are ``slack``,
``discord`` and ``webchat``. Both ``web`` and ``webchat`` are accepted here wherever a platform is named.
"""
from __future__ import annotations

CHANNEL_MARK = "#"
CHANNEL_MARKS = (CHANNEL_MARK, "%23")  # as stored; as Rasa names it after the URL
WEB_PLATFORMS = frozenset({"web", "webchat"})
# The metadata's platform name -> the Rasa channel that serves it (``InputChannel.name()``).
OUTPUT_CHANNELS = {"slack": "slack", "discord": "discord", "web": "webchat", "webchat": "webchat"}


def channel_recipient(platform: str, workspace: str, channel_id: str) -> str:
    """The recipient id of a channel: ``slack:T1:#C1``."""
    if not platform or not workspace or not channel_id:
        raise ValueError("a channel recipient needs a platform, a workspace and a channel id")
    if ":" in platform or ":" in workspace:
        raise ValueError(f"a platform or workspace must not contain ':' ({platform!r}, {workspace!r})")
    return f"{platform}:{workspace}:{CHANNEL_MARK}{channel_id}"


def parse_channel_recipient(recipient: str) -> tuple[str, str, str] | None:
    """``(platform, workspace, channel_id)`` of a channel recipient; None for anything else (a user's sender id)."""
    parts = recipient.split(":", 2)
    if len(parts) != 3:
        return None
    platform, workspace, rest = parts
    mark = next((mark for mark in CHANNEL_MARKS if rest.startswith(mark)), None)
    if not platform or not workspace or mark is None or len(rest) == len(mark):
        return None
    return platform, workspace, rest[len(mark):]


def recipient_for(platform: str, workspace: str, channel_id: str, sender_id: str) -> str:
    """Where alerts for the conversation a user is in go: the web chat session itself (``sender_id``), otherwise
    the channel the user wrote in."""
    if platform in WEB_PLATFORMS:
        return sender_id
    return channel_recipient(platform, workspace, channel_id)


def output_channel_for(recipient: str) -> str | None:
    """The Rasa output channel name (``slack``, ``discord``, ``webchat``) that reaches a recipient (a channel
    recipient or a user's sender id); None for a platform no connector serves."""
    platform = recipient.split(":", 1)[0]
    return OUTPUT_CHANNELS.get(platform)
