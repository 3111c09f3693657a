"""Confirming, rejecting and reversing sessions; the events other packages hear."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import audit, clock, events
from core.accounts import identity
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.extensions import db
from core.sanctions import NO_CONFIRMING_HOURS, impose
from timebank import confirmation, ledger, sessions
from timebank.models import Posting, ServiceSession
from timebank.vocabulary import PostingKind, SessionStatus


def test_confirmation_by_the_organization_deposits_the_credits(tb):
    volunteer = tb.volunteer()
    row = tb.confirmed(volunteer, minutes=90)
    assert row.status == SessionStatus.CONFIRMED and row.confirmed_via == "org"
    assert row.credit_minutes == 90
    assert ledger.balances(volunteer.person.id) == (90, 0, 90)
    posting = db.session.execute(sa.select(Posting)).scalar_one()
    assert posting.kind == PostingKind.DEPOSIT and posting.reference == f"session:{row.id}"


def test_the_recipient_person_may_confirm_once_verified_in_person(tb, make):
    volunteer = tb.volunteer()
    elder = make.user("volunteer", age=80)
    row = tb.session(volunteer, recipient_person_id=elder.person.id, recipient_org_id=None,
                     org_id=None)
    with pytest.raises(PermissionDenied):
        confirmation.confirm_session(elder, row.id)
    identity.verify_in_person(tb.staff, elder.person.name, elder.person.id_number)
    confirmation.confirm_session(elder, row.id)
    assert row.confirmed_via == "recipient"
    assert ledger.balances(volunteer.person.id)[0] == row.minutes


def test_the_volunteer_can_never_confirm_their_own_session(tb):
    volunteer = tb.volunteer()
    row = tb.session(volunteer)
    with pytest.raises(PermissionDenied) as err:
        confirmation.confirm_session(volunteer, row.id)
    assert err.value.code == "timebank.self_confirmation"


def test_staff_who_is_also_the_volunteer_cannot_confirm(tb, make):
    staff = make.user("org_staff", "volunteer", with_person=True, org=tb.org)
    row = tb.session(staff)
    with pytest.raises(PermissionDenied) as err:
        confirmation.confirm_session(staff, row.id)
    assert err.value.code == "timebank.self_confirmation"


def test_an_unrelated_user_cannot_confirm(tb):
    row = tb.session(tb.volunteer())
    with pytest.raises(PermissionDenied) as err:
        confirmation.confirm_session(tb.volunteer(), row.id)
    assert err.value.code == "timebank.not_confirmer"


def test_a_barred_organization_cannot_confirm(tb):
    row = tb.session(tb.volunteer())
    impose(tb.org.id, [NO_CONFIRMING_HOURS], "credit-list:1", clock.today() - timedelta(days=1))
    with pytest.raises(PermissionDenied) as err:
        confirmation.confirm_session(tb.staff, row.id)
    assert err.value.code == "timebank.org_barred"
    assert ledger.verify().postings == 0


def test_confirming_twice_is_a_conflict_and_deposits_once(tb):
    volunteer = tb.volunteer()
    row = tb.confirmed(volunteer)
    with pytest.raises(Conflict) as err:
        confirmation.confirm_session(tb.staff, row.id)
    assert err.value.code == "timebank.not_pending"
    assert ledger.balances(volunteer.person.id)[0] == row.minutes


def test_rejection_needs_a_reason_and_keeps_it(tb):
    row = tb.session(tb.volunteer())
    with pytest.raises(ValidationFailed) as err:
        confirmation.reject_session(tb.staff, row.id, "  ")
    assert err.value.code == "timebank.reason_required"
    confirmation.reject_session(tb.staff, row.id, "当天活动取消")
    assert row.status == SessionStatus.REJECTED and row.reject_reason == "当天活动取消"
    assert ledger.verify().postings == 0


def test_confirmation_publishes_session_confirmed(tb):
    heard = []

    def listener(sender, **kw):
        heard.append(kw)

    events.session_confirmed.connect(listener)
    try:
        row = tb.confirmed(tb.volunteer())
    finally:
        events.session_confirmed.disconnect(listener)
    assert heard and heard[0]["session_id"] == row.id and heard[0]["org_id"] == tb.org.id


def test_reversal_posts_a_reversing_entry_audits_and_signals(tb, make):
    volunteer = tb.volunteer()
    regulator = make.user("regulator")
    row = tb.confirmed(volunteer, minutes=60)
    heard = []

    def listener(sender, **kw):
        heard.append(kw)

    events.session_found_false.connect(listener)
    try:
        confirmation.reverse_session(regulator, row.id, "回访核实服务未发生")
    finally:
        events.session_found_false.disconnect(listener)
    assert row.status == SessionStatus.REVERSED and row.reversal_shortfall == 0
    assert ledger.balances(volunteer.person.id) == (0, 0, 0)
    kinds = sorted(db.session.execute(sa.select(Posting.kind)).scalars())
    assert kinds == ["deposit", "reversal"]
    assert heard[0]["org_id"] == tb.org.id and heard[0]["reason"] == "回访核实服务未发生"
    assert any(r.action == "timebank.session.reverse"
               for r in audit.history("timebank_session", row.id))
    assert ledger.verify().ok


def test_reversal_never_drives_a_balance_below_zero(tb, make):
    volunteer = tb.volunteer()
    row = tb.confirmed(volunteer, minutes=60)
    from timebank import transfers

    transfers.donate(volunteer, volunteer.person, 45)
    confirmation.reverse_session(make.user("regulator"), row.id, "不实")
    assert row.reversal_shortfall == 45
    assert ledger.balances(volunteer.person.id) == (0, 0, 0)
    assert ledger.verify().ok


def test_a_session_is_reversed_only_once(tb, make):
    row = tb.confirmed(tb.volunteer())
    regulator = make.user("regulator")
    confirmation.reverse_session(regulator, row.id, "不实")
    with pytest.raises(Conflict):
        confirmation.reverse_session(regulator, row.id, "不实")


def test_a_volunteer_cannot_reverse(tb):
    volunteer = tb.volunteer()
    row = tb.confirmed(volunteer)
    with pytest.raises(PermissionDenied):
        confirmation.reverse_session(tb.volunteer(), row.id, "不实")


def test_auto_confirm_is_off_by_default_and_confirms_after_the_silence_when_set(tb, app):
    volunteer = tb.volunteer()
    row = tb.session(volunteer)
    row.created_at = clock.now() - timedelta(days=20)
    db.session.flush()
    assert confirmation.auto_confirm_due() == 0
    app.config["POLICY_AUTO_CONFIRM_DAYS"] = 14
    assert confirmation.auto_confirm_due() == 1
    assert row.status == SessionStatus.CONFIRMED and row.confirmed_via == "auto"
    assert confirmation.auto_confirm_due() == 0


def test_charity_confirmation_records_a_confirmed_session_once(tb):
    volunteer = tb.volunteer()
    end = clock.now().replace(microsecond=0) - timedelta(hours=5)
    payload = {"opportunity_id": 1, "signup_id": 77, "org_id": tb.org.id,
               "person_id": volunteer.person.id, "category": "community",
               "district_id": tb.district.id, "address": "红梅公园",
               "start": end - timedelta(hours=2), "end": end, "description": "公园清洁",
               "actor_id": tb.staff.id}
    events.publish(events.volunteer_service_confirmed, "charity", **payload)
    events.publish(events.volunteer_service_confirmed, "charity", **payload)
    rows = db.session.execute(sa.select(ServiceSession)).scalars().all()
    assert len(rows) == 1 and rows[0].status == SessionStatus.CONFIRMED
    assert rows[0].source == "charity" and rows[0].confirming_org_id == tb.org.id
    assert ledger.balances(volunteer.person.id)[0] == 120


def test_counter_staff_confirm_for_an_elder_without_a_login_only(tb, make):
    from core.orgs.models import OrgKind

    home = make.org(OrgKind.ELDERCARE)
    counter = make.user("institution_staff", org=home)
    volunteer = tb.volunteer()
    elder = make.person(age=88)
    row = tb.session(volunteer, recipient_person_id=elder.id, recipient_org_id=None, org_id=None)
    confirmation.confirm_session(counter, row.id)
    assert row.confirmed_via == "counter" and row.confirming_org_id == home.id
    with_phone = make.user("volunteer", age=70)
    other = tb.session(volunteer, recipient_person_id=with_phone.person.id, recipient_org_id=None,
                       org_id=None, hours_ago=60)
    with pytest.raises(PermissionDenied):
        confirmation.confirm_session(counter, other.id)


def test_a_suspended_organization_cannot_confirm(tb):
    row = tb.session(tb.volunteer())
    tb.org.status = "suspended"
    with pytest.raises(PermissionDenied) as err:
        confirmation.confirm_session(tb.staff, row.id)
    assert err.value.code == "timebank.org_inactive"


def test_an_organization_not_yet_verified_cannot_vouch_for_hours(tb, make):
    """Staff register an organization themselves (pending until the bureau verifies it) and
    manage it at once; it could log and confirm anyone's hours, credits minted by an
    organization no one has checked (found by tests/security)."""
    shell = make.org(status="pending")
    staff = make.user("org_staff", org=shell)
    volunteer = tb.volunteer()
    row = sessions.log_session(staff, tb.data(volunteer.person, org_id=shell.id,
                                              recipient_org_id=shell.id))
    with pytest.raises(PermissionDenied) as err:
        confirmation.confirm_session(staff, row.id)
    assert err.value.code == "timebank.org_not_verified"
    assert row.status == "pending" and ledger.balances(volunteer.person.id)[0] == 0
    shell.status = "active"  # verified by the bureau: now it may
    confirmation.confirm_session(staff, row.id)
    assert ledger.balances(volunteer.person.id)[0] == row.minutes


def test_charity_service_by_a_person_not_yet_a_volunteer_registers_them(tb, make):
    person = make.person(volunteer=False, age=30)
    end = clock.now().replace(microsecond=0) - timedelta(hours=3)
    events.publish(events.volunteer_service_confirmed, "charity", opportunity_id=2,
                   signup_id=88, org_id=tb.org.id, person_id=person.id, category="unknown",
                   district_id=tb.district.id, address="", start=end - timedelta(hours=1),
                   end=end, description="", actor_id=None)
    assert person.volunteer_number is not None
    row = db.session.execute(sa.select(ServiceSession)).scalar_one()
    assert row.category == "community" and row.status == SessionStatus.CONFIRMED


def _family(tb, make, elder, verified: bool):
    """A relative of ``elder`` with a login; the link declared, and verified by staff if so."""
    from core.accounts.services import declare_family_link, verify_family_link

    child = make.user("volunteer", age=50)
    link = declare_family_link(child, child.person, elder.person.id_number, elder.person.name,
                               "parent")
    if verified:
        verify_family_link(tb.staff, link)
    return child


def test_a_verified_relative_confirms_for_an_elder(tb, make):
    """Issue 15: the elder has no phone; their child, whose link staff verified, confirms."""
    volunteer, elder = tb.volunteer(), make.user("volunteer", age=86)
    child = _family(tb, make, elder, verified=True)
    row = tb.session(volunteer, recipient_person_id=elder.person.id, recipient_org_id=None,
                     org_id=None)
    assert row in db.session.execute(sessions.sessions_query(child, "to_confirm")).scalars()
    assert confirmation.decision_rights(child, row)["decide"]
    confirmation.confirm_session(child, row.id)
    assert row.status == SessionStatus.CONFIRMED and row.confirmed_via == "family"
    assert ledger.balances(volunteer.person.id)[0] == row.minutes


def test_an_unverified_relative_or_a_stranger_cannot_confirm_for_an_elder(tb, make, api_as):
    volunteer, elder = tb.volunteer(), make.user("volunteer", age=86)
    declared = _family(tb, make, elder, verified=False)
    row = tb.session(volunteer, recipient_person_id=elder.person.id, recipient_org_id=None,
                     org_id=None)
    session_id = row.id
    for who in (declared, tb.volunteer()):
        assert not list(db.session.execute(sessions.sessions_query(who, "to_confirm")).scalars())
        response = api_as(user=who).post(f"/api/v1/timebank/sessions/{session_id}/confirm",
                                         json={})
        assert response.status_code == 403
        assert response.json["code"] == "timebank.not_confirmer"
    row = db.session.get(ServiceSession, session_id)
    assert row.status == SessionStatus.PENDING and row.confirmed_via is None
    assert db.session.execute(sa.select(sa.func.count()).select_from(Posting)).scalar() == 0
