"""Right-sizing as AWS Compute Optimizer documents it: a CPU percentile over the lookback plus headroom, combined
with the forecast's upper bound, matched against the instance catalogue; burstable types must also keep their CPU
credits. Pure: CPU figures in, a typed recommendation out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from actions.aws.errors import CloudButlerError
from actions.rightsizing import wording as w
from actions.rightsizing.catalogue import HOURS_PER_MONTH, Catalogue, InstanceType, load_catalogue

UNDER = "under-provisioned"
OVER = "over-provisioned"
OPTIMIZED = "optimized"
FINDINGS = (UNDER, OVER, OPTIMIZED)

PERCENTILES = (90.0, 95.0, 99.5)  # Compute Optimizer's CPU thresholds (P90 | P95 | P99_5)
STEP_MINUTES = 5
MIN_POINTS = 30 * 60 // STEP_MINUTES  # Compute Optimizer needs 30 hours of metrics before it recommends
# CloudWatch has no memory figure without its agent, so memory is a guess: a recommendation may halve it (one size
# down in a family), never more.
MEMORY_FLOOR = 0.5


@dataclass(frozen=True)
class Recommendation:
    instance: str
    finding: str  # one of FINDINGS
    current_type: str
    recommended_type: str  # the current type when optimized (or when nothing bigger exists)
    region: str
    percentile: float
    observed: float  # CPU % of the current type at the percentile
    average: float  # mean CPU % of the current type over the lookback
    needed: float  # vCPU-equivalents incl. headroom: the higher of observed and forecast upper bound
    sustained: float  # vCPU-equivalents on average: the higher of the lookback and the forecast mean
    pressure: float  # demand over what the current type gives (1.0 = exactly full); above 1 = under-provisioned
    monthly_now: float  # USD, On-Demand Linux, 730 hours
    monthly_recommended: float
    monthly_change: float  # USD per month, negative = saving
    reasons: tuple[str, ...]
    burstable_notes: tuple[str, ...]  # credits: earned, spent, surplus cost (empty when no T type is involved)
    catalogue_version: str

    @property
    def changes_type(self) -> bool:
        return self.recommended_type != self.current_type

    @property
    def saving(self) -> float:
        return max(0.0, -self.monthly_change)


@dataclass(frozen=True)
class FleetSummary:
    rows: tuple[Recommendation, ...]  # worst first: under-provisioned (most pressed), then biggest saving, optimized
    counts: Mapping[str, int]  # finding -> instances
    monthly_now: float
    monthly_recommended: float
    monthly_change: float

    @property
    def worst(self) -> Recommendation | None:
        return self.rows[0] if self.rows else None


@dataclass(frozen=True)
class _Demand:
    current: InstanceType
    percentile: float
    headroom: float
    observed: float
    average: float
    forecast_upper: float | None
    forecast_mean: float | None
    needed: float
    sustained: float
    steps: np.ndarray  # vCPU-equivalents per 5-minute step over the lookback


def recommend(
    *,
    instance: str,
    current_type: str,
    cpu: Sequence[float] | np.ndarray,
    forecast_upper: float | None,
    region: str,
    percentile: float = 99.5,
    headroom: float = 0.20,
    stay_in_family: bool = True,
    catalogue: Catalogue | None = None,
    forecast_mean: float | None = None,
) -> Recommendation:
    """Right-size one instance. ``cpu``: CPU % of the current type, 5-minute points, oldest first (NaN = gap);
    ``forecast_upper`` / ``forecast_mean``: the forecast's 95% upper bound (its peak) and its mean, in CPU % of the
    current type, for the coming period (None = no forecast)."""
    cat = catalogue or load_catalogue()
    cat.check_region(region)
    current = cat.lookup(current_type)
    _check_options(percentile, headroom)
    demand = _demand(instance, current, cpu, percentile, headroom, _finite(forecast_upper), _finite(forecast_mean))
    candidates = cat.family(current.family) if stay_in_family else cat.all()
    problems = _problems(current, demand)
    fitting = [t for t in candidates if _fits(t, demand) and _enough_memory(t, current)]
    best = min(fitting, key=lambda t: _preference(t, current, region), default=None)
    reasons = [*_demand_reasons(demand), *problems]
    if problems:
        finding = UNDER
        chosen = best or _largest(candidates, region)
        if best is None:
            reasons.append(_none_fits(chosen, demand, stay_in_family))
    else:
        chosen = best if best is not None and best.hourly(region) < current.hourly(region) else current
        finding = OVER if chosen.name != current.name else OPTIMIZED
    reasons.extend(_choice_reasons(chosen, demand, candidates, finding, region, stay_in_family))
    return _build(instance, finding, chosen, demand, region, cat.version, reasons, _burstable_notes(chosen, demand, region))


@dataclass(frozen=True)
class TypeVerdict:
    """Whether one named type would carry an instance's demand ("should batch-1 run on a t3.small instead?")."""

    candidate: str
    fits: bool
    reasons: tuple[str, ...]  # why not, or what makes it fit
    monthly: float  # USD a month for the candidate
    monthly_now: float


