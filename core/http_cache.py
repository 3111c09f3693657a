"""HTTP caching of public JSON reads (docs/scale.md): ``@shared_cache()`` on a public GET of
the API lets browsers and proxies keep its answer a minute when the request carries no
credentials, and revalidate it by its ``ETag`` (flask-smorest's ``@blp.etag``: a
matching ``If-None-Match`` gets 304 and no body).

Only for JSON reads that are the same for every caller. Never for HTML pages: they carry a
CSRF token and set the session cookie."""

from __future__ import annotations

from functools import wraps

from flask import after_this_request, current_app, request, session

PUBLIC_MAX_AGE = 60  # seconds


def carries_credentials() -> bool:
    """The request names someone: a bearer token, the session or the remember-me cookie."""
    cookies = (current_app.config.get("SESSION_COOKIE_NAME", "session"),
               current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    return "Authorization" in request.headers or any(c in request.cookies for c in cookies)


def shared_cache(max_age: int = PUBLIC_MAX_AGE):
    """Decorator: a 200 or 304 answer is ``public, max-age=…`` for a request without
    credentials, ``private, no-cache`` for one with them (and for an answer that sets a
    cookie); ``Vary`` tells caches the answer depends on those headers."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            anonymous = not carries_credentials()

            @after_this_request
            def _headers(response):
                if response.status_code in (200, 304):
                    shared = anonymous and not session.modified and \
                        "Set-Cookie" not in response.headers
                    response.headers["Cache-Control"] = (f"public, max-age={max_age}" if shared
                                                         else "private, no-cache")
                    response.vary.update(("Authorization", "Cookie"))
                tags = request.if_none_match.as_set()
                if response.status_code == 304 and "ETag" not in response.headers and \
                        len(tags) == 1:  # the tag that matched, as a 304 should say it
                    response.set_etag(next(iter(tags)))
                return response

            return func(*args, **kwargs)

        return wrapper

    return decorator
