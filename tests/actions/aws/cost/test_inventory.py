"""The S3 Inventory path (DuckDB): same figures as the listing path, 5 million rows, Athena SQL, manifests."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from actions.aws.cost.analysis import CostAnalyser, ListingLimits
from actions.aws.cost.inventory import (
    InventoryAnalyser,
    aggregate_file,
    find_latest_manifest,
    parse_manifest,
    stats_from_rows,
)
from actions.aws.cost.model import CostReport
from actions.aws.errors import CloudButlerError
from tests.actions.aws.cost.inventory_fixtures import (
    PARQUET_SCHEMA,
    generate_csv_gz,
    inventory_rows_from_listing,
    put_inventory,
    write_csv_gz,
    write_parquet,
)
from tests.actions.aws.cost.support import NOW

GB = 2**30
KB = 1024
SMALL_BUCKET = [
    ("a/new.bin", 300 * KB, "STANDARD", 3.5),
    ("a/ia.bin", 1 << 20, "STANDARD", 45.5),
    ("a/mid.bin", 200 * KB, "STANDARD", 100.5),
    ("b/glacier.bin", 2 << 20, "STANDARD", 100.5),
    ("b/deep.bin", 3 << 20, "STANDARD", 400.5),
    ("b/tiny.txt", 10 * KB, "STANDARD", 400.5),
    ("c/already-ia.bin", 50 * KB, "STANDARD_IA", 20.5),
    ("c/it-128k.bin", 128 * KB, "INTELLIGENT_TIERING", 2.5),
    ("c/it-big.bin", 600 * KB, "INTELLIGENT_TIERING", 200.5),
    ("c/archived.bin", 5 * KB, "GLACIER", 200.5),
    ("c/rrs.bin", 7, "REDUCED_REDUNDANCY", 1.5),
    ("c/empty", 0, "STANDARD", 1.5),
]


def same_figures(inventory: CostReport, listing: CostReport) -> None:
    assert inventory.source == "inventory" and inventory.as_of is not None
    assert dataclasses.replace(inventory, source="listing", as_of=None) == listing


@pytest.mark.parametrize("file_format", ["CSV", "Parquet"])
def test_inventory_figures_equal_listing_figures(s3: Any, make_bucket: Any, tmp_path: Path, file_format: str) -> None:
    make_bucket("cost-inv-src", SMALL_BUCKET)
    s3.create_bucket(Bucket="cost-inv-dest")
    rows = inventory_rows_from_listing(s3, "cost-inv-src")
    # AWS splits a report over several files: two here.
    if file_format == "CSV":
        files = [
            write_csv_gz(str(tmp_path / "p1.csv.gz"), rows[:5]),
            write_csv_gz(str(tmp_path / "p2.csv.gz"), rows[5:]),
        ]
    else:
        files = [
            write_parquet(str(tmp_path / "p1.parquet"), rows[:5]),
            write_parquet(str(tmp_path / "p2.parquet"), rows[5:]),
        ]
    key = put_inventory(
        s3, source_bucket="cost-inv-src", destination_bucket="cost-inv-dest", files=files, file_format=file_format
    )
    progress: list[tuple[int, int]] = []
    inventory = InventoryAnalyser(s3=s3, workdir=str(tmp_path)).analyse(
        "cost-inv-dest", key, now=NOW, progress=lambda n, b: progress.append((n, b))
    )
    listing = CostAnalyser(s3=s3).analyse("cost-inv-src", now=NOW)
    same_figures(inventory, listing)
    assert inventory.recommendations  # the comparison covers recommendations, not just empty reports
    assert inventory.stats.it_monitored == 2
    assert progress == [(5, sum(r[2] for r in rows[:5])), (len(rows), sum(r[2] for r in rows))]
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(f) for f in files)  # downloads cleaned up


def test_five_million_rows(s3: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    # Two files generated in parallel (DuckDB releases the GIL), like a multi-file AWS report.
    paths = [str(tmp_path / "part-0.csv.gz"), str(tmp_path / "part-1.csv.gz")]
    workers = [
        threading.Thread(target=generate_csv_gz, args=(paths[0], 0, 2_500_000)),
        threading.Thread(target=generate_csv_gz, args=(paths[1], 2_500_000, 5_000_000)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    s3.create_bucket(Bucket="cost-inv-5m")
    s3.create_bucket(Bucket="src-bucket")
    key = put_inventory(s3, source_bucket="src-bucket", destination_bucket="cost-inv-5m", files=paths)
    for path in paths:
        os.remove(path)
    report = InventoryAnalyser(s3=s3).analyse("cost-inv-5m", key, now=NOW, region="us-east-1")

    # Expected figures from the generator's formulas: row i has size (i % 1000) * 1024 + 1, age (i % 400) + 0.5
    # days, class STANDARD_IA if i % 10 == 0, GLACIER if i % 10 == 1, else STANDARD; every residue mod 1000
    # occurs 5,000 times.
    def size(j: int) -> int:
        return j * 1024 + 1

    std = [size(j) for j in range(1000) if j % 10 not in (0, 1)]
    ia = [size(j) for j in range(1000) if j % 10 == 0]
    glacier = [size(j) for j in range(1000) if j % 10 == 1]
    assert report.objects == 5_000_000
    assert report.bytes == 5000 * sum(size(j) for j in range(1000)) == 2_557_445_000_000
    classes = {s.storage_class: s for s in report.classes}
    assert (classes["STANDARD"].objects, classes["STANDARD_IA"].objects, classes["GLACIER"].objects) == (
        4_000_000,
        500_000,
        500_000,
    )
    assert classes["STANDARD"].monthly_cost == pytest.approx(5000 * sum(std) / GB * 0.023)
    assert classes["STANDARD_IA"].billable_bytes == 5000 * sum(max(s, 131072) for s in ia)
    assert classes["STANDARD_IA"].monthly_cost == pytest.approx(5000 * sum(max(s, 131072) for s in ia) / GB * 0.0125)
    assert classes["GLACIER"].monthly_cost == pytest.approx(
        5000 * sum(glacier) / GB * 0.0036 + 500_000 * (32768 / GB * 0.0036 + 8192 / GB * 0.023)
    )
    assert [b.objects for b in report.age_histogram] == [5_000_000 * n // 400 for n in (30, 60, 90, 185, 35)]
    assert {r.target_class for r in report.recommendations} == {"STANDARD_IA", "GLACIER", "DEEP_ARCHIVE"}
    assert time.monotonic() - started < 120  # generous: a shared 2-core machine; typically ~25 s


def test_parse_manifest_csv_and_parquet() -> None:
    csv_manifest = parse_manifest(
        b'{"sourceBucket": "src", "destinationBucket": "arn:aws:s3:::dest", "version": "2016-11-30",'
        b' "creationTimestamp": "1748739600000", "fileFormat": "CSV",'
        b' "fileSchema": "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass",'
        b' "files": [{"key": "inv/src/daily/data/a.csv.gz", "size": 10, "MD5checksum": "abc"}]}'
    )
    assert (csv_manifest.source_bucket, csv_manifest.destination_bucket, csv_manifest.file_format) == (
        "src",
        "dest",
        "CSV",
    )
    assert csv_manifest.fields[-4:] == ("Size", "LastModifiedDate", "ETag", "StorageClass")
    assert csv_manifest.files[0].key == "inv/src/daily/data/a.csv.gz"
    assert csv_manifest.created_at is not None and csv_manifest.created_at.isoformat() == "2025-06-01T01:00:00+00:00"
    parquet = parse_manifest(
        '{"sourceBucket": "s", "destinationBucket": "arn:aws:s3:::d", "fileFormat": "Parquet",'
        f' "fileSchema": "{PARQUET_SCHEMA}", "files": []}}'
    )
    assert parquet.fields == ("Bucket", "Key", "Size", "LastModifiedDate", "StorageClass")
    with pytest.raises(CloudButlerError) as info:
        parse_manifest(b"{not json")
    assert info.value.code == "inventory_manifest_invalid"


def test_unsupported_format_and_missing_fields(s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cost-inv-bad")
    orc = put_inventory(s3, source_bucket="x", destination_bucket="cost-inv-bad", files=[], file_format="ORC")
    with pytest.raises(CloudButlerError) as info:
        InventoryAnalyser(s3=s3).manifest("cost-inv-bad", orc)
    assert info.value.code == "inventory_format_unsupported"
    lean = put_inventory(s3, source_bucket="y", destination_bucket="cost-inv-bad", files=[], fields=("Bucket", "Key"))
    with pytest.raises(CloudButlerError) as info:
        InventoryAnalyser(s3=s3).manifest("cost-inv-bad", lean)
    assert info.value.details == {"missing": "Size, LastModifiedDate, StorageClass"}


def test_corrupt_file_is_detected(s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cost-inv-corrupt")
    path = write_csv_gz(str(tmp_path / "x.csv.gz"), [("b", "k", 1, "2025-01-01T00:00:00.000Z", "STANDARD")])
    key = put_inventory(s3, source_bucket="b", destination_bucket="cost-inv-corrupt", files=[path])
    s3.put_object(Bucket="cost-inv-corrupt", Key="inventory/b/daily/data/x.csv.gz", Body=b"tampered")
    with pytest.raises(CloudButlerError) as info:
        InventoryAnalyser(s3=s3).analyse("cost-inv-corrupt", key, now=NOW, region="us-east-1")
    assert info.value.code == "inventory_corrupt"


def test_find_latest_manifest_and_fall_back_to_it_for_large_buckets(s3: Any, make_bucket: Any, tmp_path: Path) -> None:
    make_bucket("cost-inv-big", SMALL_BUCKET)
    s3.create_bucket(Bucket="cost-inv-reports")
    assert find_latest_manifest(s3, "cost-inv-big") is None
    s3.put_bucket_inventory_configuration(
        Bucket="cost-inv-big",
        Id="daily",
        InventoryConfiguration={
            "Id": "daily",
            "IsEnabled": True,
            "IncludedObjectVersions": "Current",
            "Schedule": {"Frequency": "Daily"},
            "Destination": {
                "S3BucketDestination": {
                    "Bucket": "arn:aws:s3:::cost-inv-reports",
                    "Format": "CSV",
                    "Prefix": "inventory",
                }
            },
            "OptionalFields": ["Size", "LastModifiedDate", "StorageClass"],
        },
    )
    rows = inventory_rows_from_listing(s3, "cost-inv-big")
    path = write_csv_gz(str(tmp_path / "all.csv.gz"), rows)
    for folder in ("2025-05-30T01-00Z", "2025-05-31T01-00Z"):
        put_inventory(s3, source_bucket="cost-inv-big", destination_bucket="cost-inv-reports", files=[path], folder=folder)
    assert find_latest_manifest(s3, "cost-inv-big") == (
        "cost-inv-reports",
        "inventory/cost-inv-big/daily/2025-05-31T01-00Z/manifest.json",
    )
    analyser = CostAnalyser(s3=s3, page_size=5)
    report = analyser.analyse_auto("cost-inv-big", now=NOW, limits=ListingLimits(max_objects=6))
    same_figures(report, analyser.analyse("cost-inv-big", now=NOW))

    s3.create_bucket(Bucket="cost-inv-none")
    for i in range(3):
        s3.put_object(Bucket="cost-inv-none", Key=f"k{i}", Body=b"x")
    with pytest.raises(CloudButlerError) as info:
        analyser.analyse_auto("cost-inv-none", now=NOW, limits=ListingLimits(max_objects=1))
    assert info.value.code == "inventory_missing"


@pytest.mark.parametrize("file_format", ["CSV", "Parquet"])
def test_athena_sql_computes_the_same_cells(s3: Any, make_bucket: Any, tmp_path: Path, file_format: str) -> None:
    """The Athena DDL names the hive/ location; its aggregate, run in DuckDB (Trino's few functions stubbed as
    macros), gives exactly the cells of the DuckDB path."""
    make_bucket("cost-athena", SMALL_BUCKET)
    s3.create_bucket(Bucket="cost-athena-dest")
    rows = inventory_rows_from_listing(s3, "cost-athena")
    writer = write_csv_gz if file_format == "CSV" else write_parquet
    path = writer(str(tmp_path / ("a.csv.gz" if file_format == "CSV" else "a.parquet")), rows)
    key = put_inventory(
        s3, source_bucket="cost-athena", destination_bucket="cost-athena-dest", files=[path], file_format=file_format
    )
    analyser = InventoryAnalyser(s3=s3)
    queries = analyser.athena("cost-athena-dest", key, now=NOW, database="inv", table="cost_athena")
    assert "LOCATION 's3://cost-athena-dest/inventory/cost-athena/daily/hive/'" in queries.create_table
    assert "'projection.dt.format' = 'yyyy-MM-dd-HH-mm'" in queries.create_table
    assert "WHERE dt = '2025-06-01-01-00'" in queries.aggregate

    con = duckdb.connect()
    con.execute("CREATE SCHEMA inv")
    con.execute("CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)")
    if file_format == "CSV":
        names = "['bucket', 'key', 'size', 'last_modified_date', 'storage_class']"
        source = f"read_csv('{path}', header=false, all_varchar=true, names={names})"
    else:
        source = f"read_parquet('{path}')"
    con.execute(f"CREATE TABLE inv.cost_athena AS SELECT *, '2025-06-01-01-00' AS dt FROM {source}")
    athena = stats_from_rows(con.execute(queries.aggregate.rstrip(";")).fetchall())
    manifest = analyser.manifest("cost-athena-dest", key)
    local = aggregate_file(path, manifest, now=NOW, con=duckdb.connect())
    assert athena == local
    athena_cells = athena.cells
    assert len(athena_cells) == len(SMALL_BUCKET)  # every object of the bucket lands in its own cell


def test_unreadable_file_is_our_error(s3: Any, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cost-inv-garbage")
    path = tmp_path / "g.csv.gz"
    path.write_bytes(b"this is not gzip")
    key = put_inventory(s3, source_bucket="b", destination_bucket="cost-inv-garbage", files=[str(path)])
    with pytest.raises(CloudButlerError) as info:
        InventoryAnalyser(s3=s3).analyse("cost-inv-garbage", key, now=NOW, region="us-east-1")
    assert (info.value.code, info.value.details) == ("inventory_unreadable", {"key": "inventory/b/daily/data/g.csv.gz"})
