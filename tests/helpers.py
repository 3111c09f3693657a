"""Small helpers for page tests: CSRF tokens from rendered forms."""

from __future__ import annotations

import re

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = _CSRF.search(text)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def form_post(client, url: str, data: dict, *, page: str | None = None, **kwargs):
    """GET ``page`` (default ``url``) for its CSRF token, then POST ``data`` to ``url``."""
    token = csrf_token(client.get(page or url).data)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)
