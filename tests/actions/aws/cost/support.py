"""Helpers for the cost tests (no tests here): one fixed "now" for analysing and back-dating, the analyser run at
it, and a small report for the words and the chart."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from actions.aws.cost.analysis import CostAnalyser
from actions.aws.cost.model import BucketStats, CostReport
from actions.aws.cost.pricing import pricing_for
from actions.aws.cost.recommend import build_report

# One fixed "now" for analysis and back-dating; ages are set half a day inside their bin, so no test
# depends on how fast it runs.
NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)

MB = 1 << 20

ObjectSpec = tuple[str, int, str, float]  # key, size in bytes, storage class, age in days
MakeBucket = Callable[..., str]


def analyse(s3: Any, bucket: str, **kwargs: Any) -> CostReport:
    return CostAnalyser(s3=s3).analyse(bucket, now=NOW, **kwargs)


def three_megabytes_in_standard() -> CostReport:
    # 3 objects of 1 MB, 30-90 days old (age bin 1, size bin 20 = (512 KB, 1 MB]).
    stats = BucketStats(cells={("STANDARD", 1, 20): [3, 3 * MB]})
    return build_report(stats, pricing_for("us-east-1"), bucket="media", source="listing", now=NOW)
