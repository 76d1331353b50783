"""The response bodies, as TypedDicts: the one description of the shapes the API, the dashboard and the usage skill
share (the OpenAPI document in ``actions.dashboard.openapi`` says the same in JSON Schema)."""
from __future__ import annotations

from typing import Any, Protocol, TypedDict


class Clients(Protocol):
    """What a builder needs: ``ClientFactory`` or anything else handing out boto3 clients by service name."""

    @property
    def region(self) -> str: ...

    def client(self, service: str) -> Any: ...


class ClassFigures(TypedDict):
    bytes: int
    objects: int


class BucketStorage(TypedDict):
    name: str
    region: str | None
    bytes: int
    objects: int
    classes: dict[str, ClassFigures]
    monthly_cost_usd: float
    source: str  # "tracked" (the size tracker's live totals), "listing" (counted now) or "unreadable"


class Storage(TypedDict):
    total_bytes: int
    total_objects: int
    monthly_cost_usd: float
    buckets: list[BucketStorage]


class BucketTrendBody(TypedDict):
    name: str
    start_bytes: int
    end_bytes: int
    change_bytes: int
    change_pct: float | None
    series: list[tuple[str, int]]


class Trends(TypedDict):
    days: int
    buckets: list[BucketTrendBody]


class Saving(TypedDict):
    bucket: str
    action: str
    target_class: str
    min_age_days: int
    objects: int
    bytes: int
    monthly_saving_usd: float
    one_time_cost_usd: float


class Cost(TypedDict):
    monthly_now_usd: float
    monthly_after_usd: float
    recommendations: list[Saving]
    not_analysed: list[str]  # buckets the analysis could not read (or too big to list, without an inventory)


class Projection(TypedDict):
    next_month_bytes: int
    next_month_cost_usd: float
    method: str  # "linear_fit" (a least-squares line through tracked size history) or "current_size"
    fitted_buckets: int
    history_days: int
