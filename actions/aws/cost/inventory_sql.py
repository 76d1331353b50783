"""SQL for S3 Inventory reports: the DuckDB aggregate we run locally and the Athena equivalent we hand out.

Both compute the same cells as the listing path: (class, age bin, size bin) -> objects, bytes, plus the
count of objects of exactly 128 KB (Intelligent-Tiering monitors objects >= 128 KB; the bins split at > 128 KB).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from actions.aws.cost.model import AGE_EDGES_DAYS, KNOWN_CLASSES, N_SIZE

REQUIRED_FIELDS = ("Size", "LastModifiedDate", "StorageClass")

# Parquet/ORC inventory columns are snake_case versions of the CSV fileSchema names.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(field: str) -> str:
    """'LastModifiedDate' -> 'last_modified_date', 'ETag' -> 'e_tag' (AWS's Parquet/Athena column names)."""
    return _CAMEL.sub("_", field).lower()


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def age_cutoffs(now: datetime) -> list[str]:
    """UTC cutoffs 'YYYY-MM-DD HH:MM:SS.ffffff' for the age bins (an object newer than cutoff i is in bin i)."""
    utc = now.astimezone(UTC).replace(tzinfo=None)
    return [(utc - timedelta(days=days)).isoformat(sep=" ", timespec="microseconds") for days in AGE_EDGES_DAYS]


def age_bin_case(column: str, cutoffs: Sequence[str], literal: str) -> str:
    """CASE giving the age bin; ``literal`` formats a cutoff as a timestamp literal of the dialect."""
    whens = " ".join(f"WHEN {column} > {literal.format(cut)} THEN {index}" for index, cut in enumerate(cutoffs))
    return f"CASE {whens} ELSE {len(cutoffs)} END"


def size_bin_case(column: str) -> str:
    """CASE equal to Python's ``(size - 1).bit_length()`` for sizes >= 0 (exact integer edges, no log2)."""
    whens = [f"WHEN {column} <= 0 THEN 1", f"WHEN {column} <= 1 THEN 0"]
    whens += [f"WHEN {column} <= {1 << k} THEN {k}" for k in range(1, N_SIZE - 1)]
    return f"CASE {' '.join(whens)} ELSE {N_SIZE - 1} END"


def class_case(column: str) -> str:
    known = ", ".join(quote_literal(name) for name in KNOWN_CLASSES if name != "OTHER")
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' THEN 'STANDARD' "
        f"WHEN {column} IN ({known}) THEN {column} ELSE 'OTHER' END"
    )


def duckdb_aggregate(source: str, *, columnar: bool, fields: Sequence[str], now: datetime) -> str:
    """Aggregate over ``source`` (a DuckDB table function call) with CSV field names or Parquet columns."""
    name = snake if columnar else (lambda field: field)
    size, modified, klass = (quote_ident(name(f)) for f in REQUIRED_FIELDS)
    where = ""
    if "IsDeleteMarker" in fields:
        marker = quote_ident(name("IsDeleteMarker"))
        where = f"WHERE NOT coalesce({marker}, false)" if columnar else f"WHERE coalesce(lower({marker}), '') <> 'true'"
    lm = modified if columnar else f"CAST({modified} AS TIMESTAMP)"
    return f"""
WITH src AS (
  SELECT {class_case(klass)} AS cls, coalesce(CAST({size} AS BIGINT), 0) AS size, {lm} AS lm
  FROM {source} {where}
)
SELECT cls, {age_bin_case("lm", age_cutoffs(now), "TIMESTAMP '{}'")} AS age_bin, {size_bin_case("size")} AS size_bin,
       count(*) AS objects, sum(size) AS bytes, count(*) FILTER (WHERE size = 131072) AS exactly_128k
FROM src
GROUP BY ALL
"""


@dataclass(frozen=True)
class AthenaQueries:
    """``create_table`` once per inventory configuration; ``aggregate`` per report date (partition ``dt``)."""

    create_table: str
    aggregate: str


def athena_queries(
    *,
    location: str,
    file_format: str,
    fields: Sequence[str],
    dt: str,
    now: datetime,
    database: str = "default",
    table: str = "s3_inventory",
) -> AthenaQueries:
    """Athena DDL over the inventory's ``hive/`` symlink folder (partition projection on ``dt``) + the aggregate.

    ``location`` is ``s3://<destination>/<prefix>/<source-bucket>/<config-id>/hive/``; ``dt`` is the report's
    partition, e.g. '2025-06-01-01-00'.
    """
    columnar = file_format.upper() != "CSV"
    columns = ",\n  ".join(f"{quote_ident(snake(field))} {_athena_type(field, columnar)}" for field in fields)
    if columnar:
        serde = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
        if file_format.upper() == "ORC":
            serde = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
        output = "org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat"
    else:
        serde = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
        output = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
    qualified = f"{quote_ident(database)}.{quote_ident(table)}"
    create = f"""CREATE EXTERNAL TABLE IF NOT EXISTS {qualified} (
  {columns}
)
PARTITIONED BY (dt string)
ROW FORMAT SERDE '{serde}'
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'
OUTPUTFORMAT '{output}'
LOCATION {quote_literal(location)}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd-HH-mm',
  'projection.dt.range' = '2020-01-01-00-00,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS'
);"""
    size = "size" if columnar else "try_cast(size AS bigint)"
    modified = "last_modified_date" if columnar else "from_iso8601_timestamp(last_modified_date)"
    literal = "TIMESTAMP '{}'" if columnar else "from_iso8601_timestamp('{}Z')"
    # Millisecond precision: what both Athena timestamp literals accept.
    cutoffs = [cut[:23] if columnar else cut[:23].replace(" ", "T") for cut in age_cutoffs(now)]
    where = f"dt = {quote_literal(dt)}"
    if "IsDeleteMarker" in fields:
        where += (
            " AND NOT coalesce(is_delete_marker, false)" if columnar else " AND coalesce(is_delete_marker, '') <> 'true'"
        )
    aggregate = f"""WITH src AS (
  SELECT {class_case("storage_class")} AS cls, coalesce({size}, 0) AS size, {modified} AS lm
  FROM {qualified}
  WHERE {where}
)
SELECT cls, {age_bin_case("lm", cutoffs, literal)} AS age_bin,
       {size_bin_case("size")} AS size_bin,
       count(*) AS objects, sum(size) AS bytes, count_if(size = 131072) AS exactly_128k
FROM src
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3;"""
    return AthenaQueries(create_table=create, aggregate=aggregate)


def _athena_type(field: str, columnar: bool) -> str:
    if not columnar:
        return "string"  # OpenCSVSerde reads strings; the aggregate casts
    return {
        "Size": "bigint",
        "LastModifiedDate": "timestamp",
        "IsLatest": "boolean",
        "IsDeleteMarker": "boolean",
        "IsMultipartUploaded": "boolean",
        "ObjectLockRetainUntilDate": "timestamp",
    }.get(field, "string")
