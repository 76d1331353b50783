"""What a message typed as an AWS CLI command asks for: the CLI's meaning, not a guess from its words.

"aws s3 cp s3://b/k ." downloads and "aws s3 cp k s3://b/" uploads - the same words in another order, which a
bag-of-words model cannot tell apart reliably. A command is read only when the message *is* one (an @-mention or a
shell prompt before it aside); a sentence that merely mentions a command is left to the model.
"""
from __future__ import annotations

import re
import shlex
from typing import NamedTuple


class Command(NamedTuple):
    intent: str
    operation: str | None = None  # start/stop/reboot of instance_control
    file: str | None = None  # the local file an upload sends, as typed


_LEAD = re.compile(r"^\s*(?:<@!?\w+>|@\w+)?[\s,:]*(?:\$\s*)?", re.IGNORECASE)

# `aws s3api <op>` and `aws ec2/cloudwatch <op>`: one intent each.
_API: dict[tuple[str, str], str] = {
    ("s3api", "list-buckets"): "list_buckets",
    ("s3api", "create-bucket"): "create_bucket",
    ("s3api", "delete-bucket"): "delete_bucket",
    ("s3api", "list-objects"): "list_objects",
    ("s3api", "list-objects-v2"): "list_objects",
    ("s3api", "get-object"): "download_file",
    ("s3api", "put-object"): "upload_file",
    ("s3api", "delete-object"): "delete_object",
    ("s3api", "delete-objects"): "delete_object",
    ("s3api", "get-bucket-lifecycle-configuration"): "show_lifecycle",
    ("s3api", "put-bucket-lifecycle-configuration"): "apply_lifecycle",
    ("ec2", "describe-instances"): "server_status",
    ("ec2", "describe-instance-status"): "server_status",
    ("cloudwatch", "describe-alarms"): "list_alarms",
    ("cloudwatch", "get-metric-data"): "instance_metrics",
    ("cloudwatch", "get-metric-statistics"): "instance_metrics",
}
_EC2_CONTROL = {"start-instances": "start", "stop-instances": "stop", "reboot-instances": "reboot"}


def _s3(arg: str) -> bool:
    return arg.lower().startswith("s3://")


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote: plain words will do
        return text.split()


def command_in(text: str) -> Command | None:
    """The intent of ``text`` if it is an ``aws s3``/``s3api``/``ec2``/``cloudwatch`` command (``aws`` may be left
    out before ``s3``; a bare ``cp``/``mv``/``rm``/``ls`` counts when an argument is an s3:// URL), else None."""
    words = _words(_LEAD.sub("", text, count=1))
    if words and words[0].lower() == "aws":
        words = words[1:]
        if len(words) >= 2 and (words[0].lower(), words[1].lower()) in _API:
            return Command(_API[(words[0].lower(), words[1].lower())])
        if len(words) >= 2 and words[0].lower() == "ec2" and words[1].lower() in _EC2_CONTROL:
            return Command("instance_control", _EC2_CONTROL[words[1].lower()])
        if not words or words[0].lower() != "s3":
            return None
        words = words[1:]
    elif words and words[0].lower() == "s3":
        words = words[1:]
    elif not any(_s3(w) for w in words[1:]):
        return None
    if not words:
        return None
    verb = words[0].lower()
    flags = [w.lower() for w in words[1:] if w.startswith("-")]
    args = [w for w in words[1:] if not w.startswith("-")]
    urls = [a for a in args if _s3(a)]
    if verb == "ls":
        if "--summarize" in flags:
            return Command("bucket_usage")
        return Command("list_objects" if urls else "list_buckets")
    if verb in ("cp", "mv") and len(args) >= 2:
        source, target = args[0], args[1]
        if _s3(source) and not _s3(target):
            return Command("download_file")
        if _s3(target) and not _s3(source):
            return Command("upload_file", file=source)
        return None  # bucket to bucket: not a skill of ours, the model answers
    if verb == "rm" and urls:
        return Command("delete_object")
    if verb == "mb" and urls:
        return Command("create_bucket")
    if verb == "rb" and urls:
        return Command("delete_bucket")
    if verb == "sync" and len(args) >= 2 and _s3(args[1]) and not _s3(args[0]):
        return Command("sync_folder")
    return None
