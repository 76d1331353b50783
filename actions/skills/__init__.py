"""The skills: one module (or package) per skill area, holding thin Action classes over the services in
``actions.aws`` and the shared pieces in ``actions.core``. Each area's module starts with what it says (or has a
``wording`` module beside it); ``python -m actions.skills`` prints the table of skills README.md shows.

Adding a skill area: a module here with its Action classes (a ``skill = Skill(...)`` makes it part of "help" and
the README), a service module in ``actions/aws/``, its failure replies registered with ``actions.core.errors``,
an NLU data file in ``nlu/``, its intents, entities and actions in ``domain.yml``, and tests.
"""
from __future__ import annotations

import importlib
import pkgutil

from actions.core.base import Skill, implemented_skills


def load_all() -> list[Skill]:
    """Import every skill module (as the action server does) and return their skills, in help order."""
    for module in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        importlib.import_module(module.name)
    return implemented_skills()


def markdown() -> str:
    rows = ["| skill | try |", "| --- | --- |"]
    rows += [f"| {s.title} | \"{s.example}\" |" for s in load_all()]
    return "\n".join(rows)
