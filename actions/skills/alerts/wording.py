"""Every user-facing word of the alert skills: what a channel gets, the questions before subscribing or stopping, the
answers, acknowledgements, and the failures of these skills (registered with ``actions.core.errors``)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from actions.core import errors
from actions.core.formatting import and_join

# topic kind -> what it is called, and what it brings
TOPIC_NAMES = {"stock": "stock alerts", "alarms": "CloudWatch alarms"}
TOPIC_CONTENTS = {
    "stock": "an item running out of stock or coming back, and bad rows in an inventory file",
    "alarms": "each CloudWatch alarm of the account going into ALARM or back to OK",
}
# what a user says to stop each (and both)
STOP_EXAMPLES = {("stock",): "stop stock alerts here", ("alarms",): "stop alarm alerts here",
                 ("stock", "alarms"): "stop all alerts here"}
START_EXAMPLES = {("stock",): "send stock alerts to this channel", ("alarms",): "post alarms here",
                  ("stock", "alarms"): "subscribe this channel to all alerts"}

HERE = {"channel": "this channel", "conversation": "this conversation"}

SUBSCRIBE_YES = "Subscribe {here}"
UNSUBSCRIBE_YES = "Stop them"


def names(topics: Sequence[str]) -> str:
    """"stock alerts and CloudWatch alarms"."""
    return and_join([TOPIC_NAMES[t] for t in topics])


def stop_example(topics: Sequence[str]) -> str:
    return STOP_EXAMPLES.get(tuple(topics), STOP_EXAMPLES[("stock", "alarms")])


def start_example(topics: Sequence[str]) -> str:
    return START_EXAMPLES.get(tuple(topics), START_EXAMPLES[("stock", "alarms")])


def contents(topics: Sequence[str]) -> str:
    return "; ".join(f"{TOPIC_NAMES[t]}: {TOPIC_CONTENTS[t]}" for t in topics)


def subscribe_question(topics: Sequence[str], kept: Sequence[str], where: str) -> str:
    here = HERE[where]
    text = (f"Post {names(topics)} into {here}? It will get {contents(topics)}. Each alert comes with an "
            f"Acknowledge button that anyone here can press.")
    if kept:
        text += f" ({here.capitalize()} already gets {names(kept)}.)"
    return text + f" To stop them later, say \"{stop_example(topics)}\"."


def subscribed(topics: Sequence[str], all_topics: Sequence[str], where: str) -> str:
    here = HERE[where]
    return (f"Done: {here} now gets {names(all_topics)}. The next alert will appear here as it happens. To stop, "
            f"say \"{stop_example(topics)}\".")


def already_subscribed(topics: Sequence[str], where: str) -> str:
    return (f"{HERE[where].capitalize()} already gets {names(topics)} - nothing to change. To stop, say "
            f"\"{stop_example(topics)}\".")


def unsubscribe_question(topics: Sequence[str], kept: Sequence[str], where: str) -> str:
    here = HERE[where]
    text = f"Stop posting {names(topics)} into {here}?"
    text += f" It keeps getting {names(kept)}." if kept else " It will get no alerts from me after that."
    return text + f" You can start again any time with \"{start_example(topics)}\"."


def unsubscribed(topics: Sequence[str], kept: Sequence[str], where: str) -> str:
    here = HERE[where]
    rest = f"it still gets {names(kept)}" if kept else "it gets no alerts now"
    return f"Done: I no longer post {names(topics)} into {here}; {rest}. To start again, say " \
           f"\"{start_example(topics)}\"."


def nothing_to_stop(topics: Sequence[str], current: Sequence[str], where: str) -> str:
    here = HERE[where]
    now = f"It gets {names(current)}." if current else "It gets no alerts from me."
    return f"{here.capitalize()} doesn't get {names(topics)}, so there is nothing to stop. {now}"


def what_here(current: Sequence[str], where: str) -> str:
    here = HERE[where]
    if not current:
        return (f"{here.capitalize()} gets no alerts from me. Say \"send stock alerts to this channel\", \"post alarms "
                "here\" or \"subscribe this channel to all alerts\" to start.")
    missing = [t for t in TOPIC_NAMES if t not in current]
    more = f" Say \"{start_example(missing)}\" to add {names(missing)}." if missing else ""
    return (f"{here.capitalize()} gets {names(current)} ({contents(current)}).{more} To stop, say "
            f"\"{stop_example(current)}\".")


# --- acknowledgements ----------------------------------------------------------------------------------------------
ACKNOWLEDGED = "Acknowledged by {user}: {title}"
ACKNOWLEDGED_UNTITLED = "Acknowledged by {user}."
ALREADY_ACKNOWLEDGED = "{user} already acknowledged this alert on {at}: {title}"
ALERT_MISSING = (
    "That button didn't say which alert it is for, so I acknowledged nothing. Use the Acknowledge button under the "
    "alert itself."
)
ALERT_UNKNOWN = (
    "I can't find that alert among the ones I posted here (alerts older than 30 days are forgotten), so I "
    "acknowledged nothing."
)


def moment(at: int) -> str:
    """"2 Dec 06:03 UTC"."""
    value = datetime.fromtimestamp(at, UTC)
    return f"{value.day} {value:%b %H:%M} UTC"


def acknowledged(user: str, title: str) -> str:
    return ACKNOWLEDGED.format(user=user, title=title) if title else ACKNOWLEDGED_UNTITLED.format(user=user)


def already_acknowledged(user: str, at: int, title: str) -> str:
    text = ALREADY_ACKNOWLEDGED.format(user=user, at=moment(at), title=title)
    return text if title else text.removesuffix(": ") + "."


# --- failures ------------------------------------------------------------------------------------------------------
ERRORS = {
    "alerts_no_channel": (
        "I can't tell which channel this is, so I can't change what it receives. Ask me in the Slack or Discord "
        "channel (or the web chat) that should get the alerts."
    ),
    "alerts_platform_unsupported": (
        "I can post alerts into Slack and Discord channels and the web chat, not into this {platform} "
        "conversation. Ask me there."
    ),
    "alerts_other_channel": (
        "That question was about another channel, so I changed nothing here. Ask again in the channel that should "
        "get the alerts."
    ),
}
errors.register(ERRORS)
