"""Platform facts from other packages' events (core.events): sessions found false, matches
fulfilled or abandoned. Each is recorded once (keyed by the event's object), in the
publisher's transaction; organizations that are not credit subjects are skipped."""

from __future__ import annotations

from datetime import date, datetime

from core import clock, events
from core.extensions import db
from core.orgs.models import Organization
from core.timeutil import local_date
from credit.facts.records import is_credit_subject, record_once


def _day(value) -> date:
    if isinstance(value, datetime):
        return local_date(value)
    return value if isinstance(value, date) else clock.today()


def _record(org_id, subtype: str, occurred, ref: str, summary: str, source: str) -> None:
    org = db.session.get(Organization, org_id) if org_id else None
    if org is None or not is_credit_subject(org):
        return
    day = min(_day(occurred), clock.today())
    record_once(org.id, {
        "kind": "platform", "subtype": subtype, "occurred_on": day, "summary": summary[:500],
        "source_department": source, "document_number": ref, "evidence_ref": ref,
    }, source_ref=ref, origin="platform", recorded_on=day)


def on_session_found_false(sender, session_id=None, org_id=None, minutes=0, reason="",
                           occurred_at=None, **_kw) -> None:
    _record(org_id, "false_hours", occurred_at, f"timebank.session:{session_id}:false",
            f"确认的志愿服务时长经核实不实（{minutes} 分钟）：{reason or ''}", "本平台·时间银行")


def on_match_fulfilled(sender, proposal_id=None, need_org_id=None, offer_org_id=None,
                       quantity=None, delivered_quantity=None, occurred_at=None, **_kw) -> None:
    for org_id, side in ((need_org_id, "need"), (offer_org_id, "offer")):
        _record(org_id, "match_fulfilled", occurred_at,
                f"charity.proposal:{proposal_id}:fulfilled:{side}",
                f"慈善对接完成（交付 {delivered_quantity}/{quantity}）", "本平台·慈善供需对接")


def on_match_abandoned(sender, proposal_id=None, org_id=None, reason="", occurred_at=None,
                       **_kw) -> None:
    _record(org_id, "match_abandoned", occurred_at, f"charity.proposal:{proposal_id}:abandoned",
            f"放弃已接受的慈善对接：{reason or ''}", "本平台·慈善供需对接")


def connect() -> None:
    """Connect once per process (blinker keeps module-level functions; reconnecting is a no-op)."""
    events.session_found_false.connect(on_session_found_false)
    events.match_fulfilled.connect(on_match_fulfilled)
    events.match_abandoned.connect(on_match_abandoned)
