"""Background jobs and late messages: the poster against a tiny aiohttp server standing in for Rasa's trigger_intent
endpoint, the progress throttle, the runner's ordering and failure handling, and the action that says what was posted."""
from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from actions.aws.errors import AwsCallFailed
from actions.core import wording
from actions.core.jobs import Job, JobRegistry, JobRunner, ProgressThrottle, counted
from actions.core.late import PostFailed, RasaPoster, Reply
from actions.skills.conversation import ActionLateMessage
from common.store import MemoryStore
from tests.actions.harness import run_action, tracker_for
from tests.actions.skills.storage.support import Posts


@dataclass
class FakeRasa:
    """Records trigger_intent requests the way Rasa's Sanic server would receive them (raw path, query, body)."""

    url: str = ""
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()

    async def trigger(request: web.Request) -> web.Response:
        fake.requests.append({
            "raw_path": request.raw_path.split("?", 1)[0],
            "conversation": request.match_info["conversation"],
            "query": dict(request.query),
            "json": await request.json(),
        })
        return web.json_response({"tracker": {}}, status=fake.status)

    app = web.Application()
    app.router.add_post("/conversations/{conversation:.+}/trigger_intent", trigger)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


async def test_poster_sends_the_external_intent_with_the_message(rasa: FakeRasa) -> None:
    await RasaPoster(rasa.url)("slack:T1:U1", {"text": "Uploading report.zip: 50%"})
    assert rasa.requests == [{
        "raw_path": "/conversations/slack:T1:U1/trigger_intent",
        "conversation": "slack:T1:U1",
        "query": {"output_channel": "latest"},
        "json": {"name": "EXTERNAL_late_message", "entities": {"message": {"text": "Uploading report.zip: 50%"}}},
    }]


async def test_poster_adds_the_rasa_token_and_encodes_odd_sender_ids(rasa: FakeRasa) -> None:
    poster = RasaPoster.from_env({"CLOUDBUTLER_RASA_URL": rasa.url + "/", "RASA_AUTH_TOKEN": "s3cr+t"})
    await poster("webchat:-:a b?c", {"text": "hi"})
    [request] = rasa.requests
    assert request["query"] == {"output_channel": "latest", "token": "s3cr+t"}
    assert request["raw_path"] == "/conversations/webchat:-:a%20b%3Fc/trigger_intent"


async def test_poster_raises_on_an_http_error(rasa: FakeRasa) -> None:
    rasa.status = 404
    with pytest.raises(PostFailed) as caught:
        await RasaPoster(rasa.url)("rest:-:u", {"text": "hi"})
    assert caught.value.status == 404


def test_poster_defaults() -> None:
    poster = RasaPoster.from_env({})
    assert str(poster.url_for("u1")) == "http://127.0.0.1:5005/conversations/u1/trigger_intent?output_channel=latest"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_lets_through_every_quarter_or_every_ten_seconds() -> None:
    clock = Clock()
    throttle = ProgressThrottle(interval=10, step=0.25, clock=clock)
    assert throttle.due(10, 100) is False  # 10 % after 0 s
    assert throttle.due(25, 100) is True  # a quarter
    assert throttle.due(40, 100) is False  # only 15 % more
    clock.now += 10
    assert throttle.due(41, 100) is True  # ten seconds
    clock.now += 3
    assert throttle.due(66, 100) is True  # 25 % more again
    assert throttle.due(100, 100) is False  # the final message says "done"
    clock.now += 60
    assert throttle.due(5, None) is True  # unknown totals: time only
    assert throttle.due(9, None) is False


async def test_runner_posts_progress_in_order_and_the_result_last() -> None:
    sent: list[str] = []
    posted = [threading.Event(), threading.Event()]

    async def poster(sender_id: str, message: Reply) -> None:
        sent.append(message["text"])
        posted[min(len(sent), 2) - 1].set()

    runner = JobRunner(poster, tick=0.01, interval=1000, step=0.25)

    def work(progress: Any) -> str:
        progress(10, 100)  # too little to mention
        progress(30, 100)
        assert posted[0].wait(5)
        progress(60, 100)
        assert posted[1].wait(5)
        progress(100, 100)  # said by the result instead
        return "All done."

    await runner.start(Job(sender_id="s1", work=work, progress_text=lambda d, t: f"{d}/{t}"))
    assert sent == ["30/100", "60/100", "All done."]


async def test_progress_messages_carry_the_count_beside_the_text() -> None:
    messages: list[Reply] = []
    posted = threading.Event()

    async def poster(sender_id: str, message: Reply) -> None:
        messages.append(message)
        posted.set()

    runner = JobRunner(poster, tick=0.01, interval=1000, step=0.25)

    def work(progress: Any) -> str:
        progress(1_000, 4_000)
        assert posted.wait(5)
        return "Deleted 4,000 objects."

    await runner.start(Job(sender_id="s1", work=work, progress_text=lambda d, t: f"{d:,} of {t:,} deleted",
                           progress_count=counted("objects")))
    assert messages == [
        {"text": "1,000 of 4,000 deleted", "json_message": {"progress": {"done": 1000, "total": 4000,
                                                                         "unit": "objects"}}},
        {"text": "Deleted 4,000 objects."},
    ]


