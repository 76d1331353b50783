"""The pure parts of the dashboard's front door: settings from the environment, the bearer header, sessions that
expire, and which Origin and Host values are its own."""
from __future__ import annotations

import pytest

from actions.dashboard.security import Sessions, host_allowed, origin_allowed
from actions.dashboard.settings import DashboardSettings, SettingsError

TOKEN = "s" * 20


@pytest.mark.parametrize("env", [{}, {"CLOUDBUTLER_DASHBOARD_TOKEN": "short"},
                                 {"CLOUDBUTLER_DASHBOARD_TOKEN": f" {TOKEN} "},
                                 {"CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN, "CLOUDBUTLER_DASHBOARD_PORT": "70000"},
                                 {"CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN, "CLOUDBUTLER_DASHBOARD_PORT": "web"},
                                 {"CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN, "CLOUDBUTLER_DASHBOARD_REFRESH": "0"}])
def test_settings_refuse_what_the_process_cannot_start_with(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        DashboardSettings.from_env(env)


def test_own_origins_and_hosts() -> None:
    settings = DashboardSettings.from_env({"CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN, "CLOUDBUTLER_DASHBOARD_PORT": "6000",
                                           "CLOUDBUTLER_ALLOWED_ORIGINS": "https://a.example/, https://b.example",
                                           "CLOUDBUTLER_DASHBOARD_URL": "https://ops.example.com/dashboard"})
    assert (settings.host, settings.port, settings.refresh) == ("127.0.0.1", 6000, 60.0)
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.own_origins == {"http://127.0.0.1:6000", "http://localhost:6000", "https://ops.example.com"}
    assert settings.own_hosts == {"127.0.0.1:6000", "localhost:6000", "ops.example.com"}
    wide = DashboardSettings.from_env({"CLOUDBUTLER_DASHBOARD_TOKEN": TOKEN, "CLOUDBUTLER_DASHBOARD_HOST": "0.0.0.0"})
    assert "0.0.0.0:5057" not in wide.own_hosts  # a wildcard is no name anyone reaches us by


def test_origin_and_host_rules() -> None:
    own = frozenset({"http://127.0.0.1:6000"})
    assert origin_allowed(None, own, ())
    assert origin_allowed("http://127.0.0.1:6000/", own, ())
    assert origin_allowed("https://a.example", own, ("https://a.example",))
    for origin in ("null", "", "http://127.0.0.1:6001", "https://a.example.evil", "HTTP://127.0.0.1:6000x"):
        assert not origin_allowed(origin, own, ("https://a.example",)), origin
    hosts = frozenset({"127.0.0.1:6000", "localhost:6000"})
    assert host_allowed("LOCALHOST:6000", hosts)
    assert not host_allowed(None, hosts) and not host_allowed("127.0.0.1", hosts)
    assert not host_allowed("evil.example:6000", hosts)


def test_sessions_expire_end_and_stay_bounded() -> None:
    now = [0.0]
    sessions = Sessions(lifetime=100, clock=lambda: now[0])
    first = sessions.create()
    assert len(first) >= 43 and sessions.valid(first)
    assert not sessions.valid(None) and not sessions.valid("") and not sessions.valid(first[:-1])
    now[0] = 99.0
    assert sessions.valid(first)
    now[0] = 100.0
    assert not sessions.valid(first)
    second = sessions.create()
    sessions.end(second)
    assert not sessions.valid(second)
    many = [sessions.create() for _ in range(1001)]
    assert not sessions.valid(many[0]) and sessions.valid(many[-1])  # the oldest goes past MAX_SESSIONS
