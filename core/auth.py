"""Who may call what: role declarations on every route, and the two ways to authenticate.

Every view declares the roles it admits with ``@roles(...)``; ``enforce_roles`` (a
``before_request`` hook) refuses anything else, and refuses routes that declare nothing (fail
closed). ``PUBLIC`` admits anyone, ``AUTHENTICATED`` any signed-in user. Pages use the login
session (Flask-Login); machines send ``Authorization: Bearer <token>`` (API tokens are stored
hashed). API writes with a session cookie must carry the CSRF token; bearer requests need not.
"""

from __future__ import annotations

import logging

from flask import current_app, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import Forbidden, Unauthorized

from core import clock
from core.accounts.models import ApiToken, Role, User, hash_token
from core.db import write_intent
from core.extensions import csrf, db, login_manager
from core.orgs.services import user_org_ids

log = logging.getLogger(__name__)

PUBLIC = "public"
AUTHENTICATED = "authenticated"
ALL_ROLES = tuple(r.value for r in Role)
STAFF_ROLES = (Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.REGULATOR, Role.ADMIN)

# Endpoints of libraries that cannot carry a decorator.
LIBRARY_PUBLIC_ENDPOINTS = {"static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui"}


def roles(*names: str):
    """Declare who may call a view function, a MethodView class, or one of its methods."""
    if not names:
        raise ValueError("declare at least one role, or PUBLIC")
    unknown = set(names) - set(ALL_ROLES) - {PUBLIC, AUTHENTICATED}
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def mark(target):
        target.__roles__ = frozenset(str(n) for n in names)
        return target

    return mark


def declared_roles(view, method: str) -> frozenset[str] | None:
    """The roles a view admits for ``method``, or None when it declares nothing."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if method == "HEAD" and handler is None:
            handler = getattr(view_class, "get", None)
        found = getattr(handler, "__roles__", None)
        return found if found is not None else getattr(view_class, "__roles__", None)
    return getattr(view, "__roles__", None)


def endpoint_roles(endpoint: str, method: str) -> frozenset[str] | None:
    if endpoint in LIBRARY_PUBLIC_ENDPOINTS:
        return frozenset({PUBLIC})
    view = current_app.view_functions.get(endpoint)
    return declared_roles(view, method) if view is not None else None


def _deny_anonymous():
    if request.path.startswith("/api/"):
        raise Unauthorized()
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def enforce_roles():
    """before_request: admit the caller only if the route declares one of their roles."""
    if request.endpoint is None:
        return None  # 404/405 are answered by the router
    allowed = endpoint_roles(request.endpoint, request.method)
    if allowed is None:
        log.error("route %s declares no roles; refusing", request.endpoint)
        raise Forbidden()
    if PUBLIC in allowed:
        return None
    if not current_user.is_authenticated:
        return _deny_anonymous()
    if AUTHENTICATED in allowed or current_user.has_role(*allowed):
        return None
    raise Forbidden()


def protect_api_writes():
    """before_request: API writes authenticated by cookie need the CSRF token; bearer ones don't."""
    if not request.path.startswith("/api/") or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.routing_exception is not None:
        return  # 404/405: the router answers, not the CSRF check
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    # A bearer header spares the check only when its token signed the request in: with a session
    # or remember-me cookie, Flask-Login signs the cookie's user in and never reads the header.
    signed_in_by_cookie = current_user.is_authenticated and g.get("api_token_id") is None
    if _bearer_token() is None or signed_in_by_cookie:
        csrf.protect()


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


@login_manager.user_loader
def load_user(user_key: str):
    user_id, _, version = user_key.partition(".")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.login_version) != version:
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req):
    token = _bearer_token()
    if token is None:
        return None
    # The token, its user and the user's roles in one statement, the person by its key in a
    # second: every API request starts here. (Joining the person too invites a merge join
    # that walks the person index from the start: a second on a city of a million.)
    user = joinedload(ApiToken.user)
    row = db.session.execute(
        db.select(ApiToken).where(ApiToken.token_hash == hash_token(token))
        .options(user.joinedload(User.role_rows), user.selectinload(User.person))
    ).unique().scalar_one_or_none()
    now = clock.now()
    max_days = current_app.config["POLICY_API_TOKEN_MAX_DAYS"]
    if row is None or not row.is_usable(now, max_days) or not row.user.active:
        return None
    if write_intent.get():  # reads never write, so pages never wait on the write lock
        row.last_used_at = now
    g.api_token_id = row.id
    return row.user


def require_password_session() -> None:
    """The caller signed in with their password in this browser session: not with an API
    token (a token must not mint tokens that outlive its own revocation), and not merely
    restored from a remember-me cookie. Raises PermissionDenied otherwise."""
    from flask_login import login_fresh

    from core.errors import PermissionDenied

    if g.get("api_token_id") is not None or not login_fresh():
        raise PermissionDenied("accounts.password_session_required",
                               _l("此操作需要用密码重新登录后进行。"))


@login_manager.unauthorized_handler
def _unauthorized():
    return _deny_anonymous()


def is_member(user, org_id: int) -> bool:
    return org_id in user_org_ids(user)
