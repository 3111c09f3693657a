"""Reading the credit record into plain ``FactTables`` for the score: subjects, their effective
facts (not superseded, not voided, not frozen by an open objection — the facts the rules use)
and the list entries that were published (with their decision and removal days)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from core.extensions import db
from core.orgs.models import Organization, OrgStatus
from credit.facts.records import frozen_fact_ids, subject_orgs, superseded_ids
from credit.models import CreditFact, EntryState, ListEntry
from credit.scoring.matrix import FACT_COLUMNS, FactTables

SCORED_STATUSES = (OrgStatus.ACTIVE, OrgStatus.SUSPENDED)
# Entries ended because an objection was upheld were never rightly there.
VOID_REMOVALS = ("objection_upheld", "objection_corrected")


def subject_rows() -> list[dict]:
    return [{"id": o.id, "registration_date": o.registration_date, "is_eldercare": o.is_eldercare,
             "beds": o.beds, "status": o.status} for o in subject_orgs()]


def fact_rows(until: date | None = None) -> list[dict]:
    """Effective facts formed on or before ``until`` (all when None)."""
    columns = [getattr(CreditFact, c) for c in FACT_COLUMNS]
    query = sa.select(*columns).where(CreditFact.kind != "correction")
    if until is not None:
        query = query.where(CreditFact.occurred_on <= until)
    ignored = superseded_ids() | frozen_fact_ids()
    rows = db.session.execute(query.order_by(CreditFact.id)).mappings()
    return [dict(r) for r in rows if r["id"] not in ignored]


def entry_rows() -> list[dict]:
    query = sa.select(ListEntry.org_id, ListEntry.list_type, ListEntry.decided_on,
                      ListEntry.removed_on, ListEntry.removal_code).where(
        ListEntry.state.in_((EntryState.PUBLISHED, EntryState.REMOVED)),
        ListEntry.decided_on.isnot(None))
    return [{"org_id": r.org_id, "list_type": r.list_type, "published_on": r.decided_on,
             "removed_on": r.removed_on} for r in db.session.execute(query)
            if r.removal_code not in VOID_REMOVALS]


def load_tables(until: date | None = None) -> FactTables:
    """Every credit subject with its effective facts up to ``until`` and its list history."""
    return FactTables.from_rows(subject_rows(), fact_rows(until), entry_rows())


def scorable_ids(day: date) -> list[int]:
    """Subjects scored on ``day``: active or suspended credit subjects registered by then."""
    return [o.id for o in subject_orgs()
            if o.status in SCORED_STATUSES and o.registration_date <= day]


def org_names(org_ids) -> dict[int, Organization]:
    rows = db.session.execute(sa.select(Organization).where(Organization.id.in_(list(org_ids))))
    return {o.id: o for o in rows.scalars()}
