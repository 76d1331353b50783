"""What the instance-control skill says: the questions (with the downtime each change costs), progress, results, and
the replies to its failures (registered with ``actions.core.errors``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.core import errors
from actions.core.wording import NOTHING_CHANGED

NEED_INSTANCE = "Which instance should I {operation}? Say e.g. \"{operation} web-2\". Your instances: {known}."
NEED_OPERATION = "What should I do with {name}: start, stop, reboot or resize it?"
NEED_TYPE = (
    "Which instance type should {name} become? It is a {current} now; say e.g. \"resize {name} to {example}\"."
)
OPERATION_BUTTONS = ("start", "stop", "reboot")

# --- questions: exactly what happens, downtime included ------------------------------------------------------------
CONFIRM = {
    "start": (
        "Start {name} ({instance_id}, {type})? It is stopped now and will be running in about a minute, billed from "
        "then; it gets a new public IP unless it has an Elastic IP."
    ),
    "stop": (
        "Stop {name} ({instance_id}, {type})? It goes offline until someone starts it again{ip_note}. Its EBS "
        "volumes keep their data; anything on instance-store volumes is lost."
    ),
    "reboot": (
        "Reboot {name} ({instance_id}, {type})? Its operating system restarts: about a minute of downtime. It stays "
        "on the same host and keeps its IP addresses."
    ),
    "resize": (
        "Resize {name} ({instance_id})? {name} will be stopped, changed from {type} to {target} and started again: "
        "about 1-2 minutes of downtime; its public IP may change. I will ask once more before stopping it."
    ),
    "resize_stopped": (
        "Resize {name} ({instance_id})? It is stopped: its type changes from {type} to {target} and it stays "
        "stopped. I will ask once more before changing it."
    ),
}
IP_NOTE = "; its public IP {ip} is released and it gets a new one when it starts, unless it has an Elastic IP"
YES = {"start": "Start {name}", "stop": "Stop {name}", "reboot": "Reboot {name}", "resize": "Resize {name}"}
CONFIRM_RESIZE_AGAIN = (
    "Last check: as soon as you press \"{button}\", {name} goes offline for about 1-2 minutes while it becomes a "
    "{target}. Only that button goes ahead."
)
CONFIRM_RESIZE_STOPPED_AGAIN = "Last check: change {name} (stopped) from {type} to {target}? Only the button goes ahead."
RESIZE_NOW = "Resize {name} now"

# --- running and done ---------------------------------------------------------------------------------------------
WORKING = {
    "start": "Starting {name} - I'll tell you when it is running.",
    "stop": "Stopping {name} - I'll tell you when it has stopped.",
    "resize": "Resizing {name} from {type} to {target}. I'll tell you each step; it takes about 1-2 minutes.",
}
RESIZE_PROGRESS = (
    "Stopping {name}...",
    "{name} has stopped; changing its type to {target}...",
    "{name} is a {target} now; starting it again...",
    "{name} is starting as a {target}...",
)
DONE = {
    "start": "{name} is running ({type}){ip}.",
    "stop": "{name} has stopped. Say \"start {name}\" to start it again.",
    "reboot": "Rebooting {name}: its operating system is restarting and should answer again within a minute or two.",
    "resize": "Resized {name}: it is running as a {type} now (was {was_type}){ip}.",
    "resize_stopped": "{name} is a {type} now (was {was_type}); it is still stopped.",
}
PUBLIC_IP = ", public IP {ip}"
RESIZE_STOPPED_BY_USER = "Stopped resizing {name} as you asked: it is {state} on {type}{as_before}."
AS_BEFORE = " as before"
JOB_TITLE = {"start": "starting {name}", "stop": "stopping {name}", "resize": "resizing {name}"}

# --- failures -----------------------------------------------------------------------------------------------------
_ALREADY = {
    ("start", "running"): "{name} is already running. " + NOTHING_CHANGED,
    ("start", "pending"): "{name} is already starting. " + NOTHING_CHANGED,
    ("stop", "stopped"): "{name} is already stopped. " + NOTHING_CHANGED,
    ("stop", "stopping"): "{name} is already stopping. " + NOTHING_CHANGED,
    ("start", "stopping"): "{name} is still stopping; ask me again to start it once it has stopped. " + NOTHING_CHANGED,
    ("stop", "pending"): "{name} is still starting; ask me again to stop it once it is running. " + NOTHING_CHANGED,
    ("reboot", "stopped"): "{name} is stopped, so there is nothing to reboot. Say \"start {name}\" to start it.",
}
WRONG_STATE = (
    "{name} is {state} right now, so I can't {operation} it. Wait until it is running or stopped. " + NOTHING_CHANGED
)


def wrong_state(d: Mapping[str, Any]) -> str:
    template = _ALREADY.get((str(d["operation"]), str(d["state"])), WRONG_STATE)
    return template.format(**d)


def _put_back(d: Mapping[str, Any]) -> str:
    """What a failed resize left: the original type and state restored, or what to check."""
    if d.get("restored") is None:
        return NOTHING_CHANGED
    if d["restored"]:
        state = "started it again: it is running as it was" if d["was"] == "running" else "it is stopped, as it was"
        return f"I put it back on {d['original']} and {state}."
    return (
        f"I could not put it back, so please check {d['name']} in the EC2 console: it should be a {d['original']} "
        f"and {d['was']}."
    )


def _capacity(d: Mapping[str, Any]) -> str:
    if d.get("operation") == "resize":
        return (f"AWS has no spare {d['target']} capacity in {d['zone']} right now, so {d['name']} could not start as "
                f"one. {_put_back(d)} Try again later or choose another type.")
    return (f"AWS has no spare {d['current']} capacity in {d['zone']} right now, so {d['name']} could not start. It is "
            "still stopped; try again in a few minutes.")


def _incompatible(d: Mapping[str, Any]) -> str:
    if d.get("operation") != "resize":
        return f"EC2 refused to {d['operation']} {d['name']} ({d['aws_code']}). {NOTHING_CHANGED}"
    return (f"EC2 won't run {d['name']} as a {d['target']} ({d['aws_code']}): that type doesn't support its image, "
            f"network (ENA) or storage setup. {_put_back(d)}")


def _denied(d: Mapping[str, Any]) -> str:
    after = f" {_put_back(d)}" if d.get("operation") == "resize" else f" {NOTHING_CHANGED}"
    return f"AWS didn't let me {d['operation']} {d['name']}: my IAM policy needs {d['permission']}.{after}"


def _timeout(d: Mapping[str, Any]) -> str:
    text = f"{d['name']} did not get to \"{d['state']}\" within {d['minutes']} minutes."
    if d.get("operation") == "resize":
        return f"{text} {_put_back(d)}"
    return f"{text} Please check it in the EC2 console."


errors.register({
    "instance_protected": (
        "{name} is tagged {tag}=true, so I won't {operation} it from chat. " + NOTHING_CHANGED + " If it should be "
        "changeable here, remove the tag in the EC2 console."
    ),
    "wrong_state": wrong_state,
    "ambiguous_instance": (
        "More than one instance is called {name}: {ids}. Tell me which one by its id. " + NOTHING_CHANGED
    ),
    "same_instance_type": "{name} already is a {current}. " + NOTHING_CHANGED,
    "unknown_instance_type": (
        "EC2 has no instance type called \"{target}\". Types look like t3.small or m5.large. " + NOTHING_CHANGED
    ),
    "architecture_mismatch": (
        "{target} runs {supported} only, but {name}'s image is built for {architecture}, so it could not boot on it. "
        "Choose a {architecture} type. " + NOTHING_CHANGED
    ),
    "type_not_offered": "{target} isn't offered in {zone}, where {name} runs. " + NOTHING_CHANGED,
    "insufficient_capacity": _capacity,
    "incompatible_type": _incompatible,
    "change_denied": _denied,
    "instance_wait_timeout": _timeout,
    "resize_failed": lambda d: f"Resizing {d['name']} to {d['target']} failed ({d['aws_code']}). {_put_back(d)}",
})