def test_a_count_needs_a_known_total_and_never_passes_it() -> None:
    count = counted("files")
    assert count(3, None) is None
    assert count(12, 10) == {"done": 10, "total": 10, "unit": "files"}
    job = Job(sender_id="s", work=lambda p: "", progress_text=lambda d, t: f"{d}")
    assert job.progress_reply(5, 10) == {"text": "5"}  # no count asked for: text alone


async def test_runner_turns_failures_into_sentences() -> None:
    posts = Posts()
    runner = JobRunner(posts, tick=0.01)

    def fails(progress: Any) -> str:
        raise AwsCallFailed("NoSuchBucket", bucket="gone-bucket")

    def crashes(progress: Any) -> str:
        raise RuntimeError("trace with /secret/path")

    runner.start(Job(sender_id="s1", work=fails, progress_text=str))
    runner.start(Job(sender_id="s2", work=crashes, progress_text=str))
    await runner.wait()
    assert dict(posts.sent) == {
        "s1": "There is no bucket called gone-bucket in this account. Say \"list my buckets\" to see yours.",
        "s2": wording.UNEXPECTED,
    }


async def test_stop_reaches_only_the_senders_jobs_at_their_next_report() -> None:
    posts = Posts()
    runner = JobRunner(posts, tick=0.01)
    release = threading.Event()

    def reports_until_stopped(progress: Any) -> str:
        for step in range(500):
            progress(step, 500)
            release.wait(0.01)
        return "finished"

    def waits(progress: Any) -> str:
        assert release.wait(10)
        progress(1, 1)
        return "the other job finished"

    runner.start(Job(sender_id="s1", work=reports_until_stopped, progress_text=str, title="the upload of a.bin"))
    runner.start(Job(sender_id="s2", work=waits, progress_text=str, title="the sync to b"))
    assert runner.stop("s1") == ["the upload of a.bin"]
    assert runner.stop("s1") == []  # already asked
    release.set()
    await runner.wait()
    assert dict(posts.sent) == {
        "s1": wording.STOPPED.format(what="the upload of a.bin"),
        "s2": "the other job finished",
    }
    assert runner.stop("s1") == runner.stop("s2") == []  # finished jobs are forgotten


async def test_who_runs_what_is_plain_data_in_the_store_and_a_stop_from_elsewhere_arrives() -> None:
    """Two registries on one store stand for two action servers: the job runs under one, "stop" is asked of the
    other; the job's runner passes it on at its next tick. The registry keeps only JSON in the store."""
    store = MemoryStore()
    here, elsewhere = JobRegistry(store), JobRegistry(store)
    posts = Posts()
    runner = JobRunner(posts, tick=0.01, registry=here)

    def reports_until_stopped(progress: Any) -> str:
        for step in range(1000):
            progress(step, 1000)
            time.sleep(0.01)
        return "finished"

    task = runner.start(Job(sender_id="s1", work=reports_until_stopped, progress_text=str, title="the sync to b"))
    [entry] = store.get(JobRegistry.RUNNING, "s1")
    assert entry == {"id": entry["id"], "title": "the sync to b"} and json.loads(json.dumps(entry)) == entry
    await asyncio.sleep(0.05)  # running
    assert elsewhere.stop("s1") == ["the sync to b"]
    assert elsewhere.stop("s1") == [] and here.stop("s1") == []  # asked once, wherever
    await task
    assert posts.sent == [("s1", wording.STOPPED.format(what="the sync to b"))]
    assert store.get(JobRegistry.RUNNING, "s1") is None and store.get(JobRegistry.STOP, entry["id"]) is None


async def test_a_poster_that_fails_does_not_stop_the_job() -> None:
    calls: list[str] = []

    async def flaky(sender_id: str, message: Reply) -> None:
        calls.append(message["text"])
        raise ConnectionError("rasa is down")

    runner = JobRunner(flaky, tick=0.01)

    def work(progress: Any) -> str:
        return "finished"

    await runner.start(Job(sender_id="s", work=work, progress_text=str))
    assert calls == ["finished"]


async def test_late_message_action_says_the_text() -> None:
    tracker = tracker_for("EXTERNAL: EXTERNAL_late_message", intent="EXTERNAL_late_message",
                          entities=[{"entity": "message", "value": {"text": "Uploaded big.bin (200 MB)."}}])
    events, sent = await run_action(ActionLateMessage(), tracker)
    assert events == []
    assert [m["text"] for m in sent] == ["Uploaded big.bin (200 MB)."]
    _, sent = await run_action(ActionLateMessage(), tracker_for(intent="EXTERNAL_late_message"))
    assert sent == []


@pytest.mark.parametrize("message", [
    "bare text", {"text": ""}, {"text": 5}, {"image": ["/media/x.png"]}, {"json_message": "table"}, {"buttons": []},
])
async def test_late_message_action_says_nothing_it_cannot_vouch_for(message: Any) -> None:
    tracker = tracker_for(intent="EXTERNAL_late_message", entities=[{"entity": "message", "value": message}])
    _, sent = await run_action(ActionLateMessage(), tracker)
    assert sent == []
