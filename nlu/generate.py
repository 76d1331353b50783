"""Generates nlu/nlu.yml from templates: `.venv/bin/python nlu/generate.py` (then `make train`).

Templates x realistic names (buckets with dots, digits and dashes; files with folders and extensions; instance
names and ids), seeded, so the output is reproducible. Edit the templates here, not nlu.yml.
"""
from __future__ import annotations

import random
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "nlu.yml"
SEED = 7

BUCKETS: list[str] = [
    "my-project-bucket", "acme-invoices", "media-library-prod", "app-logs.eu-west-1", "data-lake-raw-2024",
    "backups-archive", "team.assets.v2", "cb-test-01", "logs-2023-q4", "analytics.prod.us-east-1", "photos-bucket",
    "my.website.com", "user-uploads-dev", "ml-models-7", "archive-2019", "reports.finance", "tmp-bucket-42",
    "customer-data-eu", "static-site-assets", "etl-staging", "invoices2025", "web.backups", "cloudtrail-logs-123456789012",
    "dev-sandbox-3",
]

FILES: list[str] = [
    "report.pdf", "report.xlsx", "reports/2024/q1.pdf", "images/logo.png", "backup.tar.gz", "data/export-2024-01.csv",
    "notes.txt", "invoices/INV-0042.pdf", "logs/app.log", "video/intro.mp4", "config.yaml", "archive.zip", "docs/readme.md",
    "photo_001.jpg", "db-dump-2024-05-01.sql.gz", "slides.pptx", "budget_v2.xls", "2024/taxes/return.pdf", "index.html",
    "model.bin",
]

INSTANCES: list[str] = [
    "web-1", "web-2", "batch-1", "api-server-3", "db-primary", "worker-07", "i-0abc12345def67890", "i-0123456789abcdef0",
    "bastion", "frontend-prod", "cache-2", "i-0fedcba9876543210",
]

# Prefixes without the trailing "/": the tokenizer drops it, which would misalign the entity; actions add it back.
PREFIXES: list[str] = [
    "reports", "logs/2024", "images", "invoices", "data/raw", "backups", "2025/q1", "exports/daily",
]

# Storage skills see many more bucket and file names than the other intents: more variety for the extractor.
STORAGE_INTENTS = frozenset({
    "bucket_usage", "create_bucket", "delete_bucket", "delete_object", "download_file", "list_buckets", "list_objects",
    "sync_folder", "upload_file",
})

STORAGE_BUCKETS: list[str] = BUCKETS + [
    "sales-data-q3", "qa-artifacts-e2e", "marketing-assets-01", "prod-backups-eu", "research.datasets", "ops-runbooks",
    "tmp-uploads-7", "finance-exports-2025", "mobile-app-builds", "legal-docs-archive", "iot-telemetry-raw",
    "video-transcodes", "team-notes-01", "build-cache-ci", "shared.media.eu", "hr-records-2022", "my-test-bucket-9",
]

STORAGE_FILES: list[str] = FILES + [
    "summary.csv", "notes.md", "data.json", "results-q3.xlsx", "backup-2024.zip", "image.jpeg", "readme.txt",
    "sales_2025.csv", "dump.sql", "photo.heic", "invoice-1001.pdf", "metrics.parquet", "notes.txt", "report.docx",
]

