"""What the shared machinery says: an unexpected failure, a stopped job, a missing bucket name, a confirmation asked
again, and a change a restart interrupted. Each skill area keeps its own sentences beside it (``actions.skills``);
failures are worded by ``actions.core.errors``."""
from __future__ import annotations

from typing import Any, Mapping

from actions.core.formatting import plural, s3_url

UNEXPECTED = "Something went wrong on my side while doing that. Nothing else was changed; please try again in a moment."
NOTHING_CHANGED = "Nothing was changed."
NEED_BUCKET = "Which bucket? Tell me its name, e.g. \"{example}\"."
STOPPED = (
    "Stopped {what} as you asked. A transfer cut short leaves no partial object or file; what finished before "
    "the stop stays done."
)

# --- confirmations (actions/core/confirmation.py) ------------------------------------------------------------------
CANCEL_BUTTON = "No, cancel"
EARLIER_BUTTONS = "That button was for an earlier question, so I haven't changed anything."
# Why a yes did not carry the change out (by confirmation.Verdict value); the question follows, asked anew.
ASK_AGAIN = {
    "stale": (
        "A yes only answers my last question, and more was said since I asked this one, so I haven't changed "
        "anything. Here it is again:"
    ),
    "expired": "I asked this more than {minutes} minutes ago, so I haven't changed anything. Here it is again:",
    "restarted": "I have restarted since I asked this, so I haven't changed anything. Here it is again:",
    "earlier_buttons": EARLIER_BUTTONS + " This is the question waiting for your answer:",
    "needs_button": (
        "A typed yes can't confirm this step, so I haven't changed anything. Press \"{button}\" to go ahead, or "
        "\"{no}\" to keep everything:"
    ),
}


def ask_again(why: str, *, button: str = "", no: str = CANCEL_BUTTON, minutes: int = 15) -> str:
    return ASK_AGAIN[why].format(button=button, no=no, minutes=minutes)


# --- changes a restart interrupted (actions.recovery) ----------------------------------------------------------------
INTERRUPTED = "{what}, which you asked for at {when}, was interrupted: I restarted while it was running.{cleanup} {state}"
INTERRUPTED_WHAT = {
    "upload_file": "Your upload of {file} to {url}",
    "sync_folder": "Your sync of the outbox to {url}",
    "create_bucket": "Creating bucket {bucket}",
    "delete_bucket": "Deleting bucket {bucket}",
    "empty_bucket": "Emptying bucket {bucket}",
    "delete_object": "Deleting {url}",
    "delete_prefix": "Deleting everything under {url}",
    "restore_object": "The restore of {url}",
    "apply_lifecycle": "Applying the lifecycle policy to {bucket}",
    "start_instance": "Starting {instance}",
    "stop_instance": "Stopping {instance}",
    "reboot_instance": "Rebooting {instance}",
    "resize_instance": "Resizing {instance} from {from_type} to {to_type}",
}
INTERRUPTED_WHAT_OTHER = "A change to {target} ({action})"
INTERRUPTED_STATE = {
    ("upload_file", "not_uploaded"): "It did not finish, so {url} is as it was before. Please ask me to upload it "
                                     "again.",
    ("upload_file", "completed"): "S3 shows {url} was written at {written}, so it may have finished just before; "
                                  "check that it is the file you meant, and upload it again if not.",
    ("sync_folder", "unknown"): "Some files may have been uploaded and others not. Please ask me to sync again - "
                                "it uploads only what is still missing or changed.",
    ("create_bucket", "exists"): "The bucket exists, but its default encryption and public access block may not "
                                 "have been applied. Check its settings, or ask me to delete it and create it again.",
    ("create_bucket", "missing"): "The bucket was not created. Please ask me again if you still want it.",
    ("delete_bucket", "exists"): "The bucket still exists. Please ask me again if you still want it deleted.",
    ("delete_bucket", "missing"): "The bucket is gone, so the delete went through.",
    ("empty_bucket", "not_empty"): "Some of its objects may already be deleted (that cannot be undone), but it "
                                   "still holds data and was not deleted. Ask me to delete it again to finish.",
    ("empty_bucket", "empty"): "It is empty now, but the bucket itself was not deleted. Ask me to delete it again "
                               "to finish.",
    ("empty_bucket", "missing"): "The bucket is gone, so emptying and deleting it went through.",
    ("delete_object", "exists"): "The object is still there. Please ask me again if you still want it deleted.",
    ("delete_object", "missing"): "The object is gone, so the delete went through.",
    ("delete_prefix", "not_empty"): "Some objects under it may already be deleted (that cannot be undone), but "
                                    "others are still there. Ask me to delete everything under it again to finish.",
    ("delete_prefix", "empty"): "Nothing is left under it, so the delete went through.",
    **{(action, "instance"): "{instance} is {now_state} on {now_type} now. Ask me again if that is not what you want."
       for action in ("start_instance", "stop_instance", "reboot_instance")},
    ("resize_instance", "instance"): "{instance} is {now_state} on {now_type} now (it was a {from_type} before). Ask "
                                     "me again if that is not what you want.",
    ("apply_lifecycle", "rules"): "{bucket} now has {rules}. Ask me \"show lifecycle policy for {bucket}\" to "
                                  "check them, and to set up the policy again if they are not what you wanted.",
}
INTERRUPTED_UNKNOWN = "I can't tell what state it left {target} in: please check it, and ask me again if needed."
INTERRUPTED_CLEANED = " I removed {uploads} it had left behind, so no hidden partial data is kept (or billed)."
INTERRUPTED_NOT_CLEANED = (
    " I could not check for unfinished multipart uploads it may have left in {bucket} ({code}); a lifecycle rule "
    "that aborts incomplete multipart uploads removes them."
)


def interrupted_text(
    action: str, parameters: Mapping[str, Any], *, state: str, when: str, aborted: int = 0,
    cleanup_error: str = "", facts: Mapping[str, Any] | None = None,
) -> str:
    """What the user hears about a change of theirs a restart cut short: what it was, what state it left behind,
    what was cleaned up, and what to do now."""
    bucket = str(parameters.get("bucket") or "?")
    key = str(parameters.get("key") or parameters.get("prefix") or "")
    instance = str(parameters.get("instance") or "")
    values = {
        **{name: str(value) for name, value in (facts or {}).items()}, "bucket": bucket, "action": action,
        "url": s3_url(bucket, key), "file": str(parameters.get("file") or key),
        "target": s3_url(bucket, key) if key else f"instance {instance}" if instance else f"bucket {bucket}",
        "instance": instance, "from_type": str(parameters.get("type") or "?"),
        "to_type": str(parameters.get("target") or "?"),
    }
    what = INTERRUPTED_WHAT.get(action, INTERRUPTED_WHAT_OTHER).format(**values)
    template = INTERRUPTED_STATE.get((action, state)) or INTERRUPTED_UNKNOWN
    cleanup = ""
    if aborted:
        cleanup = INTERRUPTED_CLEANED.format(uploads=plural(aborted, "unfinished multipart upload"))
    if cleanup_error:
        cleanup += INTERRUPTED_NOT_CLEANED.format(bucket=bucket, code=cleanup_error)
    return INTERRUPTED.format(what=what, when=when, cleanup=cleanup, state=template.format(**values))
