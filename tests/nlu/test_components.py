"""The pipeline steps after DIET (nlu/components.py) on parse results as DIET gives them."""
from __future__ import annotations

from typing import Any

from rasa.shared.nlu.training_data.message import Message

from nlu.components import ChangeGuard, ShellCommand, tidy_entities


def span(text: str, word: str, entity: str, confidence: float = 0.9) -> dict[str, Any]:
    start = text.index(word)
    return {"entity": entity, "start": start, "end": start + len(word), "value": word,
            "confidence_entity": confidence, "extractor": "DIETClassifier"}


def test_a_filler_word_is_never_an_entity_and_the_real_value_stays() -> None:
    text = "show me the cpu of web-1 for the last 3 days"
    entities = [span(text, "cpu", "metric"), span(text, "web-1", "instance"),
                span(text, "the last", "period"), span(text, "last 3 days", "period")]
    entities[2] = {**entities[2], "end": entities[2]["start"] + 3, "value": "the"}
    tidy = tidy_entities(text, entities)
    assert [(e["entity"], e["value"]) for e in tidy] == [("metric", "cpu"), ("instance", "web-1"),
                                                          ("period", "last 3 days")]


def test_for_is_not_a_topic() -> None:
    text = "sign this channel up for stock alerts"
    tidy = tidy_entities(text, [span(text, "for", "topic", 0.71), span(text, "stock", "topic", 0.75)])
    assert [(e["entity"], e["value"]) for e in tidy] == [("topic", "stock")]


def test_a_split_multi_word_item_is_joined_with_the_lower_confidence() -> None:
    text = "how many Kindle Paperwhite do we have in Munich"
    tidy = tidy_entities(text, [span(text, "Paperwhite", "item", 0.6), span(text, "Kindle", "item", 0.8),
                                span(text, "Munich", "store")])
    assert [(e["entity"], e["value"]) for e in tidy] == [("item", "Kindle Paperwhite"), ("store", "Munich")]
    assert tidy[0]["confidence_entity"] == 0.6
    assert text[tidy[0]["start"]:tidy[0]["end"]] == "Kindle Paperwhite"


def test_two_buckets_side_by_side_stay_two() -> None:
    text = "sync alpha-1 beta-2"
    tidy = tidy_entities(text, [span(text, "alpha-1", "bucket"), span(text, "beta-2", "bucket")])
    assert [e["value"] for e in tidy] == ["alpha-1", "beta-2"]


def test_words_between_pieces_keep_them_apart() -> None:
    text = "echo dot in berlin and munich"
    tidy = tidy_entities(text, [span(text, "berlin", "store"), span(text, "munich", "store")])
    assert [e["value"] for e in tidy] == ["berlin", "munich"]


def parsed(intent: str, confidence: float) -> Message:
    message = Message(data={"text": "restart the ecs service"})
    message.data["intent"] = {"name": intent, "confidence": confidence}
    message.data["intent_ranking"] = [{"name": intent, "confidence": confidence}]
    return message


def test_an_unsure_change_becomes_the_fallback() -> None:
    [message] = ChangeGuard(0.8).process([parsed("instance_control", 0.79)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.8}
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "instance_control"]


def test_a_sure_change_and_an_unsure_answer_pass() -> None:
    sure, answer = ChangeGuard(0.8).process([parsed("delete_bucket", 0.93), parsed("list_buckets", 0.6)])
    assert sure.get("intent")["name"] == "delete_bucket"
    assert answer.get("intent")["name"] == "list_buckets"


def test_an_instance_type_metric_and_threshold_the_extractor_missed_are_added_with_their_spans() -> None:
    text = "alert me when batch-1 RAM is above 90 percent or should it be a t3.small"
    tidy = tidy_entities(text, [span(text, "batch-1", "instance")])
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in tidy] == [
        ("instance", "batch-1", "batch-1"), ("metric", "memory", "RAM"), ("threshold", "90 percent", "90 percent"),
        ("instance_type", "t3.small", "t3.small"),
    ]


def test_a_shape_inside_a_name_or_one_already_found_is_left_alone() -> None:
    text = "how big is cpu-logs and the memory of web-1"
    tidy = tidy_entities(text, [span(text, "cpu-logs", "bucket"), span(text, "web-1", "instance")])
    assert [(e["entity"], e["value"]) for e in tidy] == [("bucket", "cpu-logs"), ("metric", "memory"),
                                                         ("instance", "web-1")]
    found = [span(text, "cpu-logs", "bucket"), span(text, "memory", "metric")]
    assert tidy_entities(text, found) == found  # DIET's metric stays the only one
    assert tidy_entities("tell me a joke", []) == []


