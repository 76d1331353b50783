"""Every sentence the action server says (besides domain.yml responses) lives here, so wording stays consistent."""
from __future__ import annotations

from typing import Any, Mapping

from actions.aws.errors import CloudButlerError
from actions.core.formatting import plural, s3_url
from actions.skills.storage import wording as storage_messages

# --- general -------------------------------------------------------------------------------------------------------
HELP_INTRO = "Here is what I can do right now:"
HELP_OUTRO = "Type a request in your own words, e.g. \"{example}\"."
FALLBACK_INTRO = "Sorry, I didn't quite get that. " + HELP_INTRO
NOT_AVAILABLE = (
    "I understood that you want to {what}, but that skill isn't available yet - nothing was changed. "
    "Ask me \"what can you do\" to see what works today."
)
NOTHING_PENDING = "There's nothing waiting for your confirmation right now."
CANCELLED = "Okay, I cancelled that - nothing was changed."
NOTHING_TO_CANCEL = "Okay. There was nothing to cancel."
STOPPING = "Okay, stopping {what}. I'll tell you when it has stopped."
STOPPED = (
    "Stopped {what} as you asked. A transfer cut short leaves no partial object or file; what finished before "
    "the stop stays done."
)
UNEXPECTED = "Something went wrong on my side while doing that. Nothing else was changed; please try again in a moment."

# --- confirmations (actions/core/confirmation.py) -----------------------------------------------------------------------
CANCEL_BUTTON = "No, cancel"
EARLIER_BUTTONS = "That button was for an earlier question, so I haven't changed anything."
EARLIER_BUTTONS_NOTHING_PENDING = f"{EARLIER_BUTTONS} {NOTHING_PENDING}"
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

# What each intent would do, for NOT_AVAILABLE (and the help of skills that are not built yet).
INTENT_PURPOSE = {
    "list_buckets": "list your S3 buckets",
    "create_bucket": "create an S3 bucket",
    "delete_bucket": "delete an S3 bucket",
    "list_objects": "list the objects in a bucket",
    "upload_file": "upload a file to S3",
    "download_file": "download a file from S3",
    "delete_object": "delete an object from S3",
    "bucket_usage": "see how much a bucket stores",
    "cost_optimization": "get cost-saving suggestions for a bucket",
    "apply_lifecycle": "set up a lifecycle policy",
    "show_lifecycle": "see a bucket's lifecycle rules",
    "usage_stats": "see usage statistics",
    "sync_folder": "sync a folder to S3",
}

# --- server status -------------------------------------------------------------------------------------------------
SERVER_TITLE = "Server {instance_id} ({instance_type})"
SERVER_NOT_ON_EC2 = (
    "This host is not running on EC2 (no instance metadata service answered), so it has no AWS region, zone or "
    "instance id. Here is the host itself:"
)
HOST_TITLE = "Host {hostname}"
INSTANCE_TITLE = "{name} ({instance_id}, {instance_type})"
NO_DATA = "no data"

# --- errors, by CloudButlerError.code --------------------------------------------------------------------------------
ERRORS = {
    "unknown_instance": "I don't know an instance called \"{name}\". Known instances: {known}.",
    "AccessDenied": "AWS denied access for that request. Check that my IAM role or user allows it.",
    "NoCredentials": "I have no AWS credentials. Set AWS_PROFILE or AWS access keys, or run in the sandbox.",
    "NetworkError": "I couldn't reach AWS (network error or timeout). Please try again in a moment.",
    "Throttling": "AWS is throttling requests right now. Please wait a few seconds and try again.",
    "UnauthorizedOperation": "AWS denied that EC2 request. Check that my IAM policy allows ec2:Describe*.",
}
GENERIC_AWS_ERROR = "AWS refused that request ({code}). Nothing was changed."


def error_text(exc: CloudButlerError) -> str:
    """The reply for a failure; unknown codes get a generic sentence naming the AWS code, never a trace."""
    specific = storage_messages.error_text(exc)  # names the bucket/key/rule when the failure carries them
    if specific is not None:
        return specific
    template = ERRORS.get(exc.code)
    if template is None:
        return GENERIC_AWS_ERROR.format(code=exc.code)
    try:
        return template.format(**exc.details)
    except (KeyError, IndexError):
        return GENERIC_AWS_ERROR.format(code=exc.code)


# --- changes a restart interrupted (actions.recovery) ----------------------------------------------------------------
INTERRUPTED = "{what}, which you asked for at {when}, was interrupted: I restarted while it was running.{cleanup} {state}"
INTERRUPTED_WHAT = {
    "upload_file": "Your upload of {file} to {url}",
    "sync_folder": "Your sync of the outbox to {url}",
    "create_bucket": "Creating bucket {bucket}",
    "delete_bucket": "Deleting bucket {bucket}",
    "empty_bucket": "Emptying bucket {bucket}",
    "delete_object": "Deleting {url}",
    "restore_object": "The restore of {url}",
    "apply_lifecycle": "Applying the lifecycle policy to {bucket}",
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
    values = {
        **{name: str(value) for name, value in (facts or {}).items()}, "bucket": bucket, "action": action,
        "url": s3_url(bucket, key), "file": str(parameters.get("file") or key),
        "target": s3_url(bucket, key) if key else f"bucket {bucket}",
    }
    what = INTERRUPTED_WHAT.get(action, INTERRUPTED_WHAT_OTHER).format(**values)
    template = INTERRUPTED_STATE.get((action, state)) or INTERRUPTED_UNKNOWN
    cleanup = ""
    if aborted:
        cleanup = INTERRUPTED_CLEANED.format(uploads=plural(aborted, "unfinished multipart upload"))
    if cleanup_error:
        cleanup += INTERRUPTED_NOT_CLEANED.format(bucket=bucket, code=cleanup_error)
    return INTERRUPTED.format(what=what, when=when, cleanup=cleanup, state=template.format(**values))
