"""Cost skills against moto: exact figures of an analysis worked out from the price table's constants, the chart
file, background analyses, and the lifecycle proposal -> pending slot -> yes/no -> what S3 holds and the audit log."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from botocore.awsrequest import AWSResponse

from actions.aws.clients import ClientFactory
from actions.aws.cost.model import BucketStats
from actions.aws.cost.pricing import pricing_for
from actions.aws.cost.recommend import build_report
from actions.core import errors
from actions.core.audit import AuditLog
from actions.core.base import implemented_skills
from actions.core.confirmation import change_of
from actions.core.formatting import format_money
from actions.core.jobs import JobRunner
from actions.core.late import RasaPoster, Reply
from actions.skills.conversation import ActionCancel, ActionConfirm, ActionLateMessage
from actions.skills.cost import wording
from actions.skills.cost.analysis import ActionCostOptimization, analysis_replies
from actions.skills.cost.base import CostSettings
from actions.skills.cost.lifecycle import ActionApplyLifecycle, ActionShowLifecycle, rules_from_slot, rules_to_slot
from tests.actions.harness import answer_to, asked, run_action, talked_about, tracker_for, yes_payload
from tests.actions.skills.storage.support import audit_outcomes
from tests.fakes.moto_s3 import set_last_modified

GB = 2**30
KB = 1024
MB = 1024 * KB
# us-east-1 prices from actions/aws/cost/pricing_table.json (USD per GB-month; per 1,000 transitions)
STANDARD, IA, DEEP = 0.023, 0.0125, 0.00099
T_IA, T_DEEP = 0.01, 0.05
OVERHEAD_DEEP = 32768 / GB * DEEP + 8192 / GB * STANDARD

USER_RULE: dict[str, Any] = {
    "ID": "archive-app-logs",
    "Filter": {"Prefix": "logs/"},
    "Status": "Enabled",
    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 365, "StorageClass": "GLACIER"}],
    "Expiration": {"Days": 730},
}
CLEANUP_RULE: dict[str, Any] = {
    "ID": "cloudbutler-cleanup",
    "Status": "Enabled",
    "Filter": {"Prefix": ""},
    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
}


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    return aws.client("s3")


@pytest.fixture
def make_bucket(s3: Any) -> Callable[..., str]:
    """A bucket whose objects are ``days`` old (half a day inside their age bin, so timing never matters)."""

    def make(name: str, objects: list[tuple[str, int, str, float]]) -> str:
        s3.create_bucket(Bucket=name)
        now = datetime.now(UTC)
        for key, size, storage_class, days in objects:
            s3.put_object(Bucket=name, Key=key, Body=b"x" * size, StorageClass=storage_class)
            set_last_modified(name, key, now - timedelta(days=days))
        return name

    return make


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def cost_action(aws: ClientFactory, tmp_path: Path, **settings: Any) -> ActionCostOptimization:
    action = ActionCostOptimization()
    action.clients = aws
    action.settings = CostSettings(media_dir=tmp_path / "media", **settings)
    return action


MIXED = [
    ("recent.bin", MB, "STANDARD", 10.5),  # too young: stays
    ("a.bin", MB, "STANDARD", 45.5),  # -> Standard-IA
    ("b.bin", MB, "STANDARD", 45.5),  # -> Standard-IA
    ("old.bin", 4 * MB, "STANDARD", 400.5),  # -> Deep Archive
    ("tiny.txt", 10 * KB, "STANDARD", 400.5),  # too small to pay back: left alone
]


def test_the_expected_figures_follow_from_the_price_table() -> None:
    """The literal sums below, from the table's constants: what the reply must say."""
    total = 7 * MB + 10 * KB
    assert format_money(total / GB * STANDARD) == "$0.00016"
    ia_saving = 2 * MB / GB * (STANDARD - IA)
    assert (format_money(ia_saving), format_money(2 * T_IA / 1000)) == ("$0.000021", "$0.00002")
    assert (2 * T_IA / 1000) / ia_saving < 1  # "pays back within a month"
    deep_saving = 4 * MB / GB * STANDARD - (4 * MB / GB * DEEP + OVERHEAD_DEEP)
    assert (format_money(deep_saving), format_money(T_DEEP / 1000)) == ("$0.000086", "$0.00005")
    after = (MB + 10 * KB) / GB * STANDARD + 2 * MB / GB * IA + 4 * MB / GB * DEEP + OVERHEAD_DEEP
    assert format_money(after) == "$0.000051"


