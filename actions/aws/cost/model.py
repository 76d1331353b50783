"""Typed results of the cost analysis (no wording here: ``wording.py`` turns these into sentences and rows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

# Age bins by LastModified: [0, 30), [30, 90), [90, 180), [180, 365), [365, inf) days.
AGE_EDGES_DAYS: tuple[int, ...] = (30, 90, 180, 365)
AGE_LOWER_DAYS: tuple[int, ...] = (0, *AGE_EDGES_DAYS)
N_AGE = len(AGE_LOWER_DAYS)

# Size bin k holds sizes in (2^(k-1), 2^k] (bin 0: size 1; size 0 falls in bin 1): ``(size - 1).bit_length()``,
# one C call per object. Power-of-two edges make "larger than 128 KB" (the lifecycle ObjectSizeGreaterThan
# filter) and "billed as at least 128 KB" exact sums over whole bins.
N_SIZE = 64
# Display groups over the fine bins: (exclusive lower bound, inclusive upper bound or None).
SIZE_GROUPS: tuple[tuple[int, int | None], ...] = (
    (0, 128 * 1024),
    (128 * 1024, 1 << 20),
    (1 << 20, 64 << 20),
    (64 << 20, 1 << 30),
    (1 << 30, None),
)

# Classes the analysis counts separately; anything else (REDUCED_REDUNDANCY, EXPRESS_ONEZONE, ...) is "OTHER".
KNOWN_CLASSES: tuple[str, ...] = (
    "STANDARD",
    "INTELLIGENT_TIERING",
    "STANDARD_IA",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
    "REDUCED_REDUNDANCY",
    "OTHER",
)

# An analysis reports how far it got: (objects_seen, bytes_seen).
ProgressCallback = Callable[[int, int], None]

RULE_PREFIX = "cloudbutler-"  # lifecycle rules CloudButler owns (and may update or remove)

CellKey = tuple[str, int, int]  # (storage class, age bin, size bin)

CaveatCode = Literal[
    "retrieval_fee",  # reading objects back costs per GB (per_gb)
    "restore_delay",  # archived objects need a restore first, up to ``hours``
    "minimum_duration",  # deleting/moving within ``days`` of the transition bills the rest of ``days``
    "early_deletion",  # the one-time cost includes ``amount`` of early-deletion charges
    "small_objects_skipped",  # ``objects``/``bytes`` too small for the move to pay back within a year
    "intelligent_tiering_estimate",  # IT objects priced at the Frequent Access tier (an upper bound)
    "unpriced_class",  # ``objects``/``bytes`` in classes the table has no price for
    "prices_from_other_region",  # the table has no prices for the bucket's region; ``region`` used instead
    "current_versions_only",  # a listing sees current versions only; noncurrent versions are not counted
]


def size_bin_upper(k: int) -> int:
    """Inclusive upper bound in bytes of size bin ``k``."""
    return 1 << k


def size_bin_lower(k: int) -> int:
    """Exclusive lower bound in bytes of size bin ``k`` (0 for bins 0 and 1, which also hold empty objects)."""
    return 0 if k <= 1 else 1 << (k - 1)


def size_bin_of(size: int) -> int:
    return (size - 1).bit_length()


@dataclass
class BucketStats:
    """Counters filled by either source (listing or inventory): (class, age bin, size bin) -> [objects, bytes]."""

    cells: dict[CellKey, list[int]] = field(default_factory=dict)
    it_monitored: int = 0  # Intelligent-Tiering objects >= 128 KB (the ones that pay the monitoring fee)
    includes_noncurrent: bool = False

    def add(self, key: CellKey, objects: int, size_bytes: int) -> None:
        cell = self.cells.get(key)
        if cell is None:
            self.cells[key] = [objects, size_bytes]
        else:
            cell[0] += objects
            cell[1] += size_bytes

    def merge(self, other: BucketStats) -> None:
        for key, (objects, size_bytes) in other.cells.items():
            self.add(key, objects, size_bytes)
        self.it_monitored += other.it_monitored
        self.includes_noncurrent = self.includes_noncurrent or other.includes_noncurrent

    @property
    def objects(self) -> int:
        return sum(cell[0] for cell in self.cells.values())

    @property
    def bytes(self) -> int:
        return sum(cell[1] for cell in self.cells.values())


@dataclass(frozen=True)
class HistogramBin:
    """Objects whose age (days) or size (bytes) lies in [low, high) for ages, (low, high] for sizes."""

    low: int
    high: int | None
    objects: int
    bytes: int


@dataclass(frozen=True)
class ClassSummary:
    storage_class: str
    objects: int
    bytes: int
    billable_bytes: int
    monthly_cost: float
    monthly_cost_after: float
    priced: bool = True


@dataclass(frozen=True)
class Caveat:
    code: CaveatCode
    storage_class: str | None = None
    days: int | None = None
    hours: int | None = None
    per_gb: float | None = None
    amount: float | None = None
    objects: int = 0
    bytes: int = 0
    region: str | None = None


@dataclass(frozen=True)
class LadderStep:
    """One lifecycle transition the engine considers: objects at least ``days`` old and larger than
    ``min_size_bytes`` move to ``target`` (the size is where one object's move pays back within the limit)."""

    days: int
    target: str
    min_size_bytes: int


@dataclass(frozen=True)
class Recommendation:
    target_class: str
    min_age_days: int
    min_size_bytes: int  # objects strictly larger than this (lifecycle ObjectSizeGreaterThan)
    objects: int
    bytes: int
    source_classes: tuple[str, ...]
    transition_cost: float
    early_deletion_cost: float
    monthly_cost_before: float
    monthly_cost_after: float
    skipped_objects: int  # in this step's age range but too small for the move to pay back
    skipped_bytes: int
    caveats: tuple[Caveat, ...] = ()

    @property
    def one_time_cost(self) -> float:
        return self.transition_cost + self.early_deletion_cost

    @property
    def monthly_saving(self) -> float:
        return self.monthly_cost_before - self.monthly_cost_after

    @property
    def payback_months(self) -> float | None:
        """Months until the saving repays the one-time cost (0 when free, None when it never does)."""
        if self.one_time_cost <= 0:
            return 0.0
        if self.monthly_saving <= 0:
            return None
        return self.one_time_cost / self.monthly_saving


@dataclass(frozen=True)
class CostReport:
    bucket: str
    region: str
    source: Literal["listing", "inventory"]
    generated_at: datetime
    as_of: datetime | None  # when the inventory was taken (None for a live listing)
    pricing_version: str
    pricing_source: str
    objects: int
    bytes: int
    monthly_cost: float
    monthly_cost_after: float
    classes: tuple[ClassSummary, ...]
    age_histogram: tuple[HistogramBin, ...]
    size_histogram: tuple[HistogramBin, ...]
    ladder: tuple[LadderStep, ...]
    recommendations: tuple[Recommendation, ...]
    left_alone_objects: int  # older than the first step but kept where they are (too small to pay back)
    left_alone_bytes: int
    caveats: tuple[Caveat, ...]
    stats: BucketStats

    @property
    def monthly_saving(self) -> float:
        return self.monthly_cost - self.monthly_cost_after

    @property
    def one_time_cost(self) -> float:
        return sum(rec.one_time_cost for rec in self.recommendations)
