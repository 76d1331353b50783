"""Stock alerts on SNS: one message per item that ran out or came back (``kind`` stock_out / stock_resolved), and a
per-file summary of bad rows (``kind`` stock_bad_rows), each a JSON body with a short subject for e-mail readers.
The topic is created on demand (CreateTopic returns the existing one)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from actions.aws.errors import BOTO_ERRORS, from_boto
from actions.aws.inventory.csv_rows import BadRow
from actions.aws.inventory.store import Source, Transition

TOPIC = "inventory-alerts"
KIND_OUT = "stock_out"
KIND_RESOLVED = "stock_resolved"
KIND_BAD_ROWS = "stock_bad_rows"
MAX_SUBJECT = 99  # SNS: under 100 ASCII characters
PUBLISH_BATCH = 10  # entries of one PublishBatch


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def subject(text: str) -> str:
    """SNS subjects are printable ASCII under 100 characters: accents dropped, the rest cut with an ellipsis."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    plain = "".join(ch for ch in plain if ch.isprintable()).strip() or "Inventory alert"
    return plain if len(plain) <= MAX_SUBJECT else plain[:MAX_SUBJECT - 3] + "..."


def source_of(source: Source) -> dict[str, str]:
    return {"bucket": source.bucket, "key": source.key, "version": source.version, "etag": source.etag}


def transition_message(transition: Transition) -> tuple[str, str, dict[str, Any]]:
    """(kind, subject, body) of the message for one transition."""
    body = {"kind": KIND_OUT if transition.kind == "out" else KIND_RESOLVED, "store": transition.store,
            "item": transition.item, "count": transition.count, "previous": transition.previous,
            "source": source_of(transition.source), "at": transition.source.event_time}
    if transition.kind == "out":
        title = f"Out of stock: {transition.item} in {transition.store}"
    else:
        title = f"Back in stock: {transition.item} in {transition.store} ({transition.count})"
    return str(body["kind"]), subject(title), body


def bad_rows_message(source: Source, bad: Sequence[BadRow], total: int, loaded: int) -> tuple[str, dict[str, Any]]:
    """(subject, body) of a file's bad-rows summary: the first rows with their reasons, and how many in all."""
    name = source.key.rsplit("/", 1)[-1]
    body = {"kind": KIND_BAD_ROWS, "source": source_of(source), "at": source.event_time, "bad_rows": total,
            "loaded_rows": loaded, "rows": [{"row": row.row, "reason": row.reason} for row in bad],
            "more": max(0, total - len(bad))}
    return subject(f"Inventory file {name}: {total} bad row{'s' if total != 1 else ''}"), body


class StockAlerts:
    """Publishes to the alerts topic (``sns`` a boto3 SNS client)."""

    def __init__(self, sns: Any, *, topic: str = TOPIC) -> None:
        self.sns = sns
        self.topic = topic
        self._arn: str | None = None

    def topic_arn(self) -> str:
        if self._arn is None:
            try:
                self._arn = str(self.sns.create_topic(Name=self.topic)["TopicArn"])
            except BOTO_ERRORS as exc:
                raise from_boto(exc, topic=self.topic) from exc
        return self._arn

    def publish_transitions(self, transitions: Sequence[Transition]) -> int:
        """One message per transition, ten a request; returns how many SNS accepted (failures are logged by the
        caller from the difference)."""
        entries = []
        for n, found in enumerate(transitions):
            kind, title, body = transition_message(found)
            entries.append({"Id": str(n), "Message": json.dumps(body, ensure_ascii=False), "Subject": title,
                            "MessageAttributes": _kind(kind)})
        sent = 0
        for start in range(0, len(entries), PUBLISH_BATCH):
            try:
                response = self.sns.publish_batch(TopicArn=self.topic_arn(),
                                                  PublishBatchRequestEntries=entries[start:start + PUBLISH_BATCH])
            except BOTO_ERRORS as exc:
                raise from_boto(exc, topic=self.topic) from exc
            sent += len(response.get("Successful", []))
        return sent

    def publish_bad_rows(self, source: Source, bad: Sequence[BadRow], total: int, loaded: int) -> None:
        title, body = bad_rows_message(source, bad, total, loaded)
        try:
            self.sns.publish(TopicArn=self.topic_arn(), Subject=title, Message=json.dumps(body, ensure_ascii=False),
                             MessageAttributes=_kind(KIND_BAD_ROWS))
        except BOTO_ERRORS as exc:
            raise from_boto(exc, topic=self.topic) from exc


def _kind(kind: str) -> dict[str, Any]:
    return {"kind": {"DataType": "String", "StringValue": kind}}
