"""The full demo city is valid and audited: every organization's USCC and every person's ID
number pass their check digits, the demo logins exist with their roles, the feed consumer has
its token, and the audit chain verifies. It reads the demo the security crawl seeds (once per
worker), instead of seeding a second full city."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core import audit
from core.accounts.models import Person
from core.demo import DEMO_USERNAMES
from core.extensions import db
from core.ids import is_valid_id_number, is_valid_uscc
from core.orgs.models import Organization
from tests.security.conftest import DEMO_GROUP

pytestmark = pytest.mark.xdist_group(DEMO_GROUP)


def test_full_demo_seed_is_valid_and_audited(demo_site):
    with demo_site.app.app_context():
        orgs = db.session.execute(sa.select(Organization)).scalars().all()
        assert len(orgs) >= 40 and all(is_valid_uscc(o.uscc) for o in orgs)
        persons = db.session.execute(sa.select(Person)).scalars().all()
        assert len(persons) >= 200 and all(is_valid_id_number(p.id_number) for p in persons)
        assert audit.verify_chain().ok
    assert set(DEMO_USERNAMES) <= set(demo_site.users)
    assert demo_site.users["counter"].roles == {"institution_staff"}
    assert demo_site.tokens["feed"].startswith("ctb_")
