"""The fleet view: worst first (under-provisioned by pressure, then the biggest saving, then optimized), counts per
finding and the fleet's monthly totals."""

from __future__ import annotations

from actions.rightsizing.engine import OPTIMIZED, OVER, UNDER, Recommendation, fleet_summary, recommend
from tests.rightsizing.support import daily


def test_fleet_is_sorted_worst_first_with_totals() -> None:
    def rec(name: str, current_type: str, base: float, peak: float) -> Recommendation:
        cpu = daily(base, peak)
        return recommend(instance=name, current_type=current_type, cpu=cpu, forecast_upper=None, region="us-east-1")

    recs = [
        rec("batch-1", "c5.large", 50, 76),  # optimized
        rec("web-2", "t3.medium", 10, 30),  # over: -15.19
        rec("web-1", "t3.micro", 22, 70),  # under: pressure 2.6 (average against the baseline)
        rec("api-1", "m5.xlarge", 20, 40),  # over: m5.large, -70.08
        rec("db-1", "c5.large", 50, 90),  # under: pressure 1.08
    ]
    fleet = fleet_summary(recs)
    assert [(r.instance, r.finding) for r in fleet.rows] == [
        ("web-1", UNDER),
        ("db-1", UNDER),
        ("api-1", OVER),
        ("web-2", OVER),
        ("batch-1", OPTIMIZED),
    ]
    assert fleet.worst is not None and fleet.worst.instance == "web-1"
    assert fleet.counts == {UNDER: 2, OVER: 2, OPTIMIZED: 1}
    # now: 62.05 + 30.37 + 7.59 + 140.16 + 62.05; then: 62.05 + 15.18 + 60.74 + 70.08 + 124.10
    assert (fleet.monthly_now, fleet.monthly_recommended, fleet.monthly_change) == (302.22, 332.15, 29.93)


def test_an_empty_fleet() -> None:
    fleet = fleet_summary([])
    assert (fleet.rows, fleet.worst, fleet.monthly_change) == ((), None, 0.0)
    assert fleet.counts == {UNDER: 0, OVER: 0, OPTIMIZED: 0}