def test_a_bucket_request_gets_the_bucket_shaped_word_the_extractor_missed() -> None:
    text = "what lifecycle rules does tidepool-logs have?"
    tidy = tidy_entities(text, [], "show_lifecycle")
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in tidy] == [
        ("bucket", "tidepool-logs", "tidepool-logs")]
    text = "keep an eye on how big juniper-ml-models gets over time pls"
    assert [e["value"] for e in tidy_entities(text, [], "track_bucket")] == ["juniper-ml-models"]


def test_the_word_after_in_wins_over_other_bucket_shaped_words() -> None:
    text = "move stuff older than 90 days in fernwood-backups to glacier-2 tier"
    assert [e["value"] for e in tidy_entities(text, [], "apply_lifecycle")] == ["fernwood-backups"]


def test_no_bucket_is_added_when_one_was_found_the_request_is_not_about_a_bucket_or_it_is_ambiguous() -> None:
    text = "are web-2 and api-3 big?"
    assert tidy_entities(text, [], "server_status") == []
    assert tidy_entities(text, [], "bucket_usage") == []  # two candidates, no preposition before either
    text = "upload q3.pdf and t3.small notes to raw/"
    # a file, an instance type and a folder are no buckets (the file is the file, the folder the prefix, and an
    # instance type means nothing to an upload)
    assert [(e["entity"], e["value"]) for e in tidy_entities(text, [], "upload_file")] == [
        ("file", "q3.pdf"), ("prefix", "raw")]
    text = "delete logs-2023 from media-prod"
    found = [span(text, "media-prod", "bucket")]
    assert tidy_entities(text, found, "delete_object") == found


def test_a_threshold_or_period_keeps_its_unit() -> None:
    text = "ping me if edge-2 network out exceeds 500 MB for 10 minutes"
    found = [span(text, "edge-2", "instance"), span(text, "network out", "metric"), span(text, "500", "threshold"),
             span(text, "10", "period")]
    tidy = tidy_entities(text, found, "create_alarm")
    assert [(e["entity"], e["value"]) for e in tidy] == [("instance", "edge-2"), ("metric", "network out"),
                                                          ("threshold", "500 MB"), ("period", "10 minutes")]
    text = "alarm if cpu is above 90 percent"
    assert ("threshold", "90 percent") in [(e["entity"], e["value"]) for e in tidy_entities(
        text, [span(text, "90", "threshold")], "create_alarm")]
    text = "cpu of web-2 over the last 3 days"
    assert ("period", "last 3 days") in [(e["entity"], e["value"]) for e in tidy_entities(
        text, [span(text, "last 3 days", "period")], None)]


def test_an_instance_request_gets_a_possessive_name_or_an_instance_id_the_extractor_missed() -> None:
    text = "what will etl-worker-3's cpu look like tomorrow?"
    assert [(e["entity"], e["value"]) for e in tidy_entities(text, [span(text, "tomorrow", "period")],
                                                               "forecast_load")][:1] == [("instance", "etl-worker-3")]
    text = "is i-07f3e9a1b2c4d5e6f running"
    assert [e["value"] for e in tidy_entities(text, [], "server_status")] == ["i-07f3e9a1b2c4d5e6f"]
    assert tidy_entities(text, [], "list_buckets") == []


def parse_result(text: str, intent: str, confidence: float, entities: list[dict[str, Any]]) -> Message:
    return Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                         "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": entities})


def test_stopping_something_that_is_no_named_instance_is_no_proposal() -> None:
    guard = ChangeGuard(0.8)
    mac, music, it = (parse_result("shut down my mac at 6pm", "instance_control", 0.99, []),
                      parse_result("stop the minecraft server on my raspberry pi", "instance_control", 0.95, []),
                      parse_result("ok reboot it", "instance_control", 0.95, []))
    text = "restart web-2 please"
    named = parse_result(text, "instance_control", 0.95, [span(text, "web-2", "instance")])
    guard.process([mac, music, it, named])
    assert [m.get("intent")["name"] for m in (mac, music, it, named)] == [
        "nlu_fallback", "nlu_fallback", "instance_control", "instance_control"]


