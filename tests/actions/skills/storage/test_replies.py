"""What storage replies carry besides their words, against moto: a download's link as a labelled link (its url once
in the text), the whole reply of a background download, progress counts of multi-file uploads, the link label's
lifetime."""
from __future__ import annotations

from pathlib import Path

import pytest
import requests

from actions.aws.clients import ClientFactory
from actions.skills.storage import wording as say
from actions.skills.storage.transfers import ActionDownloadFile, ActionUploadFile, files_done
from tests.actions.harness import run_action
from tests.actions.skills.storage.support import Posts, StorageEnv, ask, make_env, pending_of

BUCKET = "replies-bucket"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    made = make_env(tmp_path, monkeypatch, aws)
    made.s3.create_bucket(Bucket=BUCKET)
    return made


@pytest.mark.parametrize(("seconds", "label"), [
    (60, "Download (expires in 1 min)"),
    (900, "Download (expires in 15 min)"),
    (3600, "Download (expires in 1 h)"),
    (5400, "Download (expires in 1.5 h)"),
    (86400, "Download (expires in 24 h)"),
    (7 * 86400, "Download (expires in 7 days)"),
])
def test_the_link_label_says_the_links_lifetime(seconds: int, label: str) -> None:
    assert say.link_label(seconds) == label


def test_files_done_counts_whole_files_of_the_bytes_done() -> None:
    sizes = [100, 0, 50, 200]
    assert [files_done(sizes, done) for done in (0, 99, 100, 149, 150, 349, 350)] == [0, 0, 2, 2, 3, 3, 4]


async def test_a_download_carries_its_link_once_in_the_text_and_as_a_labelled_link(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="reports/q1.pdf", Body=b"%PDF q1")
    _, sent = await run_action(env.action(ActionDownloadFile), ask(
        f"download reports/q1.pdf from {BUCKET}", "download_file", file="reports/q1.pdf", bucket=BUCKET))
    [message] = sent
    [link] = message["custom"]["links"]
    assert link["label"] == "Download (expires in 1 h)"
    assert message["text"].count(link["url"]) == 1
    assert requests.get(link["url"], timeout=10).content == b"%PDF q1"


async def test_a_background_download_posts_its_whole_reply_with_counted_progress(env: StorageEnv) -> None:
    env.s3.put_object(Bucket=BUCKET, Key="big.bin", Body=b"q" * 2048)
    posts = Posts()
    action = env.action(ActionDownloadFile)
    action.background_bytes = 1024
    action.jobs = env.runner(posts)
    await run_action(action, ask(f"download big.bin from {BUCKET}", "download_file", file="big.bin", bucket=BUCKET))
    await action.jobs.wait()
    _, final = posts.messages[-1]
    [link] = final["json_message"]["links"]
    assert final["text"].count(link["url"]) == 1 and link["label"] == "Download (expires in 1 h)"
    assert final["attachment"].startswith("/media/")
    assert all(c["unit"] == "bytes" and c["total"] == 2048 for c in posts.counts)


async def test_a_background_upload_of_several_files_counts_files(env: StorageEnv) -> None:
    folder = "web-20250101T120000-0123abcd"
    (env.inbox / folder).mkdir()
    for name in ("a.bin", "b.bin", "c.bin"):
        (env.inbox / folder / name).write_bytes(b"z" * 1024)
    metadata = {"attachments": [{"name": name, "path": f"{folder}/{name}", "size": 1024,
                                 "content_type": "application/octet-stream"} for name in ("a.bin", "b.bin", "c.bin")]}
    events, sent = await run_action(env.action(ActionUploadFile), ask(
        f"upload these to {BUCKET}", "upload_file", metadata=metadata, bucket=BUCKET))
    assert sent[0]["text"].startswith(f"Upload to {BUCKET}?\n- a.bin (1 KB) -> s3://{BUCKET}/a.bin")
    posts = Posts()
    handler = env.action(ActionUploadFile)
    handler.background_bytes = 1024
    handler.jobs = env.runner(posts)
    await env.say_yes(pending_of(events), handler=handler)
    await handler.jobs.wait()
    assert posts.texts[-1].splitlines() == [f"Uploaded {n} (1 KB) to s3://{BUCKET}/{n}." for n in ("a.bin", "b.bin",
                                                                                                   "c.bin")]
    assert posts.counts and all(c["unit"] == "files" and c["total"] == 3 and c["done"] < 3 for c in posts.counts)