def judge_type(
    *,
    instance: str,
    current_type: str,
    candidate: str,
    cpu: Sequence[float] | np.ndarray,
    forecast_upper: float | None,
    region: str,
    percentile: float = 99.5,
    headroom: float = 0.20,
    catalogue: Catalogue | None = None,
    forecast_mean: float | None = None,
) -> TypeVerdict:
    """The demand ``recommend`` works out, held against ``candidate``: its vCPUs cover the need, its CPU credits last
    (burstable types), and it keeps at least half of today's memory (which is not measured)."""
    cat = catalogue or load_catalogue()
    cat.check_region(region)
    current, target = cat.lookup(current_type), cat.lookup(candidate)
    _check_options(percentile, headroom)
    demand = _demand(instance, current, cpu, percentile, headroom, _finite(forecast_upper), _finite(forecast_mean))
    reasons: list[str] = []
    if demand.needed > target.vcpu + 1e-9:
        reasons.append(w.TOO_SMALL.format(needed=w.vcpu(demand.needed), type=target.name, vcpu=target.vcpu))
    problem = _credit_problem(target, demand)
    if problem == "sustained" and target.burstable is not None:
        # two decimals: 0.23 above 0.2 must not read "0.2 above 0.2"
        reasons.append(w.SUSTAINED_ABOVE.format(sustained=f"{demand.sustained:.2f}", type=target.name,
                                                baseline=f"{target.baseline_vcpu:.2f}"))
    elif problem == "bank" and target.burstable is not None:
        reasons.append(w.BANK_TOO_SMALL.format(needed=f"{_credit_need(target, demand):.0f}", type=target.name,
                                               banked=f"{target.burstable.max_credits:.0f}"))
    if not _enough_memory(target, current):
        reasons.append(w.MEMORY_HALF.format(type=target.name, then=w.number(target.memory_gib),
                                            now=w.number(current.memory_gib)))
    fits = not reasons
    if fits:
        reasons.append(w.CARRIES.format(needed=w.vcpu(demand.needed), type=target.name, vcpu=target.vcpu))
        if target.burstable is not None:
            reasons.append(w.BASELINE_COVERS.format(type=target.name, baseline=w.pct(target.burstable.baseline_pct),
                                                    baseline_vcpu=w.vcpu(target.baseline_vcpu),
                                                    sustained=w.vcpu(demand.sustained)))
    return TypeVerdict(candidate=target.name, fits=fits, reasons=tuple(reasons),
                       monthly=round(target.monthly(region), 2), monthly_now=round(current.monthly(region), 2))


def fleet_summary(recs: Iterable[Recommendation]) -> FleetSummary:
    """The fleet worst first, with counts per finding and the fleet's monthly totals."""
    rank = {UNDER: 0, OVER: 1, OPTIMIZED: 2}

    def key(r: Recommendation) -> tuple[int, float, str]:
        severity = r.monthly_change if r.finding == OVER else -r.pressure
        return (rank[r.finding], severity, r.instance)

    rows = tuple(sorted(recs, key=key))
    now = round(sum(r.monthly_now for r in rows), 2)
    then = round(sum(r.monthly_recommended for r in rows), 2)
    return FleetSummary(
        rows=rows,
        counts={f: sum(1 for r in rows if r.finding == f) for f in FINDINGS},
        monthly_now=now,
        monthly_recommended=then,
        monthly_change=round(then - now, 2),
    )


# --- demand -------------------------------------------------------------------------------------------------------


def _check_options(percentile: float, headroom: float) -> None:
    if float(percentile) not in PERCENTILES:
        raise CloudButlerError(
            "rightsizing_percentile_unsupported", percentile=percentile, allowed=", ".join(f"p{p:g}" for p in PERCENTILES)
        )
    if not 0 <= headroom <= 1:
        raise CloudButlerError("rightsizing_headroom_invalid", headroom=headroom, allowed="0% to 100%")


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return max(0.0, float(value))