INTENTS: dict[str, list[str]] = {
    "greet": [
        "hey, anyone there?", "hello cloud butler", "hi, how are you", "good morning bot", "hey friend", "hi all", "yo bot",
        "hello again", "hey there bot", "hiii", "hello", "hi", "hey there", "hello world", "good morning", "hiya", "howdy",
        "hey cloudbutler", "yo", "greetings", "hi bot", "good evening", "helo", "hey hey", "morning!", "hallo", "hi there",
        "hello assistant", "good afternoon", "hey", "hi cloudbutler", "hello there", "heya", "hey bot", "good day", "hi!",
        "hello?", "sup", "what's up", "hey buddy", "hullo",
    ],
    "goodbye": [
        "ok bye", "that's it, bye", "i'm off", "see you around", "peace out", "have a good one", "until next time",
        "gotta run", "i'm done here", "night night", "i'm signing out now", "bye now", "bye", "goodbye", "see you",
        "see ya later", "cya", "good night", "bye bye", "talk to you later", "that's all for now", "catch you later",
        "farewell", "later!", "i'm done", "gotta go", "have a nice day", "bye for now", "see you tomorrow", "see you soon",
        "ciao", "take care", "bye!", "goodnight", "see you next week", "i'm leaving now", "signing off", "cu",
    ],
    "thank": [
        "thanks mate", "thanks a ton", "thank you very much", "ty!", "thnx", "thanks a bunch", "big thanks", "merci",
        "thank you kindly", "perfect, thanks", "that's great, thank you", "tysm", "thx!", "thanks", "thank you", "thx",
        "cheers", "much appreciated", "thanks a lot", "ty", "great, thanks", "thank you so much", "awesome thanks",
        "thank you!", "thanks buddy", "appreciate it", "thanks for the help", "tnx", "thanks, that helped", "thanks!",
        "many thanks", "thank u", "thx a lot", "great job, thanks", "nice, thank you", "cheers mate", "ta", "thanks so much",
    ],
    "help": [
        "what can this bot do", "help me out", "i need some help", "what commands are there", "list your skills",
        "what are my options", "how do i start", "what should i type", "can you show me the options", "guide me",
        "what can you help me with", "instructions", "getting started", "what can you do for me", "help", "what can you do",
        "what can you do?", "show me your commands", "how do i use this", "what are your skills", "list commands", "help me",
        "what do you support", "how does this work", "what can i ask you", "options", "menu", "i need help", "commands?",
        "what are you able to do", "hlep", "what else can you do", "show help", "help please", "how can you help me",
        "what are the commands", "what do you do", "can you help", "i'm stuck", "show me what you can do", "usage?", "halp",
    ],
    "affirm": [
        "yes, go on", "yes please do", "go for it", "yes i'm sure", "i'm sure", "of course, go ahead", "sure, do it",
        "yes, proceed", "ok, go", "yes, confirm", "yes, that's fine", "absolutely, go ahead", "fine", "ok sure", "yea",
        "yes, empty it", "yes, overwrite it", "do it now", "confirm please", "yes, sync it", "yes", "y", "yeah", "yep",
        "sure", "confirm", "do it", "go ahead", "ok", "okay", "absolutely", "yes please", "of course", "correct",
        "sounds good", "affirmative", "yes, delete it", "proceed", "yup", "confirmed", "yes go ahead", "that's right",
        "yes do it", "sure thing", "ok do it", "please do", "yes, create it", "definitely", "yes, apply it", "right",
        "alright",
    ],
    "deny": [
        "stop the upload", "cancel the download", "stop the sync", "abort the upload", "cancel the analysis",
        "stop that transfer", "stop uploading", "cancel the transfer", "stop emptying the bucket", "no, cancel",
        "no thank you", "don't do that", "cancel it", "leave it alone", "stop, don't", "no, keep it", "abort please",
        "no, don't delete", "no, not now", "nah, leave it", "please cancel", "don't overwrite it", "i changed my mind",
        "hold on, no", "no", "n", "nope", "cancel", "don't", "stop", "never mind", "no thanks", "abort", "do not do that",
        "not now", "no way", "nah", "forget it", "keep it", "don't delete it", "no!", "cancel that", "no, stop",
        "don't do it", "nope, cancel", "not that", "no, leave it", "stop it", "no please don't", "never", "wait, no",
        "cancel please", "nevermind", "no don't",
    ],
    "server_status": [
        "what's the load on {i}", "how much memory is {i} using", "show metrics for {i}", "is my server ok", "server info",
        "ec2 status", "how is {i} performing", "what is my instance doing", "show me my server's cpu and memory",
        "Tell me about my server!", "tell me about my server", "how is my server", "server status", "what's my server doing",
        "show instance status", "cpu usage of this machine", "which region am i in", "how is {i} doing?", "status of {i}",
        "what is the cpu on {i}", "is {i} healthy", "tell me about instance {i}", "how's the server", "server health",
        "check my ec2 instance", "what's the ip of my server", "machine stats", "how busy is {i}",
        "show me the status of {i}", "uptime of my box", "sever status", "how is {i} doing", "give me the status of {i}",
        "cpu of {i}?", "what's up with {i}", "describe instance {i}", "how is the server doing today",
        "Tell me about my server", "memory and disk of my server", "status of server {i}", "how is instance {i}",
    ],
    "list_buckets": [
        "list my S3 buckets", "list buckets", "show me my buckets", "what buckets do i have", "which buckets exist",
        "show all s3 buckets", "my buckets", "list all buckets please", "bucket list", "how many buckets do I have",
        "enumerate buckets", "show buckets", "lsit my buckets", "what s3 buckets are there", "display my storage buckets",
        "get buckets", "list my buckets",
    ],
    "create_bucket": [
        "create S3 bucket {b}", "create bucket {b}", "make a new bucket called {b}", "new bucket {b}",
        "i need a bucket named {b}", "please create a bucket {b}", "create a bucket", "make me a bucket",
        "set up bucket {b}", "add a bucket {b}", "creat bucket {b}", "create an s3 bucket named {b} in my account",
        "create bucket {b} please", "can you create {b} bucket", "make bucket {b}", "I want a new S3 bucket",
        "create s3 bucket {b}", "new s3 bucket called {b}", "create a bucket named {b}", "create a new bucket",
        "i want to create a bucket", "new bucket please", "make a bucket named {b} for me", "create the bucket {b}",
    ],
    "delete_bucket": [
        "delete bucket {b}", "remove the bucket {b}", "drop bucket {b}", "get rid of bucket {b}", "destroy {b} bucket",
        "delete s3 bucket {b}", "please delete the {b} bucket", "remove bucket {b}", "delte bucket {b}",
        "delete the bucket called {b}", "i want to delete bucket {b}", "tear down bucket {b}", "delete a bucket",
        "nuke bucket {b}", "remove s3 bucket {b}", "delete my bucket {b}", "delete the {b} bucket and everything in it",
        "remove bucket {b} please",
    ],
    "list_objects": [
        "list files in {b}", "what's in {b}", "show objects in bucket {b}", "list objects in {b}", "what files are in {b}",
        "show me the contents of {b}", "ls {b}", "list {b} contents", "show files under {p} in {b}",
        "list objects in {b} under {p}", "what is stored in bucket {b}", "list the files of {b}", "whats inside {b}",
        "show me what's in {p} of {b}", "list everything in bucket {b}", "contents of {b}", "list objects",
        "show the objects in {b} with prefix {p}", "list files in bucket {b}", "what objects are in {b}",
        "list the objects under {p} in {b}",
    ],
    "upload_file": [
        "upload {f} to {b}", "put {f} in {b}", "upload {f} into bucket {b}", "copy {f} to s3 bucket {b}", "send {f} to {b}",
        "store {f} in {b}", "upload this file to {b}", "upload {f}", "please upload {f} to bucket {b}",
        "upload the file {f} to {b}", "put {f} into {b}", "can you upload {f} to {b}", "uplaod {f} to {b}",
        "upload {f} to the {b} bucket", "upload a file", "save {f} to bucket {b}", "upload {f} to {b} please",
        "upload {f} to bucket {b}", "upload these files to {b}",
    ],
    "download_file": [
        "retrieve {f} from bucket {b}", "fetch {f}", "copy {f} from {b} to my computer", "i want to download {f} from {b}",
        "save {f} from {b} locally", "download {f} out of {b}", "download {f} from {b}", "get {f} from {b}",
        "fetch {f} from bucket {b}", "grab {f} from {b}", "i need {f} from {b}", "download {f}", "pull {f} out of {b}",
        "give me a link to {f} in {b}", "download the file {f} from {b}", "can i get {f} from bucket {b}",
        "dowload {f} from {b}", "retrieve {f} from {b}", "download {f} from the {b} bucket", "send me {f} from {b}",
        "share a link for {f} in {b}", "download a file", "download {f} from bucket {b}",
    ],
    "delete_object": [
        "remove {f}", "delete {f} please", "get rid of the file {f} in bucket {b}", "delete {f} from {b}",
        "remove {f} from bucket {b}", "delete the file {f} in {b}", "erase {f} from {b}", "get rid of {f} in {b}",
        "rm {f} from {b}", "delete object {f} in bucket {b}", "please delete {f} from {b}", "remove the file {f} from {b}",
        "delete {f} in the {b} bucket", "trash {f} from {b}", "delete file {f}", "remove object {f} from {b}",
        "can you delete {f} from {b}", "delet {f} from {b}", "delete a file",
    ],
    "bucket_usage": [
        "how much data does {b} hold", "how much storage is {b} using", "total size of {b}", "space used in {b}",
        "how full is {b}", "how much is stored in {b}", "how big is {b}", "bucket usage for {b}",
        "how much space does {b} use", "size of {b}", "storage used by {b}", "how many objects are in {b}",
        "show usage of bucket {b}", "what's the size of bucket {b}", "usage of {b}", "how much data is in {b}",
        "disk usage of {b}", "bucket size {b}", "how large is the {b} bucket", "storage usage for {b}",
        "how many bytes in {b}", "bucket usage", "show bucket usage for {b}",
    ],
    "cost_optimization": [
        "suggest cost optimization for {b}", "how can i save money on {b}", "optimize costs of {b}", "is {b} too expensive",
        "reduce storage cost for {b}", "cost savings for bucket {b}", "how much does {b} cost", "cheaper storage for {b}",
        "analyze costs of {b}", "suggest cost optimisation for {b}", "how do i cut costs on {b}", "cost report for {b}",
        "save money on s3", "how can I make {b} cheaper", "optimise {b} storage costs", "what does {b} cost me",
        "cost optimization", "sugest cost optimization for {b}",
    ],
    "apply_lifecycle": [
        "create a lifecycle rule for {b}", "add lifecycle rules to bucket {b}", "make a lifecycle policy for {b}",
        "i want a lifecycle policy on {b}", "create lifecycle policy for {b}", "setup lifecycle policy for {b}",
        "apply lifecycle rules to {b}", "add a lifecycle policy to {b}", "configure lifecycle for {b}",
        "move old files in {b} to glacier", "set up archiving for {b}", "enable lifecycle on {b}",
        "create lifecycle rule for bucket {b}", "set up a lifecycle policy on {b}", "apply the recommended lifecycle to {b}",
        "archive old objects in {b}", "setup lifecycle policy", "put a lifecycle on {b}",
        "transition {b} to cheaper storage automatically", "setup lifecycle polcy for {b}",
        "apply lifecycle policy to bucket {b}",
    ],
    "show_lifecycle": [
        "show me the lifecycle policy for {b}", "show the lifecycle policy of {b}", "display the lifecycle policy for {b}",
        "view lifecycle policy of {b}", "see the lifecycle policy on {b}", "show lifecycle rules for {b}",
        "print the lifecycle policy of {b}", "what is the lifecycle policy of {b}", "show lifecycle policy for {b}",
        "what lifecycle rules does {b} have", "explain the lifecycle of {b}", "current lifecycle config of {b}",
        "show me the lifecycle rules on {b}", "does {b} have a lifecycle policy", "list lifecycle rules for {b}",
        "what happens to old files in {b}", "show lifecycle", "get lifecycle configuration of {b}",
        "explain lifecycle rules on bucket {b}", "which lifecycle rules are on {b}", "lifecycle of {b}?",
        "show the lifecycle for {b}", "describe lifecycle policy of {b}",
    ],
    "usage_stats": [
        "what are my stats", "show usage statistics", "how many requests have i made", "bot usage stats", "show me stats",
        "statistics please", "how much have i used you", "my usage", "what have people asked", "show analytics",
        "usage report", "stats", "what are the bot statistics", "how often do we use cloudbutler", "show me the dashboard",
        "usage stats for this week",
    ],
    "out_of_scope": [
        "what's 2 plus 2", "how are you feeling today", "tell me about the roman empire", "can you dance",
        "buy some bitcoin for me", "how do i cook pasta", "what's the score of the game", "recommend a book",
        "open the front door", "translate this to german", "xyzzy", "zzzz", "what is love", "how far is the moon",
        "play chess with me", "where is my package", "how do i fix my car", "lol", "what is quantum physics",
        "give me a hug", "show me cat pictures", "how many legs does a spider have", "what year is it",
        "who invented the telephone", "i like turtles", "the quick brown fox jumps", "jkjkjk", "find a hotel in rome",
        "what should i eat tonight", "walk the dog", "what's the weather in paris", "tell me a joke",
        "what's the best pizza topping in naples?", "who won the football game last night", "book me a flight to berlin",
        "what is the meaning of life", "order me a coffee", "play some music", "translate hello into french",
        "how old are you", "can you write a poem about cats", "what's the capital of australia", "recommend a good movie",
        "what time is it in tokyo", "how do i bake bread", "set an alarm for 7am", "is it going to rain tomorrow",
        "who is the president of france", "sing me a song", "what's 17 times 23", "do you like dogs",
        "where can i buy cheap shoes", "my printer is broken", "send an email to bob", "call my mom",
        "what's the news today", "write my essay", "book a table for two", "who are you voting for",
        "how tall is mount everest", "find me a recipe", "turn off the lights", "what's your favourite colour",
        "order a pizza", "tell me a story", "remind me to buy milk", "how do i learn guitar", "what movies are playing",
        "qwerty", "hmm", "what's the stock price of apple", "asdfghjkl", "blah blah blah", "lorem ipsum dolor sit amet",
        "banana", "why is the sky blue",
    ],
    "sync_folder": [
        "sync my outbox to bucket {b}", "sync outbox with {b}", "what would sync do for {b}", "dry run sync to {b}",
        "sync local files to {b}", "mirror my outbox into {b}", "synchronise folder to {b}", "push all new files to {b}",
        "sync my files to {b}", "what would sync do if i synced to {b}", "sync to {b}",
        "sync the outbox folder to s3 bucket {b}", "synchronize outbox and {b}", "sync outbox",
        "upload changed files to {b}", "snyc my outbox to {b}", "preview a sync to {b}", "simulate syncing my outbox to {b}",
        "what would be uploaded if i sync to {b}", "sync my outbox to {b} under {p}",
        "what would sync my outbox to bucket {b} do", "sync my outbox to bucket {b} for real",
    ],
}

