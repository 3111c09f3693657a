"""Test fixtures: a fresh app and a clean database per test, clients, logins, factories.

The database is SQLite (a file per xdist worker) unless ``TEST_DATABASE_URL`` names a
PostgreSQL server, in which case each worker gets its own database on it. The schema is built
once per worker; each test starts from empty tables (SQLite: a copy of the empty template
file; PostgreSQL: TRUNCATE … RESTART IDENTITY).
"""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier

from core import clock
from core.app import create_app
from core.db import write_intent
from core.extensions import db
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")

BASE_CONFIG = {
    "TESTING": True,
    "APP_ENV": "development",  # production (the default) refuses to start without real keys
    "SECRET_KEY": "test-secret-key",
    "ID_ENCRYPTION_KEYS": "pLrsCF3po6epDBW3j1trfUk0jC37D5PJ5kMhBr1CW-I=",  # test-only Fernet key
    "ID_HASH_KEY": "test-id-hash-key",
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; scrypt in production
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
}


# --- the clock ------------------------------------------------------------------------------
# The whole suite can run at another hour of the Shanghai day: ``pytest --shanghai-hour=H`` (or
# TEST_SHANGHAI_HOUR=H) moves the project's clock (core.clock) back to the latest H:MM there,
# for every test and for the servers the tests start (CLOCK_OFFSET_SECONDS). CI picks the hour
# from the commit hash, so each run tries another one. A test that needs a particular instant
# freezes the clock with the ``frozen_clock`` fixture instead of reading the wall clock.


def pytest_addoption(parser):
    parser.addoption("--shanghai-hour", default=os.environ.get("TEST_SHANGHAI_HOUR", ""),
                     help="run the suite with the project's clock at this hour (0-23) of the "
                          "Asia/Shanghai day (default: the real time)")


def pytest_configure(config):
    raw = str(config.getoption("--shanghai-hour") or "").strip()
    if raw:
        hour, _, minute = raw.partition(":")
        shift = clock.offset_to_hour(int(hour), int(minute or 0))
        # Whole seconds, so the servers (which read the shift back as an integer) keep exactly
        # the suite's time: a scheduler a second ahead would seem to run after it was killed.
        shift = timedelta(seconds=round(shift.total_seconds()))
        clock.set_offset(shift)
        # Server processes started by tests (gunicorn) read it back in create_app.
        os.environ["CLOCK_OFFSET_SECONDS"] = str(int(shift.total_seconds()))


def pytest_report_header(config):
    local = clock.now().astimezone(clock.CITY_TZ)
    shifted = " (shifted)" if clock.offset() else ""
    return f"project clock: {local:%Y-%m-%d %H:%M} Asia/Shanghai{shifted}"


@pytest.fixture(autouse=True)
def _clock_runs_after_each_test():
    """A test that froze the clock leaves it running again (the suite-wide offset stays)."""
    yield
    clock.reset(keep_offset=True)


@pytest.fixture
def frozen_clock():
    """Freeze the project's clock: ``frozen_clock(datetime(..., tzinfo=...))`` or
    ``frozen_clock.local(2026, 6, 10, 15, 0)`` (Asia/Shanghai); returns the frozen instant."""

    class _Control:
        def __call__(self, at):
            clock.freeze(at)
            return clock.now()

        def local(self, *parts):
            from datetime import datetime

            return self(datetime(*parts, tzinfo=clock.CITY_TZ))

        def advance(self, **delta):
            from datetime import timedelta

            clock.advance(timedelta(**delta))
            return clock.now()

    return _Control()


def server_environment() -> dict[str, str]:
    """Environment for app processes a test starts (gunicorn, ``flask``): the test app's keys,
    the suite's clock shift, development mode, and nothing of the caller's keys."""
    env = dict(os.environ, APP_ENV="development")
    for name in ("SECRET_KEY", "ID_ENCRYPTION_KEYS", "ID_HASH_KEY"):
        env[name] = BASE_CONFIG[name]
    return env


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# The demo login that plays each role (``flask demo seed``), for tests that walk the demo city.
DEMO_LOGINS = {
    "volunteer": "volunteer",
    "org_staff": "orgstaff",
    "institution_staff": "counter",
    "regulator": "regulator",
    "admin": "admin",
    "feed": "feed-market",
}


