"""From counters to a priced report: current cost per class, which objects to move where, and what it pays.

The engine models what a lifecycle rule would do today: each object goes to the target of the latest
ladder step whose age it has reached and whose size floor it exceeds (S3 applies the furthest transition),
provided S3 allows that transition from its current class. A step is recommended only if its one-time cost
is repaid within ``max_payback_months`` by its monthly saving.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from actions.aws.cost.model import (
    AGE_EDGES_DAYS,
    AGE_LOWER_DAYS,
    N_AGE,
    N_SIZE,
    SIZE_GROUPS,
    BucketStats,
    Caveat,
    CellKey,
    ClassSummary,
    CostReport,
    HistogramBin,
    LadderStep,
    Recommendation,
    size_bin_lower,
    size_bin_upper,
)
from actions.aws.cost.pricing import ALLOWED_TRANSITIONS, GB, Pricing

DEFAULT_LADDER: tuple[tuple[int, str], ...] = ((30, "STANDARD_IA"), (90, "GLACIER"), (365, "DEEP_ARCHIVE"))
MAX_PAYBACK_MONTHS = 12.0
REFERENCE_SOURCE = "STANDARD"  # size floors are computed for objects moving out of Standard


def min_size_for(pricing: Pricing, target: str, max_payback_months: float, source: str = REFERENCE_SOURCE) -> int:
    """Smallest power-of-two size floor (>= the lifecycle default of 128 KB) above which moving one object
    from ``source`` to ``target`` pays back within ``max_payback_months`` (checked at the floor: the worst case)."""
    one_time = pricing.transition_cost(target, 1)
    for k in range(pricing.lifecycle_min_transition_bytes.bit_length(), N_SIZE):
        size = size_bin_lower(k)
        saving = pricing.object_monthly_cost(source, size) - pricing.object_monthly_cost(target, size)
        if saving > 0 and one_time <= max_payback_months * saving:
            return size
    return size_bin_lower(N_SIZE - 1)


def plan_ladder(
    pricing: Pricing, ladder: Iterable[tuple[int, str]], max_payback_months: float = MAX_PAYBACK_MONTHS
) -> tuple[LadderStep, ...]:
    steps: list[LadderStep] = []
    for days, target in ladder:
        if days not in AGE_EDGES_DAYS:
            raise ValueError(f"ladder days must be one of {AGE_EDGES_DAYS}, got {days}")
        if steps and days <= steps[-1].days:
            raise ValueError("ladder days must increase strictly")
        if not pricing.priced(target) or target == "STANDARD":
            raise ValueError(f"cannot transition to {target}")
        steps.append(LadderStep(days=days, target=target, min_size_bytes=min_size_for(pricing, target, max_payback_months)))
    return tuple(steps)


def billable_bytes(pricing: Pricing, storage_class: str, size_bin: int, objects: int, size_bytes: int) -> int:
    """Exact: a bin lies wholly at or below the (power-of-two) minimum billable size, or wholly above it."""
    minimum = pricing.rules(storage_class).min_billable_bytes
    if minimum and size_bin_upper(size_bin) <= minimum:
        return objects * minimum
    return size_bytes


def cell_cost(pricing: Pricing, storage_class: str, key: CellKey, cell: list[int], price: float) -> float:
    """Monthly cost of one cell at a given per-GB price (the class's marginal price for the bucket)."""
    objects, size_bytes = cell
    cost = billable_bytes(pricing, storage_class, key[2], objects, size_bytes) / GB * price
    cost += pricing.archive_overhead_cost(storage_class, objects)
    if storage_class == "INTELLIGENT_TIERING" and key[2] > 17:
        cost += pricing.it_monitoring_cost(objects)
    return cost


@dataclass
class _Move:
    cells: list[tuple[CellKey, list[int]]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=lambda: [0, 0])


def build_report(
    stats: BucketStats,
    pricing: Pricing,
    *,
    bucket: str,
    source: Literal["listing", "inventory"],
    now: datetime,
    as_of: datetime | None = None,
    ladder: Iterable[tuple[int, str]] = DEFAULT_LADDER,
    max_payback_months: float = MAX_PAYBACK_MONTHS,
    versioned: bool | None = None,
) -> CostReport:
    steps = plan_ladder(pricing, ladder, max_payback_months)
    moves = [_Move() for _ in steps]
    left_alone = [0, 0]
    for key, cell in stats.cells.items():
        storage_class, age, size_bin = key
        if not pricing.priced(storage_class):
            continue
        allowed = ALLOWED_TRANSITIONS.get(storage_class, frozenset())
        age_step = chosen = None
        for index, step in enumerate(steps):
            if step.days <= AGE_LOWER_DAYS[age]:
                age_step = index
                if size_bin_lower(size_bin) >= step.min_size_bytes:
                    chosen = index
        if age_step is None or steps[age_step].target not in allowed:
            continue  # too young, or already at/below the step's class
        if chosen is not None and steps[chosen].target in allowed:
            moves[chosen].cells.append((key, cell))
        else:
            left_alone[0] += cell[0]
            left_alone[1] += cell[1]
        if chosen != age_step:
            moves[age_step].skipped[0] += cell[0]
            moves[age_step].skipped[1] += cell[1]

    totals = _class_totals(pricing, stats.cells)
    recommendations: list[Recommendation] = []
    after_cells: dict[CellKey, list[int]] = {key: list(cell) for key, cell in stats.cells.items()}
    it_monitored_after = stats.it_monitored
    for step, move in zip(steps, moves, strict=True):
        rec = _recommendation(pricing, step, move, totals)
        if rec is None or rec.payback_months is None or rec.payback_months > max_payback_months:
            left_alone[0] += sum(cell[0] for _, cell in move.cells)
            left_alone[1] += sum(cell[1] for _, cell in move.cells)
            continue
        recommendations.append(rec)
        for key, cell in move.cells:
            del after_cells[key]
            target_key = (step.target, key[1], key[2])
            moved = after_cells.setdefault(target_key, [0, 0])
            moved[0] += cell[0]
            moved[1] += cell[1]
            if key[0] == "INTELLIGENT_TIERING" and key[2] > 17:
                it_monitored_after -= cell[0]

    classes = _class_summaries(pricing, stats, after_cells, it_monitored_after)
    priced = [summary for summary in classes if summary.priced]
    return CostReport(
        bucket=bucket,
        region=pricing.requested_region,
        source=source,
        generated_at=now,
        as_of=as_of,
        pricing_version=pricing.version,
        pricing_source=pricing.source,
        objects=stats.objects,
        bytes=stats.bytes,
        monthly_cost=sum(summary.monthly_cost for summary in priced),
        monthly_cost_after=sum(summary.monthly_cost_after for summary in priced),
        classes=classes,
        age_histogram=_age_histogram(stats),
        size_histogram=_size_histogram(stats),
        ladder=steps,
        recommendations=tuple(recommendations),
        left_alone_objects=left_alone[0],
        left_alone_bytes=left_alone[1],
        caveats=_report_caveats(pricing, stats, classes, source, versioned),
        stats=stats,
    )


def _class_totals(pricing: Pricing, cells: dict[CellKey, list[int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for (storage_class, _, size_bin), (objects, size_bytes) in cells.items():
        if pricing.priced(storage_class):
            billable = billable_bytes(pricing, storage_class, size_bin, objects, size_bytes)
            totals[storage_class] = totals.get(storage_class, 0) + billable
    return totals


def _marginal_price(pricing: Pricing, storage_class: str, billable: int) -> float:
    """Price of the volume tier the class's bytes reach: what a moved byte saves (or adds) at the margin."""
    gb = billable / GB
    for upper, price in pricing.storage[storage_class]:
        if upper is None or gb <= upper:
            return price
    raise AssertionError("unreachable: the last tier is unbounded")


def _recommendation(pricing: Pricing, step: LadderStep, move: _Move, totals: dict[str, int]) -> Recommendation | None:
    if not move.cells:
        return None
    objects = size_bytes = 0
    before = after = early = 0.0
    sources: set[str] = set()
    target_price = _marginal_price(pricing, step.target, totals.get(step.target, 0))
    for key, cell in move.cells:
        storage_class = key[0]
        sources.add(storage_class)
        objects += cell[0]
        size_bytes += cell[1]
        before += cell_cost(
            pricing, storage_class, key, cell, _marginal_price(pricing, storage_class, totals[storage_class])
        )
        after += cell_cost(pricing, step.target, key, cell, target_price)
        # Upper bound: assumes an object entered its class when uploaded and is at the bottom of its age bin.
        billable = billable_bytes(pricing, storage_class, key[2], cell[0], cell[1])
        early += pricing.early_deletion_charge(storage_class, billable, AGE_LOWER_DAYS[key[1]])
    rules = pricing.rules(step.target)
    caveats: list[Caveat] = []
    if pricing.retrieval_per_gb.get(step.target):
        caveats.append(Caveat("retrieval_fee", storage_class=step.target, per_gb=pricing.retrieval_per_gb[step.target]))
    if rules.archive:
        caveats.append(Caveat("restore_delay", storage_class=step.target, hours=rules.restore_hours))
    if rules.min_days:
        caveats.append(Caveat("minimum_duration", storage_class=step.target, days=rules.min_days))
    if early > 0:
        caveats.append(Caveat("early_deletion", storage_class=step.target, amount=early))
    if move.skipped[0]:
        caveats.append(
            Caveat("small_objects_skipped", storage_class=step.target, objects=move.skipped[0], bytes=move.skipped[1])
        )
    return Recommendation(
        target_class=step.target,
        min_age_days=step.days,
        min_size_bytes=step.min_size_bytes,
        objects=objects,
        bytes=size_bytes,
        source_classes=tuple(sorted(sources)),
        transition_cost=pricing.transition_cost(step.target, objects),
        early_deletion_cost=early,
        monthly_cost_before=before,
        monthly_cost_after=after,
        skipped_objects=move.skipped[0],
        skipped_bytes=move.skipped[1],
        caveats=tuple(caveats),
    )


def class_monthly_cost(
    pricing: Pricing, storage_class: str, cells: Iterable[tuple[CellKey, list[int]]], it_monitored: int
) -> tuple[int, int, int, float]:
    """(objects, bytes, billable bytes, monthly cost) of one class with volume tiers applied to the total."""
    objects = size_bytes = billable = 0
    for key, (count, total) in cells:
        objects += count
        size_bytes += total
        billable += billable_bytes(pricing, storage_class, key[2], count, total)
    cost = pricing.storage_cost(storage_class, billable) + pricing.archive_overhead_cost(storage_class, objects)
    if storage_class == "INTELLIGENT_TIERING":
        cost += pricing.it_monitoring_cost(it_monitored)
    return objects, size_bytes, billable, cost


def _class_summaries(
    pricing: Pricing, stats: BucketStats, after_cells: dict[CellKey, list[int]], it_monitored_after: int
) -> tuple[ClassSummary, ...]:
    names = sorted({key[0] for key in stats.cells} | {key[0] for key in after_cells}, key=_class_order)
    summaries = []
    for name in names:
        before_cells = [(key, cell) for key, cell in stats.cells.items() if key[0] == name]
        later_cells = [(key, cell) for key, cell in after_cells.items() if key[0] == name]
        if not pricing.priced(name):
            objects = sum(cell[0] for _, cell in before_cells)
            size_bytes = sum(cell[1] for _, cell in before_cells)
            summaries.append(ClassSummary(name, objects, size_bytes, size_bytes, 0.0, 0.0, priced=False))
            continue
        objects, size_bytes, billable, cost = class_monthly_cost(pricing, name, before_cells, stats.it_monitored)
        cost_after = class_monthly_cost(pricing, name, later_cells, it_monitored_after)[3]
        summaries.append(ClassSummary(name, objects, size_bytes, billable, cost, cost_after))
    return tuple(summaries)


def _class_order(name: str) -> int:
    order = ("STANDARD", "INTELLIGENT_TIERING", "STANDARD_IA", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
    return order.index(name) if name in order else len(order)


def _age_histogram(stats: BucketStats) -> tuple[HistogramBin, ...]:
    counts = [[0, 0] for _ in range(N_AGE)]
    for (_, age, _), (objects, size_bytes) in stats.cells.items():
        counts[age][0] += objects
        counts[age][1] += size_bytes
    highs: list[int | None] = [*AGE_EDGES_DAYS, None]
    return tuple(HistogramBin(AGE_LOWER_DAYS[i], highs[i], counts[i][0], counts[i][1]) for i in range(N_AGE))


def _size_histogram(stats: BucketStats) -> tuple[HistogramBin, ...]:
    counts = [[0, 0] for _ in SIZE_GROUPS]
    for (_, _, size_bin), (objects, size_bytes) in stats.cells.items():
        upper = size_bin_upper(size_bin)
        for index, (low, high) in enumerate(SIZE_GROUPS):
            if upper > low and (high is None or upper <= high):
                counts[index][0] += objects
                counts[index][1] += size_bytes
                break
    return tuple(HistogramBin(low, high, *counts[i]) for i, (low, high) in enumerate(SIZE_GROUPS))


def _report_caveats(
    pricing: Pricing,
    stats: BucketStats,
    classes: tuple[ClassSummary, ...],
    source: str,
    versioned: bool | None,
) -> tuple[Caveat, ...]:
    caveats: list[Caveat] = []
    if pricing.is_fallback:
        caveats.append(Caveat("prices_from_other_region", region=pricing.region))
    for summary in classes:
        if summary.storage_class == "INTELLIGENT_TIERING" and summary.objects:
            caveats.append(
                Caveat(
                    "intelligent_tiering_estimate",
                    storage_class="INTELLIGENT_TIERING",
                    objects=summary.objects,
                    bytes=summary.bytes,
                )
            )
        if not summary.priced:
            caveats.append(
                Caveat("unpriced_class", storage_class=summary.storage_class, objects=summary.objects, bytes=summary.bytes)
            )
    if source == "listing" and versioned:
        caveats.append(Caveat("current_versions_only"))
    return tuple(caveats)
