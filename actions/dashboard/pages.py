"""The login form (the dashboard page itself is ``static/dashboard.html``) and the headers every page gets."""
from __future__ import annotations

import html

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # not no-referrer: with it Chromium sends "Origin: null" on our own form posts (login, logout), which the
    # guard must refuse; same-origin still never lets a referrer leave the dashboard
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

_LOGIN = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CloudButler dashboard - sign in</title>
<link rel="icon" href="/dashboard/static/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/dashboard/static/dashboard.css">
</head>
<body class="login">
<main>
<h1>CloudButler dashboard</h1>
<form method="post" action="/login">
<label for="token">Dashboard token</label>
<input type="password" name="token" id="token" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
{message}
</main>
</body>
</html>
"""


def login_page(message: str = "") -> str:
    return _LOGIN.format(message=f'<p class="error" role="alert">{html.escape(message)}</p>' if message else "")
