"""Monthly storage cost now and after CloudButler's lifecycle recommendations, summed over every bucket, from the
cost analysis the cost skill runs (a listing, or the latest S3 Inventory report for a bucket too big to list)."""
from __future__ import annotations

import logging

from actions.aws.buckets import BucketService
from actions.aws.cost.analysis import CostAnalyser
from actions.aws.errors import CloudButlerError
from actions.insights.shapes import Clients, Cost, Saving
from actions.insights.sizes import MAX_BUCKETS

log = logging.getLogger(__name__)


def cost(clients: Clients) -> Cost:
    """Now and after, in USD a month; the recommendations that save something, the biggest saving first."""
    s3 = clients.client("s3")
    analyser = CostAnalyser(s3=s3)
    now = after = 0.0
    savings: list[Saving] = []
    skipped: list[str] = []
    for info in BucketService(s3).list_buckets(limit=MAX_BUCKETS).buckets:
        try:
            report = analyser.analyse_auto(info.name)
        except CloudButlerError as exc:
            log.warning("cost: %s not analysed (%s)", info.name, exc.code)
            skipped.append(info.name)
            continue
        now += report.monthly_cost
        after += report.monthly_cost_after
        for rec in report.recommendations:
            if rec.monthly_saving <= 0:
                continue
            savings.append(Saving(
                bucket=info.name, action=f"transition to {rec.target_class} after {rec.min_age_days} days",
                target_class=rec.target_class, min_age_days=rec.min_age_days, objects=rec.objects, bytes=rec.bytes,
                monthly_saving_usd=round(rec.monthly_saving, 6), one_time_cost_usd=round(rec.one_time_cost, 6),
            ))
    savings.sort(key=lambda s: (-s["monthly_saving_usd"], s["bucket"], s["min_age_days"]))
    return Cost(monthly_now_usd=round(now, 6), monthly_after_usd=round(after, 6), recommendations=savings,
                not_analysed=skipped)