# Placeholder in a template -> (entity, names for most intents, names for storage intents). Filled in this order,
# which fixes the sequence of random choices and so the generated file.
SLOTS: list[tuple[str, str, list[str], list[str]]] = [
    ("{b}", "bucket", BUCKETS, STORAGE_BUCKETS),
    ("{f}", "file", FILES, STORAGE_FILES),
    ("{i}", "instance", INSTANCES, INSTANCES),
    ("{p}", "prefix", PREFIXES, PREFIXES),
]

REGEXES: list[tuple[str, str]] = [
    ("instance", r"\bi-[0-9a-f]{8,17}\b"),
    ("file", r"\b[\w./-]+\.[A-Za-z0-9]{1,5}\b"),
    ("prefix", r"\b[\w.-]+(/[\w.-]+)*/(?=\s|$)"),
]


def fill(template: str, rng: random.Random, *, storage: bool) -> str:
    """The template with each placeholder replaced by a random name annotated as its entity."""
    out = template
    for placeholder, entity, names, storage_names in SLOTS:
        while placeholder in out:
            name = rng.choice(storage_names if storage else names)
            out = out.replace(placeholder, f"[{name}]({entity})", 1)
    return out


def examples(intent: str, templates: list[str], rng: random.Random) -> list[str]:
    """Distinct examples: fixed texts once, templates filled twice (three times for storage intents)."""
    storage = intent in STORAGE_INTENTS
    has_slots = any("{" in t for t in templates)
    rounds = (3 if storage else 2) if has_slots else 1
    seen: set[str] = set()
    out: list[str] = []
    for round_ in range(rounds):
        for template in templates:
            if round_ and "{" not in template:
                continue
            example = fill(template, rng, storage=storage)
            if example not in seen:
                seen.add(example)
                out.append(example)
    return out


def render(rng: random.Random) -> list[str]:
    """The lines of nlu.yml."""
    lines = ['version: "3.1"', "", "nlu:"]
    for intent, templates in INTENTS.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {example}" for example in examples(intent, templates, rng)]
        lines.append("")
    for entity, pattern in REGEXES:
        lines += [f"- regex: {entity}", "  examples: |", f"    - {pattern}", ""]
    return lines


def main() -> None:
    lines = render(random.Random(SEED))
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(sum(1 for line in lines if line.startswith("    - ")))


if __name__ == "__main__":
    main()
