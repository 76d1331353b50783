"""What the dashboard process reads from its environment, checked once at start."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MIN_TOKEN_LENGTH = 16
DEFAULT_PORT = 5057
DEFAULT_REFRESH = 60.0
DEFAULT_FIRST_WAIT = 60.0  # seconds READY waits for the slow parts (the launcher gives a child 180 s in all)
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class SettingsError(ValueError):
    """A setting the process cannot start with; the message names the variable."""


@dataclass(frozen=True)
class DashboardSettings:
    token: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    refresh: float = DEFAULT_REFRESH
    allowed_origins: tuple[str, ...] = ()  # other sites whose pages may call us (CLOUDBUTLER_ALLOWED_ORIGINS)
    public_url: str | None = None  # where people open the dashboard, when not on this host's loopback
    tracker_url: str | None = None  # the SQL tracker store (None: the one endpoints.yml names)
    table_prefix: str = "cloudbutler-"
    first_wait: float = DEFAULT_FIRST_WAIT

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DashboardSettings:
        env = os.environ if env is None else env
        token = env.get("CLOUDBUTLER_DASHBOARD_TOKEN", "")
        if len(token) < MIN_TOKEN_LENGTH or token.strip() != token:
            raise SettingsError(f"CLOUDBUTLER_DASHBOARD_TOKEN must hold a secret of at least {MIN_TOKEN_LENGTH} "
                                "characters (no spaces around it): the dashboard does not start without one")
        try:
            port = int(env.get("CLOUDBUTLER_DASHBOARD_PORT") or DEFAULT_PORT)
            refresh = float(env.get("CLOUDBUTLER_DASHBOARD_REFRESH") or DEFAULT_REFRESH)
            first_wait = float(env.get("CLOUDBUTLER_DASHBOARD_FIRST_WAIT") or DEFAULT_FIRST_WAIT)
        except ValueError as exc:
            raise SettingsError(f"CLOUDBUTLER_DASHBOARD_PORT / _REFRESH: {exc}") from None
        if not 0 < port < 65536 or refresh < 1 or first_wait < 0:
            raise SettingsError("CLOUDBUTLER_DASHBOARD_PORT must be 1-65535, CLOUDBUTLER_DASHBOARD_REFRESH >= 1 s "
                                "and CLOUDBUTLER_DASHBOARD_FIRST_WAIT >= 0 s")
        origins = tuple(o.strip().rstrip("/") for o in env.get("CLOUDBUTLER_ALLOWED_ORIGINS", "").split(",")
                        if o.strip())
        public = (env.get("CLOUDBUTLER_DASHBOARD_URL") or "").strip() or None
        return cls(token=token, host=env.get("CLOUDBUTLER_DASHBOARD_HOST") or "127.0.0.1", port=port,
                   refresh=refresh, allowed_origins=origins, public_url=public,
                   tracker_url=env.get("CLOUDBUTLER_TRACKER_STORE_URL") or None,
                   table_prefix=env.get("CLOUDBUTLER_TABLE_PREFIX") or "cloudbutler-", first_wait=first_wait)

    @property
    def own_origins(self) -> frozenset[str]:
        """The dashboard's own origins: loopback names at its port, the bound host, and the public URL's."""
        names = set(LOOPBACK_NAMES)
        if self.host not in ("0.0.0.0", "::", ""):
            names.add(self.host)
        origins = {f"http://{name}:{self.port}" for name in names}
        if self.public_url:
            parts = urlsplit(self.public_url)
            origins.add(f"{parts.scheme}://{parts.netloc}")
        return frozenset(origins)

    @property
    def own_hosts(self) -> frozenset[str]:
        """Host header values we answer: those of our own origins (anything else is DNS rebinding)."""
        return frozenset(urlsplit(origin).netloc.lower() for origin in self.own_origins)
