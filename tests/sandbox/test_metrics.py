"""The sandbox's metric curves and helpers: deterministic, bounded, shaped like a working day; metric queries
that answer as moto does, only faster."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from actions.aws.clients import ClientFactory
from sandbox.metrics import (
    CPU_STEP,
    STORAGE_TYPES,
    CpuProfile,
    NetworkProfile,
    chunks,
    cpu_series,
    cpu_value,
    datum,
    floor_to_step,
    install_fast_metric_queries,
    instance_data,
    network_values,
    normals,
    steps,
    storage_type,
)

WEB = CpuProfile(level=10, amplitude=40, peak_hour=14, noise=0.0)
WEDNESDAY = dt.datetime(2026, 11, 18, tzinfo=dt.UTC)
SATURDAY = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)


def at(day: dt.datetime, hour: int, minute: int = 0) -> dt.datetime:
    return day.replace(hour=hour, minute=minute)


def test_peak_level_and_night() -> None:
    assert cpu_value(WEB, at(WEDNESDAY, 14), key="k") == 50.0
    assert cpu_value(WEB, at(WEDNESDAY, 2), key="k") == 10.0
    assert cpu_value(WEB, at(WEDNESDAY, 8), key="k") == 10.0  # six hours before the peak: the bump is zero
    assert cpu_value(WEB, at(WEDNESDAY, 11), key="k") == pytest.approx(10 + 40 * 0.7071, abs=0.01)


def test_weekends_are_quieter() -> None:
    assert cpu_value(WEB, at(SATURDAY, 14), key="k") == pytest.approx(10 + 40 * WEB.weekend_factor)


def test_night_batch_profile_peaks_at_night() -> None:
    batch = CpuProfile(level=5, amplitude=70, peak_hour=2, noise=0.0)
    assert cpu_value(batch, at(WEDNESDAY, 2), key="b") == 75.0
    assert cpu_value(batch, at(WEDNESDAY, 23), key="b") > cpu_value(batch, at(WEDNESDAY, 14), key="b")


def test_jitter_is_deterministic_per_key_and_time() -> None:
    noisy = CpuProfile(level=30, amplitude=0, noise=5.0)
    moment = at(WEDNESDAY, 10, 35)
    assert cpu_value(noisy, moment, key="a") == cpu_value(noisy, moment, key="a")
    values = {cpu_value(noisy, moment, key=k) for k in "abcdefgh"}
    assert len(values) > 4


def test_values_stay_within_percent() -> None:
    wild = CpuProfile(level=90, amplitude=40, noise=30.0)
    quiet = CpuProfile(level=0, amplitude=0, noise=30.0)
    for minute in range(0, 24 * 60, 7):
        moment = WEDNESDAY + dt.timedelta(minutes=minute)
        assert 0.1 <= cpu_value(wild, moment, key="w") <= 99.9
        assert 0.1 <= cpu_value(quiet, moment, key="q") <= 99.9


def test_series_covers_a_week_in_five_minute_steps() -> None:
    end = dt.datetime(2026, 11, 22, 4, 13, 27, tzinfo=dt.UTC)
    series = cpu_series(WEB, key="k", end=end)
    assert len(series) == 7 * 24 * 12 + 1
    assert series[-1][0] == dt.datetime(2026, 11, 22, 4, 10, tzinfo=dt.UTC)
    assert series[0][0] == series[-1][0] - dt.timedelta(days=7)
    assert all(b[0] - a[0] == CPU_STEP for a, b in zip(series, series[1:], strict=False))
    assert cpu_series(WEB, key="k", end=end) == series


def test_floor_to_step() -> None:
    assert floor_to_step(dt.datetime(2026, 1, 1, 10, 14, 59, 999, tzinfo=dt.UTC)) == dt.datetime(
        2026, 1, 1, 10, 10, tzinfo=dt.UTC
    )
    boundary = dt.datetime(2026, 1, 1, 10, 15, tzinfo=dt.UTC)
    assert floor_to_step(boundary) == boundary


def test_storage_types() -> None:
    assert storage_type(None) == "StandardStorage"
    assert storage_type("STANDARD") == "StandardStorage"
    assert storage_type("DEEP_ARCHIVE") == "DeepArchiveStorage"
    assert storage_type("INTELLIGENT_TIERING") == "IntelligentTieringFAStorage"
    assert storage_type("SOMETHING_NEW") == "StandardStorage"
    assert len(set(STORAGE_TYPES.values())) == len(STORAGE_TYPES)


def test_datum_and_chunks() -> None:
    moment = at(WEDNESDAY, 1)
    assert datum("CPUUtilization", 3, moment, {"InstanceId": "i-1"}, "Percent") == {
        "MetricName": "CPUUtilization",
        "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
        "Timestamp": moment,
        "Value": 3.0,
        "Unit": "Percent",
    }
    items = [{"n": i} for i in range(1201)]
    parts = list(chunks(items))
    assert [len(p) for p in parts] == [500, 500, 201]
    assert [x for p in parts for x in p] == items
    assert list(chunks([])) == []


def test_normals_are_deterministic_and_standard() -> None:
    assert normals("a:1") == normals("a:1") and normals("a:1") != normals("a:2")
    draws = [value for i in range(4000) for value in normals(f"k:{i}")]
    mean = sum(draws) / len(draws)
    spread = (sum((d - mean) ** 2 for d in draws) / len(draws)) ** 0.5
    assert abs(mean) < 0.05 and 0.95 < spread < 1.05


def test_network_follows_the_cpu_and_the_profile() -> None:
    web = NetworkProfile(in_mb=30, out_ratio=3.5, noise=0.0)
    batch = NetworkProfile(in_mb=250, out_ratio=0.15, noise=0.0)
    moment = at(WEDNESDAY, 14)
    assert network_values(web, 0.0, moment, key="w") == (round(0.1 * 30 * 1024 * 1024), round(0.1 * 30 * 1024 * 1024 * 3.5))
    busy, idle = network_values(web, 80.0, moment, key="w"), network_values(web, 5.0, moment, key="w")
    assert busy[0] > idle[0] * 5
    received, sent = network_values(batch, 60.0, moment, key="b")
    assert sent < received / 5
    noisy = NetworkProfile(in_mb=30, out_ratio=3.5)
    assert network_values(noisy, 50.0, moment, key="w") == network_values(noisy, 50.0, moment, key="w")
    assert network_values(noisy, 50.0, moment, key="w") != network_values(noisy, 50.0, moment, key="x")


def test_instance_data_is_the_three_metrics_of_one_step() -> None:
    moment = at(WEDNESDAY, 9, 5)
    data = instance_data(WEB, NetworkProfile(in_mb=10, out_ratio=2), moment, key="k", instance_id="i-1")
    assert [(d["MetricName"], d["Unit"], d["Timestamp"]) for d in data] == [
        ("CPUUtilization", "Percent", moment), ("NetworkIn", "Bytes", moment), ("NetworkOut", "Bytes", moment)]
    assert data[0]["Value"] == cpu_value(WEB, moment, key="k")
    assert all(d["Dimensions"] == [{"Name": "InstanceId", "Value": "i-1"}] for d in data)


def test_steps_are_the_boundaries_within_the_range() -> None:
    start = dt.datetime(2026, 1, 1, 10, 2, tzinfo=dt.UTC)
    assert steps(start, start + dt.timedelta(minutes=14)) == [
        dt.datetime(2026, 1, 1, 10, 5, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, 10, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 1, 10, 15, tzinfo=dt.UTC)]
    boundary = dt.datetime(2026, 1, 1, 10, 5, tzinfo=dt.UTC)
    assert steps(boundary, boundary) == [boundary]
    assert steps(start, start + dt.timedelta(minutes=2)) == []


def test_fast_metric_queries_answer_as_moto_does(aws: ClientFactory) -> None:
    """Datapoints of several metrics, dimensions and units; every kind of query asked through HTTP with moto's own
    GetMetricData and with the fast one gives the same answer."""
    cloudwatch = aws.client("cloudwatch")
    start = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    rng = random.Random(5)
    data = []
    for minute in range(0, 3 * 24 * 60, 5):
        moment = start + dt.timedelta(minutes=minute, seconds=rng.randint(0, 200))
        for instance in ("i-1", "i-2"):
            data.append(datum("CPUUtilization", rng.uniform(0, 100), moment, {"InstanceId": instance}, "Percent"))
        data.append(datum("NetworkIn", rng.uniform(0, 1e6), moment, {"InstanceId": "i-1"}, "Bytes"))
        data.append(datum("CPUUtilization", rng.uniform(0, 100), moment, {"InstanceId": "i-1", "Role": "web"},
                          "Percent"))
    data.append(datum("Jobs", 3, start + dt.timedelta(hours=2), {}, "Count"))
    for part in chunks(data):
        cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=part)

    def query(qid: str, name: str, dims: dict[str, str], period: int, stat: str, **extra: object) -> dict[str, object]:
        metric = {"Namespace": "AWS/EC2", "MetricName": name,
                  "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}
        return {"Id": qid, "MetricStat": {"Metric": metric, "Period": period, "Stat": stat, **extra}}

    queries = [
        query("a", "CPUUtilization", {"InstanceId": "i-1"}, 3600, "Average"),
        query("b", "CPUUtilization", {"InstanceId": "i-2"}, 900, "Maximum"),
        query("c", "NetworkIn", {"InstanceId": "i-1"}, 86400, "Sum"),
        query("d", "CPUUtilization", {"InstanceId": "i-1", "Role": "web"}, 300, "Minimum"),
        query("e", "CPUUtilization", {"InstanceId": "i-1"}, 3600, "SampleCount", Unit="Percent"),
        query("f", "CPUUtilization", {"InstanceId": "i-1"}, 3600, "Average", Unit="Bytes"),
        query("g", "Jobs", {}, 3600, "Sum"),
        {**query("h", "NetworkIn", {"InstanceId": "i-1"}, 7200, "Average"), "ReturnData": False},
    ]

    def ask(scan_by: str, begin: dt.datetime, end: dt.datetime) -> list[dict[str, object]]:
        response = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=begin, EndTime=end, ScanBy=scan_by)
        return [{k: v for k, v in r.items() if k != "Messages"} for r in response["MetricDataResults"]]

    windows = [(start, start + dt.timedelta(days=3)),
               (start + dt.timedelta(hours=5, minutes=7), start + dt.timedelta(days=1, hours=2))]
    asked = [(scan, begin, end) for scan in ("TimestampAscending", "TimestampDescending") for begin, end in windows]
    moto_answers = [ask(*question) for question in asked]
    later = [datum("CPUUtilization", 1000.0, start + dt.timedelta(days=2, minutes=1), {"InstanceId": "i-2"},
                   "Percent")]
    undo = install_fast_metric_queries()
    try:
        assert install_fast_metric_queries()() is None  # installing twice changes nothing
        fast_answers = [ask(*question) for question in asked]
        cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=later)  # after the fast queries indexed the rest
        fast_later = ask(*asked[0])
    finally:
        undo()
    assert fast_answers == moto_answers
    moto_later = ask(*asked[0])
    assert fast_later == moto_later != fast_answers[0]  # a point put later counts (b's maximum), as in moto's
    assert [r["Id"] for r in fast_answers[0]] == ["a", "b", "c", "d", "e", "f", "g"]
    assert len(fast_answers[0][0]["Values"]) == 72 and fast_answers[0][5]["Values"] == []  # type: ignore[arg-type]
