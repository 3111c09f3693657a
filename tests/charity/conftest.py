"""Charity fixtures: seeded items, organizations with staff, needs, offers, volunteers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charity import items, opportunities, posting
from core import clock
from core.extensions import db
from core.orgs.models import OrgKind


class CharityFactory:
    """Builds charity objects through the services, as a request would."""

    def __init__(self, make):
        self.make = make
        items.seed_items(None)
        self.org = make.org(OrgKind.SOCIAL_GROUP, district="tianning")
        self.staff = make.user("org_staff", org=self.org)
        self.donor_org = make.org(OrgKind.COMPANY, district="tianning")
        self.donor_staff = make.user("org_staff", org=self.donor_org)

    def item(self, code: str):
        return items.find_item(code)

    def district(self, code: str = "tianning"):
        return self.make.district(code)

    def need_data(self, item="rice", qty=10, urgency=2, district="tianning", days=7, **over):
        data = {"item_id": self.item(item).id, "quantity": qty, "urgency": urgency,
                "district_id": self.district(district).id, "address": "天宁区红梅新村 3 幢",
                "deadline": clock.now() + timedelta(days=days), "description": "慈善超市补货"}
        data.update(over)
        return data

    def offer_data(self, item="rice", qty=10, district="tianning", days=14, **over):
        data = {"item_id": self.item(item).id, "quantity": qty,
                "district_id": self.district(district).id, "address": "天宁区青果巷 8 号",
                "available_until": clock.now() + timedelta(days=days), "description": "企业捐赠"}
        data.update(over)
        return data

    def need(self, actor=None, org=None, beneficiary=None, now=None, **kw):
        return posting.create_need(actor or self.staff, (org or self.org).id,
                                   self.need_data(**kw), beneficiary=beneficiary, now=now)

    def offer(self, actor=None, org=None, person=False, now=None, **kw):
        actor = actor or self.donor_staff
        org_id = None if person else (org or self.donor_org).id
        return posting.create_offer(actor, org_id, self.offer_data(**kw), now=now)

    def opportunity(self, actor=None, org=None, start_in=timedelta(days=3), hours=3,
                    headcount=3, skills=("meal",), **over):
        start = (clock.now() + start_in).replace(second=0, microsecond=0)
        data = {"title": "社区长者助餐送餐", "activity": "meal", "skills": list(skills),
                "start_at": start, "end_at": start + timedelta(hours=hours),
                "headcount": headcount, "district_id": self.district().id,
                "address": "天宁区红梅街道长者食堂", "description": "为独居老人送午餐"}
        data.update(over)
        return opportunities.create_opportunity(actor or self.staff, (org or self.org).id,
                                                 data)

    def volunteer(self, age: int = 40, **kwargs):
        return self.make.user("volunteer", age=age, **kwargs)


@pytest.fixture
def ch(app, make, writing):
    """Charity factory (service calls run as a write transaction)."""
    return CharityFactory(make)


@pytest.fixture
def commit():
    """Commit the test's session (for tests that read through other connections)."""
    return db.session.commit
