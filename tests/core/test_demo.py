"""The demo world: reproducible from its seed, valid identifiers, consistent records."""

import hashlib
import random
from datetime import date

import sqlalchemy as sa

from core.accounts.models import Person, User
from core.demo import SeedContext, _seed_core
from core.extensions import db
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
