"""The README's skill list is generated from the code; this keeps it from drifting."""
from __future__ import annotations

import re

from actions.skills import markdown
from launcher.config import ROOT


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name}:start[^>]*-->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"README.md has no {name} block"
    return match.group(1).strip()


def test_readme_lists_exactly_the_implemented_skills() -> None:
    assert readme_block("skills") == markdown(), "run: python -m actions.skills and paste into README.md"


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in first_block.strip().splitlines()] == [["make", "run"], ["make", "test"]]
