"""Write S3 Inventory reports into (moto) S3 the way AWS lays them out: data files + manifest.json."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

CSV_FIELDS = ("Bucket", "Key", "Size", "LastModifiedDate", "StorageClass")
PARQUET_SCHEMA = (
    "message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); optional int64 size; "
    "optional int64 last_modified_date (TIMESTAMP_MILLIS); optional binary storage_class (UTF8);}"
)


def md5_of(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def put_inventory(
    s3: Any,
    *,
    source_bucket: str,
    destination_bucket: str,
    files: Sequence[str],
    file_format: str = "CSV",
    prefix: str = "inventory",
    config_id: str = "daily",
    folder: str = "2025-06-01T01-00Z",
    created: datetime | None = None,
    fields: Sequence[str] = CSV_FIELDS,
) -> str:
    """Upload local data ``files`` and a manifest naming them; returns the manifest key."""
    base = f"{prefix}/{source_bucket}/{config_id}"
    entries = []
    for path in files:
        key = f"{base}/data/{os.path.basename(path)}"
        s3.upload_file(path, destination_bucket, key)
        entries.append({"key": key, "size": os.path.getsize(path), "MD5checksum": md5_of(path)})
    manifest = {
        "sourceBucket": source_bucket,
        "destinationBucket": f"arn:aws:s3:::{destination_bucket}",
        "version": "2016-11-30",
        "creationTimestamp": str(int((created or datetime(2025, 6, 1, 1, 0)).timestamp() * 1000)),
        "fileFormat": file_format,
        "fileSchema": ", ".join(fields) if file_format == "CSV" else PARQUET_SCHEMA,
        "files": entries,
    }
    manifest_key = f"{base}/{folder}/manifest.json"
    s3.put_object(Bucket=destination_bucket, Key=manifest_key, Body=json.dumps(manifest).encode())
    return manifest_key


def inventory_rows_from_listing(s3: Any, bucket: str) -> list[tuple[str, str, int, str, str]]:
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            modified = obj["LastModified"].strftime("%Y-%m-%dT%H:%M:%S.000Z")
            rows.append((bucket, obj["Key"], obj["Size"], modified, obj.get("StorageClass", "STANDARD")))
    return rows


def write_csv_gz(path: str, rows: Sequence[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(buffer.getvalue())
    return path


def write_parquet(path: str, rows: Sequence[tuple[Any, ...]]) -> str:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE inv (bucket VARCHAR, key VARCHAR, size BIGINT, last_modified_date TIMESTAMP, storage_class VARCHAR)"
    )
    con.executemany(
        "INSERT INTO inv VALUES (?, ?, ?, CAST(? AS TIMESTAMP), ?)",
        [list(row) for row in rows],
    )
    con.execute(f"COPY inv TO '{path}' (FORMAT parquet)")
    con.close()
    return path


def generate_csv_gz(path: str, start: int, stop: int) -> str:
    """Rows ``start``..``stop``-1: size (i % 1000) * 1024 + 1, age (i % 400) + 0.5 days before 2025-06-01 12:00,
    class STANDARD_IA when i % 10 == 0, GLACIER when i % 10 == 1, else STANDARD."""
    con = duckdb.connect(config={"threads": 1})
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"""COPY (SELECT 'src-bucket', 'k/' || i, (i % 1000) * 1024 + 1,
              strftime(TIMESTAMP '2025-06-01 12:00:00' - INTERVAL (i % 400) DAY - INTERVAL 12 HOUR,
                       '%Y-%m-%dT%H:%M:%S.000Z'),
              CASE i % 10 WHEN 0 THEN 'STANDARD_IA' WHEN 1 THEN 'GLACIER' ELSE 'STANDARD' END
            FROM range({start}, {stop}) t(i))
          TO '{path}' (HEADER false, QUOTE '"', FORCE_QUOTE *, COMPRESSION gzip)"""
    )
    con.close()
    return path
