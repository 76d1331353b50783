"""Capacity skills against moto with a frozen clock (Wednesday 2 December 2026, 10:17 UTC) and 14 days of the
sandbox's own CPU curves: a forecast with its peak at the curve's peak hour, intervals and a chart; web-1, web-2 and
batch-1 found under-provisioned, over-provisioned and optimized, one by one and as a fleet (a background job with
progress); windows too far ahead, memory, and too little history answered without a forecast."""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import actions.skills.server_status  # noqa: F401 - registers the replies about instances, as the action server does
from actions.aws.capacity import CapacityHistory
from actions.aws.clients import ClientFactory
from actions.core.horizons import parse_horizon
from actions.core.jobs import JobRunner
from actions.skills.capacity import wording as say
from actions.skills.capacity.base import CapacityAction, any_family_asked, percentile_named
from actions.skills.capacity.forecast import ActionForecastLoad
from actions.skills.capacity.outlook import CapacitySettings, fleet_outlooks
from actions.skills.capacity.rightsize import ActionRightsize, fleet_progress_text
from connectors.core.output import text_around_table
from sandbox.demo_data import INSTANCES
from sandbox.metrics import cpu_series, install_fast_metric_queries
from tests.actions.harness import run_action, tracker_for
from tests.actions.skills.storage.support import Posts

NOW = datetime(2026, 12, 2, 10, 17, tzinfo=UTC)
IMAGE_ID = "ami-04681a1dbd79675a5"  # in moto's built-in image list
PNG = b"\x89PNG\r\n\x1a\n"


def ents(**values: str) -> list[dict[str, Any]]:
    return [{"entity": name, "value": value} for name, value in values.items()]


@pytest.fixture(scope="module", autouse=True)
def fast_metric_queries() -> Iterator[None]:
    undo = install_fast_metric_queries()  # moto's own GetMetricData is quadratic in the points
    yield
    undo()


def launch(aws: ClientFactory, name: str, instance_type: str, days: float) -> str:
    """An instance with ``days`` of its sandbox CPU curve up to NOW."""
    tags = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]
    launched = aws.client("ec2").run_instances(ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType=instance_type,
                                               TagSpecifications=tags)
    instance_id = str(launched["Instances"][0]["InstanceId"])
    profile = next((spec.cpu for spec in INSTANCES if spec.name == name), INSTANCES[0].cpu)
    points = cpu_series(profile, key=f"cpu:{name}", end=NOW - timedelta(minutes=1), span=timedelta(days=days))
    data = [{"MetricName": "CPUUtilization", "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
             "Timestamp": at, "Value": value, "Unit": "Percent"} for at, value in points]
    for first in range(0, len(data), 1000):
        aws.client("cloudwatch").put_metric_data(Namespace="AWS/EC2", MetricData=data[first:first + 1000])
    return instance_id


@pytest.fixture
def fleet(aws: ClientFactory) -> dict[str, str]:
    return {spec.name: launch(aws, spec.name, spec.instance_type, 14) for spec in INSTANCES}


def skill(cls: type[CapacityAction], aws: ClientFactory, tmp_path: Path) -> Any:
    action = cls()
    action.clients = aws
    action.clock = lambda: NOW
    action.settings = CapacitySettings()
    action.media_dir = tmp_path / "media"
    return action


def chart_of(reply: dict[str, Any], tmp_path: Path) -> bytes:
    return (tmp_path / "media" / str(reply["image"]).removeprefix("/media/")).read_bytes()


FORECAST_LINE = re.compile(
    r"web-1 \(t3\.micro\) tomorrow: CPU should average about (\d+)% and peak near (\d+)% around (\d\d):(\d\d) UTC "
    r"\(80% range (\d+)%-(\d+)%, 95% up to (\d+)%\)\."
)


async def test_forecast_web_1_for_tomorrow(aws: ClientFactory, fleet: dict[str, str], tmp_path: Path) -> None:
    action = skill(ActionForecastLoad, aws, tmp_path)
    _, [reply] = await run_action(action, tracker_for(
        "forecast web-1 for tomorrow", intent="forecast_load", entities=ents(instance="web-1", period="tomorrow")))
    lines = reply["text"].splitlines()
    match = FORECAST_LINE.fullmatch(lines[0])
    assert match, lines
    average, peak, hour, _minute, low80, high80, high95 = map(int, match.groups())
    # web-1's curve: 12 % all day plus up to 38 % around 14:00 UTC on weekdays (Thursday 3 December is one)
    assert 12 <= hour <= 16 and 40 <= peak <= 60 and 15 <= average <= 35
    assert low80 <= peak <= high80 <= high95
    assert lines[1].startswith("Quietest: about ")
    assert lines[2].startswith("Model: ") and "from 14 days of five-minute CPU" in lines[2]
    assert lines[3].startswith("Size: under-provisioned (too small) - ")
    assert chart_of(reply, tmp_path)[:8] == PNG


