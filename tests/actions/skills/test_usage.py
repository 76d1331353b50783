"""Statistics against moto with a frozen clock (Wednesday 2 December 2026, 12:00 UTC) and a tracker store written by
Rasa's own SQLTrackerStore: storage, monthly cost, growth and next month's projection of the account, savings of the
recommendations, instances; how the assistant is used for admins only; a chart and the dashboard link."""
from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from actions.analytics import UsageAnalytics
from actions.aws.clients import ClientFactory
from actions.aws.errors import CloudButlerError
from actions.aws.size_tracking import SizeSample, SizeTracker
from actions.skills.usage import charts, wording
from actions.skills.usage.stats import ActionUsageStats, Recent, UsageSettings
from connectors.discord.render import render as discord_render
from connectors.slack.render import render as slack_render
from sandbox.demo_data import INSTANCES as SANDBOX_INSTANCES
from sandbox.metrics import cpu_series, install_fast_metric_queries
from tests.actions.harness import run_action, tracker_for
from tests.analytics import conversations
from tests.fakes.moto_s3 import set_last_modified

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
DAY = 86400
KB, MB = 1024, 1024 * 1024
IMAGE_ID = "ami-04681a1dbd79675a5"  # in moto's built-in image list
PNG = b"\x89PNG\r\n\x1a\n"
ADMIN = "slack:T1:U1"
DASHBOARD = "http://127.0.0.1:5057/dashboard"


def sample(ts: int, size: int) -> SizeSample:
    return SizeSample(ts=ts, bytes=size, objects=1, classes={"STANDARD": (size, 1)})


@pytest.fixture
def s3(aws: ClientFactory) -> Any:
    return aws.client("s3")


@pytest.fixture
def account(aws: ClientFactory, s3: Any) -> None:
    """media-library-prod: tracked, 3 MB now, 1 MB 20 days ago and 2 MB 10 days ago (a straight line);
    acme-invoices: not tracked, two 1 MB invoices 400 days old; web-1: a running instance without CPU history."""
    sizes = SizeTracker(dynamodb=aws.client("dynamodb"), s3=s3, sqs=aws.client("sqs"), clock=lambda: float(T))
    s3.create_bucket(Bucket="media-library-prod")
    s3.put_object(Bucket="media-library-prod", Key="video.bin", Body=b"v" * 3 * MB)
    sizes.track("media-library-prod")
    sizes.write_samples("media-library-prod", [sample(T - 20 * DAY, MB), sample(T - 10 * DAY, 2 * MB)], "seed")
    s3.create_bucket(Bucket="acme-invoices")
    for number in (1, 2):
        s3.put_object(Bucket="acme-invoices", Key=f"2025/invoice-{number}.pdf", Body=b"i" * MB)
        set_last_modified("acme-invoices", f"2025/invoice-{number}.pdf", datetime.now(UTC) - timedelta(days=400))
    ec2 = aws.client("ec2")
    ec2.run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="t3.medium", TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-1"}]}])


@pytest.fixture
async def analytics(tmp_path: Path) -> AsyncIterator[UsageAnalytics]:
    """Three people on three channels on Monday 30 November and Tuesday 1 December (tests/analytics)."""
    path = tmp_path / "tracker.db"
    store = conversations.tracker_store(dialect="sqlite", db=str(path))
    await conversations.write_all(store)
    store.engine.dispose()
    usage = UsageAnalytics(f"sqlite:///{path}")
    yield usage
    usage.close()


def skill(aws: ClientFactory, tmp_path: Path, analytics: UsageAnalytics | None = None,
          admins: frozenset[str] = frozenset({ADMIN})) -> ActionUsageStats:
    action = ActionUsageStats()
    action.clients = aws
    action.clock = lambda: NOW
    action.settings = UsageSettings(media_dir=tmp_path / "media", admins=admins, dashboard_url=DASHBOARD)
    if analytics is not None:
        action.analytics = analytics
    return action


def chart_of(reply: dict[str, Any], tmp_path: Path) -> bytes:
    image = str(reply["image"])
    assert image.startswith("/media/") and image.endswith("-s3-cost.png")
    return (tmp_path / "media" / image.removeprefix("/media/")).read_bytes()


