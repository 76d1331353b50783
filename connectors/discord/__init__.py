"""Discord connector: discord.py gateway client on the Rasa server's loop (credentials key
``connectors.discord.DiscordInput``). Modules: settings, transport (gateway), translate (events in),
render (replies out), channel (the Rasa channel pair)."""
from connectors.discord.channel import DiscordInput, DiscordOutput

__all__ = ["DiscordInput", "DiscordOutput"]
