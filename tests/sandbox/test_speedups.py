"""DynamoDB reads answered as JSON at once give what moto's own serializer gives, to the byte a client parses."""
from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.config import Config

from actions.aws.clients import ClientFactory
from sandbox import speedups
from sandbox.speedups import (
    install_dynamodb_expression_cache,
    install_fast_dynamodb_items,
    install_fast_dynamodb_queries,
    install_fast_dynamodb_reads,
    install_fast_dynamodb_transactions,
)


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


def expressions(dynamodb: Any, table: str) -> list[Any]:
    """Conditional puts, updates, deletes, transactions and filters, the same expressions again with other values
    and other names, and malformed ones: what each answered (answer or error code, message and reasons) and what
    the table holds afterwards."""
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])

    def key(sk: int) -> dict[str, Any]:
        return {"pk": {"S": "p"}, "sk": {"N": str(sk)}}

    def rev_put(sk: int, rev: int, expected: int | None) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": table, "Item": {**key(sk), "rev": {"N": str(rev)}, "tag": {"S": f"t{rev}"}}}
        if expected is None:
            put.update(ConditionExpression="attribute_not_exists(#k)", ExpressionAttributeNames={"#k": "sk"})
        else:
            put.update(ConditionExpression="#r = :r", ExpressionAttributeNames={"#r": "rev"},
                       ExpressionAttributeValues={":r": {"N": str(expected)}})
        return put

    def add(sk: int, amount: int, condition: str, values: dict[str, Any]) -> dict[str, Any]:
        return {"TableName": table, "Key": key(sk), "UpdateExpression": "ADD #n :a SET #t = :t",
                "ConditionExpression": condition, "ExpressionAttributeNames": {"#n": "total", "#t": "tag"},
                "ExpressionAttributeValues": {":a": {"N": str(amount)}, ":t": {"S": f"add{amount}"}, **values}}

    calls: list[tuple[str, dict[str, Any]]] = [
        ("put_item", rev_put(1, 1, None)),
        ("put_item", rev_put(1, 1, None)),  # exists now: the same condition fails
        ("put_item", rev_put(1, 2, 1)),
        ("put_item", rev_put(1, 3, 1)),  # the same expression, another value: fails
        ("put_item", {**rev_put(1, 3, 2), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("put_item", {**rev_put(1, 4, 1), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("put_item", rev_put(2, 1, None)),
        ("update_item", {**add(2, 5, "attribute_not_exists(#n)", {}), "ReturnValues": "ALL_NEW"}),
        ("update_item", {**add(2, 7, "#n = :was", {":was": {"N": "5"}}), "ReturnValues": "UPDATED_OLD"}),
        ("update_item", add(2, 9, "#n = :was", {":was": {"N": "5"}})),  # 12 now: fails
        ("update_item", add(2, 9, "#n = :was OR #n > :was", {":was": {"N": "11"}})),
        ("update_item", add(3, 1, "attribute_exists(#n) AND #n BETWEEN :lo AND :hi",
                            {":lo": {"N": "0"}, ":hi": {"N": "9"}})),
        ("update_item", {"TableName": table, "Key": key(2), "UpdateExpression": "REMOVE #t",
                         "ConditionExpression": "begins_with(#t, :p) AND size(#t) < :n",
                         "ExpressionAttributeNames": {"#t": "tag"},
                         "ExpressionAttributeValues": {":p": {"S": "add"}, ":n": {"N": "5"}}, "ReturnValues": "ALL_OLD"}),
        ("update_item", {"TableName": table, "Key": key(2), "UpdateExpression": "SET #t = list_append(:l, :l)",
                         "ExpressionAttributeNames": {"#t": "items"},
                         "ExpressionAttributeValues": {":l": {"L": [{"S": "x"}, {"M": {"k": {"N": "1"}}}]}},
                         "ReturnValues": "UPDATED_NEW"}),
        ("update_item", {"TableName": table, "Key": key(2), "UpdateExpression": "SET #t[0] = :v",
                         "ExpressionAttributeNames": {"#t": "items"}, "ExpressionAttributeValues": {":v": {"S": "y"}},
                         "ReturnValues": "ALL_NEW"}),
        # the same condition text with other names is about another attribute
        ("delete_item", {"TableName": table, "Key": key(1), "ConditionExpression": "#r = :r",
                         "ExpressionAttributeNames": {"#r": "tag"}, "ExpressionAttributeValues": {":r": {"N": "2"}}}),
        ("delete_item", {"TableName": table, "Key": key(1), "ConditionExpression": "#r = :r",
                         "ExpressionAttributeNames": {"#r": "tag"}, "ExpressionAttributeValues": {":r": {"S": "t2"}},
                         "ReturnValues": "ALL_OLD"}),
        ("transact_write_items", {"TransactItems": [{"Put": rev_put(5, 1, None)}, {"Put": rev_put(6, 1, None)},
                                                    {"Update": add(2, 1, "#n = :was", {":was": {"N": "21"}})}]}),
        ("transact_write_items", {"TransactItems": [{"Put": rev_put(7, 1, None)}, {"Put": rev_put(5, 2, 1)},
                                                    {"Put": rev_put(6, 2, 7)},
                                                    {"Update": add(2, 1, "#n = :was", {":was": {"N": "21"}})},
                                                    {"ConditionCheck": {"TableName": table, "Key": key(9),
                                                                        "ConditionExpression": "attribute_exists(#k)",
                                                                        "ExpressionAttributeNames": {"#k": "sk"}}}]}),
        ("transact_write_items", {"TransactItems": [{"Put": rev_put(7, 1, None)}, {"Put": rev_put(5, 2, 1)},
                                                    {"Update": add(2, 1, "#n = :was", {":was": {"N": "22"}})},
                                                    {"Delete": {"TableName": table, "Key": key(6),
                                                                "ConditionExpression": "#r IN (:a, :b)",
                                                                "ExpressionAttributeNames": {"#r": "rev"},
                                                                "ExpressionAttributeValues": {":a": {"N": "1"},
                                                                                              ":b": {"N": "3"}}}}]}),
        ("query", {"TableName": table, "KeyConditionExpression": "pk = :p", "FilterExpression": "#r >= :r",
                   "ExpressionAttributeNames": {"#r": "rev"},
                   "ExpressionAttributeValues": {":p": {"S": "p"}, ":r": {"N": "2"}}}),
        ("query", {"TableName": table, "KeyConditionExpression": "pk = :p", "FilterExpression": "#r >= :r",
                   "ExpressionAttributeNames": {"#r": "rev"},
                   "ExpressionAttributeValues": {":p": {"S": "p"}, ":r": {"N": "1"}}}),
        ("scan", {"TableName": table, "FilterExpression": "attribute_exists(#n) OR NOT contains(#t, :s)",
                  "ExpressionAttributeNames": {"#n": "total", "#t": "tag"},
                  "ExpressionAttributeValues": {":s": {"S": "t1"}}}),
        # malformed: every one refused, as moto refuses it
        ("put_item", {**rev_put(8, 1, None), "ExpressionAttributeNames": {"#x": "sk"}}),
        ("put_item", {**rev_put(8, 1, 1), "ExpressionAttributeValues": {":other": {"N": "1"}}}),
        ("put_item", {**rev_put(8, 1, None), "ConditionExpression": "attribute_not_exists(#k) AND"}),
        ("put_item", {**rev_put(8, 1, None), "ConditionExpression": "attribute_not_exists(size)"}),
        ("put_item", {**rev_put(8, 1, None), "ConditionExpression": "(attribute_not_exists(#k))",
                      "ExpressionAttributeNames": {"#k": "sk", "#unused": "x"}}),
        ("update_item", {**add(8, 1, "attribute_not_exists(#n)", {}), "UpdateExpression": "ADD #n :a SET"}),
        ("update_item", {**add(8, 1, "attribute_not_exists(#n)", {}), "UpdateExpression": "ADD #n :missing"}),
        ("transact_write_items", {"TransactItems": [{"Put": {**rev_put(8, 1, None), "ConditionExpression": "#q = :q"}}]}),
    ]
    outcomes: list[Any] = []
    for operation, params in calls * 2:  # the second time round, every expression has been seen
        try:
            answer = getattr(dynamodb, operation)(**params)
            answer.pop("ResponseMetadata", None)
            outcomes.append(answer)
        except dynamodb.exceptions.ClientError as exc:
            outcomes.append((exc.response["Error"], exc.response.get("CancellationReasons"), exc.response.get("Item")))
        outcomes.append(sorted(json.dumps(item, sort_keys=True) for item in dynamodb.scan(TableName=table)["Items"]))
        dynamodb.delete_item(TableName=table, Key=key(7))  # so the transactions meet the same table each time round
    return json.loads(json.dumps(outcomes, default=str).replace(json.dumps(table)[1:-1], "<table>"))


def test_expression_cache_answers_and_refuses_as_moto_does(aws: ClientFactory, monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.parsing.expressions import ExpressionTokenizer  # type: ignore[attr-defined]

    lexed: list[str] = []
    real_lex, real_tokens = ConditionExpressionParser._lex_condition_expression, ExpressionTokenizer.make_list

    def lex(self: Any) -> Any:
        lexed.append(self.condition_expression)
        return real_lex(self)

    def tokens(expression: str) -> Any:
        lexed.append(expression)
        return real_tokens(expression)

    monkeypatch.setattr(ConditionExpressionParser, "_lex_condition_expression", lex)
    monkeypatch.setattr(ExpressionTokenizer, "make_list", staticmethod(tokens))
    # moto answers some malformed expressions with a server error: no retries, so each call parses as often each run
    dynamodb = aws.session().client("dynamodb", endpoint_url=aws.settings.endpoint_url, config=aws.config().merge(
        Config(retries={"mode": "standard", "max_attempts": 1})))
    expected = expressions(dynamodb, "moto-own")
    moto_parses = len(lexed)
    refused = [o[0]["Code"] for o in expected if isinstance(o, list) and o and isinstance(o[0], dict)]
    assert {"ConditionalCheckFailedException", "TransactionCanceledException", "ValidationException"} <= set(refused)
    undo = install_dynamodb_expression_cache()
    try:
        assert install_dynamodb_expression_cache()() is None
        lexed.clear()
        assert expressions(dynamodb, "cached") == expected
        assert 0 < len(lexed) < moto_parses / 3  # parsed once per expression, not per item and step
        assert expressions(dynamodb, "cached-again") == expected
    finally:
        undo()
    lexed.clear()
    assert expressions(dynamodb, "moto-again") == expected
    assert len(lexed) == moto_parses  # undone: moto parses every time again


def queries(dynamodb: Any) -> list[Any]:
    """Every page of queries over several partitions: both directions, limits, key conditions, filters,
    projections, counts, a partition that does not exist, a table without a sort key and an index."""
    answers: list[Any] = []

    def pages(**params: Any) -> None:
        while True:
            page = dynamodb.query(**params)
            page.pop("ResponseMetadata")
            answers.append(page)
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    between = {"KeyConditionExpression": "#b = :b AND #ts BETWEEN :lo AND :hi",
               "ExpressionAttributeNames": {"#b": "bucket", "#ts": "ts"},
               "ExpressionAttributeValues": {":b": {"S": "b-2"}, ":lo": {"N": "600"}, ":hi": {"N": "1800"}}}
    for forward in (True, False):
        for limit in (1, 7, 100):
            pages(TableName="samples", ScanIndexForward=forward, Limit=limit, **between)
        pages(TableName="samples", ScanIndexForward=forward, KeyConditionExpression="#b = :b",
              ExpressionAttributeNames={"#b": "bucket"}, ExpressionAttributeValues={":b": {"S": "b-3"}}, Limit=11)
    for condition, value in (("<", "300"), ("<=", "300"), (">", "2000"), (">=", "2340"), ("=", "1200")):
        pages(TableName="samples", KeyConditionExpression=f"#b = :b AND #ts {condition} :t", Limit=4,
              ExpressionAttributeNames={"#b": "bucket", "#ts": "ts"},
              ExpressionAttributeValues={":b": {"S": "b-1"}, ":t": {"N": value}})
    pages(TableName="samples", KeyConditionExpression="#b = :b", FilterExpression="deleted = :d", Limit=6,
          ProjectionExpression="ts, #n", ExpressionAttributeNames={"#b": "bucket", "#n": "bytes"},
          ExpressionAttributeValues={":b": {"S": "b-1"}, ":d": {"BOOL": True}})
    pages(TableName="samples", KeyConditionExpression="#b = :b", Select="COUNT", Limit=9,
          ExpressionAttributeNames={"#b": "bucket"}, ExpressionAttributeValues={":b": {"S": "b-2"}})
    pages(TableName="samples", KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
          ExpressionAttributeValues={":b": {"S": "nothing here"}})
    pages(TableName="samples", KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
          ExpressionAttributeValues={":b": {"S": "b-1"}}, ExclusiveStartKey={"bucket": {"S": "b-1"}, "ts": {"N": "1"}})
    pages(TableName="samples", IndexName="by-source", KeyConditionExpression="#s = :s", Limit=10,
          ExpressionAttributeNames={"#s": "source"}, ExpressionAttributeValues={":s": {"S": "event"}})
    pages(TableName="totals", KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
          ExpressionAttributeValues={":b": {"S": "b-2"}})
    pages(TableName="totals", KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
          ExpressionAttributeValues={":b": {"S": "b-9"}})
    try:
        dynamodb.query(TableName="samples", KeyConditionExpression="#b = :b", ExpressionAttributeNames={"#b": "bucket"},
                       ExpressionAttributeValues={":b": {"N": "1"}})
    except dynamodb.exceptions.ClientError as exc:
        answers.append(exc.response["Error"])
    return answers


def test_fast_queries_answer_as_moto_does(aws: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    dynamodb = aws.client("dynamodb")
    dynamodb.create_table(
        TableName="samples", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"},
                              {"AttributeName": "ts", "AttributeType": "N"},
                              {"AttributeName": "source", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-source", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "source", "KeyType": "HASH"},
                                               {"AttributeName": "ts", "KeyType": "RANGE"}]}])
    dynamodb.create_table(
        TableName="totals", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "bucket", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "bucket", "KeyType": "HASH"}])
    for minute in (7, 3, 40, 1, 22, 5, 39, 30, 2, 11, 20, 35, 4, 6, 8, 9, 10, 33, 12, 15, 25, 31):  # not in order
        for bucket in ("b-2", "b-1", "b-3"):
            dynamodb.put_item(TableName="samples", Item={
                "bucket": {"S": bucket}, "ts": {"N": str(minute * 60)}, "bytes": {"N": str(minute * 1_000_003)},
                "source": {"S": "event" if minute % 3 else "snapshot"}, "deleted": {"BOOL": minute % 2 == 0}})
    for bucket in ("b-3", "b-1", "b-2"):
        dynamodb.put_item(TableName="totals", Item={"bucket": {"S": bucket}, "bytes": {"N": "1"}})
    expected = queries(dynamodb)
    assert len(expected) > 40 and any(page.get("Count", 0) > 0 for page in expected)
    whole_tables: list[str] = []
    real_all_items = Table.all_items

    def all_items(self: Table) -> Any:
        whole_tables.append(self.name)
        return real_all_items(self)

    monkeypatch.setattr(Table, "all_items", all_items)
    assert queries(dynamodb) == expected
    sorted_before = len(whole_tables)
    undo = install_fast_dynamodb_queries()
    try:
        assert install_fast_dynamodb_queries()() is None
        whole_tables.clear()
        assert queries(dynamodb) == expected
        assert len(whole_tables) < sorted_before / 5  # only the index's pages still take the whole table
        assert dynamodb.scan(TableName="samples", Limit=5)["Count"] == 5 and whole_tables[-1] == "samples"
    finally:
        undo()
    assert queries(dynamodb) == expected


def items(dynamodb: Any, table: str) -> list[Any]:
    """Items of every type put, batch-written, put in a transaction and updated, some just under DynamoDB's item
    size limit and some just over it (the attribute that crosses it coming last, or first): what each call answered
    and what the table holds."""
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    every_type = {"s": {"S": "välue"}, "n": {"N": "-12.500"}, "b": {"B": b"\x00\x01"}, "t": {"BOOL": False},
                  "z": {"NULL": True}, "ss": {"SS": ["a", "bb"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"\x02"]},
                  "l": {"L": [{"S": "x"}, {"N": "3"}, {"M": {"k": {"S": "v"}}}]}, "m": {"M": {"a": {"L": []}}}}

    def big(name: str, count: int, size: int, first: int = 0) -> dict[str, Any]:
        attributes = {f"a{i:03d}": {"S": "x" * size} for i in range(count)}
        if first:
            attributes = {"first": {"S": "y" * first}, **attributes}
        return {"pk": {"S": name}, **attributes}

    calls: list[tuple[str, dict[str, Any]]] = [
        ("put_item", {"TableName": table, "Item": {"pk": {"S": "types"}, **every_type}}),
        ("put_item", {"TableName": table, "Item": big("under", 49, 8000)}),  # 392,000 bytes and names
        ("put_item", {"TableName": table, "Item": big("over-last", 51, 8000)}),
        ("put_item", {"TableName": table, "Item": big("over-first", 3, 1000, first=404_000)}),
        ("put_item", {"TableName": table, "Item": big("at-limit", 1, 405_000 - len("pk") - len("at-limit") - 4)}),
        ("put_item", {"TableName": table, "Item": big("past-limit", 1, 405_000 - len("pk") - len("past-limit") - 3)}),
        ("batch_write_item", {"RequestItems": {table: [{"PutRequest": {"Item": big("batch", 10, 100)}},
                                                       {"PutRequest": {"Item": big("batch-over", 60, 8000)}}]}}),
        ("transact_write_items", {"TransactItems": [{"Put": {"TableName": table, "Item": big("t-1", 5, 10)}},
                                                    {"Put": {"TableName": table, "Item": big("t-2", 70, 7000)}}]}),
        ("transact_write_items", {"TransactItems": [{"Put": {"TableName": table, "Item": big("t-3", 5, 10)}}]}),
        ("update_item", {"TableName": table, "Key": {"pk": {"S": "under"}}, "UpdateExpression": "SET #g = :g",
                         "ExpressionAttributeNames": {"#g": "grown"},
                         "ExpressionAttributeValues": {":g": {"S": "z" * 20_000}}}),
        ("update_item", {"TableName": table, "Key": {"pk": {"S": "types"}}, "UpdateExpression": "SET #g = :g",
                         "ExpressionAttributeNames": {"#g": "grown"}, "ExpressionAttributeValues": {":g": {"N": "1"}},
                         "ReturnValues": "ALL_NEW"}),
        ("get_item", {"TableName": table, "Key": {"pk": {"S": "types"}}}),
    ]
    outcomes: list[Any] = []
    for operation, params in calls:
        try:
            answer = getattr(dynamodb, operation)(**params)
            answer.pop("ResponseMetadata", None)
            outcomes.append(answer)
        except dynamodb.exceptions.ClientError as exc:
            outcomes.append((exc.response["Error"], exc.response.get("CancellationReasons")))
    held = dynamodb.scan(TableName=table)["Items"]
    outcomes.append(sorted((item["pk"]["S"], len(item), sum(len(str(v)) for v in item.values())) for item in held))
    return json.loads(json.dumps(outcomes, default=repr).replace(json.dumps(table)[1:-1], "<table>"))


def test_fast_items_hold_and_refuse_as_moto_does(aws: ClientFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    dynamodb = aws.client("dynamodb")
    expected = items(dynamodb, "moto-own")
    refused = [o[0]["Message"] for o in expected if isinstance(o, list) and o and isinstance(o[0], dict)]
    assert len(refused) == 6 and any("exceeded the maximum allowed size" in message for message in refused)
    size_checks: list[str] = []
    real_setitem = LimitedSizeDict.__setitem__

    def setitem(self: LimitedSizeDict, key: str, value: Any) -> None:
        size_checks.append(key)
        real_setitem(self, key, value)

    monkeypatch.setattr(LimitedSizeDict, "__setitem__", setitem)
    undo = install_fast_dynamodb_items()
    try:
        assert install_fast_dynamodb_items()() is None
        assert items(dynamodb, "fast") == expected
        assert size_checks == ["grown", "grown"]  # only the updates' new attribute, as moto checks it
    finally:
        undo()
    size_checks.clear()
    assert items(dynamodb, "moto-again") == expected
    assert len(size_checks) > 200  # moto: once for every attribute of every item it builds


def test_update_trees_are_copied_as_deepcopy_copies_them() -> None:
    import copy

    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    from sandbox.speedups import _tree_copier

    copied = _tree_copier(Node)
    for text in ("ADD #a :a, #b :b SET #c = list_append(if_not_exists(#c, :e), :l), #d[2].x = :v - :w REMOVE #r[0]",
                 "SET a = :a DELETE #s :s"):
        tree = UpdateExpressionParser.make(text)
        mine, theirs = copied(tree), copy.deepcopy(tree)

        def shape(node: Any, seen: set[int]) -> Any:
            if not isinstance(node, Node):
                return node
            seen.add(id(node))
            parent = node.parent
            return (type(node).__name__, type(parent).__name__ if parent else None,
                    [shape(child, seen) for child in node.children or []])

        seen_mine: set[int] = set()
        seen_original: set[int] = set()
        assert shape(mine, seen_mine) == shape(theirs, set()) == shape(tree, seen_original)
        assert len(seen_mine) == len(seen_original) > 5 and not seen_mine & seen_original  # a copy, nothing shared
        assert all(child.parent is mine for child in mine.children)


def test_all_speedups_install_together_and_undo() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoResult

    def patched() -> tuple[Any, ...]:
        return (DynamoResult.execute_result, DynamoDBBackend.transact_write_items, ConditionExpressionParser.parse,
                Table.query, Item.__init__)

    before = patched()
    undo = speedups.install_dynamodb_speedups()
    try:
        during = patched()
        assert all(getattr(function, "_sandbox_fast", False) for function in during)
        speedups.install_dynamodb_speedups()()  # installed already: nothing installed, nothing undone
        assert patched() == during
    finally:
        undo()
    assert patched() == before