ACCOUNT = [
    "Your S3 storage: 5 MB in 3 objects across 2 buckets, about $0.00011 a month.",
    "Costing most: media-library-prod $0.000067 a month (3 MB) and acme-invoices $0.000045 a month (2 MB).",
    "Growing fastest over the last 30 days: media-library-prod +2 MB (+200.0%).",
    "Next month I expect about 8 MB, $0.00018 a month: a line through the last 30 days of size history of "
    "1 tracked bucket, the others as they are now.",
]
INSTANCES = ["Instances: none sized yet.", "Not sized yet (too little CPU history): web-1."]
USAGE = [
    "How the assistant was used over the last 7 days (25 Nov 12:00 - 2 Dec 12:00 UTC): 13 requests from 3 people "
    "in 4 conversations.",
    "By skill: affirm 4, create bucket 2, list buckets 2, delete bucket 1, deny 1, 3 others 3.",
    "By channel: rest 7, discord 3, slack 3.",
    "Fallback rate 15.4% (2 of 13); 50.0% of conversations ended without a fallback or a failure.",
    "Confirmations: 3 asked, 2 accepted, 1 declined, 1 expired.",
    "Slowest to answer (p50 / p95): list objects 3.0 s / 3.0 s, confirm 0.38 s / 1.8 s, delete bucket 1.0 s / 1.0 s.",
]


async def test_an_admin_gets_the_account_and_the_assistant(
    aws: ClientFactory, account: None, analytics: UsageAnalytics, tmp_path: Path
) -> None:
    events, sent = await run_action(skill(aws, tmp_path, analytics), tracker_for("what are my stats",
                                                                                 intent="usage_stats"))
    assert events == []
    summary, instances, usage, link = sent
    assert summary["text"].splitlines()[:4] == ACCOUNT
    assert summary["text"].splitlines()[4:] == [
        "My recommendations would save $0.000042 a month (38% of the storage cost) by moving objects in "
        "acme-invoices older than 365 days to Glacier Deep Archive. Say \"suggest cost optimization for "
        "acme-invoices\" for the details."]
    assert chart_of(summary, tmp_path)[:8] == PNG
    assert summary["custom"]["table"] == {
        "title": "S3 buckets by monthly cost", "columns": ["Bucket", "Size", "Objects", "Monthly cost", "30-day change"],
        "rows": [["media-library-prod", "3 MB", "1", "$0.000067", "+2 MB"],
                 ["acme-invoices", "2 MB", "2", "$0.000045", "not tracked"]],
    }
    assert instances["text"].splitlines() == INSTANCES
    assert usage["text"].splitlines() == USAGE
    assert usage["custom"]["table"]["rows"][:2] == [["affirm", "4"], ["create bucket", "2"]]
    assert link == {**link, "text": f"The whole picture, with charts of every figure: {DASHBOARD}",
                    "custom": {"links": [{"url": DASHBOARD, "label": "Open the dashboard"}]}}


async def test_someone_else_gets_the_account_but_not_the_assistant(
    aws: ClientFactory, account: None, analytics: UsageAnalytics, tmp_path: Path
) -> None:
    action = skill(aws, tmp_path, analytics)
    _, sent = await run_action(action, tracker_for("what are my stats", sender_id="discord:G1:U2"))
    assert [m["text"].splitlines()[0] for m in sent] == [
        ACCOUNT[0], INSTANCES[0], f"The whole picture, with charts of every figure: {DASHBOARD}"]
    assert analytics.cursor == 0  # the conversations were not even read


async def test_spending_and_the_bill_lead_with_what_was_asked(
    aws: ClientFactory, account: None, tmp_path: Path
) -> None:
    action = skill(aws, tmp_path, admins=frozenset())
    _, sent = await run_action(action, tracker_for("predict my S3 bill for next month"))
    assert sent[0]["text"].splitlines()[:2] == [ACCOUNT[3], ACCOUNT[0]]
    _, sent = await run_action(action, tracker_for("how much am I spending on S3"))
    lines = sent[0]["text"].splitlines()
    assert lines[:2] == ACCOUNT[:2]
    assert lines[2].startswith("My recommendations would save $0.000042 a month")
    assert lines[3:] == ACCOUNT[2:4]


