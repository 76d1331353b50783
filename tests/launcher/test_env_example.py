"""Every setting the code reads is in .env.example, where people look for what they can set."""
from __future__ import annotations

import re

from launcher.config import ROOT, read_dotenv

PACKAGES = ("actions", "connectors", "launcher", "sandbox", "common")
# Our own settings and the chat platforms' are named in string literals where they are read.
SETTING = re.compile(r"""["']((?:CLOUDBUTLER|DISCORD|SLACK|RASA)_[A-Z0-9_]+)["']""")


def settings_in_code() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found |= set(SETTING.findall(path.read_text(encoding="utf-8")))
    credentials = ROOT / "credentials.yml"
    if credentials.is_file():
        found |= set(re.findall(r"\$\{(\w+)\}", credentials.read_text(encoding="utf-8")))
    return found


def test_every_setting_the_code_reads_is_listed_in_env_example() -> None:
    listed = set(read_dotenv(ROOT / ".env.example"))
    found = settings_in_code()
    assert {"CLOUDBUTLER_TABLE_PREFIX", "CLOUDBUTLER_SNAPSHOT_SECONDS", "CLOUDBUTLER_MODE"} <= found
    assert sorted(found - listed) == []


def test_every_listed_setting_has_an_explanation_above_it_or_a_section() -> None:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.startswith(("CLOUDBUTLER_TABLE_PREFIX=", "CLOUDBUTLER_SNAPSHOT_SECONDS=")):
            assert lines[index - 1].startswith("# "), line