def _demand(
    instance: str,
    current: InstanceType,
    cpu: Sequence[float] | np.ndarray,
    percentile: float,
    headroom: float,
    forecast_upper: float | None,
    forecast_mean: float | None,
) -> _Demand:
    values = np.asarray(cpu, dtype=float)
    values = np.clip(values[np.isfinite(values)], 0.0, 100.0)
    if values.size < MIN_POINTS:
        raise CloudButlerError(
            "rightsizing_not_enough_data",
            instance=instance,
            hours=round(values.size * STEP_MINUTES / 60, 1),
            needed_hours=MIN_POINTS * STEP_MINUTES // 60,
        )
    observed = float(np.percentile(values, percentile))
    average = float(values.mean())
    peak = max(observed, forecast_upper if forecast_upper is not None else 0.0)
    sustained = max(average, forecast_mean if forecast_mean is not None else 0.0)
    return _Demand(
        current=current,
        percentile=float(percentile),
        headroom=headroom,
        observed=observed,
        average=average,
        forecast_upper=forecast_upper,
        forecast_mean=forecast_mean,
        needed=peak / 100 * current.vcpu * (1 + headroom),
        sustained=sustained / 100 * current.vcpu,
        steps=values / 100 * current.vcpu,
    )


# --- fitting ------------------------------------------------------------------------------------------------------


def _fits(t: InstanceType, d: _Demand) -> bool:
    return d.needed <= t.vcpu + 1e-9 and _credit_problem(t, d) is None


def _enough_memory(t: InstanceType, current: InstanceType) -> bool:
    return t.memory_gib >= current.memory_gib * MEMORY_FLOOR


def _credit_need(t: InstanceType, d: _Demand) -> float:
    """The most credits a busy spell of the lookback drains from a full bank on ``t`` (0 if none).

    The bank follows B = min(cap, B + earned - spent) from a full start; its deficit below the cap is a Lindley
    recursion, D_t = max(0, D_{t-1} + spent - earned), whose closed form S_t - min(S_0..S_t) needs no loop."""
    if t.burstable is None:
        return 0.0
    spent = np.minimum(d.steps, t.vcpu) * STEP_MINUTES
    earned = t.burstable.credits_per_hour * STEP_MINUTES / 60
    walk = np.concatenate(([0.0], np.cumsum(spent - earned)))
    return float((walk - np.minimum.accumulate(walk)).max())


def _credit_problem(t: InstanceType, d: _Demand) -> str | None:
    """Why ``t`` would run out of credits under this demand, or None (always None for a fixed-performance type)."""
    if t.burstable is None:
        return None
    if d.sustained > t.baseline_vcpu + 1e-9:
        return "sustained"
    if _credit_need(t, d) > t.burstable.max_credits:
        return "bank"
    return None


def _problems(current: InstanceType, d: _Demand) -> list[str]:
    """Why the current type is under-provisioned (empty when it is not)."""
    out = []
    if d.needed > current.vcpu + 1e-9:
        out.append(w.TOO_SMALL.format(needed=w.vcpu(d.needed), type=current.name, vcpu=current.vcpu))
    problem = _credit_problem(current, d)
    if problem == "sustained" and current.burstable is not None:
        forecast_leads = d.forecast_mean is not None and d.forecast_mean > d.average
        out.append(
            w.ABOVE_BASELINE.format(
                what=w.FORECAST_AVERAGE if forecast_leads else w.AVERAGE,
                cpu=w.pct(d.forecast_mean if forecast_leads and d.forecast_mean is not None else d.average),
                type=current.name,
                baseline=w.pct(current.burstable.baseline_pct),
            )
        )
    elif problem == "bank" and current.burstable is not None:
        out.append(
            w.BANK_TOO_SMALL.format(
                needed=f"{_credit_need(current, d):.0f}", type=current.name, banked=f"{current.burstable.max_credits:.0f}"
            )
        )
    return out


def _preference(t: InstanceType, current: InstanceType, region: str) -> tuple[float, bool, bool, int, float, str]:
    """Cheapest first; at a tie the current type, then its family, then the roomier type."""
    return (t.hourly(region), t.name != current.name, t.family != current.family, -t.vcpu, -t.memory_gib, t.name)


def _largest(candidates: Sequence[InstanceType], region: str) -> InstanceType:
    return max(candidates, key=lambda t: (t.vcpu, t.baseline_vcpu, t.memory_gib, -t.hourly(region)))


# --- words --------------------------------------------------------------------------------------------------------


def _demand_reasons(d: _Demand) -> list[str]:
    headroom = w.pct(d.headroom * 100)
    out = [
        w.DEMAND.format(
            percentile=w.number(d.percentile),
            cpu=w.pct(d.observed),
            vcpu=d.current.vcpu,
            headroom=headroom,
            needed=w.vcpu(d.observed / 100 * d.current.vcpu * (1 + d.headroom)),
        )
    ]
    if d.forecast_upper is not None:
        if d.forecast_upper > d.observed:
            out.append(
                w.FORECAST_SETS_NEED.format(
                    cpu=w.pct(d.forecast_upper), vcpu=d.current.vcpu, headroom=headroom, needed=w.vcpu(d.needed)
                )
            )
        else:
            out.append(w.FORECAST_BELOW.format(cpu=w.pct(d.forecast_upper), percentile=w.number(d.percentile)))
    return out


