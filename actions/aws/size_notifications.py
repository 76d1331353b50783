"""A bucket's event notification configuration, merged rather than replaced: size tracking adds or removes only its
own queue configuration (by Id) and keeps every other queue, topic, Lambda function and EventBridge setting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONFIGURATION_ID = "cloudbutler-size-tracking"
EVENTS = ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
_FAMILIES = {event.rsplit(":", 1)[0] for event in EVENTS}  # s3:ObjectCreated, s3:ObjectRemoved
# configuration list -> (kind, ARN field)
_LISTS = {
    "QueueConfigurations": ("queue", "QueueArn"),
    "TopicConfigurations": ("topic", "TopicArn"),
    "LambdaFunctionConfigurations": ("lambda", "LambdaFunctionArn"),
}


@dataclass(frozen=True)
class NotificationTarget:
    kind: str  # "queue", "topic", "lambda" or "eventbridge"
    arn: str  # "" for EventBridge
    events: tuple[str, ...]
    id: str = ""


def current(s3: Any, bucket: str) -> dict[str, Any]:
    """The configuration as S3 returns it, without the response metadata."""
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    return {name: value for name, value in config.items() if name != "ResponseMetadata"}


def targets(config: dict[str, Any]) -> list[NotificationTarget]:
    """Every target of the configuration except ours."""
    found: list[NotificationTarget] = []
    for name, (kind, arn_field) in _LISTS.items():
        for entry in config.get(name, []):
            if is_ours(name, entry):
                continue
            found.append(NotificationTarget(kind=kind, arn=str(entry.get(arn_field, "")),
                                            events=tuple(entry.get("Events", [])), id=str(entry.get("Id", ""))))
    if "EventBridgeConfiguration" in config:
        found.append(NotificationTarget(kind="eventbridge", arn="", events=()))
    return found


def overlapping(found: list[NotificationTarget]) -> list[NotificationTarget]:
    """Targets S3 would not accept ours beside: configurations may not share an event type unless their key filters
    are disjoint, and ours filters nothing. EventBridge receives every event without a configuration of its own."""
    return [target for target in found
            if any(event.rsplit(":", 1)[0] in _FAMILIES for event in target.events)]


def is_ours(name: str, entry: dict[str, Any]) -> bool:
    return name == "QueueConfigurations" and entry.get("Id") == CONFIGURATION_ID


def has_ours(config: dict[str, Any]) -> bool:
    return any(is_ours("QueueConfigurations", entry) for entry in config.get("QueueConfigurations", []))


def with_ours(config: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The configuration with our queue configuration in place of any earlier one of ours."""
    merged = without_ours(config)
    merged.setdefault("QueueConfigurations", []).append(
        {"Id": CONFIGURATION_ID, "QueueArn": queue_arn, "Events": list(EVENTS)})
    return merged


def without_ours(config: dict[str, Any]) -> dict[str, Any]:
    merged = {name: value for name, value in config.items() if name not in _LISTS}
    for name in _LISTS:
        kept = [entry for entry in config.get(name, []) if not is_ours(name, entry)]
        if kept:
            merged[name] = kept
    return merged
