"""What the S3 storage skills say: replies, confirmation questions, and the replies to their own failures (registered
with ``actions.core.errors``, which also words the S3 failures every skill meets)."""
from __future__ import annotations

from typing import Any, Mapping

from actions.core import errors
from actions.core.formatting import and_join, format_bytes, plural, s3_url
from actions.core.wording import NOTHING_CHANGED

# --- list buckets --------------------------------------------------------------------------------------------------
NO_BUCKETS = "You have no S3 buckets yet. Try \"create bucket my-project-bucket\"."
BUCKETS_TITLE = "Your S3 buckets ({total}):"
BUCKET_LINE = "- {name} ({region}, created {created})"
BUCKETS_MORE = "...and {more:,} more."
REGION_UNKNOWN = "region unknown"

# --- create bucket -------------------------------------------------------------------------------------------------
CONFIRM_CREATE = (
    "Create bucket {bucket} in {region}? It gets default encryption (SSE-S3) and Block Public Access on all four "
    "settings."
)
CREATE_YES = "Yes, create it"
CREATED = "Created bucket {bucket} in {region} with default encryption (SSE-S3) and all public access blocked."

# --- delete bucket -------------------------------------------------------------------------------------------------
CONFIRM_DELETE_EMPTY_BUCKET = "Delete bucket {bucket} ({region})? It is empty. This cannot be undone."
CONFIRM_DELETE_BUCKET = (
    "Delete bucket {bucket} ({region})? It holds {contents}. I will ask once more before deleting any of them."
)
DELETE_BUCKET_YES = "Yes, delete it"
CONFIRM_EMPTY_BUCKET = (
    "{bucket} is not empty: it holds {contents}. To delete the bucket I must first delete all of them "
    "permanently - they cannot be recovered. Empty {bucket} and delete it? This step needs the "
    "\"Empty and delete {bucket}\" button: a typed yes is not enough."
)
# The button of that second question: named for what it destroys, so it is never clicked as a reflex.
EMPTY_YES = "Empty and delete {bucket}"
BUCKET_DELETED = "Deleted bucket {bucket}."
BUCKET_EMPTIED_DELETED = "Emptied {bucket} (deleted {removed}) and deleted the bucket."
EMPTY_INCOMPLETE = (
    "I deleted {removed} from {bucket}, but {failed} could not be deleted (first: {key}, {code}), so the bucket "
    "is still there. Object Lock or MFA Delete may protect them; check the bucket's settings."
)
EMPTYING_STARTED = "Emptying {bucket} ({contents}) - this takes a while; I'll post progress here. Say \"stop\" to stop it."
EMPTYING_PROGRESS = "Emptying {bucket}: {done} deleted so far."


def contents(*, objects: int, old_versions: int = 0, markers: int = 0, exact: bool = True) -> str:
    """'3 objects', '3 objects, 5 older versions and 2 delete markers', 'at least 10,000 objects'."""
    parts = [plural(objects, "object")]
    if old_versions:
        parts.append(plural(old_versions, "older version"))
    if markers:
        parts.append(plural(markers, "delete marker"))
    text = and_join(parts)
    return text if exact else "at least " + text


def removed(*, versions: int, markers: int, versioned: bool) -> str:
    noun = ("object version", "object versions") if versioned else ("object", "objects")
    text = plural(versions, noun[0], noun[1])
    return text + (f" and {plural(markers, 'delete marker')}" if markers else "")


# --- list objects / usage ------------------------------------------------------------------------------------------
NO_OBJECTS = "{where} has no objects."
OBJECTS_TITLE = "{where}: {count} objects, {size} in total"
OBJECT_ENTRY = "{key} ({size})"
NEWEST_ENTRY = "{key} ({when})"
USAGE_TITLE = "Usage of {bucket}"
USAGE_SUMMARY = "{bucket} stores {size} in {objects}."
USAGE_LINE = "- {storage_class}: {objects}{size}"
USAGE_TOTAL = "Total: {objects}{size}"
USAGE_SOURCE_CLOUDWATCH = (
    "From CloudWatch's daily storage metrics, as of {as_of}; they count objects for all classes together, and "
    "their sizes include older versions."
)
USAGE_SOURCE_LISTING = "Counted from a listing of the bucket just now."
USAGE_SOURCE_FALLBACK = "Counted from a listing of the bucket just now (CloudWatch had no figures for it)."
USAGE_EMPTY = "{bucket} is empty (0 B)."
VERSIONS_NONE = "Versioning is {state}, but there are no older versions or delete markers yet."
VERSIONS_KEPT = "Versioning is {state}: besides the current objects above, {bucket} keeps {kept}."
VERSIONS_OLD = "{old} ({old_bytes}, billed like any data)"
VERSIONS_MARKERS = "{markers} (markers hold no data; each hides a deleted object)"
VERSIONING_STATE = {"Enabled": "on", "Suspended": "suspended"}


