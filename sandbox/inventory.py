"""The sandbox's store inventory: the bucket store files are dropped into (``demo_data.INVENTORY_BUCKET``), wired to
the inventory queue, and one ``store,item,count`` file per store (Berlin, Munich, Hamburg, Lisbon), so the first
``make run`` already answers "how many echo dots does Berlin have?" and "what's out of stock in berlin?".

Why the files are put after the wiring rather than loaded here: the bucket gets the inventory queue and its
notification configuration from the very functions the tracker's consumer uses (``actions.aws.inventory.wiring``),
then the files are uploaded like any user's. S3 queues their events (SQS keeps them 14 days), and the tracker,
which starts after the seed, loads them through the one real path - event, queue, ``InventoryLoader``, table,
alerts. Writing the table here would skip the path the demo is there to show; loading "files not yet in the table"
when the consumer starts would be a second path that only the sandbox needs.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from actions.aws.inventory.wiring import ensure_queue, wire_bucket
from sandbox.demo_data import INVENTORY_BUCKET

ITEMS = (
    "Echo Dot (5th Gen)",
    "Echo Show 8 (3rd Gen)",
    "Echo Pop",
    "Kindle Paperwhite",
    "Kindle Scribe",
    "Fire TV Stick 4K",
    "Fire HD 10 Tablet, 32 GB",  # quoted in the file: the name has a comma
    "Ring Video Doorbell",
    "Blink Mini Camera",
    "eero 6+ Mesh Wi-Fi Router",
)


@dataclass(frozen=True)
class StoreFile:
    store: str
    key: str
    counts: tuple[int, ...]  # one per ITEMS, in that order

    def csv(self) -> bytes:
        lines = ["store,item,count"]
        lines += [f"{self.store},{_field(item)},{count}" for item, count in zip(ITEMS, self.counts, strict=True)]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# Berlin has sold out of three things; Lisbon of one; Munich and Hamburg have everything.
STORE_FILES: tuple[StoreFile, ...] = (
    StoreFile("Berlin", "stores/berlin.csv", (14, 6, 21, 0, 3, 0, 9, 0, 17, 4)),
    StoreFile("Munich", "stores/munich.csv", (32, 11, 8, 7, 2, 15, 5, 6, 12, 3)),
    StoreFile("Hamburg", "stores/hamburg.csv", (9, 4, 13, 5, 1, 22, 7, 3, 10, 6)),
    StoreFile("Lisbon", "stores/lisbon.csv", (18, 0, 6, 4, 2, 11, 3, 2, 8, 1)),
)


def _field(text: str) -> str:
    return f'"{text}"' if "," in text or '"' in text else text


def seed_inventory(s3: Any, sqs: Any, *, region: str, prefix: str, bucket: str = INVENTORY_BUCKET,
                   files: Sequence[StoreFile] = STORE_FILES) -> tuple[str, ...]:
    """Create the inventory bucket, wire it to the ``{prefix}inventory`` queue and put the store files; returns
    their keys. A bucket that exists is left as it is (nothing is put again)."""
    try:
        s3.head_bucket(Bucket=bucket)
        return ()
    except ClientError:
        pass
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **extra)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "retail"}]})
    wire_bucket(s3, bucket, ensure_queue(sqs, prefix).arn)
    for file in files:
        s3.put_object(Bucket=bucket, Key=file.key, Body=file.csv(), ContentType="text/csv")
    return tuple(file.key for file in files)
