"""Overview against moto: every part built by one refresh, a part whose source fails keeps its last body and says
why, slow parts rebuilt only after their own interval, other periods built on demand and kept for an interval."""
from __future__ import annotations

import pytest

from actions.aws.clients import AwsSettings, ClientFactory
from actions.aws.cost.pricing import GB
from actions.insights import cost
from actions.insights.overview import SLOW_PARTS, Overview, Unavailable
from tests.insights.conftest import MakeBucket

PARTS = {"buckets", "usage", "forecasts", "trends:30", "alerts", "queues", "cost", "recommendations"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_one_refresh_builds_every_part(aws: ClientFactory, make_bucket: MakeBucket) -> None:
    make_bucket("cb-one", [("a", 100, "STANDARD", 0), ("b", 50, "STANDARD_IA", 0)])
    overview = Overview(aws)
    with pytest.raises(Unavailable) as before:
        overview.get("buckets")
    assert before.value.code == "not_ready"
    overview.refresh()
    assert set(overview.parts) == PARTS and overview.refreshes == 1
    assert [b["name"] for b in overview.get("buckets")["buckets"]] == ["cb-one"]
    assert overview.get("usage") == {
        "total_bytes": 150, "total_objects": 2, "monthly_cost_usd": overview.get("buckets")["monthly_cost_usd"],
        "classes": {"STANDARD": {"bytes": 100, "objects": 1, "monthly_cost_usd": round(100 / GB * 0.023, 6)},
                    "STANDARD_IA": {"bytes": 50, "objects": 1, "monthly_cost_usd": round(50 / GB * 0.0125, 6)}},
    }
    assert overview.get("alerts") == {"alarms": [], "out_of_stock": []}
    assert overview.get("recommendations") == {"instances": [], "not_sized": []}
    assert overview.get("queues") == []
    assert overview.refresh_errors == {}
    with pytest.raises(Unavailable) as no_store:
        overview.assistant(7)
    assert no_store.value.code == "no_tracker_store"


def test_a_failing_source_keeps_the_last_body_and_says_why(aws: ClientFactory, make_bucket: MakeBucket) -> None:
    make_bucket("cb-kept", [("a", 10, "STANDARD", 0)])
    overview = Overview(aws)
    overview.refresh()
    # nothing listens on port 9: every AWS call now fails to connect
    overview.clients = ClientFactory(AwsSettings(region="us-east-1", endpoint_url="http://127.0.0.1:9",
                                                 connect_timeout=1, max_attempts=1))
    overview.refresh()
    assert overview.get("buckets")["buckets"][0]["name"] == "cb-kept"
    assert overview.parts["buckets"].error == "NetworkError"
    assert overview.refresh_errors[("buckets", "NetworkError")] == 1
    assert overview.refreshes == 2


def test_slow_parts_wait_for_their_own_interval(aws: ClientFactory, make_bucket: MakeBucket) -> None:
    clock = Clock()
    overview = Overview(aws, interval=60, clock=clock)
    overview.refresh()
    first_cost = overview.parts["cost"].built_at
    make_bucket("cb-later", [("a", 10, "STANDARD", 0)])
    clock.now += 61
    overview.refresh()
    assert [b["name"] for b in overview.get("buckets")["buckets"]] == ["cb-later"]
    assert overview.parts["cost"].built_at == first_cost
    clock.now += SLOW_PARTS["cost"]
    overview.refresh()
    assert overview.parts["cost"].built_at == clock.now


def test_other_periods_are_built_on_demand_and_kept(aws: ClientFactory) -> None:
    clock = Clock()
    overview = Overview(aws, interval=60, clock=clock)
    assert overview.trends(7) == {"days": 7, "buckets": []}
    built = overview.parts["trends:7"].built_at
    clock.now += 30
    overview.trends(7)
    assert overview.parts["trends:7"].built_at == built
    clock.now += 31
    overview.trends(7)
    assert overview.parts["trends:7"].built_at == clock.now
    with pytest.raises(ValueError):
        overview.trends(0)
    with pytest.raises(ValueError):
        overview.trends(366)


def test_slow_parts_follow_in_the_background(aws: ClientFactory, make_bucket: MakeBucket) -> None:
    make_bucket("cb-slow", [("a", 10, "STANDARD", 0)])
    overview = Overview(aws, interval=3600)
    overview.refresh(slow=False)
    assert set(overview.parts) == PARTS - set(SLOW_PARTS)
    with pytest.raises(Unavailable):
        overview.get("cost")
    try:
        assert overview.start(first_wait=120) is True
        assert overview.get("cost") == cost(aws)
        assert overview.get("recommendations") == {"instances": [], "not_sized": []}
    finally:
        overview.stop()
