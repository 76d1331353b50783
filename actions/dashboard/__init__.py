"""The dashboard process (``python -m actions.dashboard``): a read-only JSON API (``/api/v1/...`` with its OpenAPI
document), Prometheus ``/metrics`` and the dashboard page, over ``actions.insights.Overview``. Loopback by default;
every request but ``/health``, ``/login`` and the page's static files needs ``Authorization: Bearer <token>`` or
(the page and the API only) the session cookie a login made; a request from another site (Origin) or to another
host name (Host) is refused.
"""