async def test_cost_optimization_says_the_figures_shows_a_table_and_a_chart(
    aws: ClientFactory, make_bucket: Callable[..., str], tmp_path: Path
) -> None:
    make_bucket("cost-mixed", MIXED)
    text = "suggest cost optimization for cost-mixed"
    events, sent = await run_action(cost_action(aws, tmp_path), tracker_for(text, intent="cost_optimization"))
    assert events == [talked_about(bucket="cost-mixed", skill="action_cost_optimization")]
    assert sent[0]["text"] == "\n".join([
        "Cost analysis of cost-mixed (us-east-1), listed just now:",
        "5 objects (7 MB), about $0.00016/month now.",
        "Move 2 objects (2 MB) untouched for 30+ days and larger than 128 KB to Standard-IA: saves $0.000021/month "
        "for a one-time $0.00002, pays back within a month.",
        "Move 1 object (4 MB) untouched for 365+ days and larger than 256 KB to Glacier Deep Archive: saves "
        "$0.000086/month for a one-time $0.00005, pays back within a month.",
        "Altogether: $0.000051/month instead of $0.00016/month, for a one-time $0.00007.",
        "1 object (10 KB) stays where it is: too small for a move to pay back.",
        "Reading objects back from Standard-IA costs $0.01 per GB.",
        "Reading objects back from Glacier Deep Archive costs $0.02 per GB.",
        "Objects in Glacier Deep Archive must be restored before reading, which takes up to 12 hours.",
        "Say \"setup lifecycle policy for cost-mixed\" to turn this into lifecycle rules - I show them and ask "
        "before changing anything.",
    ])
    table = sent[1]["custom"]["table"]
    assert table["columns"] == ["Storage class", "Objects", "Size", "Now", "After"]
    assert table["rows"] == [
        ["Standard", "5", "7 MB", "$0.00016/month", "$0.000023/month"],
        ["Standard-IA", "0", "0 B", "$0/month", "$0.000024/month"],
        ["Glacier Deep Archive", "0", "0 B", "$0/month", "$0.0000041/month"],
        ["Total", "5", "7 MB", "$0.00016/month", "$0.000051/month"],
    ]
    assert sent[1]["text"].splitlines()[0] == "Monthly cost of cost-mixed per storage class:"
    assert sent[1]["text"].splitlines()[-1] == "- Total: 5 objects (7 MB), $0.00016/month now, $0.000051/month after"

    image = sent[1]["image"]
    assert image.startswith("/media/") and image.endswith("-cost-cost-mixed.png")
    chart = tmp_path / "media" / image.removeprefix("/media/")
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in (tmp_path / "media").iterdir()] == [chart.name]


