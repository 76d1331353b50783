"""CloudButler's own web chat: a Rasa input channel serving a chat page, an embeddable widget and JSON routes
(credentials key ``connectors.webchat.WebChatInput``). Modules: settings, sessions (ids the server signs),
protocol (requests in, whole messages out), uploads, mailbox (messages sent later), output, channel."""
from connectors.webchat.channel import WebChatInput
from connectors.webchat.mailbox import Mailbox
from connectors.webchat.output import MailboxOutput, WebChatOutput

__all__ = ["Mailbox", "MailboxOutput", "WebChatInput", "WebChatOutput"]