async def test_an_empty_account(aws: ClientFactory, tmp_path: Path) -> None:
    _, sent = await run_action(skill(aws, tmp_path, admins=frozenset()), tracker_for("what are my stats"))
    assert [m["text"] for m in sent] == [
        "You have no S3 buckets yet, so S3 costs you nothing. Say \"create bucket my-project-bucket\" to start.",
        "You have no EC2 instances for me to size.",
        f"The whole picture, with charts of every figure: {DASHBOARD}",
    ]
    assert sent[0].get("image") is None and not (tmp_path / "media").exists()


async def test_buckets_without_tracking_and_without_savings(aws: ClientFactory, s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="fresh-uploads")
    s3.put_object(Bucket="fresh-uploads", Key="a.txt", Body=b"a" * 512 * KB)
    _, sent = await run_action(skill(aws, tmp_path, admins=frozenset()), tracker_for("what are my stats"))
    assert sent[0]["text"].splitlines() == [
        "Your S3 storage: 512 KB in 1 object across 1 bucket, about $0.000011 a month.",
        "Costing most: fresh-uploads $0.000011 a month (512 KB).",
        "I'm not tracking any bucket's size, so I have no growth or projection yet. Say \"start tracking <bucket>\" "
        "and I'll record its size from then on.",
        "Next month I expect about 512 KB, $0.000011 a month: today's sizes, as no bucket has a day of size history "
        "yet (say \"start tracking <bucket>\" and I'll fit a line through its history).",
        "None of my recommendations would save anything right now: no objects are old and large enough to move to "
        "a cheaper storage class.",
    ]
    assert sent[0]["custom"]["table"]["rows"] == [["fresh-uploads", "512 KB", "1", "$0.000011", "not tracked"]]


async def test_an_admin_without_a_tracker_store_still_gets_the_rest(
    aws: ClientFactory, tmp_path: Path
) -> None:
    missing = UsageAnalytics(f"sqlite:///{tmp_path / 'nowhere.db'}")
    _, sent = await run_action(skill(aws, tmp_path, missing), tracker_for("what are my stats"))
    assert [m["text"] for m in sent][2:] == [
        "I have no figures on how the assistant is used: the conversation store has no conversations yet.",
        f"The whole picture, with charts of every figure: {DASHBOARD}",
    ]
    missing.close()


async def test_a_tracker_store_that_cannot_be_read(aws: ClientFactory, tmp_path: Path) -> None:
    """Not a tracker store at all (a text file where the database should be): the admin hears so, the rest stands;
    a store that is not SQL is named too."""
    broken = tmp_path / "tracker.db"
    broken.write_text("not a database")
    action = skill(aws, tmp_path)
    action.settings = UsageSettings(media_dir=tmp_path / "media", admins=frozenset({ADMIN}), dashboard_url=DASHBOARD,
                                    tracker_url=f"sqlite:///{broken}")
    _, sent = await run_action(action, tracker_for("what are my stats"))
    assert [m["text"] for m in sent][2:] == [
        "I have no figures on how the assistant is used: I couldn't read the conversation store just now. Please try "
        "again in a moment.",
        f"The whole picture, with charts of every figure: {DASHBOARD}",
    ]
    action = skill(aws, tmp_path)
    action.settings = UsageSettings(media_dir=tmp_path / "media", admins=frozenset({ADMIN}), dashboard_url=DASHBOARD,
                                    tracker_url="mongodb://127.0.0.1:27017/rasa")
    _, sent = await run_action(action, tracker_for("what are my stats"))
    assert sent[2]["text"] == ("I have no figures on how the assistant is used: conversations are not kept in a SQL "
                               "tracker store (endpoints.yml).")


