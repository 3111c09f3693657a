"""The feed for other departments: every state change of a published entry, numbered by a
global monotonic sequence, and the feedback consumers send about the measures they applied.

Schema ``civic.credit.feed/1`` (docs/credit-feed.md). Only the published columns of DOMAIN.md
are carried: no ID numbers, phones or addresses of persons.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, events
from core.db import advisory_lock
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from credit import vocabulary
from credit.models import CreditFact, EntryState, FeedEvent, FeedFeedback, ListEntry
from credit.vocabulary import fact_label

SCHEMA = "civic.credit.feed/1"
EVENTS = ("published", "updated", "removed", "identity")  # identity: approved change


IDENTITY = ("name", "uscc", "legal_representative", "registering_authority")


def measures_payload(list_type: str, codes) -> list[dict]:
    by_code = {m.code: m for m in vocabulary.measures_for(list_type)}
    return [{"code": c, "label": by_code[c].label if c in by_code else vocabulary.measure_label(c),
             "memorandum": by_code[c].memorandum if c in by_code else None,
             "clause": by_code[c].clause if c in by_code else None,
             "department": by_code[c].department if c in by_code else None}
            for c in codes or []]


def facts_payload(entry: ListEntry) -> list[dict]:
    ids = entry.fact_ids
    if not ids:
        return []
    # Facts a page already loaded with the entries' grounds are not asked for again.
    known = {i: db.session.identity_map.get(db.session.identity_key(CreditFact, i))
             for i in ids}
    missing = [i for i, fact in known.items() if fact is None]
    if missing:
        known.update({f.id: f for f in db.session.execute(
            sa.select(CreditFact).where(CreditFact.id.in_(missing))).scalars()})
    facts = sorted((f for f in known.values() if f is not None),
                   key=lambda f: (f.occurred_on, f.id))
    return [{"date": f.occurred_on.isoformat(), "kind": f.kind, "subtype": f.subtype,
             "label": fact_label(f),
             "document_number": f.document_number, "source_department": f.source_department}
            for f in facts]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def entry_payload(entry: ListEntry) -> dict:
    """The published columns of one entry (DOMAIN.md "Published columns")."""
    org = entry.organization
    named = entry.subject_snapshot or {key: getattr(org, key) for key in IDENTITY}
    district = org.district.name if org.district else None
    current = {key: getattr(org, key) for key in IDENTITY}
    changed = any(current[key] != named.get(key) for key in IDENTITY)
    return {
        "entry_id": entry.id, "list_type": entry.list_type,
        "list_name": str(vocabulary.LIST_LABELS[entry.list_type]),
        "state": entry.state, "under_objection": entry.under_objection,
        # The subject as the decision named it; ``current_subject`` only after the bureau
        # approved a change of its identity (the feed says so: event ``identity``).
        "subject": {**{key: named.get(key) for key in IDENTITY}, "district": district},
        "current_subject": {**current, "district": district} if changed else None,
        "responsible_persons": [p.get("name") for p in entry.responsible_persons or []],
        "reason": entry.reason, "legal_basis": entry.legal_basis,
        "facts": facts_payload(entry),
        "decision_date": _iso(entry.decided_on), "decision_document": entry.decision_document,
        "decided_by": entry.deciding_authority,
        "valid_until": _iso(entry.valid_until),
        "removal_date": _iso(entry.removed_on), "removal_reason": entry.removal_reason,
        "measures": measures_payload(entry.list_type, entry.measures),
        "measures_version": vocabulary.measures_version(),
    }


def on_org_identity_changed(sender, org_id=None, **_kw) -> None:
    """core.events: the bureau approved a change of a subject's identity. Each published
    entry keeps the identity it was decided on; the feed announces the change as its own
    event, whose payload carries ``current_subject``."""
    for entry in db.session.execute(sa.select(ListEntry).where(
            ListEntry.org_id == org_id, ListEntry.state == EntryState.PUBLISHED)
            .order_by(ListEntry.id)).scalars():
        emit(entry, "identity")


def connect() -> None:
    events.org_identity_changed.connect(on_org_identity_changed)


def emit(entry: ListEntry, event: str) -> FeedEvent:
    """Append one event. The advisory lock makes the sequence gap-free and in commit order."""
    if event not in EVENTS:
        raise ValueError(event)
    advisory_lock("credit.feed")
    last = db.session.execute(sa.select(sa.func.max(FeedEvent.seq))).scalar() or 0
    row = FeedEvent(seq=last + 1, entry_id=entry.id, org_id=entry.org_id,
                    list_type=entry.list_type, event=event, payload=entry_payload(entry))
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class FeedPage:
    since: int
    limit: int
    events: list[FeedEvent]
    last_seq: int  # the highest seq that exists now

    @property
    def next_since(self) -> int:
        return self.events[-1].seq if self.events else self.since

    @property
    def has_more(self) -> bool:
        return self.next_since < self.last_seq

    @property
    def etag_data(self) -> list:
        """(since, last seq in the page, limit): events never change, so this names the page."""
        return [SCHEMA, self.since, self.next_since, self.limit]


def read_feed(since: int, limit: int) -> FeedPage:
    """Events with seq > ``since``, oldest first (consumers filter by list type themselves, so
    ``next_since`` always advances)."""
    query = sa.select(FeedEvent).where(FeedEvent.seq > since).order_by(FeedEvent.seq).limit(limit)
    events = list(db.session.execute(query).scalars())
    last = db.session.execute(sa.select(sa.func.max(FeedEvent.seq))).scalar() or 0
    return FeedPage(since, limit, events, last)


def event_out(event: FeedEvent) -> dict:
    return {"seq": event.seq, "event": event.event, "entry_id": event.entry_id,
            "list_type": event.list_type, "occurred_at": event.occurred_at,
            "entry": event.payload}


def page_out(page: FeedPage) -> dict:
    return {"schema": SCHEMA, "since": page.since, "next_since": page.next_since,
            "has_more": page.has_more, "measures_version": vocabulary.measures_version(),
            "events": [event_out(e) for e in page.events]}


def etag_of(page: FeedPage) -> str:
    data = [*page.etag_data, vocabulary.measures_version()]  # a catalogue change is news too
    return hashlib.sha256(repr(data).encode()).hexdigest()[:32]


# --- feedback (the loop back from consumer departments) ------------------------------------

def record_feedback(actor, entry_id: int, measures: list[str], applied_on: date,
                    note: str | None = None, department: str | None = None) -> FeedFeedback:
    """A consumer reports which measures it applied to which entry, and when."""
    entry = db.session.get(ListEntry, entry_id)
    if entry is None or entry.decided_on is None or entry.state not in (EntryState.PUBLISHED,
                                                                         EntryState.REMOVED):
        raise NotFound("credit.entry_not_published", _l("没有这条已公开的名单记录。"),
                       errors={"entry_id": [str(_l("没有这条已公开的名单记录。"))]})
    measures = [m.strip() for m in measures if m and m.strip()]
    if not measures:
        raise ValidationFailed("credit.feedback_measures", _l("请至少填写一项已采取的措施。"),
                               errors={"measures": [str(_l("必填。"))]})
    if applied_on < entry.decided_on:
        raise ValidationFailed("credit.feedback_date", _l("措施实施日期不能早于列入决定日期。"),
                               errors={"applied_on": [str(_l("不能早于列入决定日期。"))]})
    row = FeedFeedback(entry_id=entry.id, user_id=actor.id,
                       department=(department or actor.display_name)[:100],
                       measures=measures, applied_on=applied_on, note=(note or "").strip() or None)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "credit.feed.feedback", "credit_list_entry", entry.id,
                 after={"measures": measures, "applied_on": applied_on, "department": row.department})
    return row


def feedback_for(entry_id: int) -> list[FeedFeedback]:
    return list(db.session.execute(
        sa.select(FeedFeedback).where(FeedFeedback.entry_id == entry_id)
        .order_by(FeedFeedback.id.desc())).scalars())


def recent_feedback(limit: int = 10) -> list[FeedFeedback]:
    return list(db.session.execute(
        sa.select(FeedFeedback).order_by(FeedFeedback.id.desc()).limit(limit)).scalars())