def recreate_postgres_database(base: sa.URL, name: str, template: str | None = None) -> str:
    """Drop database ``name`` on ``base``'s server if it exists (closing its connections),
    create it empty or as a copy of ``template``, and return its URL."""
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    copy_of = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy_of}')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _postgres_url_for_worker() -> str:
    base = sa.make_url(_normalize(TEST_DATABASE_URL))
    return recreate_postgres_database(base, f"{base.database}_{_worker()}")


def _normalize(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    """Compile the English catalogs if the .mo files are missing or stale (``make test``
    compiles them too; this keeps a bare ``pytest`` run honest)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from core.config import PROJECT_ROOT

    for po_path in PROJECT_ROOT.glob("*/translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalog = read_po(po)
        with mo_path.open("wb") as mo:
            write_mo(mo, catalog)


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """Build the schema once per worker; returns (url, template path or None)."""
    if IS_POSTGRES:
        url = _postgres_url_for_worker()
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        return url, None
    folder = tmp_path_factory.mktemp(f"db-{_worker()}")
    template = folder / "template.sqlite3"
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{template}"})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    return f"sqlite:///{folder / 'test.sqlite3'}", template


def _reset(url: str, template: Path | None) -> None:
    if template is not None:
        target = Path(sa.make_url(url).database)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, target)
        return
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own ``g``, its own
    database session. The test's session is committed before the request (so the request sees
    what the test made) and after it (so the test reads what the request committed)."""

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            if not kwargs.get("buffered", False) and response.is_streamed:
                response.make_sequence()  # read the body while the request's context lives
        db.session.commit()
        return response


@pytest.fixture
def app_config():
    """Per-test config overrides: a test may update this dict before using ``app``."""
    return {}


@pytest.fixture
def app(database, app_config):
    """A fresh app over empty tables, with its app context pushed for the whole test."""
    url, template = database
    _reset(url, template)
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **app_config})
    application.test_client_class = IsolatedClient
    with application.app_context():
        from core.orgs.services import seed_districts

        seed_districts()
        db.session.commit()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client for pages and the API."""
    return app.test_client()


@pytest.fixture
def writing():
    """Run service calls as a write transaction (as requests and jobs do)."""
    token = write_intent.set(True)
    yield
    write_intent.reset(token)


@pytest.fixture
def make(app):
    """Factories bound to the current app: ``make.person()``, ``make.user(...)``, ``make.org()``."""
    return factories.Factory()


@pytest.fixture
def login_as(client, make):
    """Sign ``client`` in as a new user with the given roles; returns the user."""

    def _login(*roles, user=None, **kwargs):
        user = user or make.user(*roles, **kwargs)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            # What login_user stores: without it Flask-Login's session protection marks the
            # session as restored (not fresh), as if from a remember-me cookie.
            with client.application.test_request_context(environ_base=client.environ_base):
                session["_id"] = _create_identifier()
        return user

    return _login


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, client, token: str, user):
        self.client, self.token, self.user = client, token, user

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"}
        merged.update(headers or {})
        return merged

    def get(self, url, headers=None, **kw):
        return self.client.get(url, headers=self._headers(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        return self.client.post(url, json=json, headers=self._headers(headers), **kw)

    def put(self, url, json=None, headers=None, **kw):
        return self.client.put(url, json=json, headers=self._headers(headers), **kw)

    def patch(self, url, json=None, headers=None, **kw):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kw)

    def delete(self, url, headers=None, **kw):
        return self.client.delete(url, headers=self._headers(headers), **kw)


@pytest.fixture
def api_as(app, make):
    """``api_as("regulator")`` → an ApiClient with a fresh user's bearer token."""
    from core.accounts.services import create_token

    def _api(*roles, user=None, **kwargs):
        user = user or make.user(*roles, **kwargs)
        issued = create_token(None, user, "test")
        db.session.commit()
        return ApiClient(app.test_client(), issued.secret, user)

    return _api