async def test_a_quiet_week(aws: ClientFactory, analytics: UsageAnalytics, tmp_path: Path) -> None:
    action = skill(aws, tmp_path, analytics)
    action.clock = lambda: NOW + timedelta(days=30)
    _, sent = await run_action(action, tracker_for("what are my stats"))
    assert sent[2] == {**sent[2], "text": "Nobody asked the assistant anything over the last 7 days (25 Dec 12:00 - "
                                          "1 Jan 12:00 UTC)."}
    assert "custom" not in sent[2] or not sent[2]["custom"]


# --- settings and wording ----------------------------------------------------------------------------------------
def test_settings_from_the_environment(tmp_path: Path) -> None:
    settings = UsageSettings.from_env({"CLOUDBUTLER_ADMINS": " slack:T1:U1, ,discord:G1:U2 ",
                                       "CLOUDBUTLER_DASHBOARD_URL": "https://butler.example.com/dashboard",
                                       "CLOUDBUTLER_MEDIA_DIR": str(tmp_path),
                                       "CLOUDBUTLER_TRACKER_STORE_URL": "postgresql://rasa@db:5432/rasa",
                                       "POSTGRESQL_SCHEMA": "chat"})
    assert settings.admins == {"slack:T1:U1", "discord:G1:U2"}
    assert settings.dashboard_url == "https://butler.example.com/dashboard"
    assert settings.media_dir == tmp_path
    assert (settings.tracker_url, settings.tracker_schema) == ("postgresql://rasa@db:5432/rasa", "chat")
    assert (UsageSettings.from_env({}).admins, UsageSettings.from_env({}).tracker_url) == (frozenset(), None)
    assert UsageSettings.from_env({"CLOUDBUTLER_DASHBOARD_URL": " "}).dashboard_url == DASHBOARD
    assert UsageSettings.from_env({"CLOUDBUTLER_DASHBOARD_HOST": "10.0.0.5", "CLOUDBUTLER_DASHBOARD_PORT": "8080"}
                                  ).dashboard_url == "http://10.0.0.5:8080/dashboard"
    assert UsageSettings.from_env({"CLOUDBUTLER_DASHBOARD_HOST": "0.0.0.0"}).dashboard_url == DASHBOARD


@pytest.mark.parametrize(("text", "focus"), [
    ("what are my stats", "stats"), ("show me some statistics", "stats"),
    ("how much am I spending on S3", "cost"), ("what does my storage cost", "cost"),
    ("predict my S3 bill for next month", "projection"), ("forecast my storage", "projection"),
])
def test_what_a_message_asks_first(text: str, focus: str) -> None:
    assert wording.focus(text) == focus


def test_instances_by_finding() -> None:
    capacity = {"instances": [
        {"name": "web-2", "id": "i-2", "type": "m5.xlarge", "finding": "over-provisioned", "recommended_type": "m5.large",
         "monthly_change_usd": -70.08, "forecast_peak_cpu": 21.0},
        {"name": "batch-1", "id": "i-3", "type": "t3.small", "finding": "under-provisioned",
         "recommended_type": "t3.large", "monthly_change_usd": 45.55, "forecast_peak_cpu": 97.5},
        {"name": "web-1", "id": "i-1", "type": "t3.medium", "finding": "optimized", "recommended_type": "t3.medium",
         "monthly_change_usd": 0.0, "forecast_peak_cpu": 40.0},
        {"name": "web-3", "id": "i-4", "type": "t3.medium", "finding": "optimized", "recommended_type": "t3.medium",
         "monthly_change_usd": 0.0, "forecast_peak_cpu": 35.0},
    ], "not_sized": [{"name": "new-1", "id": "i-5", "reason": "not_enough_history"}]}
    assert wording.instance_lines(capacity) == [
        "Instances: 1 instance under-provisioned, 1 instance over-provisioned and 2 instances optimized.",
        "- batch-1 (t3.small): under-provisioned, t3.large would cost $45.55 a month more",
        "- web-2 (m5.xlarge): over-provisioned, m5.large would save $70.08 a month",
        "Not sized yet (too little CPU history): new-1.",
    ]


