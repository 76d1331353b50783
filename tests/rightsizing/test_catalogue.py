"""The instance catalogue: versioned, complete for the five pricing regions, internally consistent, and strict
about names it does not know."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from actions.aws.errors import CloudButlerError
from actions.rightsizing.catalogue import (
    HOURS_PER_MONTH,
    UnknownInstanceType,
    UnknownRegion,
    load_catalogue,
    parse_catalogue,
)

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1")
FAMILIES = ("c5", "c6i", "m5", "m6i", "r5", "r6i", "t2", "t3", "t3a")
ROOT = Path(__file__).resolve().parents[2]


def test_catalogue_is_versioned_names_its_sources_and_what_to_verify() -> None:
    cat = load_catalogue()
    assert cat.version == "2025-06-01"
    assert cat.date == "2025-06-01"
    assert "aws.amazon.com/ec2/pricing/on-demand" in cat.source
    assert "aws.amazon.com/ec2/instance-types" in cat.source
    assert "burstable" in cat.source
    assert cat.verify and all(isinstance(note, str) and note for note in cat.verify)
    assert cat.regions == REGIONS
    assert cat.families() == FAMILIES


def test_every_type_has_a_price_in_every_region_and_prices_grow_with_size() -> None:
    cat = load_catalogue()
    assert len(cat.types) == 45
    for family in FAMILIES:
        sizes = cat.family(family)
        for region in REGIONS:
            prices = [t.hourly(region) for t in sizes]
            assert all(p > 0 for p in prices)
            assert prices == sorted(prices) and len(set(prices)) == len(prices), (family, region)


def test_family_sizes_are_ordered_smallest_first() -> None:
    cat = load_catalogue()
    t3 = [t.name for t in cat.family("t3")]
    assert t3 == ["t3.nano", "t3.micro", "t3.small", "t3.medium", "t3.large", "t3.xlarge", "t3.2xlarge"]
    assert [t.name for t in cat.family("T3.Micro")] == t3
    assert [t.size for t in cat.family("c5")] == ["large", "xlarge", "2xlarge", "4xlarge"]
    assert [t.name for t in cat.all()][:4] == ["c5.large", "c5.xlarge", "c5.2xlarge", "c5.4xlarge"]


def test_lookup_specs() -> None:
    cat = load_catalogue()
    micro = cat.lookup(" T3.Micro ")
    assert (micro.name, micro.family, micro.size, micro.vcpu, micro.memory_gib) == ("t3.micro", "t3", "micro", 2, 1.0)
    assert micro.network == "Up to 5 Gigabit"
    assert micro.burstable is not None
    assert (micro.burstable.baseline_pct, micro.burstable.credits_per_hour) == (10.0, 12.0)
    assert micro.burstable.max_credits == 288.0  # 24 hours of earnings
    assert micro.burstable.surplus_usd_per_vcpu_hour == 0.05
    assert micro.baseline_vcpu == pytest.approx(0.2)
    c5 = cat.lookup("c5.large")
    assert (c5.vcpu, c5.memory_gib, c5.network, c5.burstable, c5.is_burstable) == (2, 4.0, "Up to 10 Gigabit", None, False)
    assert c5.baseline_vcpu == 2.0
    assert cat.lookup("m6i.xlarge").network == "Up to 12.5 Gigabit"
    assert cat.lookup("r5.2xlarge").memory_gib == 64.0
    assert cat.lookup("t2.micro").vcpu == 1


def test_burstable_credits_match_their_baseline() -> None:
    """A credit is one vCPU-minute at 100%, so credits per hour = baseline share x vCPU x 60 (t2.2xlarge's published
    17% is rounded from 16.875%)."""
    cat = load_catalogue()
    burstable = [t for t in cat.all() if t.burstable is not None]
    assert {t.family for t in burstable} == {"t2", "t3", "t3a"}
    for t in burstable:
        assert t.burstable is not None
        assert t.burstable.credits_per_hour == pytest.approx(t.baseline_vcpu * 60, abs=0.7), t.name
    assert all(t.burstable is None for t in cat.all() if t.family[0] in "cmr")


def test_prices() -> None:
    cat = load_catalogue()
    assert cat.price("t3.micro", "us-east-1") == 0.0104
    assert cat.price("t3.medium", "eu-central-1") == 0.048
    assert cat.price("m5.large", "eu-west-1") == 0.107
    assert cat.price("c5.large", "ap-southeast-1") == 0.098
    assert cat.price("t3a.small", "us-west-2") == 0.0188
    assert cat.lookup("t3.medium").monthly("us-east-1") == pytest.approx(0.0416 * HOURS_PER_MONTH)
    assert HOURS_PER_MONTH == 730


def test_unknown_type_is_a_clear_error_with_a_suggestion() -> None:
    cat = load_catalogue()
    with pytest.raises(UnknownInstanceType) as typo:
        cat.lookup("t3.mirco")
    assert typo.value.code == "instance_type_unknown"
    assert typo.value.details == {"name": "t3.mirco", "known": ", ".join(FAMILIES), "suggestion": "t3.micro"}
    with pytest.raises(UnknownInstanceType) as unknown:
        cat.lookup("x9.mega")
    assert unknown.value.details["suggestion"] == ""
    with pytest.raises(UnknownInstanceType):
        cat.family("x9")
    assert isinstance(unknown.value, CloudButlerError)


def test_unknown_region_is_a_clear_error() -> None:
    cat = load_catalogue()
    with pytest.raises(UnknownRegion) as region:
        cat.price("t3.micro", "mars-north-1")
    assert region.value.code == "catalogue_region_unknown"
    assert region.value.details == {"region": "mars-north-1", "known": ", ".join(REGIONS)}
    with pytest.raises(UnknownRegion):
        cat.lookup("t3.micro").hourly("sa-east-1")


def test_a_type_without_a_regions_price_is_refused(tmp_path: Path) -> None:
    data = json.loads((ROOT / "actions/rightsizing/catalogue.json").read_text(encoding="utf-8"))
    del data["types"]["c5.large"]["usd_per_hour"]["eu-west-1"]
    with pytest.raises(ValueError, match="c5.large has no price for eu-west-1"):
        parse_catalogue(data)
    path = tmp_path / "small.json"
    data["types"] = {"t3.micro": data["types"]["t3.micro"]}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert list(load_catalogue(str(path)).types) == ["t3.micro"]


def test_nothing_is_read_at_import() -> None:
    code = (
        "import actions.rightsizing.engine\n"
        "from actions.rightsizing.catalogue import load_catalogue\n"
        "assert load_catalogue.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
