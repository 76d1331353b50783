"""``python -m actions.dashboard``: refuse to start without a real token, build every figure once, then serve (and
refresh in the background). Prints ``DASHBOARD READY http://<host>:<port>`` once it listens with figures to show."""
from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from actions.analytics import UsageAnalytics
from actions.aws.clients import ClientFactory
from actions.core.audit import DEFAULT_AUDIT_LOG
from actions.dashboard.settings import DashboardSettings, SettingsError
from actions.insights.overview import Overview

log = logging.getLogger("actions.dashboard")


def analytics_of(settings: DashboardSettings) -> UsageAnalytics | None:
    """The tracker store's usage figures, or None (the assistant parts then answer 503) when there is none."""
    from actions.analytics import tracker_url

    try:
        url, schema = (settings.tracker_url, os.environ.get("POSTGRESQL_SCHEMA")) if settings.tracker_url \
            else tracker_url()
        analytics = UsageAnalytics(url, schema=schema)
        analytics.refresh()
        return analytics
    except Exception as exc:  # noqa: BLE001 - no tracker store must not keep the AWS figures from being shown
        log.warning("no assistant usage: the tracker store cannot be read (%s: %s)", type(exc).__name__, exc)
        return None


def main(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    try:
        settings = DashboardSettings.from_env(env)
    except SettingsError as exc:
        print(f"actions.dashboard: {exc}", flush=True)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("sanic.root").setLevel(logging.WARNING)
    from actions.dashboard.app import create_app
    from actions.dashboard.metrics import AuditTally

    overview = Overview(ClientFactory(), analytics=analytics_of(settings), prefix=settings.table_prefix,
                        interval=settings.refresh)
    # The quick parts before READY; the cost analysis (lists every object) and right-sizing (forecasts every
    # instance) get up to first_wait seconds more, then go on building in the background (503 until done).
    overview.refresh(slow=False)
    if not overview.start(first_wait=settings.first_wait):
        log.info("still analysing cost and right-sizing after %.0f s: those parts follow", settings.first_wait)
    audit = AuditTally(Path(env.get("CLOUDBUTLER_AUDIT_LOG") or DEFAULT_AUDIT_LOG))
    app = create_app(settings, overview, audit=audit)

    @app.after_server_start
    async def ready(app: object, _loop: object) -> None:
        print(f"DASHBOARD READY http://{settings.host}:{settings.port}", flush=True)

    @app.before_server_stop
    async def stop(app: object, _loop: object) -> None:
        overview.stop()

    app.run(host=settings.host, port=settings.port, workers=1, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