def lifetime(seconds: int) -> str:
    """A link's lifetime as its label says it: "45 min", "1 h", "1.5 h", "36 h", "7 days"."""
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 2 * 86400:
        hours = round(seconds / 3600, 1)
        return f"{hours:g} h"
    days = round(seconds / 86400, 1)
    return f"{days:g} days"


def link_label(seconds: int) -> str:
    return LINK_LABEL.format(lifetime=lifetime(seconds))


def where(bucket: str, prefix: str) -> str:
    return f"{bucket} under {prefix}" if prefix else bucket


# --- upload --------------------------------------------------------------------------------------------------------
NEED_UPLOAD_FILE = (
    "Which file? Put it in the outbox folder ({folder}) or attach it to your message, then say e.g. "
    "\"upload report.pdf to my-project-bucket\"."
)
OUTBOX_HAS = "Files in the outbox: {names}."
OUTBOX_EMPTY = "The outbox folder is empty."
UPLOAD_NEED_BUCKET = "Which bucket should {name} go to? Say e.g. \"upload {name} to my-project-bucket\"."
UPLOAD_NEED_BUCKET_ATTACHED = (
    "Which bucket should {name} go to? Attach it again and name the bucket, e.g. \"upload to my-project-bucket\"."
)
NOT_IN_OUTBOX = "I can't find {name} in the outbox folder ({folder})."
ATTACHMENT_GONE = (
    "I no longer have {name}: attachments are deleted once used or after a while. Attach it again and say where it "
    "should go, e.g. \"upload to my-project-bucket\". Nothing was uploaded."
)
CONFIRM_UPLOAD_LINE = "- {name} ({size}) -> {url}"
CONFIRM_REPLACE_LINE = "- {name} ({size}) -> {url} - REPLACES the existing object ({old_size}, last modified {old_when})"
CONFIRM_UPLOAD = "Upload to {bucket}?\n{lines}"
UPLOAD_YES = "Yes, upload"
UPLOAD_REPLACE_YES = "Yes, upload and replace"
UPLOADED = "Uploaded {name} ({size}) to {url}."
UPLOADED_REPLACED = "Uploaded {name} ({size}) to {url}, replacing the previous object."
UPLOAD_FAILED = "Could not upload {name}: {reason}"
UPLOAD_STARTED = "Uploading {what} ({size}) to {bucket} - I'll post progress here. Say \"stop\" to stop it."
TRANSFER_PROGRESS = "{verb} {what}: {percent}% ({done} of {total})"
UPLOADED_ALL = "Upload finished."

# --- download / restore --------------------------------------------------------------------------------------------
DOWNLOAD_NEED = "Which file from which bucket? Say e.g. \"download report.pdf from my-project-bucket\"."
DOWNLOADED = "Downloaded {url} ({size}) to {path}."
DOWNLOAD_RENAMED = "{original} already existed in the downloads folder, so I saved it as {name} instead."
DOWNLOAD_LINK = "Download link, valid for {minutes} minutes (until {expires}): {link}"
LINK_LABEL = "Download (expires in {lifetime})"
DOWNLOAD_ATTACHED = "The file is attached here as well."
DOWNLOAD_STARTED = "Downloading {url} ({size}) - I'll post progress here. Say \"stop\" to stop it."
OFFER_RESTORE = (
    "{url} is stored in {storage_class}, an archive class: it must be restored before it can be downloaded. "
    "A {tier} restore takes about {duration} and keeps a readable copy for {days} days (retrieval is billed). "
    "Start the restore?"
)
RESTORE_YES = "Yes, restore it"
RESTORE_OTHER_TIERS = " Faster or cheaper: {choices}."
RESTORE_TIER_CHOICE = "{tier} ({duration}, {cost})"
RESTORE_TIER_COST = {"Bulk": "cheapest", "Expedited": "costliest"}
RESTORE_TIER_BUTTON = "{tier} restore ({duration})"
RESTORE_IN_PROGRESS = (
    "{url} is archived in {storage_class} and a restore is already in progress. Ask me to download it again once "
    "it has finished (usually within {duration})."
)
RESTORE_STARTED = (
    "Restore of {url} started ({tier}, usually about {duration}); the copy stays readable for {days} days. "
    "Ask me to download it again once it is ready."
)
RESTORE_ALREADY_DONE = "{url} was already restored; I extended the readable copy to {days} days. You can download it now."
NOT_ARCHIVED_READY = "{url} is in {storage_class} and can be downloaded directly - no restore needed."
RESTORE_DURATION = {
    ("GLACIER", "Expedited"): "1-5 minutes",
    ("GLACIER", "Standard"): "3-5 hours",
    ("GLACIER", "Bulk"): "5-12 hours",
    ("DEEP_ARCHIVE", "Standard"): "12 hours",
    ("DEEP_ARCHIVE", "Bulk"): "48 hours",
}
RESTORE_DURATION_DEFAULT = "several hours"