def _none_fits(chosen: InstanceType, d: _Demand, stay_in_family: bool) -> str:
    if stay_in_family:
        return w.NONE_FITS_FAMILY.format(family=chosen.family, needed=w.vcpu(d.needed), type=chosen.name)
    return w.NONE_FITS_ANY.format(needed=w.vcpu(d.needed), type=chosen.name)


def _choice_reasons(
    chosen: InstanceType,
    d: _Demand,
    candidates: Sequence[InstanceType],
    finding: str,
    region: str,
    stay_in_family: bool,
) -> list[str]:
    current = d.current
    out = []
    if finding == OVER:
        saving = round(current.monthly(region), 2) - round(chosen.monthly(region), 2)
        out.append(w.CHEAPER.format(type=chosen.name, saving=w.money(saving)))
    elif finding == OPTIMIZED:
        out.append(w.NO_CHEAPER_FAMILY.format(family=current.family) if stay_in_family else w.NO_CHEAPER_ANY)
    elif chosen.name != current.name:
        monthly = w.money(chosen.monthly(region))
        out.append(w.FITS.format(type=chosen.name, vcpu=chosen.vcpu, memory=w.number(chosen.memory_gib), monthly=monthly))
    # A cheaper type that the memory floor alone ruled out: say so, since memory is the unmeasured part.
    skipped = [
        t
        for t in candidates
        if _fits(t, d) and not _enough_memory(t, current) and t.hourly(region) < chosen.hourly(region)
    ]
    if skipped:
        cheapest = min(skipped, key=lambda t: _preference(t, current, region))
        out.append(w.MEMORY_FLOOR.format(type=cheapest.name, now=w.number(current.memory_gib)))
    if chosen.name != current.name:
        template = (
            w.MEMORY_DOWN
            if chosen.memory_gib < current.memory_gib
            else w.MEMORY_SAME
            if chosen.memory_gib == current.memory_gib
            else w.MEMORY_UP
        )
        out.append(template.format(type=chosen.name, now=w.number(current.memory_gib), then=w.number(chosen.memory_gib)))
    return out


def _burstable_notes(chosen: InstanceType, d: _Demand, region: str) -> tuple[str, ...]:
    current = d.current
    out = []
    if current.burstable is not None:
        out.append(
            w.EARNS.format(
                type=current.name,
                credits=w.number(current.burstable.credits_per_hour),
                baseline=w.pct(current.burstable.baseline_pct),
                vcpu=current.vcpu,
                cpu=w.pct(d.average),
                spent=f"{d.average / 100 * current.vcpu * 60:.0f}",
            )
        )
        excess = d.sustained - current.baseline_vcpu
        if excess > 1e-9:
            cost = excess * current.burstable.surplus_usd_per_vcpu_hour * HOURS_PER_MONTH
            out.append(w.UNLIMITED.format(cost=w.money(cost), baseline=w.pct(current.burstable.baseline_pct)))
    if chosen.name != current.name:
        if chosen.burstable is not None:
            out.append(
                w.BASELINE_COVERS.format(
                    type=chosen.name,
                    baseline=w.pct(chosen.burstable.baseline_pct),
                    baseline_vcpu=w.vcpu(chosen.baseline_vcpu),
                    sustained=w.vcpu(d.sustained),
                )
            )
        elif current.burstable is not None:
            out.append(w.NOT_BURSTABLE.format(type=chosen.name))
    return tuple(out)


def _build(
    instance: str,
    finding: str,
    chosen: InstanceType,
    d: _Demand,
    region: str,
    version: str,
    reasons: list[str],
    notes: tuple[str, ...],
) -> Recommendation:
    current = d.current
    pressure = d.needed / current.vcpu
    if current.burstable is not None and current.baseline_vcpu > 0:
        pressure = max(pressure, d.sustained / current.baseline_vcpu)
    now = round(current.monthly(region), 2)
    then = round(chosen.monthly(region), 2)
    return Recommendation(
        instance=instance,
        finding=finding,
        current_type=current.name,
        recommended_type=chosen.name,
        region=region,
        percentile=d.percentile,
        observed=d.observed,
        average=d.average,
        needed=d.needed,
        sustained=d.sustained,
        pressure=pressure,
        monthly_now=now,
        monthly_recommended=then,
        monthly_change=round(then - now, 2),
        reasons=tuple(reasons),
        burstable_notes=notes,
        catalogue_version=version,
    )
