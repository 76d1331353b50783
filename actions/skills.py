"""`python -m actions.skills [--update-readme]`: the Markdown list of implemented skills that README.md shows."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import actions
from actions.core.base import Skill, implemented_skills


def load_all_actions() -> list[Skill]:
    """Import every module of the package (as the action server does) and return their skills."""
    for module in pkgutil.walk_packages(actions.__path__, prefix="actions."):
        importlib.import_module(module.name)
    return implemented_skills()


def markdown() -> str:
    rows = ["| skill | try |", "| --- | --- |"]
    rows += [f"| {s.title} | \"{s.example}\" |" for s in load_all_actions()]
    return "\n".join(rows)


def update_readme(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index("<!-- skills:start")
    start = text.index("-->", start) + len("-->\n")
    end = text.index("<!-- skills:end -->")
    path.write_text(text[:start] + markdown() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if "--update-readme" in sys.argv:
        update_readme(Path(__file__).resolve().parent.parent / "README.md")
    else:
        print(markdown())
