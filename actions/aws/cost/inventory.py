"""Bucket analysis from an S3 Inventory report (manifest.json + CSV/Parquet files) with DuckDB.

For buckets too large to list. Files are downloaded one at a time to a temporary directory, aggregated
with SQL into the same counters as the listing path, and deleted, so disk and memory stay bounded.
Synchronous like the listing path: run it in a thread executor.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from actions.aws.cost.inventory_sql import REQUIRED_FIELDS, AthenaQueries, athena_queries, duckdb_aggregate, quote_literal
from actions.aws.cost.model import BucketStats, CostReport, ProgressCallback
from actions.aws.cost.pricing import pricing_for
from actions.aws.cost.recommend import DEFAULT_LADDER, MAX_PAYBACK_MONTHS, build_report
from actions.aws.errors import BOTO_ERRORS, CloudButlerError, s3_error
from actions.aws.s3 import US_EAST_1, bucket_region

SUPPORTED_FORMATS = ("CSV", "PARQUET")
_REPORT_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$")


@dataclass(frozen=True)
class InventoryFile:
    key: str
    size: int
    md5: str | None


@dataclass(frozen=True)
class InventoryManifest:
    source_bucket: str
    destination_bucket: str
    file_format: str  # "CSV" | "Parquet" | "ORC", as AWS writes it
    fields: tuple[str, ...]  # CSV-style field names (Bucket, Key, Size, LastModifiedDate, StorageClass, ...)
    files: tuple[InventoryFile, ...]
    created_at: datetime | None


def parse_manifest(raw: bytes | str) -> InventoryManifest:
    """Parse an inventory manifest.json; raises ``inventory_manifest_invalid`` on anything unexpected."""
    try:
        data = json.loads(raw)
        fmt = str(data["fileFormat"])
        fields = _schema_fields(str(data["fileSchema"]), fmt)
        files = tuple(
            InventoryFile(key=str(item["key"]), size=int(item.get("size", 0)), md5=item.get("MD5checksum"))
            for item in data["files"]
        )
        created = data.get("creationTimestamp")
        return InventoryManifest(
            source_bucket=str(data["sourceBucket"]),
            destination_bucket=str(data["destinationBucket"]).split(":::")[-1],
            file_format=fmt,
            fields=fields,
            files=files,
            created_at=datetime.fromtimestamp(int(created) / 1000, tz=UTC) if created else None,
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise CloudButlerError("inventory_manifest_invalid", reason=type(exc).__name__) from exc


def _schema_fields(schema: str, file_format: str) -> tuple[str, ...]:
    if file_format.upper() == "CSV":
        return tuple(part.strip() for part in schema.split(",") if part.strip())
    # Parquet/ORC manifests carry a schema string with snake_case names; map back to the CSV names we use.
    names = re.findall(r"(?:binary|int64|int32|boolean|string|bigint|timestamp)\s+([a-z_]+)", schema)
    names += re.findall(r"([a-z_]+):", schema)  # ORC: struct<bucket:string,key:string,...>
    return tuple(_camel(name) for name in dict.fromkeys(names))


def _camel(name: str) -> str:
    special = {"e_tag": "ETag"}
    return special.get(name, "".join(part.capitalize() for part in name.split("_")))


def find_latest_manifest(s3: Any, bucket: str) -> tuple[str, str] | None:
    """(destination bucket, manifest key) of the newest report of any inventory configuration of ``bucket``."""
    try:
        configs = s3.list_bucket_inventory_configurations(Bucket=bucket).get("InventoryConfigurationList", [])
        best: tuple[str, str, str] | None = None
        for config in configs:
            if not config.get("IsEnabled", True):
                continue
            destination = config["Destination"]["S3BucketDestination"]
            dest_bucket = destination["Bucket"].split(":::")[-1]
            prefix = destination.get("Prefix", "").strip("/")
            base = "/".join(part for part in (prefix, bucket, config["Id"]) if part) + "/"
            listing = s3.list_objects_v2(Bucket=dest_bucket, Prefix=base, Delimiter="/")
            for common in listing.get("CommonPrefixes", []):
                folder = common["Prefix"][len(base) :].strip("/")
                if _REPORT_FOLDER.match(folder) and (best is None or folder > best[0]):
                    best = (folder, dest_bucket, f"{base}{folder}/manifest.json")
        return (best[1], best[2]) if best else None
    except BOTO_ERRORS as exc:
        raise s3_error(exc, bucket=bucket) from exc


def aggregate_file(path: str, manifest: InventoryManifest, *, now: datetime, con: Any) -> BucketStats:
    """Aggregate one downloaded inventory data file with DuckDB into listing-compatible counters."""
    fmt = manifest.file_format.upper()
    if fmt == "CSV":
        columns = ", ".join(
            f"{quote_literal(field)}: {quote_literal('BIGINT' if field == 'Size' else 'VARCHAR')}"
            for field in manifest.fields
        )
        source = f"read_csv({quote_literal(path)}, header = false, quote = '\"', escape = '\"', columns = {{{columns}}})"
    else:
        source = f"read_parquet({quote_literal(path)})"
    sql = duckdb_aggregate(source, columnar=fmt != "CSV", fields=manifest.fields, now=now)
    return stats_from_rows(con.execute(sql).fetchall(), includes_noncurrent="IsLatest" in manifest.fields)


def stats_from_rows(rows: Iterable[Sequence[Any]], *, includes_noncurrent: bool = False) -> BucketStats:
    """Counters from aggregate rows (cls, age_bin, size_bin, objects, bytes, exactly_128k): the output of the
    DuckDB query, or of the Athena query (feed its result rows here and call ``build_report``)."""
    stats = BucketStats(includes_noncurrent=includes_noncurrent)
    for storage_class, age_bin, size_bin, objects, size_bytes, exactly_128k in rows:
        stats.add((str(storage_class), int(age_bin), int(size_bin)), int(objects), int(size_bytes or 0))
        if storage_class == "INTELLIGENT_TIERING":
            stats.it_monitored += int(exactly_128k or 0) + (int(objects) if int(size_bin) > 17 else 0)
    return stats


class InventoryAnalyser:
    """Builds a ``CostReport`` from an inventory report stored in S3."""

    def __init__(
        self,
        *,
        s3: Any,
        workdir: str | None = None,
        threads: int = 2,
        memory_limit: str = "512MB",
        pricing_table: Mapping[str, Any] | None = None,
    ) -> None:
        self._s3 = s3
        self._workdir = workdir
        self._threads = threads
        self._memory_limit = memory_limit
        self._table = pricing_table

    def manifest(self, manifest_bucket: str, manifest_key: str) -> InventoryManifest:
        try:
            raw = self._s3.get_object(Bucket=manifest_bucket, Key=manifest_key)["Body"].read()
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=manifest_bucket, key=manifest_key) from exc
        manifest = parse_manifest(raw)
        if manifest.file_format.upper() not in SUPPORTED_FORMATS:
            raise CloudButlerError("inventory_format_unsupported", format=manifest.file_format)
        missing = [field for field in REQUIRED_FIELDS if field not in manifest.fields]
        if missing:
            raise CloudButlerError("inventory_fields_missing", missing=", ".join(missing))
        return manifest

    def stats(self, manifest: InventoryManifest, *, now: datetime, progress: ProgressCallback | None = None) -> BucketStats:
        import duckdb  # lazily: a heavy import only this path needs

        total = BucketStats(includes_noncurrent="IsLatest" in manifest.fields)
        con = duckdb.connect(
            ":memory:",
            config={"threads": self._threads, "memory_limit": self._memory_limit},
        )
        try:
            con.execute("SET enable_progress_bar = false")  # it would draw on the action server's stderr
            with tempfile.TemporaryDirectory(prefix="cb-inventory-", dir=self._workdir) as tmp:
                for index, item in enumerate(manifest.files):
                    path = os.path.join(tmp, f"part-{index}{_suffix(item.key)}")
                    self._download(manifest.destination_bucket, item, path)
                    try:
                        total.merge(aggregate_file(path, manifest, now=now, con=con))
                    except duckdb.Error as exc:
                        raise CloudButlerError("inventory_unreadable", key=item.key) from exc
                    finally:
                        os.remove(path)
                    if progress is not None:
                        progress(total.objects, total.bytes)
        finally:
            con.close()
        return total

    def analyse(
        self,
        manifest_bucket: str,
        manifest_key: str,
        *,
        bucket: str | None = None,
        region: str | None = None,
        now: datetime | None = None,
        progress: ProgressCallback | None = None,
        ladder: tuple[tuple[int, str], ...] = DEFAULT_LADDER,
        max_payback_months: float = MAX_PAYBACK_MONTHS,
    ) -> CostReport:
        now = now or datetime.now(UTC)
        manifest = self.manifest(manifest_bucket, manifest_key)
        stats = self.stats(manifest, now=now, progress=progress)
        return build_report(
            stats,
            pricing_for(region or self._bucket_region(manifest.source_bucket), self._table),
            bucket=bucket or manifest.source_bucket,
            source="inventory",
            now=now,
            as_of=manifest.created_at,
            ladder=ladder,
            max_payback_months=max_payback_months,
        )

    def athena(
        self,
        manifest_bucket: str,
        manifest_key: str,
        *,
        now: datetime | None = None,
        database: str = "default",
        table: str = "s3_inventory",
    ) -> AthenaQueries:
        """The Athena DDL and aggregate for this report (for buckets too large even to download the inventory)."""
        manifest = self.manifest(manifest_bucket, manifest_key)
        folder, _, _ = manifest_key.rpartition("/")
        base, _, report_folder = folder.rpartition("/")
        dt = report_folder.replace("T", "-").rstrip("Z")
        location = f"s3://{manifest.destination_bucket}/{base}/hive/"
        return athena_queries(
            location=location,
            file_format=manifest.file_format,
            fields=manifest.fields,
            dt=dt,
            now=now or datetime.now(UTC),
            database=database,
            table=table,
        )

    def _download(self, bucket: str, item: InventoryFile, path: str) -> None:
        try:
            self._s3.download_file(bucket, item.key, path)
        except BOTO_ERRORS as exc:
            raise s3_error(exc, bucket=bucket, key=item.key) from exc
        if item.md5:
            digest = hashlib.md5(usedforsecurity=False)
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            if digest.hexdigest() != item.md5:
                raise CloudButlerError("inventory_corrupt", key=item.key)

    def _bucket_region(self, bucket: str) -> str:
        try:
            return bucket_region(self._s3, bucket)
        except CloudButlerError:
            return US_EAST_1  # the source bucket may be in another account; prices fall back like a miss


def _suffix(key: str) -> str:
    for suffix in (".csv.gz", ".csv", ".parquet", ".orc"):
        if key.endswith(suffix):
            return suffix
    return ""