async def test_an_empty_bucket_gets_a_sentence_and_no_chart(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cost-empty")
    _, sent = await run_action(cost_action(aws, tmp_path), tracker_for("suggest cost optimization for cost-empty"))
    assert len(sent) == 1
    assert sent[0]["text"].splitlines()[1:3] == [
        "0 objects (0 B), about $0/month now.",
        "Nothing worth moving right now: no change would pay for itself within a year.",
    ]
    assert not (tmp_path / "media").exists()


def test_an_inventory_analysis_names_its_report_and_the_athena_option() -> None:
    # 3 objects of 1 MB, 30-90 days old (age bin 1, size bin 20), as an S3 Inventory report of 2025-05-31 says.
    stats = BucketStats(cells={("STANDARD", 1, 20): [3, 3 * MB]})
    report = build_report(stats, pricing_for("eu-west-1"), bucket="huge", source="inventory",
                          now=datetime(2025, 6, 1, tzinfo=UTC), as_of=datetime(2025, 5, 31, 1, tzinfo=UTC))
    replies = analysis_replies(report, "/media/c.png")
    lines = replies[0]["text"].splitlines()
    assert lines[0] == "Cost analysis of huge (eu-west-1) from its S3 Inventory report of 2025-05-31:"
    assert lines[-2:] == [wording.ATHENA_HINT, wording.ANALYSIS_NEXT.format(bucket="huge")]
    assert "README section \"Very large buckets: S3 Inventory and Athena\"" in wording.ATHENA_HINT
    assert replies[1]["image"] == "/media/c.png"


class _NoAws:
    def client(self, service: str) -> Any:
        raise AssertionError(f"unexpected AWS call to {service}")


@pytest.mark.parametrize("cls,text,example", [
    (ActionCostOptimization, "suggest cost optimization", "suggest cost optimization for my-project-bucket"),
    (ActionApplyLifecycle, "setup lifecycle policy", "setup lifecycle policy for my-project-bucket"),
    (ActionShowLifecycle, "show lifecycle", "show lifecycle policy for my-project-bucket"),
])
async def test_without_a_bucket_it_asks_which_and_calls_no_aws(cls: Any, text: str, example: str) -> None:
    action = cls()
    action.clients = _NoAws()
    events, sent = await run_action(action, tracker_for(text))
    assert events == []
    assert [m["text"] for m in sent] == [f"Which bucket? Tell me its name, e.g. \"{example}\"."]


async def test_the_entity_is_made_whole(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="app-logs.eu-west-1")
    entities = [{"entity": "bucket", "value": "app-logs.eu"}]  # what the extractor may return
    action = ActionShowLifecycle()
    action.clients = aws
    _, sent = await run_action(action, tracker_for("show lifecycle policy for app-logs.eu-west-1", entities=entities))
    assert sent[0]["text"].startswith("app-logs.eu-west-1 has no lifecycle rules")


@pytest.mark.parametrize("cls", [ActionCostOptimization, ActionApplyLifecycle, ActionShowLifecycle])
async def test_a_missing_bucket_gets_a_friendly_reply(cls: Any, aws: ClientFactory, tmp_path: Path) -> None:
    action = cls()
    action.clients = aws
    _, sent = await run_action(action, tracker_for("suggest cost optimization for no-such-bucket-9"))
    assert [m["text"] for m in sent] == [
        "There is no bucket called no-such-bucket-9 in this account. Say \"list my buckets\" to see yours."
    ]


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


async def test_access_denied_gets_a_friendly_reply(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cost-denied")
    body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    # S3 answers 403 AccessDenied (moto enforces no IAM): botocore parses the real response.
    s3.meta.events.register("before-send.s3", lambda request, **_: AWSResponse(request.url, 403, {}, _Raw(body)))
    _, sent = await run_action(cost_action(aws, tmp_path), tracker_for("suggest cost optimization for cost-denied"))
    assert [m["text"] for m in sent] == [
        "AWS denied access to s3://cost-denied/. Check that my IAM role or user allows this S3 action on it and "
        "that the bucket policy doesn't block it."
    ]


# --- background analyses -------------------------------------------------------------------------------------------
class Posts:
    """Stands in for the poster: what the background job said in the conversation."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def __call__(self, sender_id: str, message: Any) -> None:
        self.sent.append((sender_id, message))


async def test_a_large_bucket_is_analysed_in_the_background(
    aws: ClientFactory, make_bucket: Callable[..., str], tmp_path: Path
) -> None:
    make_bucket("cost-large", MIXED)
    action = cost_action(aws, tmp_path, direct_objects=2)
    posts = Posts()
    action.jobs = JobRunner(posts, tick=0.01)
    _, sent = await run_action(action, tracker_for("suggest cost optimization for cost-large"))
    assert [m["text"] for m in sent] == [
        "Working on it: cost-large holds more than 2 objects, so I'm analysing it in the background and will post "
        'the result here. Say "stop" to stop it.'
    ]
    await action.jobs.wait()
    # One route for everything said late: the summary, then the table with the chart.
    [(sender, summary), (table_sender, table)] = posts.sent
    assert sender == table_sender == "slack:T1:U1"
    assert list(summary) == ["text"]
    assert summary["text"].splitlines()[:2] == [
        "Cost analysis of cost-large (us-east-1), listed just now:", "5 objects (7 MB), about $0.00016/month now."
    ]
    assert table["json_message"]["table"]["rows"][-1] == ["Total", "5", "7 MB", "$0.00016/month", "$0.000051/month"]
    assert (tmp_path / "media" / table["image"].removeprefix("/media/")).read_bytes()[:4] == b"\x89PNG"


async def test_a_bucket_too_large_to_list_without_inventory_says_how_to_get_one(
    aws: ClientFactory, make_bucket: Callable[..., str], tmp_path: Path
) -> None:
    make_bucket("cost-huge", MIXED)
    action = cost_action(aws, tmp_path, direct_objects=1, listing_max_objects=3)
    posts = Posts()
    action.jobs = JobRunner(posts, tick=0.01)
    await run_action(action, tracker_for("suggest cost optimization for cost-huge"))
    await action.jobs.wait()
    assert posts.sent == [("slack:T1:U1", {"text": (
        "cost-huge is too large to list and has no S3 Inventory report yet. Turn on S3 Inventory for it and ask "
        "again after the first report arrives (within 48 hours). " + wording.ATHENA_HINT
    )})]


@pytest.fixture
async def fake_rasa() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """Rasa's trigger_intent endpoint as the posters see it."""
    received: list[dict[str, Any]] = []

    async def trigger(request: web.Request) -> web.Response:
        received.append({"path": request.raw_path, "json": await request.json()})
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/conversations/{conversation}/trigger_intent", trigger)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", received
    await runner.cleanup()


async def test_the_poster_sends_the_whole_reply(fake_rasa: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = fake_rasa
    message: Reply = {"text": "t", "image": "/media/x.png",
                      "json_message": {"table": {"columns": ["a"], "rows": [["1"]]}}}
    await RasaPoster(url)("webchat:-:u1", message)
    assert received == [{
        "path": "/conversations/webchat:-:u1/trigger_intent?output_channel=latest",
        "json": {"name": "EXTERNAL_late_message", "entities": {"message": message}},
    }]


async def test_the_late_message_action_says_what_the_job_posted() -> None:
    message = {"text": "t", "image": "/media/x.png", "json_message": {"table": {"columns": ["a"], "rows": [["1"]]}}}
    tracker = tracker_for("EXTERNAL: EXTERNAL_late_message", intent="EXTERNAL_late_message",
                          entities=[{"entity": "message", "value": message}])
    events, sent = await run_action(ActionLateMessage(), tracker)
    assert events == []
    assert (sent[0]["text"], sent[0]["image"], sent[0]["custom"]) == ("t", "/media/x.png", message["json_message"])
    _, sent = await run_action(ActionLateMessage(), tracker_for(intent="EXTERNAL_late_message"))
    assert sent == []


# --- lifecycle -----------------------------------------------------------------------------------------------------
def confirm(aws: ClientFactory, audit: AuditLog) -> ActionConfirm:
    action = ActionConfirm()
    action.clients = aws
    action.audit = audit
    return action


async def propose(aws: ClientFactory, text: str, tmp_path: Path, **settings: Any) -> tuple[list[Any], list[Any]]:
    action = ActionApplyLifecycle()
    action.clients = aws
    action.settings = CostSettings(media_dir=tmp_path / "media", **settings)
    return await run_action(action, tracker_for(text, intent="apply_lifecycle"))


async def test_lifecycle_proposal_then_yes_applies_exactly_the_shown_rules_and_keeps_the_users(
    aws: ClientFactory, s3: Any, make_bucket: Callable[..., str], audit: AuditLog, tmp_path: Path
) -> None:
    make_bucket("cost-logs", [("logs/a.log", MB, "STANDARD", 45.5), ("data/b.bin", 2 * MB, "STANDARD", 100.5)])
    s3.put_bucket_lifecycle_configuration(Bucket="cost-logs", LifecycleConfiguration={"Rules": [USER_RULE]})
    events, sent = await propose(aws, "setup lifecycle policy for cost-logs", tmp_path)
    assert sent[0]["text"] == "\n".join([
        "Proposed lifecycle policy for cost-logs, from its analysis (2 objects (3 MB), about $0.000067/month now).",
        "After the change cost-logs would have these rules:",
        "- 'archive-app-logs' (yours): Objects under logs/ move to Standard-IA after 30 days and to Glacier "
        "Flexible Retrieval after 365 days. They are deleted after 730 days.",
        "- 'cloudbutler-cleanup' (CloudButler's): Unfinished uploads are cleaned up after 7 days.",
        "What changes:",
        "- Add rule 'cloudbutler-cleanup'.",
        "- Keep your rule 'archive-app-logs' as it is.",
        "- Not adding 'cloudbutler-tiering-gt-128kb': your rule 'archive-app-logs' already handles objects under "
        "logs/.",
        "- Not adding 'cloudbutler-tiering-gt-256kb': your rule 'archive-app-logs' already handles objects under "
        "logs/.",
        "Apply these lifecycle rules to cost-logs? Your own rules stay exactly as they are.",
    ])
    slot, talked = events
    pending = slot["value"]
    assert talked == talked_about(bucket="cost-logs", skill="action_apply_lifecycle")
    assert sent[0]["buttons"] == [{"title": "Yes, apply them", "payload": yes_payload(pending)},
                                  {"title": "No, cancel", "payload": "/deny"}]
    assert (slot["event"], slot["name"]) == ("slot", "pending")
    assert pending["question"]["text"] == sent[0]["text"]
    assert change_of(pending) == {
        "kind": "apply_lifecycle",
        "bucket": "cost-logs",
        "existing": [USER_RULE],
        "rules": [USER_RULE, CLEANUP_RULE],
        "added": ["cloudbutler-cleanup"],
        "updated": [],
        "removed": [],
        "kept": ["archive-app-logs"],
    }
    assert s3.get_bucket_lifecycle_configuration(Bucket="cost-logs")["Rules"] == [USER_RULE]  # nothing yet
    assert audit.read() == []

    events, sent = await run_action(confirm(aws, audit), answer_to(pending))
    assert [m["text"] for m in sent] == [
        "Applied the lifecycle policy to cost-logs: added 1 rule and kept 1 of yours as it was. cost-logs now has "
        "2 lifecycle rules. Say \"show lifecycle policy for cost-logs\" to read them."
    ]
    # The change names its bucket (the answer's tracker here has no context from the proposal).
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None},
                      talked_about(bucket="cost-logs")]
    assert s3.get_bucket_lifecycle_configuration(Bucket="cost-logs")["Rules"] == pending["rules"]
    [line] = audit_outcomes(audit)
    assert (line["sender"], line["action"], line["result"]) == ("slack:T1:U1", "apply_lifecycle", "ok")
    assert line["parameters"] == {
        "bucket": "cost-logs", "added": ["cloudbutler-cleanup"], "updated": [], "removed": [],
        "kept": ["archive-app-logs"], "rules": ["archive-app-logs", "cloudbutler-cleanup"],
    }


async def test_the_pending_list_is_what_gets_applied(
    aws: ClientFactory, s3: Any, audit: AuditLog, tmp_path: Path
) -> None:
    """Whatever the proposal would be now, "yes" puts the list the user was shown."""
    s3.create_bucket(Bucket="cost-shown")
    shown = [USER_RULE, CLEANUP_RULE]
    pending = {"kind": "apply_lifecycle", "bucket": "cost-shown", "existing": [], "rules": shown,
               "added": ["archive-app-logs", "cloudbutler-cleanup"], "updated": [], "removed": [], "kept": []}
    await run_action(confirm(aws, audit), answer_to(asked(pending)))
    assert s3.get_bucket_lifecycle_configuration(Bucket="cost-shown")["Rules"] == shown


async def test_no_changes_nothing(
    aws: ClientFactory, s3: Any, make_bucket: Callable[..., str], audit: AuditLog, tmp_path: Path
) -> None:
    make_bucket("cost-no", [("a.bin", MB, "STANDARD", 45.5)])
    events, _ = await propose(aws, "setup lifecycle policy for cost-no", tmp_path)
    pending = events[0]["value"]
    assert [rule["ID"] for rule in pending["rules"]] == [
        "cloudbutler-tiering-gt-128kb", "cloudbutler-tiering-gt-256kb", "cloudbutler-cleanup"
    ]
    cancel = ActionCancel()
    cancel.audit = audit
    events, sent = await run_action(cancel, tracker_for("no", intent="deny", slots={"pending": pending}))
    assert sent[0]["text"] == "Okay, I cancelled that - nothing was changed."
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]
    assert s3.list_objects_v2(Bucket="cost-no")["KeyCount"] == 1
    with pytest.raises(s3.exceptions.ClientError) as missing:
        s3.get_bucket_lifecycle_configuration(Bucket="cost-no")
    assert missing.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
    assert audit.read() == []


