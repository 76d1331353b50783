"""Unfinished multipart uploads: listed and aborted. Their parts are billed but appear in no object listing, so
an upload cut short by a crash would otherwise hide them until a lifecycle rule (if any) removes them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from actions.aws.errors import BOTO_ERRORS, s3_error


@dataclass(frozen=True)
class PendingUpload:
    bucket: str
    key: str
    upload_id: str
    initiated: datetime


class MultipartUploads:
    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def pending(self, bucket: str, prefix: str = "") -> list[PendingUpload]:
        """The unfinished multipart uploads of keys starting with ``prefix``; none if the bucket is gone."""
        found: list[PendingUpload] = []
        try:
            for page in self._s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
                found.extend(
                    PendingUpload(bucket=bucket, key=upload["Key"], upload_id=upload["UploadId"],
                                  initiated=upload["Initiated"])
                    for upload in page.get("Uploads", [])
                )
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=bucket)
            if error.code == "NoSuchBucket":
                return []
            raise error from exc
        return found

    def abort(self, upload: PendingUpload) -> bool:
        """Abort one upload and free its parts; False if it was no longer there (finished or aborted meanwhile)."""
        try:
            self._s3.abort_multipart_upload(Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id)
        except BOTO_ERRORS as exc:
            error = s3_error(exc, bucket=upload.bucket, key=upload.key)
            if error.code in ("NoSuchUpload", "NoSuchBucket"):
                return False
            raise error from exc
        return True
