"""The sandbox's demo account: which buckets, objects, versions and instances exist, and how old each thing is.

Pure data from a seeded ``random.Random`` and a reference time: the same seed and day give the same account. Key names
carry dates derived from each object's age, so the story stays consistent whatever day the sandbox starts.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from sandbox.metrics import CpuProfile, NetworkProfile

KB = 1024
# The bucket store inventory files (store,item,count CSVs) are dropped into; the inventory loader reads its events.
INVENTORY_BUCKET = "acme-inventory-drops"
MB = 1024 * KB


@dataclass(frozen=True)
class DemoVersion:
    size: int
    age_days: float


@dataclass(frozen=True)
class DemoObject:
    key: str
    versions: tuple[DemoVersion, ...]  # oldest first; unversioned objects have one
    storage_class: str = "STANDARD"
    deleted_age_days: float | None = None  # a delete marker placed this many days ago

    @property
    def size(self) -> int:
        return self.versions[-1].size


@dataclass(frozen=True)
class DemoBucket:
    name: str
    objects: tuple[DemoObject, ...]
    versioned: bool = False
    lifecycle_rules: tuple[dict[str, Any], ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    def storage_at(self, now: dt.datetime, days_ago: float) -> tuple[dict[str, int], int]:
        """Bytes per storage class and object-version count that existed ``days_ago`` before ``now``."""
        sizes: dict[str, int] = {}
        count = 0
        for obj in self.objects:
            for version in obj.versions:
                if version.age_days >= days_ago:
                    sizes[obj.storage_class] = sizes.get(obj.storage_class, 0) + version.size
                    count += 1
        return sizes, count


@dataclass(frozen=True)
class DemoInstance:
    name: str
    instance_type: str
    az_index: int  # which of the region's default subnets (sorted by AZ)
    host_offset: int  # private IP = subnet network address + this
    cpu: CpuProfile
    tags: dict[str, str] = field(default_factory=dict)
    launched_days_ago: float = 40.0
    network: NetworkProfile = NetworkProfile(in_mb=20, out_ratio=2.0)


# Three servers that right-sizing tells apart (CPU with daily and weekly patterns, 14+ days of history each):
# web-1 runs hotter than a t3.micro's CPU credits allow (under-provisioned), web-2 idles on a t3.medium whose
# capacity a t3.small matches (over-provisioned), and batch-1's night job fits its c5.large (optimized).
INSTANCES: tuple[DemoInstance, ...] = (
    DemoInstance("web-1", "t3.micro", 0, 10, CpuProfile(level=12, amplitude=38, peak_hour=14), {"team": "web"},
                 network=NetworkProfile(in_mb=30, out_ratio=3.5)),
    DemoInstance("web-2", "t3.medium", 1, 11, CpuProfile(level=8, amplitude=22, peak_hour=14), {"team": "web"},
                 network=NetworkProfile(in_mb=18, out_ratio=3.0)),
    # a night batch job that pulls data in and writes little back out
    DemoInstance(
        "batch-1", "c5.large", 0, 20, CpuProfile(level=6, amplitude=45, peak_hour=2, noise=5), {"team": "data"}, 20.0,
        network=NetworkProfile(in_mb=250, out_ratio=0.15),
    ),
)

LOG_LIFECYCLE_RULE: dict[str, Any] = {
    "ID": "archive-app-logs",
    "Filter": {"Prefix": "logs/"},
    "Status": "Enabled",
    "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 365, "StorageClass": "GLACIER"}],
    "Expiration": {"Days": 730},
}


def _one(key: str, size: int, age: float, storage_class: str = "STANDARD") -> DemoObject:
    return DemoObject(key, (DemoVersion(size, age),), storage_class)


def _day(now: dt.datetime, age: float) -> dt.date:
    return (now - dt.timedelta(days=age)).date()


def _media(now: dt.datetime, rng: random.Random) -> DemoBucket:
    objects = [
        _one("images/products/hero-banner.jpg", 1_250_000, 410),
        _one("images/products/sku-1001.png", 184_320, 305),
        _one("images/products/sku-1002.png", 97_004, 290),
        _one("images/products/sku-1003.png", 131_775, 12),
        _one("images/thumbnails/sku-1001-thumb.webp", 12_288, 300),
        _one("images/thumbnails/sku-1002-thumb.webp", 11_010, 289),
        _one("images/thumbnails/sku-1003-thumb.webp", 12_944, 11),
        _one("videos/onboarding/welcome.mp4", 3_400_000, 610, "STANDARD_IA"),
        _one("videos/archive/product-tour-v1.mp4", 2_600_000, 700, "GLACIER"),
        _one("audio/podcast/episode-01.mp3", 1_800_000, 480, "INTELLIGENT_TIERING"),
        _one("audio/podcast/episode-02.mp3", 2_050_000, 150, "INTELLIGENT_TIERING"),
        _one("fonts/inter-regular.woff2", 98_128, 650),
        _one("manifest.json", 2_048, 0.4),
        _one("robots.txt", 24, 710),
    ]
    return DemoBucket("media-library-prod", tuple(objects), tags={"team": "web", "env": "prod"})


def _invoices(now: dt.datetime, rng: random.Random) -> DemoBucket:
    objects: list[DemoObject] = []
    for number, age in enumerate(sorted((rng.uniform(3, 700) for _ in range(14)), reverse=True), start=1):
        year = _day(now, age).year
        storage = "STANDARD_IA" if age > 365 else "STANDARD"
        key = f"invoices/{year}/INV-{year}-{number:04d}.pdf"
        objects.append(_one(key, rng.randint(40 * KB, 160 * KB), age, storage))
    objects.append(
        DemoObject(
            "contracts/master-services-agreement.pdf",
            (DemoVersion(301_220, 640), DemoVersion(309_874, 420), DemoVersion(325_006, 95)),
        )
    )
    objects.append(
        DemoObject(
            "customers/customers.csv", (DemoVersion(38_912, 200), DemoVersion(41_240, 60), DemoVersion(44_003, 2))
        )
    )
    objects.append(DemoObject("drafts/INV-draft-0099.pdf", (DemoVersion(71_680, 40),), deleted_age_days=10))
    return DemoBucket("acme-invoices", tuple(objects), versioned=True, tags={"team": "finance"})


def _logs(now: dt.datetime, rng: random.Random) -> DemoBucket:
    objects: list[DemoObject] = []
    for days in range(14):
        day = _day(now, days + 0.2)
        key = f"logs/app/{day:%Y/%m/%d}/app-{day:%Y-%m-%d}.log.gz"
        objects.append(_one(key, rng.randint(150 * KB, 380 * KB), days + 0.2))
    for months in range(1, 24):
        age = months * 30.4 + 0.5
        # Named by calendar month counted back from now: the dates 30.4 days apart can share a month.
        year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
        storage = "GLACIER" if age > 365 else "STANDARD_IA" if age > 30 else "STANDARD"
        key = f"logs/app/{year:04d}/{month + 1:02d}/app-{year:04d}-{month + 1:02d}-rollup.log.gz"
        objects.append(_one(key, rng.randint(150 * KB, 400 * KB), age, storage))
    for days in (1, 3, 6):
        day = _day(now, days)
        objects.append(_one(f"audit/access-{day:%Y-%m-%d}.json", rng.randint(900, 4_500), days))
    return DemoBucket(
        "app-logs.eu-west-1", tuple(objects), lifecycle_rules=(LOG_LIFECYCLE_RULE,), tags={"team": "platform"}
    )


def _data_lake(now: dt.datetime, rng: random.Random) -> DemoBucket:
    objects: list[DemoObject] = []
    for days in range(10):
        day = _day(now, days + 0.1)
        part = f"raw/events/ingest_date={day:%Y-%m-%d}/part-00000-{rng.getrandbits(32):08x}.snappy.parquet"
        objects.append(_one(part, rng.randint(300 * KB, 600 * KB), days + 0.1))
    for months in range(10, 22):
        age = months * 30.4
        day = _day(now, age)
        part = f"raw/events/ingest_date={day:%Y-%m-%d}/part-00000-{rng.getrandbits(32):08x}.snappy.parquet"
        objects.append(_one(part, rng.randint(400 * KB, 700 * KB), age))
    for age in (30, 75, 120, 160, 200):
        day = _day(now, age)
        objects.append(_one(f"raw/clickstream/{day:%Y-%m-%d}/events-0001.json.gz", rng.randint(20 * KB, 100 * KB), age))
    objects.append(_one("raw/events/_SUCCESS", 0, 0.1))
    objects.append(_one("schemas/events.avsc", 3_112, 420))
    objects.append(_one("README.md", 512, 640))
    return DemoBucket("data-lake-raw-2024", tuple(objects), tags={"team": "data"})


def _backups(now: dt.datetime, rng: random.Random) -> DemoBucket:
    objects: list[DemoObject] = []
    for quarter in range(8):
        age = 30 + quarter * 91.0
        day = _day(now, age)
        storage = "DEEP_ARCHIVE" if age > 365 else "GLACIER" if age > 90 else "STANDARD_IA"
        key = f"db/postgres/orders-{day:%Y-%m-%d}.dump.gz"
        objects.append(_one(key, rng.randint(600 * KB, 1_200 * KB), age, storage))
    for age in (5, 35, 65):
        day = _day(now, age)
        objects.append(_one(f"config/etc-{day:%Y-%m-%d}.tar.gz", rng.randint(40 * KB, 60 * KB), age))
    return DemoBucket("backups-archive", tuple(objects), tags={"team": "platform"})


def demo_buckets(now: dt.datetime, seed: int) -> list[DemoBucket]:
    """The demo buckets, deterministic in (seed, now's date)."""
    rng = random.Random(seed)
    return [build(now, rng) for build in (_media, _invoices, _logs, _data_lake, _backups)]


MAGIC = {
    ".pdf": b"%PDF-1.7\n",
    ".png": b"\x89PNG\r\n\x1a\n",
    ".jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    ".webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    ".gz": b"\x1f\x8b\x08\x00",
    ".mp4": b"\x00\x00\x00\x18ftypmp42",
    ".mp3": b"ID3\x04\x00",
    ".parquet": b"PAR1",
    ".woff2": b"wOF2",
}
CITIES = ("berlin", "lisbon", "austin", "osaka")
TEXT_SUFFIXES = (".csv", ".json", ".txt", ".md", ".avsc", ".log")


def content(key: str, size: int, rng: random.Random) -> bytes:
    """Bytes of exactly ``size`` that look the part: text for text formats, magic number + noise otherwise."""
    if size == 0:
        return b""
    if key.endswith(TEXT_SUFFIXES):
        line = f"# {key}\n".encode()
        rows = [line]
        total = len(line)
        while total < size:
            row = f"{rng.randint(1000, 9999)},{rng.choice(CITIES)},{rng.random():.6f}\n"
            rows.append(row.encode())
            total += len(row)
        return b"".join(rows)[:size]
    magic = next((m for suffix, m in MAGIC.items() if key.endswith(suffix)), b"")
    return (magic + rng.randbytes(size))[:size]