def test_many_savings_name_the_largest_three() -> None:
    recommendation = {"action": "", "target_class": "GLACIER_IR", "min_age_days": 90}
    cost = {"monthly_now_usd": 120.0, "monthly_after_usd": 80.0, "recommendations": [
        {**recommendation, "bucket": name, "monthly_saving_usd": saving}
        for name, saving in (("a-logs", 5.0), ("b-media", 20.0), ("c-backups", 10.0), ("d-tmp", 5.0))]}
    assert wording.savings_line(cost) == (
        "My recommendations would save $40.00 a month (33% of the storage cost) by moving objects in b-media "
        "older than 90 days to Glacier Instant Retrieval ($20.00), objects in c-backups older than 90 days to "
        "Glacier Instant Retrieval ($10.00), objects in a-logs older than 90 days to Glacier Instant Retrieval "
        "($5.00) and 1 more change. Say \"suggest cost optimization for b-media\" for the details.")


# --- the instances -------------------------------------------------------------------------------------------------
@pytest.fixture
def fast_metric_queries() -> Iterator[None]:
    undo = install_fast_metric_queries()  # moto's own GetMetricData is quadratic in the points
    yield
    undo()


async def test_instances_by_finding_from_their_cpu_history(
    aws: ClientFactory, fast_metric_queries: None, tmp_path: Path
) -> None:
    """web-2 (t3.medium) with 14 days of the sandbox's CPU curve: over-provisioned."""
    spec = next(s for s in SANDBOX_INSTANCES if s.name == "web-2")
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": spec.name}]}]
    launched = aws.client("ec2").run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1,
                                               InstanceType=spec.instance_type, TagSpecifications=tags)
    instance_id = launched["Instances"][0]["InstanceId"]
    points = cpu_series(spec.cpu, key=f"cpu:{spec.name}", end=datetime.now(UTC) - timedelta(minutes=1),
                        span=timedelta(days=14))
    data = [{"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
             "Timestamp": at, "Value": value, "Unit": "Percent"} for at, value in points]
    for first in range(0, len(data), 1000):
        aws.client("cloudwatch").put_metric_data(Namespace="AWS/EC2", MetricData=data[first:first + 1000])
    _, sent = await run_action(skill(aws, tmp_path, admins=frozenset()), tracker_for("what are my stats"))
    lines = sent[1]["text"].splitlines()
    assert lines[0] == "Instances: 1 instance over-provisioned."
    assert re.fullmatch(r"- web-2 \(t3\.medium\): over-provisioned, t3\.\w+ would save \$\d+\.\d\d a month", lines[1])
    assert len(lines) == 2


def test_a_slow_figure_is_kept_and_waited_for_only_so_long() -> None:
    """The fleet's sizing: computed once in its own thread, kept for the ttl; an answer that comes while it is
    still running gets None and the computation goes on; a failure is not kept."""
    now = [0.0]
    recent = Recent(ttl=600, wait=0.05, clock=lambda: now[0])
    calls: list[int] = []
    release = threading.Event()

    def compute() -> dict[str, Any]:
        calls.append(1)
        assert release.wait(timeout=30)
        return {"instances": [], "round": len(calls)}

    assert recent.get(compute) is None  # still running
    release.set()
    recent.wait = 30
    assert recent.get(compute) == {"instances": [], "round": 1}
    assert recent.get(compute) == {"instances": [], "round": 1} and len(calls) == 1  # kept
    now[0] = 601
    assert recent.get(compute) == {"instances": [], "round": 2}  # too old: computed again

    def fail() -> dict[str, Any]:
        raise CloudButlerError("AccessDenied")

    now[0] = 1300
    with pytest.raises(CloudButlerError):
        recent.get(fail)
    assert recent.get(compute) == {"instances": [], "round": 3}  # the failure was not kept


def test_buckets_the_savings_leave_out_are_named() -> None:
    cost = {"monthly_now_usd": 1.0, "monthly_after_usd": 1.0, "recommendations": [], "not_analysed": ["huge-logs"]}
    assert wording.savings_line(cost) == (
        "None of my recommendations would save anything right now: no objects are old and large enough to move to a "
        "cheaper storage class. I couldn't list the objects of huge-logs, so my recommendations leave it out.")
    cost["not_analysed"] = ["a", "b", "c", "d", "e", "f", "g"]
    assert wording.savings_line(cost).endswith(
        "I couldn't list the objects of a, b, c, d, e and 2 more, so my recommendations leave them out.")