def test_a_picture_size_or_a_file_name_is_no_instance_to_resize_so_no_proposal() -> None:
    picture, logo, server = ("resize this PNG to 800x600", "resize logo.png for the slides",
                             "resize web-1.prod to a t3.large")
    parsed = [parse_result(picture, "instance_control", 0.95, [span(picture, "800x600", "instance")]),
              parse_result(logo, "instance_control", 0.95, [span(logo, "logo.png", "instance")]),
              parse_result(server, "instance_control", 0.95, [span(server, "web-1.prod", "instance")])]
    for message in parsed:
        message.set("entities", tidy_entities(message.get("text"), message.get("entities"), "instance_control"))
    ChangeGuard(0.8).process(parsed)
    assert [m.get("intent")["name"] for m in parsed] == ["nlu_fallback", "nlu_fallback", "instance_control"]
    assert [e["value"] for e in parsed[2].get("entities") if e["entity"] == "instance"] == ["web-1.prod"]


def test_a_cli_command_gets_its_intent_first_in_the_ranking_and_passes_the_guard() -> None:
    download = parse_result("aws s3 cp s3://ferncastle-exports/weekly.csv .", "upload_file", 0.98, [])
    stop = parse_result("aws ec2 stop-instances --instance-ids i-0abc12345", "server_status", 0.6, [])
    sentence = parse_result("copy weekly.csv from ferncastle-exports", "upload_file", 0.98, [])
    ShellCommand().process([download, stop, sentence])
    assert download.get("intent") == {"name": "download_file", "confidence": 1.0}
    assert [(r["name"], r["confidence"]) for r in download.get("intent_ranking")] == [
        ("download_file", 1.0), ("upload_file", 0.0)]  # no ambiguity for the fallback to see
    assert sentence.get("intent")["name"] == "upload_file"  # not a command: the model's answer stands
    stop.set("entities", tidy_entities(stop.get("text"), stop.get("entities"), "instance_control"))  # next step
    [stopped] = ChangeGuard(0.8).process([stop])
    assert stopped.get("intent")["name"] == "instance_control"
    assert sorted((e["entity"], e["value"]) for e in stopped.get("entities")) == [
        ("instance", "i-0abc12345"), ("operation", "stop")]


def test_an_item_cut_after_its_first_word_gets_the_rest_of_the_product_name() -> None:
    def items(text: str, found: str, store: str | None = None) -> list[str]:
        entities = [span(text, found, "item")] + ([span(text, store, "store")] if store else [])
        return [e["value"] for e in tidy_entities(text, entities, "inventory_query") if e["entity"] == "item"]

    assert items("is there any echo dot in stock at store 12", "echo", "store 12") == ["echo dot"]
    assert items("a customer is asking, how many Sonos One are left in store 7?", "Sonos") == ["Sonos One"]
    assert items("stock echo dot Berlin", "echo", "Berlin") == ["echo dot"]  # not into the store
    assert items("how many echo dots does Cologne have left", "echo") == ["echo dots"]
    assert items("do we have kindles, in munich", "kindles") == ["kindles"]  # punctuation ends it
    assert items("is the Kindle Paperwhite available in Berlin", "Kindle Paperwhite") == ["Kindle Paperwhite"]


def test_a_possessive_is_not_part_of_the_name_and_a_number_of_minutes_is_a_period() -> None:
    text = "alert me when quarry-api-1's cpu goes over 80% for 10 minutes"
    found = tidy_entities(text, [span(text, "quarry-api-1's", "instance"), span(text, "80%", "threshold"),
                                 span(text, "10", "threshold")], "create_alarm")
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in found] == [
        ("instance", "quarry-api-1", "quarry-api-1"), ("metric", "cpu", "cpu"), ("threshold", "80%", "80%"),
        ("period", "10 minutes", "10 minutes")]
    text = "page me if web-2 cpu stays over 90 percent for 10 minutes"  # the unit after a threshold stays its unit
    kept = tidy_entities(text, [span(text, "90", "threshold")], "create_alarm")
    assert [(e["entity"], e["value"]) for e in kept if e["entity"] == "threshold"] == [("threshold", "90 percent")]


