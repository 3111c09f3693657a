"""Platform facts from other packages' events (credit.facts.subscribers)."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from core import events
from core.extensions import db
from credit.models import CreditFact

D = date


def test_a_session_found_false_becomes_a_platform_fact_once(app, society):
    when = datetime(2024, 5, 5, 20, 0, tzinfo=UTC)  # 6 May, 04:00 in Changzhou
    for _ in range(2):
        events.publish(events.session_found_false, "timebank", session_id=7, org_id=society.id,
                       minutes=120, reason="服务对象否认接受过服务", actor_id=None, occurred_at=when)
    facts = db.session.scalars(sa.select(CreditFact).where(CreditFact.kind == "platform")).all()
    assert len(facts) == 1 and facts[0].subtype == "false_hours"
    assert facts[0].occurred_on == D(2024, 5, 6) and facts[0].origin == "platform"


def test_matches_fulfilled_and_abandoned_become_facts_for_credit_subjects_only(app, society,
                                                                               make):
    company = make.org("company")
    events.publish(events.match_fulfilled, "charity", proposal_id=3, need_org_id=society.id,
                   offer_org_id=company.id, quantity=10, delivered_quantity=10,
                   occurred_at=D(2024, 5, 6))
    events.publish(events.match_abandoned, "charity", proposal_id=4, org_id=society.id,
                   reason="未按约定送达", occurred_at=D(2024, 5, 7))
    subtypes = db.session.scalars(sa.select(CreditFact.subtype).order_by(CreditFact.id)).all()
    assert subtypes == ["match_fulfilled", "match_abandoned"]

