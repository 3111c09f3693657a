"""A member's account at a glance (timebank.accounts) and whose account a login uses
(timebank.ledger.member_person)."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from timebank import ledger
from timebank.accounts import account_summary


def test_a_login_without_a_real_name_person_is_told_why_it_has_no_account(tb, make):
    staff = make.user("org_staff")  # a staff login that also serves has no person
    with pytest.raises(DomainError) as refused:
        ledger.member_person(staff)
    assert refused.value.code == "timebank.no_person" and refused.value.status == 409


def test_the_summary_shows_balance_holds_and_pending_sessions_with_a_masked_id(tb):
    volunteer = tb.volunteer()
    person = volunteer.person
    tb.fund(person, 90)
    tb.session(volunteer)
    summary = account_summary(person)
    assert (summary["balance"], summary["held"], summary["available"]) == (90, 0, 90)
    assert summary["pending_sessions"] == 1 and summary["may_redeem"] is False
    assert summary["id_number_masked"] != person.id_number
    assert "*" in summary["id_number_masked"]