def test_a_bucket_request_gets_the_one_folder_the_extractor_missed_without_its_slash() -> None:
    text = "delete everything under bulk/ in trial-ctx-42"
    tidied = tidy_entities(text, [span(text, "trial-ctx-42", "bucket")], "delete_object")
    assert [(e["entity"], e["value"], text[e["start"]:e["end"]]) for e in tidied] == [
        ("prefix", "bulk", "bulk"), ("bucket", "trial-ctx-42", "trial-ctx-42")]
    two = "move logs/2023/ and logs/2024/ out of trial-ctx-42"
    url = "aws s3 rm s3://trial-ctx-42/bulk/ --recursive"
    assert [e["entity"] for e in tidy_entities(two, [span(two, "trial-ctx-42", "bucket")], "delete_object")] == [
        "bucket"]  # which of two folders is not for this step to say
    assert tidy_entities(url, [], "delete_object") == []  # the actions read an s3:// URL themselves
    path = "list what's in reports/2024/q1/ of trial-ctx-42"
    assert [e["value"] for e in tidy_entities(path, [span(path, "trial-ctx-42", "bucket")], "list_objects")
            if e["entity"] == "prefix"] == ["reports/2024/q1"]
    chat = "hey/ what's up"
    assert tidy_entities(chat, [], "greet") == []


def _found(text: str, *pairs: tuple[str, str]) -> list[dict[str, object]]:
    return [span(text, words, entity) for words, entity in pairs]


def _shown(text: str, intent: str, *pairs: tuple[str, str]) -> list[tuple[object, object]]:
    return [(e["entity"], e["value"]) for e in tidy_entities(text, _found(text, *pairs), intent)]


def test_a_name_tagged_as_the_wrong_kind_is_the_kind_the_request_is_about() -> None:
    # an instance request's "bucket" is its instance; a bucket request's "instance" its bucket, or its folder when
    # the bucket is there already
    assert _shown("can you reboot harbor-cache-1? it's hung again", "instance_control",
                  ("harbor-cache-1", "bucket")) == [("instance", "harbor-cache-1")]
    assert _shown("does kiosk-gw-3 need a bigger instance type", "rightsize",
                  ("kiosk-gw-3", "bucket")) == [("instance", "kiosk-gw-3")]
    assert _shown("purge all objects under staging from survey-dump-2027", "delete_object", ("staging", "instance"),
                  ("survey-dump-2027", "bucket")) == [("prefix", "staging"), ("bucket", "survey-dump-2027")]
    assert _shown("how big is media-prod-2", "bucket_usage", ("media-prod-2", "instance")) == [
        ("bucket", "media-prod-2")]
    # a bucket named like a file is the file; a real bucket beside it stays
    assert _shown("pull down access-2026-11-30.log from brightwater-logs", "download_file",
                  ("access-2026-11-30.log", "bucket"), ("brightwater-logs", "bucket")) == [
        ("file", "access-2026-11-30.log"), ("bucket", "brightwater-logs")]
    assert _shown("how big is logs.acme.io", "bucket_usage", ("logs.acme.io", "bucket")) == [
        ("bucket", "logs.acme.io")]
    # a folder named like a file is that one object when the request is about one; never a folder with a slash
    # after it, and a listing may look under any folder
    assert _shown("rm archive/app.conf.bak from quill-dev-7", "delete_object", ("archive/app.conf.bak", "prefix"),
                  ("quill-dev-7", "bucket")) == [("file", "archive/app.conf.bak"), ("bucket", "quill-dev-7")]
    assert _shown("delete everything under bulk/ in trial-ctx-42", "delete_object", ("bulk/", "prefix"),
                  ("trial-ctx-42", "bucket")) == [("prefix", "bulk/"), ("bucket", "trial-ctx-42")]
    assert _shown("ls quill-dev-7 archive/app.conf", "list_objects", ("quill-dev-7", "bucket"),
                  ("archive/app.conf", "prefix")) == [("bucket", "quill-dev-7"), ("prefix", "archive/app.conf")]
    # a sync always goes to a bucket: its only name is the bucket
    assert _shown("mirror my outbox up to fernhill-drops", "sync_folder", ("fernhill-drops", "prefix")) == [
        ("bucket", "fernhill-drops")]
    assert _shown("sync the outbox to fernhill-drops under inbox", "sync_folder", ("fernhill-drops", "bucket"),
                  ("inbox", "prefix")) == [("bucket", "fernhill-drops"), ("prefix", "inbox")]
    # a kind the same request takes stays what it is: two instances of an instance request are not relabelled
    assert _shown("status of web-2 and web-3", "server_status", ("web-2", "instance"), ("web-3", "bucket")) == [
        ("instance", "web-2")]