# --- delete object -------------------------------------------------------------------------------------------------
DELETE_OBJECT_NEED = "Which file from which bucket? Say e.g. \"delete report.pdf from my-project-bucket\"."
CONFIRM_DELETE_OBJECT = "Delete {url} ({size}, last modified {when})? This cannot be undone."
CONFIRM_DELETE_VERSIONED = (
    "Delete {url} ({size}, last modified {when})? {bucket} is versioned, so S3 adds a delete marker: the data is "
    "kept as an older version (and still billed) until that version is removed."
)
DELETE_OBJECT_YES = "Yes, delete it"
OBJECT_DELETED = "Deleted {url}."
OBJECT_MARKED = "Deleted {url}: S3 added a delete marker and kept the previous version (it can be restored)."

# --- delete everything under a prefix -------------------------------------------------------------------------------
DELETE_PREFIX_NEED_BUCKET = (
    "Which bucket is {prefix} in? Say e.g. \"delete everything under {prefix} in my-project-bucket\"."
)
PREFIX_NOTHING = (
    "There are no objects under {prefix} in {bucket}, so there is nothing to delete. Say \"list files in {bucket}\" "
    "to see what it holds."
)
CONFIRM_DELETE_PREFIX = (
    "Delete everything under {prefix} in bucket {bucket}: {count} ({size})? The bucket and everything outside "
    "{prefix} stay. This cannot be undone."
)
CONFIRM_DELETE_PREFIX_VERSIONED = (
    "Delete everything under {prefix} in bucket {bucket}: {count} ({size})? The bucket and everything outside "
    "{prefix} stay. {bucket} is versioned, so S3 adds a delete marker for each object: their data stays as older "
    "versions (still billed) - {versions} under {prefix} afterwards. I won't delete any versions."
)
DELETE_PREFIX_YES = "Yes, delete {count}"
PREFIX_DELETED = "Deleted {count} ({size}) under {prefix} in {bucket}. The bucket and everything else in it are untouched."
PREFIX_MARKED = (
    "Deleted {count} under {prefix} in {bucket}: S3 added a delete marker for each and keeps {versions} there "
    "(they can be restored, and are still billed). The bucket and everything else in it are untouched."
)
PREFIX_PARTIAL = (
    "Deleted {count} under {prefix} in {bucket}, but {failed} could not be deleted (first: {key}, {code}). Object "
    "Lock, a legal hold or the bucket's policy may protect them."
)
PREFIX_STOPPED = (
    "Stopped deleting under {prefix} in {bucket} as you asked, after deleting {count} (that cannot be undone); "
    "the rest are still there."
)
PREFIX_STARTED = (
    "Deleting {count} ({size}) under {prefix} in {bucket} - this takes a while; I'll post progress here. "
    "Say \"stop\" to stop it."
)
PREFIX_PROGRESS = "Deleting under {prefix} in {bucket}: {done} of {total} objects done."
PREFIX_GONE = "Everything under {prefix} in {bucket} is already gone - nothing to delete."


def at_least(text: str, exact: bool) -> str:
    return text if exact else "at least " + text


# --- sync ----------------------------------------------------------------------------------------------------------
SYNC_PLAN = (
    "Syncing the outbox to {url}: {new} new ({new_bytes}), {changed} changed ({changed_bytes}), "
    "{unchanged} unchanged."
)
SYNC_SKIPPED = "Skipped {count} (symlinks or unreadable files): {names}."
SYNC_REMOTE_ONLY = "Sync never deletes: {count} in the bucket without a local file will stay."
SYNC_DRY_RUN = "Dry run: nothing was uploaded. Say \"sync my outbox to {bucket}\" to do it."
SYNC_NOTHING = "Everything in the outbox is already in {url} - nothing to upload."
CONFIRM_SYNC = "Upload {count} ({size})?"
SYNC_YES = "Yes, sync"
SYNC_DONE = "Synced the outbox to {url}: uploaded {count} ({size}); {unchanged} already up to date."
SYNC_FAILURES = "{count} failed: {names}."
SYNC_STOPPED = "The sync stopped early: {reason}"
SYNC_OUTBOX_EMPTY = "The outbox folder ({folder}) has no files, so there is nothing to sync. Nothing was changed."
SYNC_PROGRESS = "Syncing to {url}: {done} of {total} files done ({percent}%, {done_bytes} of {total_bytes})."
SYNC_STARTED = "Syncing {count} ({size}) to {url} - I'll post progress here. Say \"stop\" to stop it."