async def test_a_window_too_far_ahead_or_memory_gets_no_forecast(
    aws: ClientFactory, fleet: dict[str, str], tmp_path: Path
) -> None:
    action = skill(ActionForecastLoad, aws, tmp_path)
    _, [far] = await run_action(action, tracker_for("predict web-1 load next month", intent="forecast_load",
                                                    entities=ents(instance="web-1", period="next month")))
    assert far["text"] == say.TOO_FAR
    _, [memory] = await run_action(action, tracker_for(
        "estimate memory usage on web-2 tomorrow", intent="forecast_load",
        entities=ents(metric="memory", instance="web-2", period="tomorrow")))
    assert memory["text"] == say.ONLY_CPU_AGENT.format(instance="web-2")
    _, [past] = await run_action(action, tracker_for("forecast web-2 last week", intent="forecast_load",
                                                     entities=ents(instance="web-2", period="last week")))
    assert past["text"] == say.HORIZON_UNKNOWN.format(words="last week")


async def test_too_little_history_is_said_plainly(aws: ClientFactory, tmp_path: Path) -> None:
    launch(aws, "new-1", "t3.small", 2)
    action = skill(ActionForecastLoad, aws, tmp_path)
    _, [reply] = await run_action(action, tracker_for("forecast new-1", intent="forecast_load",
                                                      entities=ents(instance="new-1")))
    assert reply["text"] == (
        "new-1 has only 2.0 days of CPU history in CloudWatch; I need at least 3 to tell its daily pattern from "
        "noise. Ask me again in a few days."
    )


async def test_web_2_is_oversized_and_says_how_to_resize(
    aws: ClientFactory, fleet: dict[str, str], tmp_path: Path
) -> None:
    action = skill(ActionRightsize, aws, tmp_path)
    _, [reply] = await run_action(action, tracker_for("is web-2 oversized?", intent="rightsize",
                                                      entities=ents(instance="web-2")))
    lines = reply["text"].splitlines()
    assert lines[0] == "web-2 (t3.medium) is over-provisioned (bigger than it needs)."
    recommended = re.fullmatch(r"Recommended: (\S+) - \$(\S+) -> \$(\S+) a month \(-\$(\S+)\)\.", lines[1])
    assert recommended, lines
    new_type, now, after, saving = recommended.groups()
    assert new_type.startswith("t3") and new_type != "t3.medium"
    assert float(now) - float(after) == pytest.approx(float(saving), abs=0.011)
    assert lines[-1] == (f"To change it, say \"resize web-2 to {new_type}\" - I'll tell you what happens and ask "
                         "first.")
    # the button is the request itself: the instance control skill asks before anything happens
    assert reply["buttons"] == [{
        "title": f"Resize web-2 to {new_type}",
        "payload": f'/instance_control{{"operation":"resize","instance":"web-2","instance_type":"{new_type}"}}'}]
    assert chart_of(reply, tmp_path)[:8] == PNG


async def test_asking_about_a_type_says_whether_it_fits(
    aws: ClientFactory, fleet: dict[str, str], tmp_path: Path
) -> None:
    action = skill(ActionRightsize, aws, tmp_path)
    _, [small] = await run_action(action, tracker_for(
        "would web-2 be ok on a t3.small", intent="rightsize", entities=ents(instance="web-2", instance_type="t3.small")))
    first, second = small["text"].splitlines()[:2]
    assert re.fullmatch(r"Yes - t3\.small would carry web-2: [\d.]+ vCPU at peak fits t3\.small's 2 vCPU; t3\.small's "
                        r"20% baseline \(0\.4 vCPU\) covers the [\d.]+ vCPU average; peaks spend banked credits\. It "
                        r"costs \$15\.18 a month \(-\$15\.19\)\.", first), first
    assert second == "web-2 (t3.medium) is over-provisioned (bigger than it needs)."
    _, [nano] = await run_action(action, tracker_for(
        "should web-1 run on a t3.nano instead", intent="rightsize",
        entities=ents(instance="web-1", instance_type="t3.nano")))
    assert nano["text"].startswith("No - t3.nano would not carry web-1: ")
    assert "credits run out" in nano["text"].splitlines()[0]


async def test_any_family_may_leave_the_family(aws: ClientFactory, fleet: dict[str, str], tmp_path: Path) -> None:
    action = skill(ActionRightsize, aws, tmp_path)
    _, [same] = await run_action(action, tracker_for("right-size web-2", intent="rightsize",
                                                     entities=ents(instance="web-2")))
    _, [wider] = await run_action(action, tracker_for("right-size web-2 across families", intent="rightsize",
                                                      entities=ents(instance="web-2")))
    assert "Recommended: t3.small " in same["text"]
    # t3a is the same size for less: only found when the family may change
    assert "Recommended: t3a.small " in wider["text"]


@pytest.mark.parametrize(("text", "wider"), [
    ("which servers are oversized in any family", True), ("right-size web-2 across families", True),
    ("could batch-1 go outside its family", True), ("is web-2 oversized", False), ("family photos", False),
])
def test_any_family_asked(text: str, wider: bool) -> None:
    assert any_family_asked(text) is wider


