"""No full ID number or phone of any person leaves the application, nor sits in clear in the
database (issue #7, item 5).

Over the full demo city: crawled as every role (and anonymously) — the pages reachable by links
from the home page and the nav, every GET API endpoint (lists, and a sample of ids for the
others) with that role's token (the feed consumer's demo token for the feed role), every
CSV/XLSX export and certificate PDF met, the typed look-ups of an ID number — every response
and every log line (the raw records, as caplog sees them, and the app's handler output) is
scanned for the persons' ID numbers and phones (exact values, plus anything shaped like an ID
number or a mobile number). Then the database itself: the raw file bytes (SQLite) and every
row read without the ORM's decryption hold none of them.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.extensions import db
from tests.security.conftest import DEMO_GROUP
from tests.security.site import ROLE_LOGINS, raw_select

pytestmark = pytest.mark.xdist_group(DEMO_GROUP)

ROLES = list(ROLE_LOGINS)


def _label(role):
    return role or "anonymous"


@pytest.mark.parametrize("role", ROLES, ids=_label)
def test_no_response_shows_a_full_id_number_or_phone(demo_site, role):
    crawl = demo_site.crawl(role)
    pages = crawl.count("text/html")
    assert pages >= (5 if role in (None, "feed") else 20), f"crawl reached only {pages} pages"
    assert crawl.count("application/json") >= 5
    assert not crawl.errors, "server errors during the crawl:\n" + "\n".join(crawl.errors)
    assert not crawl.leaks, f"{len(crawl.leaks)} leaks:\n" + "\n".join(sorted(set(crawl.leaks)))


@pytest.mark.parametrize("role", ROLES, ids=_label)
def test_no_log_line_shows_a_full_id_number_or_phone(demo_site, role):
    crawl = demo_site.crawl(role)
    assert crawl.log_records >= len(crawl.fetched)  # at least the access line of each request
    assert not crawl.log_leaks, "\n".join(sorted(set(crawl.log_leaks)))


def test_the_crawl_met_exports_and_certificates(demo_site):
    """The scan above is only worth something if it saw the documents people download."""
    kinds = {}
    for role in ("volunteer", "regulator", "admin"):
        for fetched in demo_site.crawl(role).fetched:
            if fetched.status == 200:
                kinds[fetched.mimetype] = kinds.get(fetched.mimetype, 0) + 1
    assert kinds.get("application/pdf", 0) >= 2, kinds
    assert kinds.get("text/csv", 0) >= 2, kinds
    assert kinds.get("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     0) >= 2, kinds


def _raw_rows(site) -> list[str]:
    """Every row of every table as stored (no type processing: encrypted columns as tokens)."""
    texts = []
    with site.app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(raw_select(table)).all()
            texts += [f"{table.name}: {tuple(row)!r}" for row in rows]
        db.session.rollback()
    return texts


def test_the_database_holds_no_id_number_or_phone_in_clear(demo_site):
    for role in ROLES:  # after everything the crawls did (look-ups, certificates…)
        demo_site.crawl(role)
    secrets = demo_site.secrets
    assert len(secrets.id_numbers) >= 200 and len(secrets.phones) >= 200
    found = []
    for text in _raw_rows(demo_site):
        found += [f"{what} in {text[:120]}" for what in secrets.find(text)
                  if not what.startswith("mobile-shaped")]  # order numbers, hashes…
    assert not found, "\n".join(found[:50])


_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def test_no_masked_id_number_can_be_completed_from_the_database(demo_site):
    """The mask (3204**********123X, in the audit trail and on certificates) hides the birth date
    and two region digits. A person row that keeps the birth date in clear gives the number back
    (two digits to guess, the check character confirms): none may."""
    from core.accounts.models import Person
    from core.ids import id_check_char

    with demo_site.app.app_context():
        people = {p.id: p.id_number for p in db.session.execute(sa.select(Person)).scalars()}
        rows = db.session.execute(sa.text("SELECT * FROM person")).mappings().all()
        db.session.rollback()
    completed = []
    for row in rows:
        number = people[row["id"]]
        dates = {"".join(m) for m in _DATE.findall(" ".join(str(v) for v in row.values()))}
        for born in dates:
            rebuilt = [f"{number[:4]}{x:02d}{born}{number[14:17]}" for x in range(100)]
            if any(r + id_check_char(r) == number for r in rebuilt):
                completed.append(f"person {row['id']}: birth date {born} in clear")
    assert not completed, f"{len(completed)} numbers completed, e.g. {completed[:3]}"


def test_a_copied_sqlite_file_holds_no_id_number_or_phone(demo_site):
    if demo_site.sqlite_path is None:
        pytest.skip("PostgreSQL: the raw rows are checked by the test above")
    for role in ROLES:
        demo_site.crawl(role)
    with demo_site.app.app_context():
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
    blob = b"".join(path.read_bytes() for path in demo_site.sqlite_path.parent.iterdir()
                    if path.name.startswith(demo_site.sqlite_path.name))
    secrets = demo_site.secrets
    found = [v for v in secrets.id_numbers | secrets.phones if v.encode() in blob]
    found += [v for v in secrets.id_numbers if v.encode("utf-16-le") in blob]
    assert not found, f"{len(found)} values in clear in the file, e.g. {sorted(found)[:5]}"
