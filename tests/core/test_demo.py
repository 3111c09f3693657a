"""The demo world: reproducible from its seed, valid identifiers, consistent records."""

import hashlib
import random
from datetime import date

import sqlalchemy as sa

from core import audit
from core.accounts.models import Person, User
from core.demo import DEMO_USERNAMES, SeedContext, _seed_core, seed_demo
from core.extensions import db
from core.ids import is_valid_id_number, is_valid_uscc
from core.orgs.models import Organization


def _fingerprint() -> str:
    rows = db.session.execute(sa.select(Organization.name, Organization.uscc)
                              .order_by(Organization.id)).all()
    people = [(p.name, p.birth_date) for p in  # birth date: from the encrypted ID number
              db.session.execute(sa.select(Person).order_by(Person.id)).scalars()]
    return hashlib.sha256(repr((rows, people)).encode()).hexdigest()


def test_core_world_is_reproducible_from_the_seed(app, writing):
    _seed_core(SeedContext(rng=random.Random(42), today=date(2026, 11, 29)))
    first = _fingerprint()
    db.session.rollback()
    _seed_core(SeedContext(rng=random.Random(42), today=date(2026, 11, 29)))
    assert _fingerprint() == first
    db.session.rollback()
    _seed_core(SeedContext(rng=random.Random(43), today=date(2026, 11, 29)))
    assert _fingerprint() != first


def test_full_demo_seed_is_valid_and_audited(app, writing):
    ctx = seed_demo(seed=7)
    db.session.commit()
    orgs = db.session.execute(sa.select(Organization)).scalars().all()
    assert len(orgs) >= 40 and all(is_valid_uscc(o.uscc) for o in orgs)
    persons = db.session.execute(sa.select(Person)).scalars().all()
    assert len(persons) >= 200 and all(is_valid_id_number(p.id_number) for p in persons)
    users = {u.username: u for u in db.session.execute(sa.select(User)).scalars()}
    assert set(DEMO_USERNAMES) <= set(users)
    assert users["counter"].roles == {"institution_staff"}
    assert ctx.extra["feed_token"].startswith("ctb_")
    assert audit.verify_chain().ok


def test_city_scale_needs_postgresql_and_a_positive_size(app):
    """The city is bulk-loaded with COPY: on SQLite the command says so and writes nothing."""
    from tests.conftest import IS_POSTGRES

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--scale", "city", "--size", "0"])
    assert result.exit_code != 0 and "--size" in result.output
    if not IS_POSTGRES:
        result = runner.invoke(args=["demo", "seed", "--scale", "city", "--size", "0.001"])
        assert result.exit_code != 0 and "PostgreSQL" in result.output
        assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar() == 0
