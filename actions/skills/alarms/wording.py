"""What the alarm skills say: the one question for missing pieces, the proposal (exactly what will be created and
where its alerts go), the result, the alarm list with its states in colour words, and the replies to their failures
(registered with ``actions.core.errors``)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actions.aws.alarms import AlarmInfo, AlarmSpec, number_text
from actions.core import errors
from actions.core.formatting import and_join, format_bytes, plural, when
from actions.core.wording import NOTHING_CHANGED

SUBSCRIBE_HINT = "send alarm alerts here"
EXAMPLE = "alert me when {instance} {metric} goes over {threshold} for 10 minutes"
METRIC_WORDS = {"cpu": "cpu", "network_in": "network in", "network_out": "network out", "status_check": "cpu"}
KNOWN_METRICS = "CPU, network in, network out or status checks"

# --- the one question for what is missing ----------------------------------------------------------------------------
NEED_START = "Happy to set up that alarm - I just need "
MISSING = {
    "instance": "the instance",
    "metric": f"what to watch ({KNOWN_METRICS})",
    "threshold": "the threshold (e.g. 80%)",
}
NEED = NEED_START + "{missing}. Say e.g. \"{example}\".{known}"
KNOWN_INSTANCES = " Your instances: {known}."
AGENT_ONLY = (
    "EC2 doesn't measure {metric} inside the instance, so there is no {metric} metric to alarm on unless the "
    "CloudWatch agent publishes one. I can alarm on " + KNOWN_METRICS.replace(" or ", " and ") + ". " + NOTHING_CHANGED
)


def need(missing: Sequence[str], *, instance: str | None, metric: str | None, known: Sequence[str]) -> str:
    example = EXAMPLE.format(instance=instance or (known[0] if known else "web-2"),
                             metric=METRIC_WORDS.get(metric or "cpu", "cpu"),
                             threshold="500 MB" if metric in ("network_in", "network_out") else "80%")
    listed = KNOWN_INSTANCES.format(known=", ".join(known) or "none") if "instance" in missing else ""
    return NEED.format(missing=and_join([MISSING[part] for part in missing]), example=example, known=listed)


# --- the proposal and the result ---------------------------------------------------------------------------------------
def condition(spec: AlarmSpec) -> str:
    """When it fires, in words: "web-2's average CPU is above 80% for 10 minutes (2 checks of 5 minutes)"."""
    watched = spec.watched
    if watched.key == "status_check":
        what = f"{spec.label} fails a status check (the instance's or AWS's system check)"
    elif watched.unit == "percent":
        what = f"{spec.label}'s average CPU is {spec.direction} {number_text(spec.threshold)}%"
    else:
        words = "network in (bytes received" if watched.key == "network_in" else "network out (bytes sent"
        what = f"{spec.label}'s {words} per datapoint) is {spec.direction} {format_bytes(spec.threshold)}"
    minutes = spec.minutes
    span = plural(minutes, "minute", grouped=False) if minutes < 60 or minutes % 60 else plural(
        minutes // 60, "hour", grouped=False)
    if spec.periods > 1:
        check = plural(spec.period // 60, "minute", grouped=False)
        span += f" ({spec.periods} checks of {check})"
    return f"{what} for {span}"


DETAILED_NOTE = (
    " One-minute checks need detailed monitoring on the instance; with basic monitoring EC2 reports every five "
    "minutes."
)
WHERE_ALERTS_GO = (
    "Alerts reach the chat channels subscribed to alarm alerts - say \"" + SUBSCRIBE_HINT + "\" in a channel to get "
    "them there."
)
CONFIRM = (
    "Create the CloudWatch alarm \"{name}\"? It fires when {condition}, and notifies the {topic} topic when it fires "
    "and when it is OK again.{note} " + WHERE_ALERTS_GO
)
CONFIRM_REPLACE = (
    "Replace the alarm \"{name}\" (now: {old}, {state}) with one that fires when {condition}? It notifies the "
    "{topic} topic when it fires and when it is OK again.{note} " + WHERE_ALERTS_GO
)
YES = "Create alarm"
YES_REPLACE = "Replace alarm"
DONE = (
    "Created the alarm \"{name}\": it fires when {condition}. It has no data yet and is checked as datapoints "
    "arrive. " + WHERE_ALERTS_GO
)
DONE_REPLACED = "Replaced the alarm \"{name}\": it now fires when {condition}. " + WHERE_ALERTS_GO

# --- the list ----------------------------------------------------------------------------------------------------------
STATE_WORDS = {"ALARM": "ALARM (red)", "OK": "OK (green)", "INSUFFICIENT_DATA": "insufficient data (grey)"}
# in the order the list shows them (actions.aws.alarms.STATES)
STATE_COUNTS = {"ALARM": "in ALARM (red)", "INSUFFICIENT_DATA": "with insufficient data (grey)", "OK": "OK (green)"}
NO_ALARMS = (
    "There are no CloudWatch alarms here yet. Say e.g. \"alert me when web-2 cpu goes over 80% for 10 minutes\" to "
    "create one."
)
NO_ALARMS_ON = "No alarm watches {name}. Say e.g. \"alert me when {name} cpu goes over 80% for 10 minutes\" to create one."
LIST_TITLE = "{alarms}{on}: {counts}."
ALARM_LINE = "- {name}: {state} since {since} - {condition}{on}"
COLUMNS = ("Alarm", "State", "Condition", "Since")
MAX_LISTED = 40  # a chat message stays readable (and under every platform's limit); the ones in ALARM come first
MORE = "... and {more} more (say \"alarms on <instance>\" to see one instance's)."


def state_words(state: str) -> str:
    return STATE_WORDS.get(state, state)


def alarm_list(alarms: Sequence[AlarmInfo], names: Mapping[str, str], *, instance: str | None = None
               ) -> dict[str, Any]:
    """The text (every alarm, its state, condition and since when; the reason of those in ALARM) and the table."""
    if not alarms:
        return {"text": NO_ALARMS_ON.format(name=instance) if instance else NO_ALARMS}
    tally = {state: sum(1 for a in alarms if a.state == state) for state in STATE_COUNTS}
    counts = [f"{count} {STATE_COUNTS[state]}" for state, count in tally.items() if count]
    title = LIST_TITLE.format(alarms=plural(len(alarms), "alarm"), on=f" on {instance}" if instance else "",
                              counts=", ".join(counts))
    lines, rows = [title], []
    for alarm in alarms[:MAX_LISTED]:
        on = f" on {names.get(alarm.instance_id, alarm.instance_id)}" if alarm.instance_id and not instance else ""
        since = when(alarm.updated)
        lines.append(ALARM_LINE.format(name=alarm.name, state=state_words(alarm.state), since=since,
                                       condition=alarm.condition, on=on))
        if alarm.state == "ALARM" and alarm.reason:
            lines.append(f"  {alarm.reason}")
        rows.append([alarm.name, state_words(alarm.state), alarm.condition + on, since])
    if len(alarms) > MAX_LISTED:
        more = MORE.format(more=len(alarms) - MAX_LISTED)
        lines.append(more)
        rows.append([more, "", "", ""])
    table = {"title": title, "columns": list(COLUMNS), "rows": rows}
    return {"text": "\n".join(lines), "json_message": {"table": table}}


# --- failures ----------------------------------------------------------------------------------------------------------
errors.register({
    "alarm_exists": (
        "There already is an alarm called \"{alarm}\" ({condition}, now {state}). " + NOTHING_CHANGED + " To change "
        "it, ask again and add \"replace the existing alarm\"."
    ),
    "unknown_alarm_metric": "I can't alarm on \"{metric}\"; I can watch " + KNOWN_METRICS + ". " + NOTHING_CHANGED,
    "alarm_duration_out_of_range": (
        "An alarm can look back at most {max_hours} hours, in one- or five-minute checks; {minutes} minutes doesn't "
        "fit. " + NOTHING_CHANGED
    ),
    "percent_out_of_range": "CPU is a percentage, so {threshold}% can never be crossed. " + NOTHING_CHANGED,
    "negative_threshold": "A threshold of {threshold} can never be crossed. " + NOTHING_CHANGED,
    "alarm_denied": "AWS didn't let me create \"{alarm}\": my IAM policy needs {permission}. " + NOTHING_CHANGED,
    "alarm_limit": "CloudWatch's limit of alarms in this account is reached, so \"{alarm}\" wasn't created. Delete "
                   "alarms you no longer need, or ask AWS for a higher limit.",
    "alarms_denied": "AWS didn't let me list the alarms: my IAM policy needs {permission}.",
})
