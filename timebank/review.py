"""Confirmations that look staged: signals that send a session to the regulators' review queue
instead of the ledger, and the queue (the regulator's decision: ``confirmation.decide_held``).

A private person's word mints hours for someone else, so two patterns are not taken on trust
(issue 12, item 2): a mutual pair (A confirms B's service, B confirms A's) and a burst (one
person confirming ``review_burst_volunteers`` different volunteers within
``review_burst_days``). Organizations answer for their own confirmations and are not screened
here; their false confirmations are reversed and become credit facts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core import audit
from core.config import policy
from core.extensions import db
from timebank.models import ReviewSignal, ServiceSession, SessionStatus, SignalKind

PRIVATE_VIAS = ("recipient", "family", "counter")  # a person's word, not an organization's
COUNTED = (SessionStatus.CONFIRMED, SessionStatus.REVIEW, SessionStatus.REVERSED)


def signals_for(row: ServiceSession, now: datetime) -> list[tuple[str, dict]]:
    """The signals a private person's confirmation of ``row`` raises (none: deposit it)."""
    recipient, volunteer = row.recipient_person_id, row.volunteer_id
    if recipient is None:
        return []
    s = ServiceSession
    found = []
    mutual = db.session.execute(sa.select(s.id).where(
        s.volunteer_id == recipient, s.recipient_person_id == volunteer,
        s.confirmed_via.in_(PRIVATE_VIAS), s.status.in_(COUNTED)).order_by(s.id)).scalars().all()
    if mutual:
        found.append((SignalKind.MUTUAL.value, {"other_session_ids": list(mutual)}))
    days, limit = policy("review_burst_days"), policy("review_burst_volunteers")
    recent = set(db.session.execute(sa.select(s.volunteer_id).where(
        s.recipient_person_id == recipient, s.id != row.id,
        s.confirmed_via.in_(PRIVATE_VIAS), s.status.in_(COUNTED),
        s.decided_at >= now - timedelta(days=days))).scalars())
    recent.add(volunteer)
    if len(recent) >= limit:
        found.append((SignalKind.BURST.value, {"volunteers": len(recent), "days": days}))
    return found


def hold_for_review(row: ServiceSession, signals: list[tuple[str, dict]], actor,
                    now: datetime) -> ServiceSession:
    """Record the confirmation as given, deposit nothing, and queue it for a regulator."""
    row.status = SessionStatus.REVIEW
    for kind, detail in signals:
        db.session.add(ReviewSignal(session_id=row.id, kind=kind, detail=detail,
                                    created_at=now))
    db.session.flush()
    audit.record(actor, "timebank.session.review", "timebank_session", row.id, at=now,
                 before={"status": "pending"},
                 after={"status": "review", "signals": [k for k, _d in signals]})
    return row


def queue_query():
    """Sessions held for review, oldest first (a regulator works the queue in order)."""
    return sa.select(ServiceSession).where(ServiceSession.status == SessionStatus.REVIEW) \
        .order_by(ServiceSession.decided_at, ServiceSession.id)


def signals_of(session_ids) -> dict[int, list[ReviewSignal]]:
    out: dict[int, list[ReviewSignal]] = {}
    if not session_ids:
        return out
    for signal in db.session.execute(sa.select(ReviewSignal).where(
            ReviewSignal.session_id.in_(list(session_ids))).order_by(ReviewSignal.id)).scalars():
        out.setdefault(signal.session_id, []).append(signal)
    return out
