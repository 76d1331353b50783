"""A message typed as an AWS CLI command is read as the CLI reads it; anything else is left to the model."""
from __future__ import annotations

import pytest

from nlu.shell import Command, command_in


@pytest.mark.parametrize(("text", "intent"), [
    ("aws s3 cp s3://ferncastle-exports/weekly.csv .", "download_file"),
    ("aws s3 cp s3://marlow-datalake/raw/2031/events.parquet ~/Downloads/", "download_file"),
    ("s3 cp s3://b-1/k.txt ./", "download_file"),
    ("cp s3://b-1/report.pdf .", "download_file"),
    ("aws s3 cp report.pdf s3://acme-invoices/2026/", "upload_file"),
    ("aws s3 mv ~/Desktop/notes.txt s3://tmp-scratch-777/", "upload_file"),
    ("@CloudButler aws s3 cp ./notes.txt s3://tmp-scratch-777", "upload_file"),
    ("<@U123ABC> aws s3 cp notes.txt s3://tmp-scratch-777", "upload_file"),
    ("$ aws s3 cp notes.txt s3://tmp-scratch-777", "upload_file"),
    ("aws s3 rm --recursive s3://trial-ctx-42/bulk/", "delete_object"),
    ("rm s3://trial-ctx-42/bulk/a.txt", "delete_object"),
    ("aws s3 ls", "list_buckets"),
    ("s3 ls pls", "list_buckets"),
    ("aws s3 ls s3://media-library-prod/videos/", "list_objects"),
    ("ls s3://media-library-prod", "list_objects"),
    ("aws s3 ls s3://media-library-prod --recursive --summarize --human-readable", "bucket_usage"),
    ("aws s3 mb s3://acme-invoices", "create_bucket"),
    ("aws s3 rb s3://old-bucket --force", "delete_bucket"),
    ("aws s3 sync ./outbox s3://tmp-scratch-777/outbox", "sync_folder"),
    ("aws s3api list-buckets", "list_buckets"),
    ("aws s3api get-object --bucket b-1 --key k.txt out.txt", "download_file"),
    ("aws s3api put-bucket-lifecycle-configuration --bucket b-1", "apply_lifecycle"),
    ("AWS EC2 DESCRIBE-INSTANCES", "server_status"),
    ("aws cloudwatch describe-alarms", "list_alarms"),
])
def test_a_command_means_what_the_cli_does(text: str, intent: str) -> None:
    command = command_in(text)
    assert command is not None and command.intent == intent


def test_an_upload_names_the_local_file_it_sends() -> None:
    assert command_in("aws s3 cp ~/Desktop/notes.txt s3://tmp-scratch-777/") == Command(
        "upload_file", file="~/Desktop/notes.txt")
    assert command_in("aws s3 cp s3://b-1/notes.txt .") == Command("download_file")  # the URL names it


def test_starting_stopping_and_rebooting_carry_the_operation() -> None:
    assert command_in("aws ec2 stop-instances --instance-ids i-0abc12345") == Command("instance_control", "stop")
    assert command_in("aws ec2 reboot-instances --instance-ids i-0abc12345") == Command("instance_control", "reboot")


@pytest.mark.parametrize("text", [
    "download weekly.csv from ferncastle-exports",  # a sentence: the model's
    "how do i use aws s3 cp to download a file?",  # mentions a command, is not one
    "gsutil cp file.txt gs://my-bucket", "cp notes.txt /tmp", "rm -rf node_modules", "ls -la ~/Downloads",
    "aws s3 cp s3://a/k s3://b/k",  # bucket to bucket: no skill of ours
    "s3 is expensive, isn't it", "aws lambda invoke --function-name f out.json", "aws s3 cp 'unclosed",
    "", "aws", "s3",
])
def test_anything_else_is_left_to_the_model(text: str) -> None:
    assert command_in(text) is None
