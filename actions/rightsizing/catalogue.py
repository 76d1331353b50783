"""EC2 instance catalogue: the versioned table in ``catalogue.json`` (sizes, burstable credits, On-Demand prices per
region) as typed, read-only values, loaded on first use."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from actions.aws.errors import CloudButlerError

HOURS_PER_MONTH = 730  # AWS's own monthly estimate: 24 * 365 / 12


class UnknownInstanceType(CloudButlerError):
    """A type the catalogue does not list; ``suggestion`` is the closest listed name ("" if none is close)."""

    def __init__(self, name: str, *, families: Iterable[str], suggestion: str = "") -> None:
        super().__init__("instance_type_unknown", name=name, known=", ".join(families), suggestion=suggestion)


class UnknownRegion(CloudButlerError):
    def __init__(self, region: str, *, known: Iterable[str]) -> None:
        super().__init__("catalogue_region_unknown", region=region, known=", ".join(known))


@dataclass(frozen=True)
class Burstable:
    """CPU credit rules of a burstable (T) type; a credit is one vCPU at 100% for one minute."""

    baseline_pct: float  # per vCPU
    credits_per_hour: float
    max_credits: float  # the most the instance can bank
    surplus_usd_per_vcpu_hour: float  # unlimited mode: what credits spent beyond the balance cost


@dataclass(frozen=True)
class InstanceType:
    name: str
    family: str
    size: str
    vcpu: int
    memory_gib: float
    network: str
    burstable: Burstable | None
    usd_per_hour: Mapping[str, float]

    @property
    def is_burstable(self) -> bool:
        return self.burstable is not None

    @property
    def baseline_vcpu(self) -> float:
        """The vCPUs the type sustains indefinitely: all of them, or for a T type its baseline share."""
        if self.burstable is None:
            return float(self.vcpu)
        return self.burstable.baseline_pct / 100 * self.vcpu

    def hourly(self, region: str) -> float:
        try:
            return self.usd_per_hour[region]
        except KeyError:
            raise UnknownRegion(region, known=self.usd_per_hour) from None

    def monthly(self, region: str) -> float:
        return self.hourly(region) * HOURS_PER_MONTH


@dataclass(frozen=True)
class Catalogue:
    version: str
    source: str
    date: str
    verify: tuple[str, ...]
    regions: tuple[str, ...]
    types: Mapping[str, InstanceType]

    def lookup(self, name: str) -> InstanceType:
        """The type called ``name`` (case and surrounding spaces ignored)."""
        key = name.strip().lower()
        found = self.types.get(key)
        if found is None:
            close = difflib.get_close_matches(key, list(self.types), n=1, cutoff=0.75)
            raise UnknownInstanceType(name, families=self.families(), suggestion=close[0] if close else "")
        return found

    def families(self) -> tuple[str, ...]:
        return tuple(sorted({t.family for t in self.types.values()}))

    def family(self, name: str) -> tuple[InstanceType, ...]:
        """The sizes of a family, smallest first; ``name`` is a family ("t3") or one of its types ("t3.micro")."""
        family = name.strip().lower().split(".", 1)[0]
        members = [t for t in self.types.values() if t.family == family]
        if not members:
            self.lookup(name)  # raises, with a suggestion when the name is close to a real type
            raise UnknownInstanceType(name, families=self.families())
        return tuple(sorted(members, key=_size_key))

    def all(self) -> tuple[InstanceType, ...]:
        """Every type, by family and then smallest first."""
        return tuple(sorted(self.types.values(), key=lambda t: (t.family, *_size_key(t))))

    def check_region(self, region: str) -> str:
        if region not in self.regions:
            raise UnknownRegion(region, known=self.regions)
        return region

    def price(self, name: str, region: str) -> float:
        """On-Demand Linux USD per hour of ``name`` in ``region``."""
        self.check_region(region)
        return self.lookup(name).hourly(region)


def _size_key(t: InstanceType) -> tuple[int, float, str]:
    return (t.vcpu, t.memory_gib, t.name)


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """Build a Catalogue from the JSON shape of ``catalogue.json``; a type missing a region's price is an error."""
    regions = tuple(data["regions"])
    rules = data["burstable"]
    max_hours = float(rules["max_banked_hours"])
    surplus = float(rules["surplus_usd_per_vcpu_hour"])
    types: dict[str, InstanceType] = {}
    for name, row in data["types"].items():
        family, size = name.split(".", 1)
        missing = [r for r in regions if r not in row["usd_per_hour"]]
        if missing:
            raise ValueError(f"catalogue: {name} has no price for {', '.join(missing)}")
        burstable = None
        if "baseline_pct" in row:
            credits = float(row["credits_per_hour"])
            burstable = Burstable(
                baseline_pct=float(row["baseline_pct"]),
                credits_per_hour=credits,
                max_credits=credits * max_hours,
                surplus_usd_per_vcpu_hour=surplus,
            )
        types[name] = InstanceType(
            name=name,
            family=family,
            size=size,
            vcpu=int(row["vcpu"]),
            memory_gib=float(row["memory_gib"]),
            network=str(row["network"]),
            burstable=burstable,
            usd_per_hour={r: float(row["usd_per_hour"][r]) for r in regions},
        )
    return Catalogue(
        version=str(data["version"]),
        source=str(data["source"]),
        date=str(data["date"]),
        verify=tuple(data.get("verify", ())),
        regions=regions,
        types=types,
    )


@lru_cache(maxsize=4)
def load_catalogue(path: str | None = None) -> Catalogue:
    """The catalogue (cached: read-only data, loaded on first use, never at import)."""
    if path is None:
        text = resources.files("actions.rightsizing").joinpath("catalogue.json").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    return parse_catalogue(json.loads(text))
