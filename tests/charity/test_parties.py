"""Who acts for which side (charity.parties): staff for their organization, donors for their own
offers, overseers see all; barred organizations cannot post; persons are never fully named."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charity import parties
from core import clock, sanctions
from core.errors import PermissionDenied


def test_staff_act_for_their_own_organizations_posts_only(ch, make):
    need = ch.need()
    outsider = make.user("org_staff", org=make.org())
    assert parties.acts_for_need(ch.staff, need)
    assert not parties.acts_for_need(outsider, need)
    assert not parties.acts_for_need(ch.donor_staff, need)


def test_a_person_donor_acts_for_their_own_offer(ch):
    volunteer = ch.volunteer()
    offer = ch.offer(actor=volunteer, person=True)
    assert parties.acts_for_offer(volunteer, offer)
    assert not parties.acts_for_offer(ch.volunteer(), offer)


def test_a_barred_organization_cannot_post(ch):
    today = clock.today()
    sanctions.impose(ch.org.id, [sanctions.NO_POSTING], "credit.entry:9",
                     effective_from=today - timedelta(days=1), effective_until=None)
    with pytest.raises(PermissionDenied) as refused:
        parties.require_may_post(ch.staff, ch.org.id)
    assert refused.value.code == "charity.barred_posting"


def test_a_person_donor_is_thanked_by_surname_only():
    assert parties.masked_name("王秀英") == "王**"
    assert parties.masked_name("") == "*"
