"""DynamoDB reads answered as JSON at once give what moto's own serializer gives, to the byte a client parses."""
from __future__ import annotations

import json
from typing import Any

import pytest

from actions.aws.clients import ClientFactory
from sandbox import speedups
from sandbox.speedups import install_fast_dynamodb_reads, install_fast_dynamodb_transactions


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


def transactions(dynamodb: Any, table: str) -> list[Any]:
    """A transaction that goes through, one a condition cancels after two of its writes, one naming an item twice,
    one naming a table that does not exist: what each answered and what the table holds afterwards."""
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"},
                              {"AttributeName": "key", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}, {"AttributeName": "key", "KeyType": "RANGE"}])

    def row(key: str, size: int) -> dict[str, Any]:
        return {"Put": {"TableName": table, "Item": {"bucket": {"S": "b"}, "key": {"S": key}, "size": {"N": str(size)}}}}

    def add(key: str, size: int, condition: str | None = None) -> dict[str, Any]:
        update: dict[str, Any] = {"TableName": table, "Key": {"bucket": {"S": "b"}, "key": {"S": key}},
                                  "UpdateExpression": "ADD #n :s", "ExpressionAttributeNames": {"#n": "size"},
                                  "ExpressionAttributeValues": {":s": {"N": str(size)}}}
        if condition:
            update["ConditionExpression"] = condition
        return {"Update": update}

    outcomes: list[Any] = []
    for items in (
        [row("a", 1), row("b", 2), add("total", 3)],
        [row("c", 4), add("total", 5), {"Delete": {"TableName": table, "Key": {"bucket": {"S": "b"}, "key": {"S": "a"}}}},
         add("b", 1, "attribute_not_exists(#n)")],
        [row("d", 1), add("d", 2)],
        [row("e", 1), {"Put": {"TableName": "no-such-table", "Item": {"bucket": {"S": "b"}, "key": {"S": "x"}}}}],
    ):
        try:
            dynamodb.transact_write_items(TransactItems=items)
            outcomes.append("ok")
        except dynamodb.exceptions.ClientError as exc:
            error = exc.response["Error"]
            outcomes.append((error["Code"], exc.response.get("CancellationReasons")))
        outcomes.append(sorted((i["key"]["S"], i["size"]["N"]) for i in dynamodb.scan(TableName=table)["Items"]))
    return outcomes


def test_fast_transactions_write_and_roll_back_as_moto_does(aws: ClientFactory) -> None:
    dynamodb = aws.client("dynamodb")
    expected = transactions(dynamodb, "moto-own")
    assert expected[:2] == ["ok", [("a", "1"), ("b", "2"), ("total", "3")]]
    assert expected[3] == expected[1]  # cancelled: the two writes before the failed condition are undone
    undo = install_fast_dynamodb_transactions()
    try:
        assert install_fast_dynamodb_transactions()() is None
        assert transactions(dynamodb, "fast") == expected
    finally:
        undo()