def test_an_entity_the_intent_never_reads_is_dropped_and_an_unknown_intent_keeps_all() -> None:
    assert _shown("cya tomorrow", "goodbye", ("tomorrow", "period")) == []
    assert _shown("what's the public ip of edge-proxy-9", "server_status", ("public", "prefix"),
                  ("edge-proxy-9", "instance")) == [("instance", "edge-proxy-9")]
    assert _shown("same for tess-worker-5", "same_for", ("tess-worker-5", "bucket")) == [("bucket", "tess-worker-5")]
    assert _shown("what's up tomorrow", None, ("tomorrow", "period")) == [("period", "tomorrow")]


def test_a_unit_is_no_metric_and_an_amount_no_bucket() -> None:
    text = "set an alarm for network out on edge-9 over 500 MB"
    shown = _shown(text, "create_alarm", ("network out", "metric"), ("MB", "metric"), ("edge-9", "instance"),
                   ("500", "threshold"))
    assert shown == [("metric", "network out"), ("instance", "edge-9"), ("threshold", "500 MB")]
    assert _shown("lifecycle mosaic-thumbs to standard-IA after 45d", "apply_lifecycle", ("45d", "bucket")) == [
        ("bucket", "mosaic-thumbs")]


def test_a_file_folder_or_past_period_the_extractor_missed_is_added_as_the_skill_would_read_it() -> None:
    assert _shown("pls upload model-v7.onnx into juniper-ml-models", "upload_file",
                  ("juniper-ml-models", "bucket")) == [("file", "model-v7.onnx"), ("bucket", "juniper-ml-models")]
    assert _shown("upload a.csv and b.csv to media-2", "upload_file", ("media-2", "bucket")) == [
        ("bucket", "media-2")]  # two files: neither is guessed
    assert _shown("can you push results.csv to survey-dump-2027 under responses", "upload_file",
                  ("results.csv", "file"), ("survey-dump-2027", "bucket"))[-1] == ("prefix", "responses")
    assert _shown("send model.pkl to orchid-ml-data in the checkpoints folder", "upload_file", ("model.pkl", "file"),
                  ("orchid-ml-data", "bucket"))[-1] == ("prefix", "checkpoints")
    assert _shown("wipe the logs/2024 folder in brightwater-logs", "delete_object",
                  ("brightwater-logs", "bucket"))[0] == ("prefix", "logs/2024")
    # a folder on this computer is no prefix
    assert _shown("mirror the local exports folder into fern-exports", "sync_folder", ("fern-exports", "bucket")) == [
        ("bucket", "fern-exports")]
    assert _shown("sync the outbox folder up to fern-exports", "sync_folder", ("fern-exports", "bucket")) == [
        ("bucket", "fern-exports")]
    assert _shown("ping me if disk on etl-3 gets above 85 percent", "create_alarm", ("etl-3", "instance"))[:2] == [
        ("metric", "disk"), ("instance", "etl-3")]
    assert _shown("how has orchid-ml-data grown this month?", "storage_trend", ("orchid-ml-data", "bucket")) == [
        ("bucket", "orchid-ml-data"), ("period", "this month")]
    assert _shown("how has orchid-ml-data grown lately?", "storage_trend", ("orchid-ml-data", "bucket")) == [
        ("bucket", "orchid-ml-data")]  # no period the skill reads: its default applies
    assert _shown("was halo-web-3 slammed this morning?", "instance_metrics", ("halo-web-3", "instance")) == [
        ("instance", "halo-web-3"), ("period", "this morning")]
    # a forecast reads a window ahead: a weekday is the next one, "next week" seven days
    assert _shown("expected load on billing-db-2 Friday?", "forecast_load", ("billing-db-2", "instance")) == [
        ("instance", "billing-db-2"), ("period", "Friday")]
    assert _shown("is halo-web-3 too big for next week", "rightsize", ("halo-web-3", "instance")) == [
        ("instance", "halo-web-3"), ("period", "next week")]
    assert _shown("forecast halo-web-3 for the next 3 years", "forecast_load", ("halo-web-3", "instance")) == [
        ("instance", "halo-web-3")]  # too far ahead: the skill says how far it looks
    assert _shown("what did halo-web-3 do last friday", "forecast_load", ("halo-web-3", "instance")) == [
        ("instance", "halo-web-3")]  # behind, not ahead
    # a window cut short is the whole of it; one the extractor found whole stays
    assert _shown("busy on halo-web-3 tomorrow morning?", "forecast_load", ("halo-web-3", "instance"),
                  ("tomorrow", "period")) == [("instance", "halo-web-3"), ("period", "tomorrow morning")]
    assert _shown("any cpu spikes on halo-web-3 later today", "forecast_load", ("halo-web-3", "instance"),
                  ("today", "period"))[-2:] == [("instance", "halo-web-3"), ("period", "later today")]
    assert _shown("halo-web-3 next week please", "forecast_load", ("halo-web-3", "instance"),
                  ("next week", "period")) == [("instance", "halo-web-3"), ("period", "next week")]


