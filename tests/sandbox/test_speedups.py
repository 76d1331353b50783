"""DynamoDB reads answered as JSON at once give what moto's own serializer gives, to the byte a client parses."""
from __future__ import annotations

import json
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from sandbox import speedups
from sandbox.speedups import install_fast_dynamodb_reads


def reads(dynamodb: Any) -> list[dict[str, Any]]:
    key = {"bucket": {"S": "b-1"}, "ts": {"N": "120"}}
    answers = [
        dynamodb.query(TableName="samples", KeyConditionExpression="#b = :b AND #ts BETWEEN :lo AND :hi",
                       ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
                       ExpressionAttributeValues={":b": {"S": "b-1"}, ":lo": {"N": "60"}, ":hi": {"N": "6000"}},
                       Limit=7, ScanIndexForward=False),
        dynamodb.query(TableName="samples", KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
                       ExpressionAttributeValues={":b": {"S": "b-1"}}, ExclusiveStartKey=key, Select="COUNT"),
        dynamodb.scan(TableName="samples", Limit=5),
        dynamodb.get_item(TableName="samples", Key=key),
        dynamodb.get_item(TableName="samples", Key={"bucket": {"S": "none"}, "ts": {"N": "1"}}),
        dynamodb.batch_get_item(RequestItems={"samples": {"Keys": [key, {"bucket": {"S": "b-2"}, "ts": {"N": "60"}}]}}),
    ]
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


def test_fast_reads_answer_as_moto_does(aws: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName="samples", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"},
                              {"AttributeName": "ts", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}])
    for bucket in ("b-1", "b-2"):
        for minute in range(1, 40):
            dynamodb.put_item(TableName="samples", Item={
                "bucket": {"S": bucket}, "ts": {"N": str(minute * 60)}, "bytes": {"N": str(minute * 1_000_003)},
                "source": {"S": "event"}, "deleted": {"BOOL": minute % 2 == 0}, "tags": {"SS": ["a", "b"]},
                "nothing": {"NULL": True}, "list": {"L": [{"N": "1"}, {"S": "x"}]},
                "map": {"M": {"k": {"S": "v"}}}})
    expected = reads(dynamodb)
    written: list[str] = []
    real_dumps = json.dumps

    def dumps(value: Any, **options: Any) -> str:
        text = real_dumps(value, **options)
        if options.get("separators") == (",", ":"):  # the fast answers (botocore writes requests with dumps too)
            written.append(text)
        return text

    monkeypatch.setattr(speedups.json, "dumps", dumps)
    undo = install_fast_dynamodb_reads()
    try:
        assert install_fast_dynamodb_reads()() is None  # installing twice changes nothing
        assert reads(dynamodb) == expected
        assert len(written) == len(expected)  # every read took the fast way
        assert dynamodb.describe_table(TableName="samples")["Table"]["TableName"] == "samples"  # the rest as before
        # binary values are not plain JSON: moto's serializer writes them (base64), as before
        dynamodb.put_item(TableName="samples", Item={"bucket": {"S": "bin"}, "ts": {"N": "1"}, "b": {"B": b"\x00\xff"}})
        binary = dynamodb.get_item(TableName="samples", Key={"bucket": {"S": "bin"}, "ts": {"N": "1"}})["Item"]
        assert binary["b"] == {"B": b"\x00\xff"} and len(written) == len(expected)
    finally:
        undo()
    assert reads(dynamodb) == expected