def test_the_bucket_table_holds_the_dearest_fifteen() -> None:
    buckets = [{"name": f"b-{n:02}", "bytes": n * MB, "objects": n, "monthly_cost_usd": n / 100} for n in range(1, 21)]
    storage = {"buckets": buckets}
    rows = wording.bucket_rows(storage, {"days": 30, "buckets": [{"name": "b-20", "change_bytes": -MB}]})
    assert len(rows) == 15
    assert rows[0] == ["b-20", "20 MB", "20", "$0.20", "-1 MB"]
    assert rows[-1] == ["b-06", "6 MB", "6", "$0.06", "not tracked"]
    assert wording.bucket_title(storage) == "The 15 of 20 S3 buckets costing most (all of them on the dashboard)"
    assert wording.bucket_title({"buckets": buckets[:15]}) == "S3 buckets by monthly cost"


def test_the_chart_shows_the_six_dearest_and_the_totals() -> None:
    buckets = [{"name": f"b-{n}", "bytes": n, "objects": 1, "monthly_cost_usd": float(n)} for n in range(1, 9)]
    storage = {"monthly_cost_usd": 36.0, "buckets": buckets}
    assert charts.cost_bars(storage) == [
        ("b-8", 8.0), ("b-7", 7.0), ("b-6", 6.0), ("b-5", 5.0), ("b-4", 4.0), ("b-3", 3.0), ("2 others", 3.0)]
    cost = {"monthly_now_usd": 36.0, "monthly_after_usd": 30.0}
    assert charts.totals(storage, cost, {"next_month_cost_usd": 40.0}) == [
        ("Now", 36.0), ("Next month", 40.0), ("After advice", 30.0)]
    assert charts.totals(storage, {"monthly_now_usd": 36.0, "monthly_after_usd": 36.0}, None) == [("Now", 36.0)]
    assert charts.stats_chart(storage, cost, None)[:8] == PNG


# --- on the channels -----------------------------------------------------------------------------------------------
async def test_slack_and_discord_show_the_figures_the_chart_the_table_and_the_link(
    aws: ClientFactory, account: None, analytics: UsageAnalytics, tmp_path: Path
) -> None:
    _, sent = await run_action(skill(aws, tmp_path, analytics), tracker_for("what are my stats"))
    summary, _, usage, link = sent
    chart = tmp_path / "media" / str(summary["image"]).removeprefix("/media/")
    media_dir = tmp_path / "media"

    text = summary["text"]
    table = "\n".join([
        "```", "S3 buckets by monthly cost",
        "Bucket              Size  Objects  Monthly cost  30-day change",
        "media-library-prod  3 MB  1        $0.000067     +2 MB",
        "acme-invoices       2 MB  2        $0.000045     not tracked", "```"])
    slack = slack_render(summary, media_dir=media_dir, owner="U1")
    assert slack.messages == [[{"type": "section", "text": {"type": "mrkdwn", "text": text}},
                               {"type": "section", "text": {"type": "mrkdwn", "text": table}}]]
    assert slack.uploads == [chart]
    discord = discord_render(summary, media_dir=media_dir)
    assert (discord.chunks, discord.files) == ([text, table], [chart])

    assert slack_render(link, media_dir=media_dir, owner="U1").messages == [[{"type": "section", "text": {
        "type": "mrkdwn", "text": f"The whole picture, with charts of every figure: <{DASHBOARD}|Open the dashboard>"}}]]
    assert discord_render(link, media_dir=media_dir).chunks == [
        f"The whole picture, with charts of every figure: [Open the dashboard](<{DASHBOARD}>)"]
    shown = discord_render(usage, media_dir=media_dir).chunks
    assert shown[0] == usage["text"] and shown[1].startswith("```\nRequests by skill over the last 7 days\n")
