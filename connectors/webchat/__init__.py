"""CloudButler's own web chat: a Rasa input channel serving a chat page, an embeddable widget and JSON routes."""
from connectors.webchat.channel import WebChatInput
from connectors.webchat.mailbox import Mailbox
from connectors.webchat.output import MailboxOutput, WebChatOutput

__all__ = ["Mailbox", "MailboxOutput", "WebChatInput", "WebChatOutput"]
