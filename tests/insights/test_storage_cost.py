"""storage(), trends(), projection() and cost() against moto: tracked buckets answer from the tracker's totals,
others from a listing; money from the price table; the projection follows a line through the size history."""
from __future__ import annotations

import time

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.cost.analysis import CostAnalyser
from actions.aws.cost.pricing import GB
from actions.aws.size_tracking import SizeSample, SizeTracker
from actions.insights import cost, projection, storage, trends
from actions.insights.sizes import DAY, fit_line
from tests.insights.conftest import MakeBucket

STANDARD, IA = 0.023, 0.0125  # us-east-1, first tier, per GB-month


@pytest.fixture
def two_buckets(make_bucket: MakeBucket, tracker: SizeTracker) -> None:
    make_bucket("cb-logs", [("a.log", 3000, "STANDARD", 0), ("b.log", 1000, "STANDARD_IA", 0)])
    make_bucket("cb-media", [("m.png", 500, "STANDARD", 0)])
    tracker.track("cb-logs")


def test_storage_tracked_from_totals_others_listed_with_cost_per_class(aws: ClientFactory, two_buckets: None) -> None:
    # Written straight to S3 after tracking: no event is consumed in this test, so the tracked figure stays.
    aws.client("s3").put_object(Bucket="cb-logs", Key="late.log", Body=b"y" * 7000)
    body = storage(aws)
    logs, media = body["buckets"]
    assert logs == {
        "name": "cb-logs", "region": "us-east-1", "bytes": 4000, "objects": 2, "source": "tracked",
        "classes": {"STANDARD": {"bytes": 3000, "objects": 1}, "STANDARD_IA": {"bytes": 1000, "objects": 1}},
        "monthly_cost_usd": round(3000 / GB * STANDARD + 1000 / GB * IA, 6),
    }
    assert media == {
        "name": "cb-media", "region": "us-east-1", "bytes": 500, "objects": 1, "source": "listing",
        "classes": {"STANDARD": {"bytes": 500, "objects": 1}}, "monthly_cost_usd": round(500 / GB * STANDARD, 6),
    }
    assert (body["total_bytes"], body["total_objects"]) == (4500, 3)
    assert body["monthly_cost_usd"] == round(logs["monthly_cost_usd"] + media["monthly_cost_usd"], 6)



def test_trends_one_point_per_day_from_the_history(aws: ClientFactory, two_buckets: None,
                                                    tracker: SizeTracker) -> None:
    now = int(time.time())
    day0 = now - now % DAY  # today 00:00 UTC
    tracker.write_samples("cb-logs", [SizeSample(ts=day0 - 3 * DAY + 60, bytes=1000, objects=1),
                                      SizeSample(ts=day0 - 1 * DAY + 60, bytes=2000, objects=1)], "test")
    body = trends(aws, 7, now=now)
    assert body["days"] == 7
    [logs] = body["buckets"]  # only tracked buckets have a history
    iso = [time.strftime("%Y-%m-%d", time.gmtime(day0 + k * DAY)) for k in (-3, -2, -1, 0)]
    assert logs["series"] == [(iso[0], 1000), (iso[1], 1000), (iso[2], 2000), (iso[3], 4000)]
    assert (logs["start_bytes"], logs["end_bytes"], logs["change_bytes"], logs["change_pct"]) == (1000, 4000, 3000,
                                                                                                  300.0)


def test_projection_extends_the_line_through_the_history(aws: ClientFactory, two_buckets: None,
                                                          tracker: SizeTracker) -> None:
    now = int(time.time())
    # 4000 bytes now, 100 bytes a day more for 20 days: 7000 bytes in 30 days; the untracked bucket stays at 500.
    tracker.write_samples("cb-logs", [SizeSample(ts=now - 20 * DAY, bytes=2000, objects=1),
                                      SizeSample(ts=now - 10 * DAY, bytes=3000, objects=1)], "test")
    current = storage(aws)
    body = projection(aws, now=now, current=current)
    assert body["next_month_bytes"] == 7000 + 500
    logs, media = current["buckets"]
    assert body["next_month_cost_usd"] == pytest.approx(logs["monthly_cost_usd"] * 7000 / 4000
                                                        + media["monthly_cost_usd"], abs=1e-6)
    assert (body["method"], body["fitted_buckets"], body["history_days"]) == ("linear_fit", 1, 30)


def test_projection_without_history_is_the_current_size(aws: ClientFactory, make_bucket: MakeBucket) -> None:
    make_bucket("cb-media", [("m.png", 500, "STANDARD", 0)])
    body = projection(aws)
    assert body == {"next_month_bytes": 500, "next_month_cost_usd": round(500 / GB * STANDARD, 6),
                    "method": "current_size", "fitted_buckets": 0, "history_days": 30}


def test_fit_line_needs_a_day_of_history() -> None:
    assert fit_line([(0, 5), (DAY - 1, 9)]) is None
    intercept, slope = fit_line([(1000, 10), (1000 + DAY, 20), (1000 + 2 * DAY, 30)]) or (0.0, 0.0)
    assert slope * DAY == pytest.approx(10.0)
    assert intercept + slope * 1000 == pytest.approx(10.0)


def test_cost_sums_the_analysis_of_every_bucket_and_lists_what_saves(aws: ClientFactory,
                                                                       make_bucket: MakeBucket) -> None:
    old = [(f"old/{n}", 512 * 1024, "STANDARD", 400) for n in range(4)]
    make_bucket("cb-archive", old)
    make_bucket("cb-fresh", [("new.txt", 2048, "STANDARD", 0)])
    body = cost(aws)
    analyser = CostAnalyser(s3=aws.client("s3"))
    reports = [analyser.analyse_auto(name) for name in ("cb-archive", "cb-fresh")]
    assert body["monthly_now_usd"] == round(sum(r.monthly_cost for r in reports), 6)
    assert body["monthly_after_usd"] == round(sum(r.monthly_cost_after for r in reports), 6)
    assert body["monthly_after_usd"] < body["monthly_now_usd"]
    assert body["not_analysed"] == []
    assert body["recommendations"], "old objects in STANDARD should be moved"
    assert {rec["bucket"] for rec in body["recommendations"]} == {"cb-archive"}
    savings = [rec["monthly_saving_usd"] for rec in body["recommendations"]]
    assert savings == sorted(savings, reverse=True) and min(savings) > 0
    first = body["recommendations"][0]
    assert first["action"] == f"transition to {first['target_class']} after {first['min_age_days']} days"


def test_storage_of_an_empty_account(aws: ClientFactory) -> None:
    assert storage(aws) == {"total_bytes": 0, "total_objects": 0, "monthly_cost_usd": 0.0, "buckets": []}


def test_projection_counts_an_older_level_as_the_level_at_the_window_start(aws: ClientFactory, two_buckets: None,
                                                                            tracker: SizeTracker) -> None:
    now = int(time.time())
    # 1000 bytes since 200 days ago, 4000 now: over the 30-day window that is +3000 bytes, so +3000 more by next month
    tracker.write_samples("cb-logs", [SizeSample(ts=now - 200 * DAY, bytes=1000, objects=1)], "test")
    body = projection(aws, now=now)
    assert body["next_month_bytes"] == 4000 + 3000 + 500
