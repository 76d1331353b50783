"""Run settings from the environment and a git-ignored .env file; secrets are never printed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; quotes stripped; comment lines, ``  # comments`` after a value and blank lines ignored.
    Missing file -> {}."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            key, value = match.groups()
            values[key] = _value(value)
    return values


def _value(raw: str) -> str:
    """A quoted value is taken as written (a '#' inside stays); an unquoted one ends at `` #`` (a comment)."""
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        if end > 0:
            return raw[1:end]
    if raw.startswith("#"):
        return ""
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def channel_variables(credentials: Path) -> list[str]:
    """The ${VAR}s credentials.yml uses: Rasa refuses unset ones, so the launcher defaults them to ''."""
    if not credentials.is_file():
        return []
    return sorted(set(re.findall(r"\$\{(\w+)\}", credentials.read_text(encoding="utf-8"))))


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


@dataclass(frozen=True)
class RunSettings:
    mode: str  # "sandbox" or "aws"
    host: str
    rasa_port: int
    actions_port: int
    aws_port: int
    imds_port: int
    actions_host: str = "127.0.0.1"
    dashboard_port: int = 5057
    dashboard_host: str = "127.0.0.1"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RunSettings:
        mode = (env.get("CLOUDBUTLER_MODE") or "sandbox").strip().lower()
        if mode not in ("sandbox", "aws"):
            raise ValueError(f"CLOUDBUTLER_MODE must be 'sandbox' or 'aws', not {mode!r}")
        host = (env.get("CLOUDBUTLER_HOST") or "127.0.0.1").strip()
        if not is_loopback(host) and not (env.get("CLOUDBUTLER_REST_TOKEN") or "").strip():
            # Beyond loopback the REST channel would let anyone on the network talk to the assistant.
            raise ValueError(
                f"CLOUDBUTLER_HOST={host} opens the assistant to the network: set CLOUDBUTLER_REST_TOKEN (and "
                "CLOUDBUTLER_ALLOWED_ORIGINS for the web chat) first - see SECURITY.md"
            )
        return cls(
            mode=mode,
            host=host,
            actions_host=(env.get("CLOUDBUTLER_ACTIONS_HOST") or "127.0.0.1").strip(),
            rasa_port=int(env.get("CLOUDBUTLER_RASA_PORT") or 5005),
            actions_port=int(env.get("CLOUDBUTLER_ACTIONS_PORT") or 5055),
            aws_port=int(env.get("CLOUDBUTLER_SANDBOX_AWS_PORT") or 4566),
            imds_port=int(env.get("CLOUDBUTLER_SANDBOX_IMDS_PORT") or 1338),
            dashboard_port=int(env.get("CLOUDBUTLER_DASHBOARD_PORT") or 5057),
            dashboard_host=(env.get("CLOUDBUTLER_DASHBOARD_HOST") or "127.0.0.1").strip(),
        )


def merged_environment(base: Mapping[str, str], dotenv: Mapping[str, str]) -> dict[str, str]:
    """The real environment wins over .env, so `VAR=x make run` overrides a file value."""
    env = dict(dotenv)
    env.update(base)
    return env