# --- rule and reason wording ---------------------------------------------------------------------------------------
UNSAFE_PATHS = {
    "empty": "Please give a file name.",
    "nul_byte": "That file name contains a NUL character.",
    "absolute": "I only use files inside my {folder} folder, so \"{path}\" (an absolute path) is refused.",
    "parent_reference": "I only use files inside my {folder} folder, so \"{path}\" (it contains ..) is refused.",
    "empty_name": "\"{path}\" names a folder, not a file.",
    "symlink_escape": "\"{path}\" leads outside my {folder} folder (through a link), so I refused it.",
    "no_free_name": "The {folder} folder already has too many copies of \"{path}\".",
    "name_too_long": (
        "\"{path}\" is longer than the 255 bytes a file name may have in my {folder} folder, so I left it alone."
    ),
}


def unsafe_path(details: Mapping[str, Any], folder: str = "outbox") -> str:
    template = UNSAFE_PATHS.get(str(details.get("reason")), UNSAFE_PATHS["symlink_escape"])
    return template.format(path=details.get("path", ""), folder=folder) + " " + NOTHING_CHANGED


# --- failures ------------------------------------------------------------------------------------------------------
def _restore(d: Mapping[str, Any]) -> str:
    url = s3_url(d["bucket"], d["key"])
    if d.get("restore_in_progress"):
        return RESTORE_IN_PROGRESS.format(url=url, storage_class=d["storage_class"], duration="a few hours")
    return f"{url} is archived in {d['storage_class']}; it must be restored first. Ask me to download it to start one."


errors.register({
    "unsafe_path": unsafe_path,
    "BucketAlreadyExists": lambda d: (
        f"The name {d['bucket']} is already taken by another AWS account - bucket names are shared by everyone "
        "on AWS. Try a more specific name, e.g. with your team or project in it."
    ),
    "BucketAlreadyOwnedByYou": lambda d: (
        f"You already own a bucket called {d['bucket']}, so I left it exactly as it is. "
        f"Say \"list files in {d['bucket']}\" to see what it holds."
    ),
    "BucketNotEmpty": lambda d: (
        f"{d['bucket']} is not empty (something was added meanwhile), so it was not deleted. Ask me to delete it "
        "again to see what it holds."
    ),
    "TooManyBuckets": lambda d: (
        "This account has reached its S3 bucket limit. Delete a bucket you no longer need or ask AWS for a "
        "higher quota."
    ),
    "IllegalLocationConstraintException": lambda d: (
        f"AWS refused region {d['region']} for {d['bucket']}. Check AWS_REGION in my configuration."
    ),
    "InvalidLocationConstraint": lambda d: (
        f"AWS refused region {d['region']} for {d['bucket']}. Check AWS_REGION in my configuration."
    ),
    "object_exists": lambda d: (
        f"{s3_url(d['bucket'], d['key'])} already exists ({format_bytes(d['size'])}), so I didn't replace it. "
        "Ask me to upload it again to get the option to replace it."
    ),
    "local_file_exists": lambda d: (
        f"{d['path']} already exists and I never overwrite local files. Move it away or download again - I'll use "
        f"a free name such as {d['suggestion']}."
    ),
    "local_file_missing": lambda d: f"I can't find {d['path']}. {NOTHING_CHANGED}",
    "needs_restore": _restore,
    "InvalidObjectState": lambda d: (
        f"{s3_url(d['bucket'], d['key'])} is archived and must be restored first. Ask me to download it to start "
        "a restore."
    ),
    "RestoreAlreadyInProgress": lambda d: f"A restore of {s3_url(d['bucket'], d['key'])} is already in progress.",
    "not_archived": lambda d: NOT_ARCHIVED_READY.format(
        url=s3_url(d["bucket"], d["key"]), storage_class=d["storage_class"]
    ),
    "invalid_request": lambda d: f"{d['value']} is not a valid {d['field']} here; allowed: {d['allowed']}.",
})