def test_a_subscription_gets_its_topic_and_a_store_loses_the_word_store() -> None:
    assert _shown("send alarms here", "subscribe_alerts") == [("topic", "alarms")]
    assert _shown("turn on stock alerts for this chat", "subscribe_alerts", ("chat", "topic")) == [("topic", "stock")]
    assert _shown("no more alerts please", "unsubscribe_alerts") == []  # "alerts" alone: all of them
    assert _shown("stop the stock pings", "unsubscribe_alerts", ("stock", "topic")) == [("topic", "stock")]
    assert _shown("send alarms here", "list_alarms") == []
    assert _shown("is the Kindle Paperwhite available in the Munich store", "inventory_query",
                  ("Kindle Paperwhite", "item"), ("Munich store", "store")) == [
        ("item", "Kindle Paperwhite"), ("store", "Munich")]


def test_a_stock_question_gets_the_store_that_has_the_item() -> None:
    assert _shown("my manager wants to know if Lisbon still has the Pixel 9", "inventory_query",
                  ("Pixel 9", "item")) == [("store", "Lisbon"), ("item", "Pixel 9")]
    assert _shown("does munich have any kindles left", "inventory_query", ("kindles", "item")) == [
        ("store", "munich"), ("item", "kindles")]
    assert _shown("does Den Haag have AirPods?", "inventory_query", ("AirPods", "item")) == [
        ("store", "Den Haag"), ("item", "AirPods")]
    assert _shown("does anyone have the AirPods count", "inventory_query", ("AirPods", "item")) == [
        ("item", "AirPods")]  # a person, not a place
    assert _shown("is the Pixel 9 in Lisbon", "inventory_query", ("Pixel 9", "item"), ("Lisbon", "store")) == [
        ("item", "Pixel 9"), ("store", "Lisbon")]  # found already: nothing added
    assert _shown("check if Lisbon still has the Pixel 9", "list_buckets") == []


def test_an_operation_keeps_its_particle_and_an_instance_loses_the_day_after_its_name() -> None:
    assert _shown("@CloudButler power on ledger-db-replica 🚀", "instance_control", ("power", "operation"),
                  ("ledger-db-replica", "instance")) == [("operation", "power on"), ("instance", "ledger-db-replica")]
    assert _shown("spin up batch-7 now", "instance_control", ("spin", "operation"), ("batch-7", "instance")) == [
        ("operation", "spin up"), ("instance", "batch-7")]
    assert _shown("stop batch-7 on friday", "instance_control", ("stop", "operation"), ("batch-7", "instance")) == [
        ("operation", "stop"), ("instance", "batch-7")]  # "on" after a name, not after the verb
    assert _shown("what load should we expect on ledger-db-primary friday", "forecast_load",
                  ("ledger-db-primary friday", "instance")) == [("instance", "ledger-db-primary"), ("period", "friday")]
    assert _shown("is web friday-2 up", "server_status", ("web friday-2", "instance")) == [
        ("instance", "web friday-2")]  # a day inside the name stays


def test_a_numbered_store_is_the_store_and_the_place_after_in_is_the_store() -> None:
    assert _shown("check inventory for AirPods Pro in Marseille", "inventory_query", ("AirPods Pro", "item"),
                  ("Marseille", "item")) == [("item", "AirPods Pro"), ("store", "Marseille")]
    assert _shown("how many Sonos One are left in store 7?", "inventory_query", ("Sonos One", "store")) == [
        ("item", "Sonos One"), ("store", "store 7")]
    assert _shown("same thing for store #12 please", "same_for") == [("store", "store #12")]
    assert _shown("stock of kindles in Berlin and Munich", "inventory_query", ("kindles", "item"),
                  ("Berlin", "store"), ("Munich", "store")) == [
        ("item", "kindles"), ("store", "Berlin"), ("store", "Munich")]
    assert _shown("what's out in Berlin and Munich", "out_of_stock", ("Berlin", "store"), ("Munich", "store")) == [
        ("store", "Berlin"), ("store", "Munich")]
    assert _shown("restart store 7 server", "out_of_scope") == []  # only stock requests read a store


def pairs(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["entity"], e["value"]) for e in found]


