"""End-to-end statistics through the REST channel on the sandbox: "what are my stats" answers with the account's
figures (every bucket counted, the demo buckets in the table), a chart the web chat serves, the instances
and the dashboard link; "predict my S3 bill for next month" leads with the projection and "how much am I spending on
S3" with the cost. The REST user is no admin: no figures on how the assistant is used."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from actions.core.formatting import plural
from launcher.stack import Stack
from tests.e2e.assistant import Conversation

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n"
DEFAULT_DASHBOARD = "http://127.0.0.1:5057/dashboard"


def s3(stack: Stack) -> Any:
    return boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def served_chart(stack: Stack, replies: list[dict[str, Any]]) -> bytes:
    image = next(r["image"] for r in replies if r.get("image"))
    assert image.startswith("/media/") and image.endswith("-s3-cost.png"), image
    name = image.removeprefix("/media/")
    png = (Path(stack.env["CLOUDBUTLER_MEDIA_DIR"]) / name).read_bytes()
    served = requests.get(f"{stack.rasa_url}/webhooks/webchat/media/{name}", timeout=10)
    assert (served.status_code, served.content) == (200, png)
    assert png[:8] == PNG
    return png


def texts_of(replies: list[dict[str, Any]]) -> list[str]:
    """The replies' texts (the REST channel sends a message's text, its custom part and its image apart)."""
    return [str(r["text"]) for r in replies if r.get("text")]


def custom_of(replies: list[dict[str, Any]], key: str) -> Any:
    return next(r["custom"][key] for r in replies if isinstance(r.get("custom"), dict) and key in r["custom"])


def test_what_are_my_stats(chat: Conversation, stack: Stack) -> None:
    buckets = len(s3(stack).list_buckets()["Buckets"])
    replies = chat.say("what are my stats")
    texts = texts_of(replies)
    summary = texts[0].splitlines()
    # Tracked buckets count by the size tracker's totals, which follow S3 events within seconds: after other tests'
    # uploads the figures may differ from a listing for a moment, the number of buckets never.
    assert re.fullmatch(rf"Your S3 storage: \S+ \S+ in [\d,]+ objects? across {plural(buckets, 'bucket')}, about "
                        r"\$[\d.,]+ a month\.", summary[0]), summary
    assert summary[1].startswith("Costing most: "), summary
    assert any(line.startswith("Next month I expect about ") for line in summary), summary
    served_chart(stack, replies)
    table = custom_of(replies, "table")
    assert table["columns"] == ["Bucket", "Size", "Objects", "Monthly cost", "30-day change"]
    assert "media-library-prod" in {row[0] for row in table["rows"]}
    assert any(t.startswith("Instances: ") for t in texts), texts
    assert not any(t.startswith(("How the assistant was used", "I have no figures on how")) for t in texts), texts
    link = stack.dashboard_url or DEFAULT_DASHBOARD
    assert texts[-1] == f"The whole picture, with charts of every figure: {link}"
    assert custom_of(replies, "links") == [{"url": link, "label": "Open the dashboard"}]


def test_the_bill_and_the_spending_lead_with_what_was_asked(chat: Conversation) -> None:
    first = texts_of(chat.say("predict my S3 bill for next month"))[0].splitlines()
    assert re.fullmatch(r"Next month I expect about \S+ \S+, \$[\d.,]+ a month: .+\.", first[0]), first
    first = texts_of(chat.say("how much am I spending on S3"))[0].splitlines()
    assert first[0].startswith("Your S3 storage: ") and first[1].startswith("Costing most: "), first
