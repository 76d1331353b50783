"""S3 price model: the versioned table in ``pricing_table.json`` and the pure cost arithmetic built on it.

Conventions (the same as AWS billing): GB = 2^30 bytes, prices per GB-month, request prices per 1,000.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping

from actions.aws.errors import CloudButlerError

GB = 1 << 30
KB = 1024
DAYS_PER_MONTH = 30  # early-deletion charges are prorated per day of a 30-day month
DEFAULT_REGION = "us-east-1"

# Lifecycle "waterfall": the classes each class may transition to (S3 User Guide, "Supported lifecycle transitions").
ALLOWED_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "STANDARD": frozenset({"INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}),
    "STANDARD_IA": frozenset({"INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}),
    "INTELLIGENT_TIERING": frozenset({"ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}),
    "ONEZONE_IA": frozenset({"GLACIER", "DEEP_ARCHIVE"}),
    "GLACIER_IR": frozenset({"GLACIER", "DEEP_ARCHIVE"}),
    "GLACIER": frozenset({"DEEP_ARCHIVE"}),
    "DEEP_ARCHIVE": frozenset(),
}

Tiers = tuple[tuple[float | None, float], ...]


@dataclass(frozen=True)
class ClassRules:
    """Region-independent billing rules of one storage class."""

    min_billable_bytes: int
    min_days: int
    archive: bool
    restore_hours: int


@dataclass(frozen=True)
class Pricing:
    """Prices of one region plus the class rules; ``region`` may differ from ``requested_region`` (fallback)."""

    region: str
    requested_region: str
    version: str
    source: str
    storage: Mapping[str, Tiers]
    classes: Mapping[str, ClassRules]
    transition_per_1000: Mapping[str, float]
    retrieval_per_gb: Mapping[str, float]
    restore_per_1000: Mapping[str, float]
    it_monitoring_per_1000: float
    it_min_monitored_bytes: int
    overhead_standard_bytes: int
    overhead_archive_bytes: int
    lifecycle_min_transition_bytes: int

    @property
    def is_fallback(self) -> bool:
        return self.region != self.requested_region

    def priced(self, storage_class: str) -> bool:
        return storage_class in self.storage

    def price(self, storage_class: str) -> float:
        """The first-tier (smallest volume) price per GB-month."""
        return self.storage[storage_class][0][1]

    def rules(self, storage_class: str) -> ClassRules:
        return self.classes[storage_class]

    def transition_cost(self, target: str, objects: int) -> float:
        return objects * self.transition_per_1000[target] / 1000

    def storage_cost(self, storage_class: str, billable_bytes: float) -> float:
        """Monthly storage cost of ``billable_bytes`` in one class, walking the volume tiers."""
        return tiered_cost(self.storage[storage_class], billable_bytes / GB)

    def archive_overhead_cost(self, storage_class: str, objects: int) -> float:
        """Monthly cost of the per-object metadata S3 keeps for archived objects (0 for other classes)."""
        if not self.classes[storage_class].archive:
            return 0.0
        return objects * (
            self.overhead_archive_bytes / GB * self.price(storage_class)
            + self.overhead_standard_bytes / GB * self.price("STANDARD")
        )

    def it_monitoring_cost(self, monitored_objects: int) -> float:
        return monitored_objects * self.it_monitoring_per_1000 / 1000

    def early_deletion_charge(self, storage_class: str, billable_bytes: float, days_stored: int) -> float:
        """What S3 bills when an object leaves ``storage_class`` after ``days_stored`` days: the rest of the minimum."""
        remaining = self.classes[storage_class].min_days - days_stored
        if remaining <= 0:
            return 0.0
        return billable_bytes / GB * self.price(storage_class) * remaining / DAYS_PER_MONTH

    def object_monthly_cost(self, storage_class: str, size: int) -> float:
        """First-tier monthly cost of one object of ``size`` bytes (what a per-object decision compares)."""
        billable = max(size, self.classes[storage_class].min_billable_bytes)
        cost = billable / GB * self.price(storage_class) + self.archive_overhead_cost(storage_class, 1)
        if storage_class == "INTELLIGENT_TIERING" and size >= self.it_min_monitored_bytes:
            cost += self.it_monitoring_cost(1)
        return cost


def tiered_cost(tiers: Tiers, gb: float) -> float:
    """Cost of ``gb`` GB-month under volume tiers [(up_to_gb or None, price), ...] (cumulative upper bounds)."""
    cost = 0.0
    lower = 0.0
    for upper, price in tiers:
        if upper is None or gb <= upper:
            return cost + (gb - lower) * price
        cost += (upper - lower) * price
        lower = upper
    raise ValueError("the last tier must have no upper bound")


@lru_cache(maxsize=4)
def load_table(path: str | None = None) -> Mapping[str, Any]:
    """The parsed price table (cached: it is read-only data, loaded on first use, never at import)."""
    if path is None:
        text = resources.files("actions.aws.cost").joinpath("pricing_table.json").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    table: Mapping[str, Any] = json.loads(text)
    return table


def known_regions(table: Mapping[str, Any] | None = None) -> list[str]:
    return sorted((table or load_table())["regions"])


def pricing_for(
    region: str | None, table: Mapping[str, Any] | None = None, *, fallback: str | None = DEFAULT_REGION
) -> Pricing:
    """Prices for ``region``; a region missing from the table uses ``fallback`` (reported as ``is_fallback``)."""
    table = table or load_table()
    requested = region or DEFAULT_REGION
    regions = table["regions"]
    chosen = requested if requested in regions else fallback
    if chosen is None or chosen not in regions:
        raise CloudButlerError("pricing_region_unknown", region=requested, known=", ".join(sorted(regions)))
    data = regions[chosen]
    classes = {
        name: ClassRules(
            min_billable_bytes=int(rule["min_billable_bytes"]),
            min_days=int(rule["min_days"]),
            archive=bool(rule["archive"]),
            restore_hours=int(rule["restore_hours"]),
        )
        for name, rule in table["classes"].items()
    }
    for name, rule in classes.items():
        # Exact billable-size sums over power-of-two size bins need a power-of-two minimum (see analysis.py).
        if rule.min_billable_bytes & (rule.min_billable_bytes - 1):
            raise ValueError(f"min_billable_bytes of {name} must be a power of two")
    storage = {name: _tiers(value) for name, value in data["storage"].items()}
    return Pricing(
        region=chosen,
        requested_region=requested,
        version=str(table["version"]),
        source=str(table["source"]),
        storage=storage,
        classes=classes,
        transition_per_1000=dict(data["transition_per_1000"]),
        retrieval_per_gb=dict(data["retrieval_per_gb"]),
        restore_per_1000=dict(data["restore_per_1000"]),
        it_monitoring_per_1000=float(data["it_monitoring_per_1000"]),
        it_min_monitored_bytes=int(table["intelligent_tiering"]["min_monitored_bytes"]),
        overhead_standard_bytes=int(table["archive_overhead"]["standard_bytes"]),
        overhead_archive_bytes=int(table["archive_overhead"]["archive_bytes"]),
        lifecycle_min_transition_bytes=int(table["lifecycle_default_min_transition_bytes"]),
    )


def _tiers(value: float | list[list[float | None]]) -> Tiers:
    if isinstance(value, (int, float)):
        return ((None, float(value)),)
    return tuple((None if upper is None else float(upper), float(price)) for upper, price in value)  # type: ignore[arg-type]