async def test_which_of_our_servers_are_oversized(aws: ClientFactory, fleet: dict[str, str], tmp_path: Path) -> None:
    action = skill(ActionRightsize, aws, tmp_path)
    posts = Posts()
    action.jobs = JobRunner(posts, tick=0.01, interval=0.0, step=0.0)
    _, sent = await run_action(action, tracker_for("which of our servers are oversized?", intent="rightsize"))
    assert [m["text"] for m in sent] == ["Checking 3 running instances - I'll post the table here when it's done."]
    await action.jobs.wait()
    *progress, (_, result) = posts.messages
    assert all(message["text"].startswith("Right-sizing: ") for _, message in progress)
    table = result["json_message"]["table"]
    assert table["columns"] == ["Instance", "Type", "Finding", "Recommended", "$/month change"]
    assert [row[:3] for row in table["rows"]] == [
        ["web-1", "t3.micro", "under-provisioned"],
        ["web-2", "t3.medium", "over-provisioned"],
        ["batch-1", "c5.large", "optimized"],
    ]
    assert table["rows"][2][3:] == ["-", "-"]
    # every line of the list restates a row, so channels that draw the table show it in the lines' place
    assert text_around_table(result["text"], table)[1].splitlines() == [
        next(line for line in result["text"].splitlines() if line.startswith("Following every recommendation"))]
    assert table["rows"][0][4].startswith("+$") and table["rows"][1][4].startswith("-$")
    assert result["text"].splitlines()[0] == (
        "Right-sizing 3 instances (p99.5 CPU over 14 days + 20% headroom, and the next 7 days' forecast):")
    assert chart_of(result, tmp_path)[:8] == PNG  # the worst one's history and forecast


@pytest.mark.parametrize(("text", "value"), [
    ("which servers are oversized using p95", 95.0), ("at the 90th percentile", 90.0), ("p99.5 please", 99.5),
    ("is web-2 oversized", None), ("p50", None),
])
def test_percentile_named(text: str, value: float | None) -> None:
    assert percentile_named(text) == value


async def test_a_possessive_is_not_part_of_the_name(aws: ClientFactory, fleet: dict[str, str], tmp_path: Path) -> None:
    action = skill(ActionForecastLoad, aws, tmp_path)
    _, [reply] = await run_action(action, tracker_for(
        "what will batch-1's cpu look like tomorrow?", intent="forecast_load",
        entities=ents(instance="batch-1's", metric="cpu", period="tomorrow")))
    assert reply["text"].startswith("batch-1 (c5.large) tomorrow: CPU should average about ")


def test_fleet_progress_words_both_phases() -> None:
    assert fleet_progress_text(0, 6) == "Right-sizing: read the CPU history of 0 of 3 instances..."
    assert fleet_progress_text(3, 6) == "Right-sizing: read the CPU history of 3 of 3 instances..."
    assert fleet_progress_text(5, 6) == "Right-sizing: forecast and sized 2 of 3 instances..."


def test_a_fleet_forecast_in_worker_processes_matches_one_in_this_process(
    aws: ClientFactory, fleet: dict[str, str]
) -> None:
    capacity = CapacityHistory(ec2=aws.client("ec2"), cloudwatch=aws.client("cloudwatch"), clock=lambda: NOW)
    horizon = parse_horizon("next week", NOW)
    assert horizon is not None
    reports: list[tuple[int, int | None]] = []
    pooled, skipped = fleet_outlooks(capacity, horizon, region="us-east-1", settings=CapacitySettings(),
                                     progress=lambda done, total: reports.append((done, total)), workers=2)
    assert skipped == []
    assert reports[0] == (0, 6) and reports[-1] == (6, 6) and [d for d, _ in reports] == sorted(d for d, _ in reports)
    serial = {o.instance.label: o for o in fleet_outlooks(capacity, horizon, region="us-east-1",
                                                            settings=CapacitySettings(), progress=lambda *_: None,
                                                            workers=1)[0]}
    for result in pooled:
        twin = serial[result.instance.label]
        assert result.choice.model == twin.choice.model
        assert (result.choice.forecast.mean == twin.choice.forecast.mean).all()
        assert result.recommendation == twin.recommendation


async def test_the_action_server_warms_forecasting_up_at_start_without_waiting() -> None:
    from types import SimpleNamespace

    from actions import endpoint
    from actions.skills.capacity import outlook

    assert outlook.on_start in endpoint.start_hooks()
    app = SimpleNamespace(ctx=SimpleNamespace())
    await outlook.on_start(app)
    future = app.ctx.forecast_warm_up
    assert not future.done()  # start-up goes on; the warm-up runs beside it
    warmed = await future
    # a whole selection ran: every candidate back-tested, one chosen, a day forecast
    assert warmed.model in warmed.scores and len(warmed.scores) > 1 and len(warmed.forecast.mean) == 288
    assert "statsmodels" in " ".join(sys.modules)  # the libraries a forecast needs are loaded
