"""Pages every user sees: home (per role), language and elder-mode switches, health checks."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.accounts.models import Role
from core.auth import AUTHENTICATED, PUBLIC, roles
from core.extensions import db
from core.orgs.services import orgs_of
from core.web.nav import register_home_panel, register_nav

bp = Blueprint("web", __name__)

ONE_YEAR = 365 * 24 * 3600


def register_nav_items(app) -> None:
    register_nav(app, "home", _l("首页"), "web.home", [PUBLIC], order=0)
    register_nav(app, "account", _l("我的账号"), "accounts.profile", [AUTHENTICATED], order=900)
    register_nav(app, "my_orgs", _l("我的组织"), "orgs.mine",
                 [Role.ORG_STAFF, Role.INSTITUTION_STAFF], order=800)
    register_nav(app, "admin", _l("系统管理"), "admin.index", [Role.ADMIN], order=950)
    register_home_panel(app, "web/_panel_orgs.html", [Role.ORG_STAFF, Role.INSTITUTION_STAFF],
                        order=800)
    register_home_panel(app, "web/_panel_admin.html", [Role.ADMIN], order=950)
    register_home_panel(app, "web/_panel_calendar.html", [Role.REGULATOR, Role.ADMIN], order=1)
    from core.workdays import calendar_warning

    app.jinja_env.globals.update(calendar_warning=calendar_warning)
    register_home_panel(app, "web/_panel_account.html", [AUTHENTICATED], order=990)


# Browsers drop tabs and newlines anywhere in a URL and read a backslash as a slash, so
# "/\t/evil.example" or "/\\evil.example" lands on another site.
_NOT_IN_LOCAL_PATH = re.compile(r"[\x00-\x1f\x7f\\]")


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site ("/charity/?page=2"), else None: never another
    site, however the browser would read it (open-redirect guard for ``next`` values)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    return None if _NOT_IN_LOCAL_PATH.search(target) else target


def _back(default: str = "web.home"):
    target = request.form.get("next") or request.referrer or ""
    if local_path(target):
        return redirect(target)
    if target.startswith(request.host_url):
        return redirect(target)
    return redirect(url_for(default))


@bp.get("/")
@roles(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return render_template("web/landing.html")
    return render_template("web/home.html", my_orgs=orgs_of(current_user))


@bp.post("/language")
@roles(PUBLIC)
def set_language():
    """Switch language; kept in a cookie, and on the account when signed in."""
    code = request.form.get("lang", "")
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        current_user.locale = code
    response = make_response(_back())
    response.set_cookie("lang", code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.post("/elder-mode")
@roles(PUBLIC)
def toggle_elder_mode():
    """适老化: larger type, high contrast, large targets; kept on the account and in a cookie."""
    turn_on = request.form.get("on") == "1"
    if current_user.is_authenticated:
        current_user.elder_mode = turn_on
    response = make_response(_back())
    response.set_cookie("elder", "1" if turn_on else "0", max_age=ONE_YEAR, samesite="Lax",
                        httponly=True)
    return response


@bp.get("/healthz")
@roles(PUBLIC)
def healthz():
    """Liveness: the process answers."""
    return jsonify(status="ok")


@bp.get("/readyz")
@roles(PUBLIC)
def readyz():
    """Readiness: the database answers."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # readiness reports, it does not raise
        current_app.logger.exception("readiness check failed")
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
