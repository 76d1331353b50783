"""The stack's own secrets (action-server token, Rasa API token, web chat signing key, dashboard token) and which
process gets what.

Each comes from the environment when set there, otherwise it is generated once and kept in a git-ignored 0600 file
(``var/secrets.json``), so web chat sessions and Discord buttons survive a restart. Every child process receives
only the secrets it needs: the sandbox none, the action server and the tracker the AWS keys and Rasa's API token,
Rasa the chat tokens, the dashboard the AWS keys and its own token.
"""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

ACTIONS_TOKEN = "CLOUDBUTLER_ACTIONS_TOKEN"
RASA_TOKEN = "RASA_AUTH_TOKEN"
WEBCHAT_SECRET = "CLOUDBUTLER_WEBCHAT_SECRET"
REST_TOKEN = "CLOUDBUTLER_REST_TOKEN"
DASHBOARD_TOKEN = "CLOUDBUTLER_DASHBOARD_TOKEN"
GENERATED = (ACTIONS_TOKEN, RASA_TOKEN, WEBCHAT_SECRET, DASHBOARD_TOKEN)
MIN_LENGTH = 16

AWS_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")
CHAT_SECRETS = ("DISCORD_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
ALL_SECRETS = frozenset(GENERATED + (REST_TOKEN,) + AWS_SECRETS + CHAT_SECRETS)

# What each process may see of the secrets above; everything else in the environment passes through.
NEEDS: Mapping[str, frozenset[str]] = {
    "sandbox": frozenset(),
    # Posts late messages through Rasa's API; calls AWS.
    "actions": frozenset((ACTIONS_TOKEN, RASA_TOKEN) + AWS_SECRETS),
    # Reads S3 events, inventory files and alerts from SQS; posts alerts into the chats through Rasa's API (its
    # token); no chat platform secret, no action-server token.
    "tracker": frozenset((RASA_TOKEN,) + AWS_SECRETS),
    # Calls the action server; protects its API; signs web chat sessions; runs the chat channels.
    "rasa": frozenset((ACTIONS_TOKEN, RASA_TOKEN, WEBCHAT_SECRET, REST_TOKEN) + CHAT_SECRETS),
    # Reads AWS, the size history and the conversation store; its API, page and metrics need its own token.
    "dashboard": frozenset((DASHBOARD_TOKEN,) + AWS_SECRETS),
}


class SecretError(ValueError):
    """A secret set in the environment is too short to be one."""


def load_or_create(env: Mapping[str, str], path: Path) -> dict[str, str]:
    """The generated secrets: the environment's values win; missing ones come from (or are added to) ``path``."""
    stored = _read(path)
    values: dict[str, str] = {}
    for name in GENERATED:
        given = (env.get(name) or "").strip()
        if given:
            if len(given) < MIN_LENGTH:
                raise SecretError(f"{name} must be at least {MIN_LENGTH} characters long")
            values[name] = given
        else:
            values[name] = stored.get(name) or secrets.token_urlsafe(32)
    missing = {name: values[name] for name in GENERATED if not (env.get(name) or "").strip()}
    if any(stored.get(name) != value for name, value in missing.items()):
        _write(path, {**stored, **missing})
    return values


def for_process(name: str, env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without the secrets process ``name`` does not need."""
    allowed = NEEDS[name]
    return {key: value for key, value in env.items() if key not in ALL_SECRETS or key in allowed}


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}


def _write(path: Path, values: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    # Created 0600 from the start: the secrets are never readable by others, not even for a moment.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(dict(values), fh, indent=2, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def redact(text: str, values: Iterable[str]) -> str:
    """``text`` with every secret value replaced, for lines the launcher echoes from its children."""
    for value in values:
        if value and len(value) >= 8:
            text = text.replace(value, "[redacted]")
    return text
