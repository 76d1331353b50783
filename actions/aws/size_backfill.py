"""History from before tracking began: S3's daily storage metrics in CloudWatch (BucketSizeBytes per StorageType,
NumberOfObjects for all of them), turned into one sample a day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from actions.aws.size_tables import Totals
from actions.aws.usage import STORAGE_TYPE_CLASSES, storage_query

HISTORY = timedelta(days=455)  # how long CloudWatch keeps daily datapoints


def daily_sizes(cloudwatch: Any, bucket: str, *, end: datetime) -> Iterator[tuple[int, Totals]]:
    """(day's epoch seconds, figures) ascending, for the days CloudWatch has before ``end``. Objects per class are
    not published (only the count over all classes): the per-class counts stay 0."""
    bucket_dim = {"Name": "BucketName", "Value": bucket}
    storage_types: set[str] = set()
    for page in cloudwatch.get_paginator("list_metrics").paginate(
        Namespace="AWS/S3", MetricName="BucketSizeBytes", Dimensions=[bucket_dim]
    ):
        for metric in page.get("Metrics", []):
            storage_types.update(d["Value"] for d in metric.get("Dimensions", []) if d["Name"] == "StorageType")
    if not storage_types:
        return
    ordered = sorted(storage_types)
    queries = [storage_query(f"b{i}", "BucketSizeBytes", bucket_dim, kind) for i, kind in enumerate(ordered)]
    queries.append(storage_query("count", "NumberOfObjects", bucket_dim, "AllStorageTypes"))
    # S3 stamps its daily datapoints at 00:00 UTC: periods starting at midnight hold one each.
    start = (end - HISTORY).replace(hour=0, minute=0, second=0, microsecond=0)
    days: dict[int, Totals] = {}  # at most 455 entries
    for page in cloudwatch.get_paginator("get_metric_data").paginate(
        MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
    ):
        for result in page.get("MetricDataResults", []):
            for when, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=True):
                day = days.setdefault(int(when.timestamp()), Totals())
                if result["Id"] == "count":
                    day.objects += int(value)
                else:
                    kind = ordered[int(result["Id"][1:])]
                    day.add(STORAGE_TYPE_CLASSES.get(kind, kind), int(value), 0)
    for ts in sorted(days):
        if days[ts].bytes or days[ts].objects:
            yield ts, days[ts]