def test_a_server_request_gets_the_one_server_named_word_but_no_everyday_hyphenated_word() -> None:
    text = "how busy will till-gateway be tomorrow"
    assert pairs(tidy_entities(text, [span(text, "tomorrow", "period")], "forecast_load")) == [
        ("instance", "till-gateway"), ("period", "tomorrow")]
    text = "start the computer called bi-dashboard-01"
    assert pairs(tidy_entities(text, [], "instance_control")) == [("instance", "bi-dashboard-01")]
    text = "@CloudButler predict promo-engine's load for the weekend"
    assert ("instance", "promo-engine") in pairs(tidy_entities(text, [], "forecast_load"))
    text = "is the box called db-main or report-runner the busy one?"  # two names and neither after "called"
    assert pairs(tidy_entities(text, [], "server_status")) == [("instance", "db-main")]
    text = "right-sizing recommendations for my instances"
    assert pairs(tidy_entities(text, [], "rightsize")) == []
    text = "set a real-time cpu alarm on web-2 over 80%"  # the name the extractor found stays the only one
    assert [v for k, v in pairs(tidy_entities(text, [span(text, "web-2", "instance")], "create_alarm"))
            if k == "instance"] == ["web-2"]
    text = "how big is tidepool-logs"  # a bucket request gets no instance
    assert pairs(tidy_entities(text, [span(text, "tidepool-logs", "bucket")], "bucket_usage")) == [
        ("bucket", "tidepool-logs")]


def test_a_size_is_a_threshold_and_a_period_names_a_time() -> None:
    text = "ping this channel when network in on web-shop-2 exceeds 1 GB"
    found = tidy_entities(text, [span(text, "network in", "metric"), span(text, "web-shop-2", "instance"),
                                 span(text, "1", "period")], "create_alarm")
    assert pairs(found) == [("metric", "network in"), ("instance", "web-shop-2"), ("threshold", "1 GB")]
    text = "warn us when web-3 network out goes past 500MB"
    assert ("threshold", "500MB") in pairs(tidy_entities(text, [span(text, "web-3", "instance")], "create_alarm"))
    text = "show me everything the Bordeaux store has run out of"
    assert pairs(tidy_entities(text, [span(text, "Bordeaux", "period")], "out_of_stock")) == [("store", "Bordeaux")]
    for words in ("last night", "in November", "the weekend", "lately", "Q3", "since monday", "last 6h"):
        text = f"show cpu of web-2 {words}"
        assert ("period", words) in pairs(tidy_entities(text, [span(text, words, "period")], "instance_metrics"))


def test_a_store_is_named_by_the_word_store_or_by_where_alerts_come_from() -> None:
    text = "how many units of Barbie Dreamhouse does the Glasgow shop have"
    assert pairs(tidy_entities(text, [span(text, "Barbie Dreamhouse", "item")], "inventory_query")) == [
        ("item", "Barbie Dreamhouse"), ("store", "Glasgow")]
    text = "anything missing at the online store?"
    assert pairs(tidy_entities(text, [], "out_of_stock")) == []
    text = "can this channel get inventory alerts for Rotterdam?"
    assert pairs(tidy_entities(text, [span(text, "inventory", "topic")], "subscribe_alerts")) == [
        ("topic", "inventory"), ("store", "Rotterdam")]
    text = "send stock alerts for Slack here"
    assert ("store", "Slack") not in pairs(tidy_entities(text, [], "subscribe_alerts"))


def test_a_product_name_is_whole_and_the_phone_a_customer_is_on_is_no_product() -> None:
    text = "a customer is on the phone asking if Munich has the PS5 DualSense controller in stock"
    found = tidy_entities(text, [span(text, "phone", "item"), span(text, "Munich", "store"), span(text, "PS5", "item"),
                                 span(text, "controller", "item")], "inventory_query")
    assert pairs(found) == [("store", "Munich"), ("item", "PS5 DualSense controller")]
    text = "how about Nike Air Force 1?"
    found = tidy_entities(text, [span(text, "Nike Air Force", "item"), span(text, "1", "store")], "same_for")
    assert pairs(found) == [("item", "Nike Air Force 1")]
    text = "what about store 12?"  # a numbered store stays a store
    assert pairs(tidy_entities(text, [span(text, "12", "store")], "same_for")) == [("store", "store 12")]


