"""A confirmation answers exactly one question: the attacks on the pending slot (a late "ok", a yes after a restart
or after 15 minutes, an old button, "yes" twice before emptying a bucket) change nothing; the right answer does."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from actions.aws.objects import ObjectService
from actions.core import wording
from actions.core.confirmation import (
    QUESTION_SECONDS,
    TOKEN_ENTITY,
    Asked,
    Choice,
    Question,
    Questions,
    Verdict,
    answers_at_once,
    boot_id,
    judge,
)
from actions.skills import conversation
from actions.skills.conversation import ActionConfirm
from actions.skills.storage import wording as say
from actions.skills.storage.buckets import ActionCreateBucket, ActionDeleteBucket, ActionListBuckets
from actions.skills.storage.objects import restore_question
from actions.skills.storage.transfers import ActionDownloadFile
from connectors.discord.render import choice_custom_id
from tests.actions.harness import Conversation, answer_to, run_action, user_event
from tests.actions.skills.storage.support import SENDER, StorageEnv, ask, ents, make_env, pending_of

T0 = 1_750_000_000.0
CREATE_QUESTION = say.CONFIRM_CREATE.format(bucket="team-reports", region="us-east-1")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws: ClientFactory) -> StorageEnv:
    return make_env(tmp_path, monkeypatch, aws)


def at(moment: float, boot: str = "boot-a") -> Questions:
    return Questions(clock=lambda: moment, boot=boot)


def confirm(env: StorageEnv, questions: Questions) -> ActionConfirm:
    action = env.confirm()
    action.questions = questions
    return action


def token_of(pending: dict[str, Any]) -> str:
    return str(pending["question"]["token"])


def yes_payload(token: str, **entities: str) -> str:
    return "/affirm" + json.dumps({**entities, "confirm": token}, separators=(",", ":"))


def click(button: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
    """What a button sends back: its payload as the message, its JSON as entities (Rasa's /intent{...} parser)."""
    payload = button["payload"]
    intent, _, raw = payload.partition("{")
    values = json.loads("{" + raw) if raw else {}
    assert intent == "/affirm"
    return payload, [{"entity": name, "value": value} for name, value in values.items()]


async def _click(chat: Conversation, action: ActionConfirm, button: dict[str, str]) -> tuple[Any, Any]:
    text, entities = click(button)
    return await chat.turn(action, text, "affirm", entities)


def buckets(env: StorageEnv) -> list[str]:
    return [b["Name"] for b in env.s3.list_buckets()["Buckets"]]


async def propose_create(env: StorageEnv, chat: Conversation, questions: Questions) -> list[dict[str, Any]]:
    action = env.action(ActionCreateBucket)
    action.questions = questions
    _, sent = await chat.turn(action, "create bucket team-reports", "create_bucket", ents(bucket="team-reports"))
    return sent


def asked_again(sent: list[dict[str, Any]], why: str, question: str) -> None:
    assert [m["text"] for m in sent] == [wording.ask_again(why), question]
    assert "buttons" not in sent[0] or not sent[0]["buttons"]


# --- typed yes -------------------------------------------------------------------------------------------------------
async def test_a_yes_right_after_the_question_carries_it_out(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    sent = await propose_create(env, chat, at(T0))
    assert sent[0]["text"] == CREATE_QUESTION
    events, sent = await chat.turn(confirm(env, at(T0 + 60)), "yes", "affirm")
    assert [m["text"] for m in sent] == [say.CREATED.format(bucket="team-reports", region="us-east-1")]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]
    assert buckets(env) == ["team-reports"]


async def test_a_yes_after_another_request_changes_nothing_and_asks_again(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    await propose_create(env, chat, at(T0))
    first = chat.pending
    await chat.turn(env.action(ActionListBuckets), "list my buckets", "list_buckets")
    events, sent = await chat.turn(confirm(env, at(T0 + 60)), "ok", "affirm")
    asked_again(sent, "stale", CREATE_QUESTION)
    assert buckets(env) == [] and env.audit_lines() == []
    again = pending_of(events)
    assert [e["name"] for e in events] == ["pending"]
    assert {k: v for k, v in again.items() if k != "question"} == {
        "kind": "create_bucket", "bucket": "team-reports", "region": "us-east-1"}
    assert again["question"]["text"] == CREATE_QUESTION
    assert (again["question"]["asked_at"], again["question"]["boot"]) == (T0 + 60, "boot-a")
    assert token_of(again) != token_of(first)
    assert [click(b)[1] for b in sent[1]["buttons"][:1]] == [[{"entity": TOKEN_ENTITY, "value": token_of(again)}]]

    # Asked anew, a yes right away is an answer to this question.
    _, sent = await chat.turn(confirm(env, at(T0 + 90)), "yes", "affirm")
    assert [m["text"] for m in sent] == [say.CREATED.format(bucket="team-reports", region="us-east-1")]
    assert buckets(env) == ["team-reports"]


async def test_a_yes_after_a_job_update_asks_again(env: StorageEnv) -> None:
    pending = Questions(clock=lambda: T0, boot="boot-a").stamp(
        {"kind": "create_bucket", "bucket": "team-reports", "region": "us-east-1"},
        Question(text=CREATE_QUESTION, yes=(Choice(say.CREATE_YES),)),
    )
    update = [user_event("", "EXTERNAL_late_message"), {"event": "bot", "text": "Uploading big.bin: 50%"}]
    events, sent = await run_action(confirm(env, at(T0 + 5)), answer_to(pending, "got it", between=update,
                                                                        sender_id=SENDER))
    asked_again(sent, "stale", CREATE_QUESTION)
    assert buckets(env) == []
    assert token_of(pending_of(events)) != token_of(pending)


@pytest.mark.parametrize("after,done", [(QUESTION_SECONDS - 1, True), (QUESTION_SECONDS + 1, False)])
async def test_a_yes_after_15_minutes_asks_again(env: StorageEnv, after: float, done: bool) -> None:
    chat = Conversation(SENDER)
    await propose_create(env, chat, at(T0))
    events, sent = await chat.turn(confirm(env, at(T0 + after)), "yes", "affirm")
    if done:
        assert buckets(env) == ["team-reports"]
        return
    asked_again(sent, "expired", CREATE_QUESTION)
    assert buckets(env) == []
    assert pending_of(events)["question"]["asked_at"] == T0 + after


async def test_a_yes_after_a_restart_asks_again(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    await propose_create(env, chat, at(T0, boot="before-restart"))
    events, sent = await chat.turn(confirm(env, at(T0 + 5, boot="after-restart")), "yes", "affirm")
    asked_again(sent, "restarted", CREATE_QUESTION)
    assert buckets(env) == []
    assert pending_of(events)["question"]["boot"] == "after-restart"
    await chat.turn(confirm(env, at(T0 + 10, boot="after-restart")), "yes", "affirm")
    assert buckets(env) == ["team-reports"]


# --- buttons ---------------------------------------------------------------------------------------------------------
async def test_a_button_with_a_wrong_token_changes_nothing_and_shows_the_pending_question(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    sent = await propose_create(env, chat, at(T0))
    text, entities = click({**sent[0]["buttons"][0], "payload": '/affirm{"confirm":"0123456789ab"}'})
    events, sent = await chat.turn(confirm(env, at(T0 + 5)), text, "affirm", entities)
    asked_again(sent, "earlier_buttons", CREATE_QUESTION)
    assert buckets(env) == [] and env.audit_lines() == []
    assert [b["title"] for b in sent[1]["buttons"]] == [say.CREATE_YES, wording.CANCEL_BUTTON]


async def test_the_right_button_works_once_and_a_second_click_finds_nothing_pending(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    sent = await propose_create(env, chat, at(T0))
    assert [b["title"] for b in sent[0]["buttons"]] == [say.CREATE_YES, wording.CANCEL_BUTTON]
    assert sent[0]["buttons"][1]["payload"] == "/deny"
    yes = sent[0]["buttons"][0]
    assert yes["payload"] == yes_payload(token_of(chat.pending))
    # Another request in between does not matter to a button: it names its question.
    await chat.turn(env.action(ActionListBuckets), "list my buckets", "list_buckets")
    events, sent = await _click(chat, confirm(env, at(T0 + 60)), yes)
    assert [m["text"] for m in sent] == [say.CREATED.format(bucket="team-reports", region="us-east-1")]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]

    events, sent = await _click(chat, confirm(env, at(T0 + 61)), yes)
    assert [m["text"] for m in sent] == [conversation.EARLIER_BUTTONS_NOTHING_PENDING]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]
    assert [(x["action"], x["result"]) for x in env.audit_lines() if x["result"] != "attempted"] == [
        ("create_bucket", "ok")]


async def test_a_button_keeps_working_after_a_restart_but_not_after_15_minutes(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    sent = await propose_create(env, chat, at(T0, boot="before-restart"))
    yes = sent[0]["buttons"][0]
    _, sent = await _click(chat, confirm(env, at(T0 + QUESTION_SECONDS + 1, boot="after")), yes)
    asked_again(sent, "expired", CREATE_QUESTION)
    assert buckets(env) == []
    fresh = sent[1]["buttons"][0]
    assert fresh["payload"] != yes["payload"]
    _, sent = await _click(chat, confirm(env, at(T0 + QUESTION_SECONDS + 2, boot="after-2")), fresh)
    assert [m["text"] for m in sent] == [say.CREATED.format(bucket="team-reports", region="us-east-1")]


# --- deleting a bucket that holds data ---------------------------------------------------------------------------------
async def full_bucket(env: StorageEnv, chat: Conversation) -> list[dict[str, Any]]:
    env.s3.create_bucket(Bucket="full-bucket")
    for key in ("a.txt", "b.txt"):
        env.s3.put_object(Bucket="full-bucket", Key=key, Body=b"x")
    action = env.action(ActionDeleteBucket)
    action.questions = at(T0)
    _, sent = await chat.turn(action, "delete bucket full-bucket", "delete_bucket", ents(bucket="full-bucket"))
    return sent


def keys(env: StorageEnv) -> list[str]:
    return [o["Key"] for o in env.s3.list_objects_v2(Bucket="full-bucket").get("Contents", [])]


async def test_yes_twice_never_empties_a_bucket(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    await full_bucket(env, chat)
    _, sent = await chat.turn(confirm(env, at(T0 + 5)), "yes", "affirm")
    empty_question = say.CONFIRM_EMPTY_BUCKET.format(bucket="full-bucket", contents="2 objects")
    assert [m["text"] for m in sent] == [empty_question]
    destroy, no = sent[0]["buttons"]
    assert (destroy["title"], no) == ("Empty and delete full-bucket", {"title": wording.CANCEL_BUTTON, "payload": "/deny"})
    second = chat.pending
    assert second["question"]["button_only"] is True

    # A typed yes, even right away, is explained and changes nothing; the button on screen stays the one to press.
    for answer in ("yes", "yes, empty it"):
        events, sent = await chat.turn(confirm(env, at(T0 + 6)), answer, "affirm")
        assert [m["text"] for m in sent] == [
            wording.ask_again("needs_button", button="Empty and delete full-bucket"), empty_question]
        assert sent[1]["buttons"] == [destroy, no]
        assert events == [] and chat.pending == second
        assert buckets(env) == ["full-bucket"] and keys(env) == ["a.txt", "b.txt"]
        assert env.audit_lines() == []

    # The destructive button does it, once.
    _, sent = await _click(chat, confirm(env, at(T0 + 8)), destroy)
    assert [m["text"] for m in sent] == ["Emptied full-bucket (deleted 2 objects) and deleted the bucket."]
    assert buckets(env) == []
    _, sent = await _click(chat, confirm(env, at(T0 + 9)), destroy)
    assert [m["text"] for m in sent] == [conversation.EARLIER_BUTTONS_NOTHING_PENDING]


async def test_the_first_questions_button_clicked_twice_does_not_empty_the_bucket(env: StorageEnv) -> None:
    chat = Conversation(SENDER)
    sent = await full_bucket(env, chat)
    first_yes = sent[0]["buttons"][0]
    assert first_yes["title"] == say.DELETE_BUCKET_YES
    _, sent = await _click(chat, confirm(env, at(T0 + 5)), first_yes)
    assert sent[0]["buttons"][0]["title"] == "Empty and delete full-bucket"
    _, sent = await _click(chat, confirm(env, at(T0 + 6)), first_yes)
    assert [m["text"] for m in sent] == [
        wording.ask_again("earlier_buttons"), say.CONFIRM_EMPTY_BUCKET.format(bucket="full-bucket", contents="2 objects")]
    assert keys(env) == ["a.txt", "b.txt"]
    _, sent = await _click(chat, confirm(env, at(T0 + 7)), sent[1]["buttons"][0])
    assert [m["text"] for m in sent] == ["Emptied full-bucket (deleted 2 objects) and deleted the bucket."]


# --- buttons fit Discord ---------------------------------------------------------------------------------------------
async def test_restore_buttons_with_a_tier_and_a_token_fit_a_discord_custom_id(env: StorageEnv) -> None:
    env.s3.create_bucket(Bucket="cold-bucket")
    env.s3.put_object(Bucket="cold-bucket", Key="a.tar", Body=b"x", StorageClass="GLACIER")
    events, sent = await run_action(env.action(ActionDownloadFile), ask("download a.tar from cold-bucket",
                                                                        "download_file", file="a.tar",
                                                                        bucket="cold-bucket"))
    token = token_of(pending_of(events))
    payloads = [b["payload"] for b in sent[0]["buttons"]]
    assert payloads == [
        yes_payload(token),
        yes_payload(token, tier="Bulk"),
        yes_payload(token, tier="Expedited"),
        "/deny",
    ]
    assert payloads[2] == '/affirm{"tier":"Expedited","confirm":"' + token + '"}'
    biggest_owner = 2**64 - 1  # a Discord snowflake has at most 20 digits
    assert all(choice_custom_id(biggest_owner, 24, p) is not None for p in payloads)
    question = restore_question(ObjectService(env.s3).head("cold-bucket", "a.tar"))
    assert [c.entities for c in question.yes] == [{}, {"tier": "Bulk"}, {"tier": "Expedited"}]


# --- the rules, pure -------------------------------------------------------------------------------------------------
def _asked(*, at_: float = T0, boot: str = "b", button_only: bool = False, token: str = "aaaaaaaaaaaa") -> Asked:
    return Asked(question=Question(text="Go?", yes=(Choice("Yes"),), button_only=button_only), token=token, at=at_,
                 boot=boot)


def _slot(token: str) -> dict[str, Any]:
    return {"event": "slot", "name": "pending", "value": {"kind": "x", "question": {"token": token}}}


LISTEN = {"event": "action", "name": "action_listen"}


@pytest.mark.parametrize("events,expected", [
    ([_slot("aaaaaaaaaaaa"), LISTEN, user_event("yes")], True),
    ([{"event": "bot", "text": "Go?"}, _slot("aaaaaaaaaaaa"), LISTEN, {"event": "user_featurization"},
      user_event("yes")], True),
    ([_slot("aaaaaaaaaaaa"), LISTEN, user_event("list"), {"event": "bot", "text": "..."}, user_event("yes")], False),
    ([_slot("aaaaaaaaaaaa"), LISTEN, user_event("", "EXTERNAL_late_message"), user_event("yes")], False),
    ([_slot("aaaaaaaaaaaa"), {"event": "bot", "text": "late"}, user_event("yes")], False),
    ([_slot("bbbbbbbbbbbb"), LISTEN, user_event("yes")], False),
    ([_slot("aaaaaaaaaaaa"), LISTEN, {"event": "slot", "name": "pending", "value": None}, user_event("yes")], False),
    ([user_event("yes")], False),
    ([], False),
])
def test_answers_at_once(events: list[dict[str, Any]], expected: bool) -> None:
    assert answers_at_once(events, "aaaaaaaaaaaa") is expected


FRESH = [_slot("aaaaaaaaaaaa"), LISTEN, user_event("yes")]
STALE = [_slot("aaaaaaaaaaaa"), LISTEN, user_event("list"), user_event("yes")]


@pytest.mark.parametrize("asked,token,events,now,expected", [
    (_asked(), None, FRESH, T0 + 1, Verdict.GO),
    (_asked(), None, STALE, T0 + 1, Verdict.STALE),
    (_asked(), None, FRESH, T0 + QUESTION_SECONDS + 1, Verdict.EXPIRED),
    (_asked(), None, FRESH, T0 - 1, Verdict.EXPIRED),
    (_asked(boot="other"), None, FRESH, T0 + 1, Verdict.RESTARTED),
    (_asked(button_only=True), None, FRESH, T0 + 1, Verdict.NEEDS_BUTTON),
    (_asked(), "aaaaaaaaaaaa", STALE, T0 + 1, Verdict.GO),
    (_asked(boot="other", button_only=True), "aaaaaaaaaaaa", STALE, T0 + QUESTION_SECONDS, Verdict.GO),
    (_asked(), "aaaaaaaaaaaa", FRESH, T0 + QUESTION_SECONDS + 1, Verdict.EXPIRED),
    (_asked(), "bbbbbbbbbbbb", FRESH, T0 + 1, Verdict.EARLIER_BUTTONS),
    (_asked(), "ä-not-hex", FRESH, T0 + 1, Verdict.EARLIER_BUTTONS),
])
def test_judge(asked: Asked, token: str | None, events: list[dict[str, Any]], now: float, expected: Verdict) -> None:
    assert judge(asked, token=token, events=events, now=now, boot="b", ttl=QUESTION_SECONDS) is expected


def test_asked_round_trips_through_the_slot_and_refuses_what_is_not_one() -> None:
    asked = Asked(question=Question(text="Restore?", yes=(Choice("Yes"), Choice("Bulk", {"tier": "Bulk"})),
                                    button_only=True), token="0123456789ab", at=T0, boot="b")
    pending = {"kind": "restore_object", "question": asked.to_slot()}
    assert Asked.from_pending(json.loads(json.dumps(pending))) == asked
    for broken in (None, {}, {"kind": "x"}, {"question": {"text": "Go?"}}, {"question": "x"},
                   {"question": {**asked.to_slot(), "yes": []}}):
        assert Asked.from_pending(broken) is None


def test_tokens_and_the_boot_id_are_short_hex_and_the_boot_id_is_one_per_process() -> None:
    pending = Questions().stamp({"kind": "x"}, Question(text="Go?", yes=(Choice("Yes"),)))
    token = token_of(pending)
    assert len(token) == 12 and int(token, 16) >= 0
    assert boot_id() == boot_id() == pending["question"]["boot"] and len(boot_id()) == 12
    assert token_of(Questions().stamp({"kind": "x"}, Question(text="Go?", yes=(Choice("Yes"),)))) != token


async def test_a_yes_to_a_slot_from_before_questions_had_tokens_does_nothing(env: StorageEnv) -> None:
    events, sent = await run_action(confirm(env, at(T0)), answer_to(
        {"kind": "create_bucket", "bucket": "team-reports", "region": "us-east-1"}, sender_id=SENDER))
    assert [m["text"] for m in sent] == [conversation.NOTHING_PENDING]
    assert events == [{"event": "slot", "timestamp": None, "name": "pending", "value": None}]
    assert buckets(env) == []


def test_a_destructive_yes_is_styled_danger_and_keeps_it_when_asked_again() -> None:
    plain = Question(text="Create?", yes=(Choice("Create"),))
    assert [b.get("style") for b in plain.buttons("t")] == [None, None]
    one = Question(text="Restore or delete?", yes=(Choice("Restore"), Choice("Delete", danger=True)))
    assert [b.get("style") for b in one.buttons("t")] == [None, "danger", None]
    every = Question(text="Delete?", yes=(Choice("Delete"),), danger=True, button_only=True)
    assert every.buttons("t") == [{"title": "Delete", "payload": '/affirm{"confirm":"t"}', "style": "danger"},
                                  {"title": "No, cancel", "payload": "/deny"}]
    for question in (one, every):
        asked = Asked(question=question, token="0123456789ab", at=T0, boot="b")
        restored = Asked.from_pending(json.loads(json.dumps({"kind": "x", "question": asked.to_slot()})))
        assert restored == asked and restored.question.buttons("t") == question.buttons("t")
    assert "danger" not in json.dumps(Asked(question=plain, token="0123456789ab", at=T0, boot="b").to_slot())
