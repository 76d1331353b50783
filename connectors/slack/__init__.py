"""Slack connector: Bolt AsyncApp over Socket Mode and/or the Events API (credentials key
``connectors.slack.SlackInput``). Modules: settings, transport, translate (events in), render (Block Kit out)."""
from connectors.slack.channel import SlackInput, SlackOutput

__all__ = ["SlackInput", "SlackOutput"]