async def test_rules_changed_after_the_question_are_not_overwritten(
    aws: ClientFactory, s3: Any, audit: AuditLog, tmp_path: Path
) -> None:
    s3.create_bucket(Bucket="cost-race")
    events, _ = await propose(aws, "setup lifecycle policy for cost-race", tmp_path)
    s3.put_bucket_lifecycle_configuration(Bucket="cost-race", LifecycleConfiguration={"Rules": [USER_RULE]})
    _, sent = await run_action(confirm(aws, audit), answer_to(events[0]["value"]))
    assert [m["text"] for m in sent] == [
        "The lifecycle rules of cost-race changed while you were deciding; ask me again to see them."
    ]
    assert s3.get_bucket_lifecycle_configuration(Bucket="cost-race")["Rules"] == [USER_RULE]
    assert [(x["action"], x["result"], x.get("detail")) for x in audit_outcomes(audit)] == [
        ("apply_lifecycle", "error", "lifecycle_changed")
    ]


async def test_a_large_bucket_gets_the_standard_policy(
    aws: ClientFactory, make_bucket: Callable[..., str], tmp_path: Path
) -> None:
    make_bucket("cost-big", MIXED)
    events, sent = await propose(aws, "setup lifecycle policy for cost-big", tmp_path, direct_objects=2)
    assert sent[0]["text"].splitlines()[:3] == [
        "Proposed lifecycle policy for cost-big: the standard steps after 30, 90 and 365 days (cost-big holds more "
        "than 2 objects, too many to analyse first; ask \"suggest cost optimization for cost-big\" for its figures).",
        "After the change cost-big would have these rules:",
        "- 'cloudbutler-tiering-gt-128kb' (CloudButler's): All objects larger than 128 KB move to Standard-IA after "
        "30 days, to Glacier Flexible Retrieval after 90 days and to Glacier Deep Archive after 365 days.",
    ]
    assert [rule["ID"] for rule in events[0]["value"]["rules"]] == ["cloudbutler-tiering-gt-128kb", "cloudbutler-cleanup"]


