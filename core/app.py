"""The application factory: configuration, extensions, request hooks, packages, CLI."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import IntegerConverter

from core import auth, idempotency, inputs, keys, ops
from core.api_base import api
from core.config import PROJECT_ROOT, Config
from core.db import (
    INT_MAX,
    install_sqlite_pragmas,
    queue_sqlite_writer,
    sqlite_writer_done,
    write_intent,
)
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.logging import configure_logging, request_id_from

log = logging.getLogger(__name__)

# The domain packages, in the order their routes, jobs and demo data are set up.
PACKAGES = ("timebank", "charity", "credit")


class StoredIntConverter(IntegerConverter):
    """``<int:…>`` up to the largest id the database stores: a larger number matches no route
    (404) instead of overflowing in the driver (500); the API doc shows the maximum."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: Mapping | None = None) -> Flask:
    settings = {**Config().as_dict(), **(config or {})}
    app = Flask(__name__, instance_path=str(settings["INSTANCE_PATH"]),
                template_folder="web/templates", static_folder="web/static")
    app.request_class = inputs.BoundedRequest  # body limits per view (core/inputs.py)
    app.url_map.converters["int"] = StoredIntConverter  # before any route is added
    app.config.from_mapping(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    keys.apply(app.config, app.instance_path)  # production stops here without its keys

    _init_extensions(app)
    _register_hooks(app)
    _register_core(app)
    for name in PACKAGES:
        __import__(f"{name}.register", fromlist=["init_app"]).init_app(app)
    configure_logging(app)  # JSON or text, masking, access lines (core/logging.py)
    ops.init_app(app)  # ProxyFix, secure cookies, `flask backup` / `flask restore`
    return app


def _init_extensions(app: Flask) -> None:
    import core.models  # noqa: F401 (registers every core table with the metadata)

    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    babel.init_app(app, locale_selector=_select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)


def _select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():  # jobs, CLI, services called from tests
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    choice = request.args.get("lang") or request.cookies.get("lang")
    if current_user and current_user.is_authenticated and current_user.locale:
        choice = choice or current_user.locale
    return choice if choice in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_hooks(app: Flask) -> None:
    @app.before_request
    def _start_request():
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))
        writing = request.method not in ("GET", "HEAD", "OPTIONS")
        g.write_token = write_intent.set(writing)
        if writing:  # SQLite: this process's writers take turns (core.db)
            g.sqlite_writer = queue_sqlite_writer()

    app.before_request(inputs.refuse_bad_input)
    app.before_request(auth.protect_api_writes)
    app.before_request(auth.enforce_roles)
    app.before_request(idempotency.before_request)

    @app.after_request
    def _finish_request(response):
        response.headers["X-Request-ID"] = g.get("request_id", "-")
        _security_headers(response)
        if request.method in ("GET", "HEAD", "OPTIONS"):
            db.session.rollback()
            return response
        try:
            if response.status_code >= 400:
                db.session.rollback()
                return response
            return _commit(response)
        finally:
            _end_write_turn()  # the transaction is over: the next writer may go

    @app.teardown_request
    def _end_request(_exc):
        token = g.pop("write_token", None)
        if token is not None:
            write_intent.reset(token)
        _end_write_turn()  # if the request ended before _finish_request (an error)


def _end_write_turn() -> None:
    if g.pop("sqlite_writer", False):
        sqlite_writer_done()


def _commit(response):
    """The request boundary: store the idempotent response, then commit once."""
    try:
        if current_user.is_authenticated:
            idempotency.remember(response)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        replayed = idempotency.stored_after_conflict()
        if replayed is not None:
            return replayed
        log.exception("commit failed (request %s)", g.get("request_id"))
        raise
    return response


def _security_headers(response) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )


def _register_core(app: Flask) -> None:
    from core.accounts import api as accounts_api
    from core.accounts import cli as accounts_cli
    from core.accounts import views as accounts_views
    from core.admin import views as admin_views
    from core.audit import audit_cli
    from core.audit import init_app as init_audit
    from core.demo import demo_cli
    from core.errors import register_error_handlers
    from core.jobs import scheduler_cli
    from core.orgs import api as orgs_api
    from core.orgs import views as orgs_views
    from core.web import filters, nav
    from core.web import views as web_views
    from core.workdays import calendar_cli

    register_error_handlers(app)
    init_audit(app)
    filters.register(app)
    app.jinja_env.globals.update(nav_items=nav.nav_items, home_panels=nav.home_panels)
    from core.admin import catalogue_views

    for blueprint in (web_views.bp, accounts_views.bp, orgs_views.bp, admin_views.bp,
                      catalogue_views.bp):
        app.register_blueprint(blueprint)
    from core.catalogues_api import blp as catalogues_blp

    for blueprint in (accounts_api.blp, orgs_api.blp, catalogues_blp):
        register_api(blueprint)
    for group in (audit_cli, scheduler_cli, demo_cli, accounts_cli.users_cli, calendar_cli):
        app.cli.add_command(group)
    web_views.register_nav_items(app)
    __import__("core.notices.register", fromlist=["init_app"]).init_app(app)


def register_api(blueprint) -> None:
    """Register a flask-smorest blueprint: bearer-token writes skip CSRF, cookie writes don't
    (``auth.protect_api_writes`` checks those)."""
    csrf.exempt(blueprint)
    api.register_blueprint(blueprint)

