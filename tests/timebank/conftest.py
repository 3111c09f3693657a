"""Time-bank fixtures: volunteers, organizations with staff, sessions and funded accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.extensions import db
from core.orgs.models import OrgKind
from timebank import confirmation, ledger, sessions
from timebank.vocabulary import PostingKind


class TimebankFactory:
    """Builds time-bank objects through the services, as a request would."""

    def __init__(self, make):
        self.make = make
        self.district = make.district()
        self._org = None
        self._staff = None

    @property
    def org(self):
        if self._org is None:
            self._org = self.make.org(OrgKind.SOCIAL_GROUP)
        return self._org

    @property
    def staff(self):
        if self._staff is None:
            self._staff = self.make.user("org_staff", org=self.org)
        return self._staff

    def volunteer(self, age: int = 40, **kwargs):
        return self.make.user("volunteer", age=age, **kwargs)

    def data(self, volunteer_person, *, hours_ago: float = 30, minutes: int = 120, **over):
        end = clock.now().replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
        base = {"volunteer_id": volunteer_person.id, "recipient_person_id": None,
                "recipient_org_id": self.org.id, "org_id": self.org.id, "category": "meal",
                "district_id": self.district.id, "address": "天宁区红梅新村 3 幢",
                "start": end - timedelta(minutes=minutes), "end": end,
                "description": "送餐"}
        base.update(over)
        return base

    def session(self, volunteer_user, **kwargs):
        return sessions.log_session(volunteer_user, self.data(volunteer_user.person, **kwargs))

    def confirmed(self, volunteer_user, **kwargs):
        """Logged and confirmed by the organization (a reason, in case it is an old one)."""
        row = self.session(volunteer_user, **kwargs)
        return confirmation.confirm_session(self.staff, row.id, reason="按签到表补录")

    def fund(self, person, minutes: int, reference: str | None = None):
        """Mint credits straight into a person's account (as a confirmed session would)."""
        ref = reference or f"test-fund:{person.id}:{minutes}:{clock.now().timestamp()}"
        return ledger.transfer(ledger.issuance_account(self.org.id),
                               ledger.person_account(person.id), minutes,
                               PostingKind.DEPOSIT, ref)


@pytest.fixture
def tb(app, make, writing):
    """Time-bank factory (service calls run as a write transaction)."""
    return TimebankFactory(make)


@pytest.fixture
def commit():
    """Commit the test's session (for tests that read through other connections)."""
    return db.session.commit
