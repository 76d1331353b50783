"""Buckets and keys as messages name them: s3://bucket/key URLs are taken apart in every skill, and a bucket name no
bucket can have is answered with the rule it breaks before any AWS call."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.s3_names import InvalidBucketName, validate_bucket_reference
from actions.core.base import SkillAction
from actions.core.errors import bucket_name_problem
from actions.skills.cost.analysis import ActionCostOptimization
from actions.skills.cost.lifecycle import ActionApplyLifecycle, ActionShowLifecycle
from actions.skills.storage.buckets import ActionBucketUsage, ActionDeleteBucket
from actions.skills.storage.objects import ActionDeleteObject, ActionListObjects
from actions.skills.storage.sync import ActionSyncFolder
from actions.skills.storage.transfers import ActionDownloadFile, ActionUploadFile
from tests.actions.harness import run_action, talked_about
from tests.actions.skills.storage.support import StorageEnv, ask, make_env, only_text, pending_of

BUCKET = "names-bucket"
URL = f"s3://{BUCKET}/reports/q1.pdf"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    made = make_env(tmp_path, monkeypatch, aws)
    made.s3.create_bucket(Bucket=BUCKET)
    made.s3.put_object(Bucket=BUCKET, Key="reports/q1.pdf", Body=b"%PDF q1")
    made.s3.put_object(Bucket=BUCKET, Key="other.txt", Body=b"other")
    return made


# --- s3://bucket/key -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "entities",
    [{}, {"file": URL}, {"file": f"{BUCKET}/reports/q1.pdf"}, {"file": "q1.pdf"}, {"bucket": "s3", "file": URL},
     {"bucket": BUCKET, "file": "reports/q1.pdf"}],
    ids=["no_entities", "url_as_file", "bucket_and_key_as_file", "part_of_the_key", "s3_as_bucket", "both_right"],
)
async def test_download_takes_an_s3_url_apart(env: StorageEnv, entities: dict[str, str]) -> None:
    events, sent = await run_action(env.action(ActionDownloadFile), ask(f"download {URL}", "download_file",
                                                                        **entities))
    assert events == [talked_about(bucket=BUCKET, key="reports/q1.pdf", skill="action_download_file")]
    assert sent[0]["text"].startswith(f"Downloaded {URL} (7 B)")
    assert (env.downloads / "q1.pdf").read_bytes() == b"%PDF q1"


async def test_a_quoted_url_may_hold_spaces(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="my report.pdf", Body=b"spaced")
    _, sent = await run_action(env.action(ActionDownloadFile), ask(f'download "s3://{BUCKET}/my report.pdf" please',
                                                                   "download_file", file="report.pdf"))
    assert sent[0]["text"].startswith(f"Downloaded s3://{BUCKET}/my report.pdf (6 B)")


async def test_delete_object_takes_an_s3_url_apart(env: StorageEnv) -> None:
    events, _ = await run_action(env.action(ActionDeleteObject), ask(f"delete {URL}", "delete_object", file=URL))
    pending = pending_of(events)
    assert (pending["bucket"], pending["key"]) == (BUCKET, "reports/q1.pdf")


async def test_listing_takes_the_prefix_from_an_s3_url(env: StorageEnv) -> None:
    _, sent = await run_action(env.action(ActionListObjects), ask(f"list files in s3://{BUCKET}/reports/",
                                                                  "list_objects", bucket=f"s3://{BUCKET}/reports/"))
    text = only_text(sent)
    assert "q1.pdf" in text and "other.txt" not in text


async def test_an_upload_to_an_s3_url_keeps_the_local_file_name(env: StorageEnv) -> None:
    (env.outbox / "report.pdf").write_bytes(b"%PDF")
    for entities in ({"file": "report.pdf"}, {}):
        events, _ = await run_action(env.action(ActionUploadFile), ask(f"upload report.pdf to s3://{BUCKET}/",
                                                                       "upload_file", **entities))
        pending = pending_of(events)
        assert pending["bucket"] == BUCKET
        assert [(f["name"], f["key"]) for f in pending["files"]] == [("report.pdf", "report.pdf")]


# --- names no bucket can have ----------------------------------------------------------------------------------------
STORAGE_SKILLS: list[tuple[type[SkillAction], str, dict[str, str]]] = [
    (ActionListObjects, "list_objects", {}),
    (ActionDeleteObject, "delete_object", {"file": "other.txt"}),
    (ActionDownloadFile, "download_file", {"file": "other.txt"}),
    (ActionUploadFile, "upload_file", {"file": "a.txt"}),
    (ActionSyncFolder, "sync_folder", {}),
    (ActionDeleteBucket, "delete_bucket", {}),
    (ActionBucketUsage, "bucket_usage", {}),
    (ActionCostOptimization, "cost_optimization", {}),
    (ActionApplyLifecycle, "apply_lifecycle", {}),
    (ActionShowLifecycle, "show_lifecycle", {}),
]


@pytest.mark.parametrize(("cls", "intent", "entities"), STORAGE_SKILLS, ids=[s[1] for s in STORAGE_SKILLS])
@pytest.mark.parametrize(
    ("name", "rule"),
    [("team@reports", "characters"), ("team reports", "characters"), ("ab", "length"), ("x" * 256, "length")],
    ids=["at_sign", "space", "too_short", "too_long"],
)
async def test_a_name_no_bucket_can_have_never_reaches_aws(
    env: StorageEnv, cls: type[SkillAction], intent: str, entities: dict[str, str], name: str, rule: str
) -> None:
    (env.outbox / "a.txt").write_bytes(b"a")
    calls: list[str] = []

    def record(event_name: str, **_: Any) -> None:
        calls.append(event_name)

    env.s3.meta.events.register("before-call.s3", record)
    try:
        events, sent = await run_action(env.action(cls), ask(f"{intent} {name}", intent, bucket=name, **entities))
    finally:
        env.s3.meta.events.unregister("before-call.s3", record)
    assert events == [] and calls == []
    with pytest.raises(InvalidBucketName) as caught:
        validate_bucket_reference(name)
    assert caught.value.rule == rule
    assert only_text(sent) == bucket_name_problem(caught.value.details)
    assert "AWS refused" not in only_text(sent)


async def test_an_old_style_name_still_reaches_aws(env: StorageEnv) -> None:
    """Buckets made before 2018 in us-east-1 may have capitals and underscores; they must stay usable."""
    _, sent = await run_action(env.action(ActionListObjects), ask("list files in Legacy_Bucket", "list_objects",
                                                                  bucket="Legacy_Bucket"))
    assert "AWS refused" not in only_text(sent) and "Legacy_Bucket" in only_text(sent)
