"""Every sentence the action server says (besides domain.yml responses) lives here, so wording stays consistent."""
from __future__ import annotations

from actions import storage_messages
from actions.aws.errors import CloudButlerError

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

# --- confirmations (actions/confirmation.py) -----------------------------------------------------------------------
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
