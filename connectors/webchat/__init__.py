"""CloudButler's own web chat: a Rasa input channel serving a chat page, an embeddable widget and JSON routes."""
from connectors.webchat.channel import WebChatInput, WebChatOutput

__all__ = ["WebChatInput", "WebChatOutput"]
