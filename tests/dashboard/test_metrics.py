"""/metrics scraped as Prometheus does (the token as a bearer), parsed line by line: every sample of a declared
family, histograms cumulative up to +Inf = count, labels bounded (no sender id, bucket or instance name anywhere),
and the figures from the tracker store, the audit log and the queues."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import requests

from actions.dashboard.metrics import MAX_CODES, AuditTally, bounded_codes
from tests.analytics import conversations
from tests.dashboard.conftest import TOKEN, Dashboard
from tests.dashboard.exposition import parse


def scrape(dashboard: Dashboard) -> str:
    answer = requests.get(f"{dashboard.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return answer.text


def test_metrics_parse_and_carry_the_assistant_figures(dashboard: Dashboard) -> None:
    types, samples = parse(scrape(dashboard))
    assert types["cloudbutler_requests_total"] == "counter"
    assert types["cloudbutler_action_latency_seconds"] == "histogram"
    requests_by = {(s["intent"], s["channel"], s["outcome"]): v for s, v in samples["cloudbutler_requests_total"]}
    assert sum(requests_by.values()) > 0
    assert {channel for _, channel, _ in requests_by} >= {"slack", "discord"}
    assert {outcome for _, _, outcome in requests_by} <= {"answered", "fallback", "failure"}
    by_action: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for labels, value in samples["cloudbutler_action_latency_seconds_bucket"]:
        by_action[labels["action"]].append((float(labels["le"]), value))
    counts = {labels["action"]: value for labels, value in samples["cloudbutler_action_latency_seconds_count"]}
    assert by_action
    for action, buckets in by_action.items():
        values = [value for _, value in sorted(buckets)]
        assert values == sorted(values), f"{action}: buckets must be cumulative"
        assert sorted(buckets)[-1] == (float("inf"), counts[action])
    assert {labels["outcome"] for labels, _ in samples["cloudbutler_confirmations_total"]}


def test_metrics_queues_storage_and_alerts(dashboard: Dashboard) -> None:
    types, samples = parse(scrape(dashboard))
    queues = {(labels["queue"], labels["state"]) for labels, _ in samples["cloudbutler_queue_messages"]}
    assert ("size-events", "visible") in queues and ("inventory", "in_flight") in queues
    assert types["cloudbutler_queue_oldest_message_age_seconds"] == "gauge"
    classes = {labels["storage_class"]: value for labels, value in samples["cloudbutler_storage_bytes"]}
    assert classes.get("STANDARD", 0) > 0
    assert {labels["state"] for labels, _ in samples["cloudbutler_alarms"]} == {"ALARM", "INSUFFICIENT_DATA", "OK"}
    assert samples["cloudbutler_out_of_stock_items"][0][1] > 0


def test_no_unbounded_label_ever(dashboard: Dashboard) -> None:
    text = scrape(dashboard)
    buckets = requests.get(f"{dashboard.url}/api/v1/buckets", headers={"Authorization": f"Bearer {TOKEN}"},
                           timeout=30).json()["buckets"]
    fleet = requests.get(f"{dashboard.url}/api/v1/recommendations", headers={"Authorization": f"Bearer {TOKEN}"},
                         timeout=30).json()["instances"]
    names = [b["name"] for b in buckets] + [i["name"] for i in fleet] + [i["id"] for i in fleet]
    assert names
    for forbidden in [*conversations.SENDERS.values(), *conversations.SENDERS, *names]:
        assert f'"{forbidden}"' not in text and forbidden not in text, forbidden
    _, samples = parse(text)
    for rows in samples.values():
        assert {key for labels, _ in rows for key in labels} <= {"intent", "channel", "outcome", "action", "le",
                                                                 "queue", "state", "code", "storage_class", "part"}


def test_aws_errors_by_code_come_from_the_audit_log(dashboard: Dashboard) -> None:
    _, before = parse(scrape(dashboard))
    assert before["cloudbutler_aws_errors_total"] == []
    lines = [{"id": "1", "action": "delete_bucket", "result": "attempted"},
             {"id": "1", "action": "delete_bucket", "result": "error", "detail": "AccessDenied"},
             {"id": "2", "action": "create_bucket", "result": "error", "detail": "BucketAlreadyExists"},
             {"id": "3", "action": "upload_file", "result": "error", "detail": "AccessDenied"},
             {"id": "4", "action": "upload_file", "result": "ok"}]
    with dashboard.audit_log.open("a") as log:
        log.writelines(json.dumps(line) + "\n" for line in lines)
        log.write('{"id": "5", "result": "error", "detail": "Throttling"')  # torn: not counted until finished
    _, after = parse(scrape(dashboard))
    assert {s["code"]: v for s, v in after["cloudbutler_aws_errors_total"]} == {"AccessDenied": 2,
                                                                               "BucketAlreadyExists": 1}
    with dashboard.audit_log.open("a") as log:
        log.write("}\n")
    _, last = parse(scrape(dashboard))
    assert {s["code"]: v for s, v in last["cloudbutler_aws_errors_total"]} == {
        "AccessDenied": 2, "BucketAlreadyExists": 1, "Throttling": 1}


def test_error_codes_are_bounded() -> None:
    counts = {f"Code{n}": 100 - n for n in range(MAX_CODES + 5)} | {'bad"code\n': 7}
    kept = bounded_codes(counts)
    assert len(kept) == MAX_CODES + 1
    assert kept["other"] == sum(100 - n for n in range(MAX_CODES, MAX_CODES + 5)) + 7


def test_a_rotated_audit_log_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    tally = AuditTally(path)
    assert tally.read() == {}
    path.write_text("\n".join([json.dumps({"result": "error", "detail": "NoSuchBucket"})] * 3) + "\n")
    assert tally.read() == {"NoSuchBucket": 3}
    path.write_text(json.dumps({"result": "error", "detail": "AccessDenied"}) + "\n")  # shorter: a new file
    assert tally.read() == {"AccessDenied": 1}


def test_metrics_need_the_token(dashboard: Dashboard) -> None:
    assert requests.get(f"{dashboard.url}/metrics", timeout=30).status_code == 401
