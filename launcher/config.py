"""Run settings from the environment and a git-ignored .env file; secrets are never printed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; quotes stripped; comments and blank lines ignored. Missing file -> {}."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            key, value = match.groups()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[key] = value
    return values


def channel_variables(credentials: Path) -> list[str]:
    """The ${VAR}s credentials.yml uses: Rasa refuses unset ones, so the launcher defaults them to ''."""
    if not credentials.is_file():
        return []
    return sorted(set(re.findall(r"\$\{(\w+)\}", credentials.read_text(encoding="utf-8"))))


@dataclass(frozen=True)
class RunSettings:
    mode: str  # "sandbox" or "aws"
    host: str
    rasa_port: int
    actions_port: int
    aws_port: int
    imds_port: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RunSettings:
        mode = (env.get("CLOUDBUTLER_MODE") or "sandbox").strip().lower()
        if mode not in ("sandbox", "aws"):
            raise ValueError(f"CLOUDBUTLER_MODE must be 'sandbox' or 'aws', not {mode!r}")
        return cls(
            mode=mode,
            host=env.get("CLOUDBUTLER_HOST") or "127.0.0.1",
            rasa_port=int(env.get("CLOUDBUTLER_RASA_PORT") or 5005),
            actions_port=int(env.get("CLOUDBUTLER_ACTIONS_PORT") or 5055),
            aws_port=int(env.get("CLOUDBUTLER_SANDBOX_AWS_PORT") or 4566),
            imds_port=int(env.get("CLOUDBUTLER_SANDBOX_IMDS_PORT") or 1338),
        )


def merged_environment(base: Mapping[str, str], dotenv: Mapping[str, str]) -> dict[str, str]:
    """The real environment wins over .env, so `VAR=x make run` overrides a file value."""
    env = dict(dotenv)
    env.update(base)
    return env
