"""Security fixtures: the full demo city seeded once per worker, crawled once per role.

The demo gets a database of its own (it is not reset between tests like the ``app`` fixture's):
a SQLite file, or a PostgreSQL database named after the worker's test database. The tests that
use it are in one xdist group, so one worker seeds it once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.app import create_app
from core.db import write_intent
from core.extensions import db
from tests.conftest import (
    BASE_CONFIG,
    IS_POSTGRES,
    TEST_DATABASE_URL,
    IsolatedClient,
    _normalize,
    _worker,
    recreate_postgres_database,
)
from tests.security.site import ROLE_LOGINS, Crawler, Secrets

DEMO_GROUP = "security-demo"


class DemoSite:
    def __init__(self, app, url: str, sqlite_path: Path | None):
        self.app, self.url, self.sqlite_path = app, url, sqlite_path
        self.users, self.tokens = {}, {}
        self.secrets: Secrets | None = None
        self._crawls = {}

    def scalars(self, query) -> list:
        with self.app.app_context():
            return list(db.session.execute(query).scalars())

    def crawl(self, role: str | None):
        """The crawl of the site as ``role`` (done once, then remembered)."""
        if role not in self._crawls:
            with self.app.app_context():
                self._crawls[role] = Crawler(self, role).run()
        return self._crawls[role]


def _database(tmp_path_factory) -> tuple[str, Path | None]:
    if IS_POSTGRES:
        base = sa.make_url(_normalize(TEST_DATABASE_URL))
        return recreate_postgres_database(base, f"{base.database}_{_worker()}_demo"), None
    path = tmp_path_factory.mktemp(f"security-demo-{_worker()}") / "demo.sqlite3"
    return f"sqlite:///{path}", path


def _seed(site: DemoSite) -> None:
    from core.accounts import services as accounts
    from core.accounts.models import Person, User
    from core.demo import seed_demo
    from timebank import certificates

    token = write_intent.set(True)
    try:
        ctx = seed_demo()
        for username in ("volunteer", "volunteer2"):  # PDFs to find on the certificates page
            user = ctx.users[username]
            certificates.issue(user, user.person_id)
        db.session.flush()
        for role, username in ROLE_LOGINS.items():
            if username is None:
                continue
            user = ctx.users[username]
            site.tokens[role] = ctx.extra["feed_token"] if role == "feed" else \
                accounts.create_token(None, user, "security crawl").secret
        db.session.commit()
    finally:
        write_intent.reset(token)
    site.users = {u.username: u for u in db.session.execute(sa.select(User)).scalars()}
    persons = db.session.execute(sa.select(Person)).scalars().all()
    site.secrets = Secrets(id_numbers={p.id_number.upper() for p in persons},
                           phones={p.phone for p in persons if p.phone})
    for user in site.users.values():  # usable outside this session
        db.session.expunge(user)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """The demo city, seeded once per worker (about half a minute)."""
    url, path = _database(tmp_path_factory)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    app.test_client_class = IsolatedClient
    site = DemoSite(app, url, path)
    with app.app_context():
        db.create_all()
        _seed(site)
        db.session.remove()
    yield site
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if IS_POSTGRES:
        base = sa.make_url(url)
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)')
        admin.dispose()
