"""What the trained model understands: sentences real users typed that were once misread, follow-ups about what the
conversation last talked about, and each intent of the contract, checked on the newest model in models/ (intent and
entities). None of these sentences is in the training data (nlu/generate.py NEVER_TRAINED), so they show that the
model generalises."""
from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.agent import Agent

from nlu.components import MUTATING
from tests.e2e.assistant import newest_model

pytestmark = pytest.mark.e2e


# Misparses from people trying the assistant: (text, intent, entities).
MISPARSES: list[tuple[str, str, dict[str, str]]] = [
    ("delete everything under bulk/ in trial-ctx-42", "delete_object", {"prefix": "bulk", "bucket": "trial-ctx-42"}),
    ("fetch videos/archive/product-tour-v1.mp4 from media-library-prod", "download_file",
     {"file": "videos/archive/product-tour-v1.mp4", "bucket": "media-library-prod"}),
    ("push notes.txt to tmp-scratch-777 again", "upload_file", {"file": "notes.txt", "bucket": "tmp-scratch-777"}),
    ("predict my s3 bill for next month", "usage_stats", {"period": "next month"}),
    ("restart web-2", "instance_control", {"operation": "restart", "instance": "web-2"}),
    ("reboot batch-1", "instance_control", {"operation": "reboot", "instance": "batch-1"}),
    ("alert me when web-2 cpu goes over 80%", "create_alarm", {"instance": "web-2", "metric": "cpu", "threshold": "80%"}),
    # Whether an instance is (or will be) the right size is rightsize, even about the future; forecast_load is the
    # predicted load itself.
    ("will web-1 need a bigger instance next week?", "rightsize", {"instance": "web-1", "period": "next week"}),
    ("hi there, could you kindly tell me which S3 buckets exist in our account? thanks!", "list_buckets", {}),
    ("ls s3", "list_buckets", {}),
    ("any savings possible for tmp-scratch-777", "cost_optimization", {"bucket": "tmp-scratch-777"}),
]

# Follow-ups: what they are about comes from the conversation's context, not from the words.
FOLLOW_UPS: list[tuple[str, str, dict[str, str]]] = [
    ("and how big is it?", "bucket_usage", {}),
    ("how big is that bucket", "bucket_usage", {}),
    ("actually delete it", "delete_bucket", {}),
    ("delete that bucket", "delete_bucket", {}),
    ("is it restored yet?", "download_file", {}),
    ("has the restore finished", "download_file", {}),
    ("same for backups-archive", "same_for", {"bucket": "backups-archive"}),
    ("and web-2?", "same_for", {"instance": "web-2"}),
    ("what about acme-invoices?", "same_for", {"bucket": "acme-invoices"}),
    ("now do the same for media-library-prod", "same_for", {"bucket": "media-library-prod"}),
]

# The skills still to be built: trained now, so their requests get an honest "not yet", never another skill.
NEXT_SKILLS: list[tuple[str, str, dict[str, str]]] = [
    ("how much has logs-archive-5 grown since Monday", "storage_trend",
     {"bucket": "logs-archive-5", "period": "since Monday"}),
    ("show me the storage growth of our account this week", "storage_trend", {"period": "this week"}),
    ("start tracking the size of invoices-2026", "track_bucket", {"bucket": "invoices-2026"}),
    ("please keep a daily record of how big team-share-3 gets", "track_bucket", {"bucket": "team-share-3"}),
    ("show me the cpu of web-1 for the last 3 days", "instance_metrics",
     {"instance": "web-1", "metric": "cpu", "period": "last 3 days"}),
    ("graph the memory of batch-1 in November", "instance_metrics",
     {"instance": "batch-1", "metric": "memory", "period": "in November"}),
    ("what will the cpu on web-2 look like tomorrow", "forecast_load",
     {"instance": "web-2", "metric": "cpu", "period": "tomorrow"}),
    ("forecast the load of batch-1 for next week", "forecast_load", {"instance": "batch-1", "period": "next week"}),
    ("should batch-1 run on a t3.small instead", "rightsize", {"instance": "batch-1", "instance_type": "t3.small"}),
    ("is web-2 too big for what it does", "rightsize", {"instance": "web-2"}),
    ("stop web-1", "instance_control", {"operation": "stop", "instance": "web-1"}),
    ("resize batch-1 to m5.large", "instance_control",
     {"operation": "resize", "instance": "batch-1", "instance_type": "m5.large"}),
    ("how many Kindle Paperwhite do we have in Munich", "inventory_query", {"item": "Kindle Paperwhite", "store": "Munich"}),
    ("is there any echo dot in stock at store 12", "inventory_query", {"item": "echo dot", "store": "store 12"}),
    ("what's out of stock in Berlin", "out_of_stock", {"store": "Berlin"}),
    ("which products are sold out in store 12", "out_of_stock", {"store": "store 12"}),
    ("sign this channel up for stock alerts", "subscribe_alerts", {"topic": "stock"}),
    ("unsubscribe me from inventory alerts", "unsubscribe_alerts", {"topic": "inventory"}),
    ("notify me when batch-1 memory is above 90 percent", "create_alarm",
     {"instance": "batch-1", "metric": "memory", "threshold": "90 percent"}),
    ("which alarms do we have on web-2", "list_alarms", {"instance": "web-2"}),
    ("list all the alarms", "list_alarms", {}),
]

# Outside what CloudButler does, some of it AWS-ish: an honest "I can't", never a change.
OUT_OF_SCOPE = [
    "create an iam user for carol", "deploy the lambda function billing-sync", "take a snapshot of the rds database",
    "delete the route53 zone for example.org", "what's the weather in madrid", "tell me something funny",
]


@pytest.fixture(scope="module")
def agent() -> Agent:
    return Agent.load(str(newest_model()))


def parse(agent: Agent, text: str) -> tuple[str, dict[str, str]]:
    """The intent and the entities (name -> value) the model finds in ``text``."""
    result: dict[str, Any] = asyncio.run(agent.parse_message(text))
    entities: dict[str, str] = {}
    for entity in result["entities"]:
        assert entity["entity"] not in entities, f"{text!r}: two {entity['entity']} entities: {result['entities']}"
        entities[entity["entity"]] = str(entity["value"])
    return result["intent"]["name"], entities


@pytest.mark.parametrize(("text", "intent", "entities"), MISPARSES + FOLLOW_UPS + NEXT_SKILLS)
def test_intent_and_entities(agent: Agent, text: str, intent: str, entities: dict[str, str]) -> None:
    assert parse(agent, text) == (intent, entities)


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_out_of_scope_is_never_a_change(agent: Agent, text: str) -> None:
    intent, _ = parse(agent, text)
    assert intent not in MUTATING
    assert intent in {"out_of_scope", "nlu_fallback"}