async def test_nothing_to_change_asks_nothing(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cost-covered")
    everything = {
        "ID": "my-everything", "Status": "Enabled", "Filter": {"Prefix": ""},
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
    }
    s3.put_bucket_lifecycle_configuration(Bucket="cost-covered", LifecycleConfiguration={"Rules": [everything]})
    events, sent = await propose(aws, "setup lifecycle policy for cost-covered", tmp_path)
    assert events == [talked_about(bucket="cost-covered", skill="action_apply_lifecycle")]
    assert "buttons" not in sent[0] or not sent[0]["buttons"]
    lines = sent[0]["text"].splitlines()
    assert lines[0] == "Nothing to change on cost-covered:"
    assert lines[-3:] == [
        "- Not adding 'cloudbutler-tiering-gt-256kb': your rule 'my-everything' already handles the whole bucket.",
        "- Not adding 'cloudbutler-cleanup': your rule 'my-everything' already handles the whole bucket.",
        "- Nothing would change.",
    ]


async def test_show_lifecycle_in_plain_words(aws: ClientFactory, s3: Any) -> None:
    s3.create_bucket(Bucket="cost-show")
    action = ActionShowLifecycle()
    action.clients = aws
    _, sent = await run_action(action, tracker_for("show lifecycle policy for cost-show"))
    assert [m["text"] for m in sent] == [
        "cost-show has no lifecycle rules: objects stay in their storage class until someone deletes them. Say "
        "\"setup lifecycle policy for cost-show\" and I'll propose one (and ask before applying it)."
    ]
    s3.put_bucket_lifecycle_configuration(Bucket="cost-show", LifecycleConfiguration={"Rules": [USER_RULE]})
    _, sent = await run_action(action, tracker_for("show lifecycle policy for cost-show"))
    assert [m["text"] for m in sent] == ["\n".join([
        "cost-show has 1 lifecycle rule:",
        "- 'archive-app-logs' (yours): Objects under logs/ move to Standard-IA after 30 days and to Glacier "
        "Flexible Retrieval after 365 days. They are deleted after 730 days.",
        "Say \"setup lifecycle policy for cost-show\" to see what I would add or update.",
    ])]


def test_rules_with_dates_survive_the_slot() -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    rules = [{"ID": "r", "Transitions": [{"Date": when, "StorageClass": "GLACIER"}], "Expiration": {"Days": 9}}]
    slot = rules_to_slot(rules)
    assert slot == [{"ID": "r", "Transitions": [{"Date": "2030-01-01T00:00:00+00:00", "StorageClass": "GLACIER"}],
                     "Expiration": {"Days": 9}}]
    assert rules_from_slot(slot) == rules
    assert rules_from_slot([{"Expiration": {"Date": "2030-01-01T00:00:00Z"}}]) == [{"Expiration": {"Date": when}}]


def test_help_lists_the_cost_skills() -> None:
    examples = [skill.example for skill in implemented_skills()]
    for cls in (ActionCostOptimization, ActionApplyLifecycle, ActionShowLifecycle):
        assert cls.skill is not None and cls.skill.example in examples


def test_settings_from_the_environment() -> None:
    assert CostSettings.from_env({}) == CostSettings()
    env = {"CLOUDBUTLER_COST_DIRECT_OBJECTS": "50", "CLOUDBUTLER_COST_LISTING_MAX_OBJECTS": "900",
           "CLOUDBUTLER_MEDIA_DIR": "/m", "CLOUDBUTLER_COST_WORKDIR": "/w"}
    assert CostSettings.from_env(env) == CostSettings(50, 900, Path("/m"), "/w")


def test_wording_of_applied_and_errors() -> None:
    assert wording.lifecycle_applied("b", added=2, updated=1, removed=1, kept=2, total=5) == (
        "Applied the lifecycle policy to b: added 2 rules, updated 1 rule, removed 1 rule and kept 2 of yours as "
        "they were. b now has 5 lifecycle rules. Say \"show lifecycle policy for b\" to read them."
    )
    assert wording.lifecycle_applied("b", added=0, updated=0, removed=0, kept=0, total=0).startswith(
        "Applied the lifecycle policy to b: no changes."
    )
    from actions.aws.errors import CloudButlerError

    assert errors.error_text(CloudButlerError("lifecycle_invalid", problems=["ia_too_soon", "duplicate_id"])) == (
        "That lifecycle configuration breaks S3's rules (ia_too_soon, duplicate_id), so I did not apply it."
    )
    assert errors.error_text(CloudButlerError("bucket_too_large", bucket="b", objects_seen=500001)) == (
        "b has more than 500,001 objects - too many to list from chat. Turn on S3 Inventory for it (daily, CSV or "
        "Parquet, fields Size, Last modified, Storage class) and ask again after the first report arrives. "
        + wording.ATHENA_HINT
    )
    # One registry words every failure: the cost skill's codes beside the S3 ones.
    assert errors.error_text(CloudButlerError("NoSuchBucket", bucket="b")) == (
        "There is no bucket called b in this account. Say \"list my buckets\" to see yours."
    )
    assert errors.error_text(CloudButlerError("lifecycle_changed")) == (  # details missing: the sentence naming it
        "AWS refused that request (lifecycle_changed). Nothing was changed."
    )