def test_a_folder_named_as_one_is_the_folder_and_a_lone_bucket_shaped_folder_is_the_bucket() -> None:
    text = "please wipe all the files in gannet-static-site's old-css folder"
    found = tidy_entities(text, [span(text, "gannet-static-site", "bucket"), span(text, "old-css", "bucket")],
                          "delete_object")
    assert pairs(found) == [("bucket", "gannet-static-site"), ("prefix", "old-css")]
    text = "delete old-report.pdf from accounting-drafts"
    found = tidy_entities(text, [span(text, "old-report.pdf", "file"), span(text, "accounting-drafts", "prefix")],
                          "delete_object")
    assert pairs(found) == [("file", "old-report.pdf"), ("bucket", "accounting-drafts")]
    text = "delete everything under old-css/ please"  # a folder written as one stays the folder
    assert pairs(tidy_entities(text, [span(text, "old-css", "prefix")], "delete_object")) == [("prefix", "old-css")]
    text = "which files are in the 2025/november folder of finance-monthly-exports"
    assert pairs(tidy_entities(text, [span(text, "finance-monthly-exports", "bucket")], "list_objects")) == [
        ("prefix", "2025/november"), ("bucket", "finance-monthly-exports")]
    text = "can you show what's inside the storage box called vendor-contracts"
    assert pairs(tidy_entities(text, [span(text, "vendor-contracts", "bucket")], "list_objects")) == [
        ("bucket", "vendor-contracts")]
    text = "can you delete the file draft_banner.psd, it was uploaded by mistake"
    assert pairs(tidy_entities(text, [span(text, "draft_banner.psd", "prefix")], "delete_object")) == [
        ("file", "draft_banner.psd")]


def test_every_metric_named_is_found() -> None:
    text = "current cpu and memory of this host"
    assert pairs(tidy_entities(text, [span(text, "cpu", "metric")], "server_status")) == [
        ("metric", "cpu"), ("metric", "memory")]


def test_a_server_guessed_from_a_word_s_shape_is_no_instance_to_start_or_stop() -> None:
    texts = ("start the Step Functions state machine nightly-etl", "change my default region to eu-central-1",
             "reboot till-gateway pls")
    messages = [parse_result(text, "instance_control", 0.95, []) for text in texts]
    for message in messages:
        message.set("entities", tidy_entities(message.get("text"), message.get("entities"), "instance_control"))
    ChangeGuard(0.8).process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["nlu_fallback"] * 3
    assert [e["value"] for e in messages[2].get("entities")] == ["till-gateway"]  # still shown, never proposed
    assert pairs(tidy_entities(texts[1], [], "server_status")) == []  # a region is no server
    text = "reboot i-0abc123def4567890 now"  # an EC2 id is one, whoever found it
    [message] = [parse_result(text, "instance_control", 0.95, [])]
    message.set("entities", tidy_entities(text, [], "instance_control"))
    ChangeGuard(0.8).process([message])
    assert message.get("intent")["name"] == "instance_control"


def test_numbers_taken_for_thresholds_are_no_alarm_and_a_region_is_no_server() -> None:
    text = "sort this list for me: 5 3 9 1"
    message = parse_result(text, "create_alarm", 0.89, [span(text, n, "threshold") for n in "5391"])
    message.set("entities", tidy_entities(text, message.get("entities"), "create_alarm"))
    assert len([e for e in message.get("entities") if e["entity"] == "threshold"]) == 4  # never one "5 3 9 1"
    asked = [parse_result(t, "create_alarm", 0.9, []) for t in ("create an alarm", "ping me when it goes over 80%")]
    ChangeGuard(0.8).process([message, *asked])
    assert [m.get("intent")["name"] for m in (message, *asked)] == ["nlu_fallback", "create_alarm", "create_alarm"]
    text = "change my default region to eu-central-1"
    message = parse_result(text, "instance_control", 0.85, [span(text, "eu-central-1", "instance")])
    message.set("entities", tidy_entities(text, message.get("entities"), "instance_control"))
    ChangeGuard(0.8).process([message])
    assert (message.get("entities"), message.get("intent")["name"]) == ([], "nlu_fallback")


def test_starting_or_stopping_another_aws_service_is_no_proposal() -> None:
    texts = ("start the Step Functions state machine nightly-etl", "reboot the RDS instance orders-db-1",
             "stop the ECS service checkout-api", "restart web-2")
    messages = [parse_result(t, "instance_control", 0.95, [span(t, t.split()[-1], "instance")]) for t in texts]
    ChangeGuard(0.8).process(messages)
    assert [m.get("intent")["name"] for m in messages] == ["nlu_fallback"] * 3 + ["instance_control"]
