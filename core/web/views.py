"""Pages every user sees: home (per role), language and elder-mode switches, health checks."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import validate

from core.accounts.models import Role
from core.auth import AUTHENTICATED, PUBLIC, roles
from core.extensions import db
from core.orgs.services import orgs_of
from core.web.nav import register_home_panel, register_nav, verifier_for
from core.web.pages import QueryArgs, back, form_args, query_args

bp = Blueprint("web", __name__)


class LanguageArgs(QueryArgs):
    lang = ma.fields.String()


class ElderModeArgs(QueryArgs):
    on = ma.fields.Boolean(load_default=False)


class VerifyArgs(QueryArgs):
    number = ma.fields.String(validate=validate.Length(max=60))
    code = ma.fields.String(validate=validate.Length(max=40))


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
    code = form_args(LanguageArgs)["lang"]
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        current_user.locale = code
    response = make_response(back(url_for("web.home"), referrer=True))
    response.set_cookie("lang", code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.post("/elder-mode")
@roles(PUBLIC)
def toggle_elder_mode():
    """适老化: larger type, high contrast, large targets; kept on the account and in a cookie."""
    turn_on = form_args(ElderModeArgs)["on"]
    if current_user.is_authenticated:
        current_user.elder_mode = turn_on
    response = make_response(back(url_for("web.home"), referrer=True))
    response.set_cookie("elder", "1" if turn_on else "0", max_age=ONE_YEAR, samesite="Lax",
                        httponly=True)
    return response


@bp.get("/verify")
@roles(PUBLIC)
def verify():
    """证明与文书核验: anyone types the number and the code printed on a certificate or a
    notice; the package that issued it checks both."""
    args = query_args(VerifyArgs)
    number = "".join((args["number"] or "").split()).upper()
    code = (args["code"] or "").strip()
    if not number:
        return render_template("web/verify.html", number="", code=code)
    verifier = verifier_for(number)
    if verifier is None:
        return render_template("web/verify.html", number=number, code=code, error=_(
            "查无此编号。请核对证明或文书上印的编号（例如 TB20261201-1A2B3C4D 或 "
            "LRGZ-2026-00001）。")), 404
    return redirect(url_for(verifier.endpoint, number=number, code=code or None))


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
