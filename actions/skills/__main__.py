"""`python -m actions.skills [--update-readme]`: the Markdown list of implemented skills that README.md shows."""
from __future__ import annotations

import sys
from pathlib import Path

from actions.skills import markdown


def update_readme(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index("<!-- skills:start")
    start = text.index("-->", start) + len("-->\n")
    end = text.index("<!-- skills:end -->")
    path.write_text(text[:start] + markdown() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if "--update-readme" in sys.argv:
        update_readme(Path(__file__).resolve().parents[2] / "README.md")
    else:
        print(markdown())
