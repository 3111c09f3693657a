"""A subject's credit profile, cut to what the viewer may see: regulators everything, the
organization's own staff their own record from notice on, the public only what is published."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from core import scores
from core.extensions import db
from core.orgs.models import Organization
from credit.facts.annual_reports import reports_of
from credit.facts.records import (
    fact_status,
    facts_by_org,
    frozen_fact_ids,
    get_subject,
    superseded_ids,
)
from credit.inspections.models import DrawAssignment
from credit.lists.entries import PUBLIC, audience, visible_entry_states
from credit.models import CreditFact, EntryState, ListEntry, Objection, RepairApplication


@dataclass
class TimelineFact:
    fact: CreditFact
    status: str  # effective / superseded / frozen / void


@dataclass
class Profile:
    org: Organization
    audience: str
    entries: list[ListEntry]
    facts: list[TimelineFact] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    repairs: list[RepairApplication] = field(default_factory=list)
    reports: list = field(default_factory=list)
    grade: CreditFact | None = None
    score: scores.ScoreView | None = None
    inspections: list[DrawAssignment] = field(default_factory=list)

    @property
    def current(self) -> list[ListEntry]:
        return [e for e in self.entries if e.state in (*EntryState.OPEN, EntryState.PUBLISHED)]


def _entries(org_id: int, who: str) -> list[ListEntry]:
    query = sa.select(ListEntry).where(ListEntry.org_id == org_id,
                                       ListEntry.state.in_(visible_entry_states(who)))
    if who == PUBLIC:
        query = query.where(ListEntry.decided_on.isnot(None))
    return list(db.session.execute(query.order_by(ListEntry.id.desc())).scalars())


def _grade(org_id: int, today: date) -> CreditFact | None:
    gone = superseded_ids()
    grades = [f for f in facts_by_org([org_id]).get(org_id, []) if f.kind == "grade"
              and f.id not in gone and f.valid_until and f.valid_until >= today]
    return max(grades, key=lambda f: f.occurred_on) if grades else None


def build(user, org_id: int, today: date) -> Profile:
    org = get_subject(org_id)
    who = audience(user, org_id)
    profile = Profile(org, who, _entries(org_id, who), grade=_grade(org_id, today))
    profile.inspections = list(db.session.execute(
        sa.select(DrawAssignment).where(DrawAssignment.org_id == org_id,
                                        DrawAssignment.result_fact_id.isnot(None))
        .order_by(DrawAssignment.id.desc())).scalars())
    if who == PUBLIC:
        return profile
    gone, frozen = superseded_ids(), frozen_fact_ids([org_id])
    rows = sorted(facts_by_org([org_id]).get(org_id, []),
                  key=lambda f: (f.occurred_on, f.id), reverse=True)
    profile.facts = [TimelineFact(f, fact_status(f, gone, frozen)) for f in rows]
    profile.objections = list(db.session.execute(sa.select(Objection).where(
        Objection.org_id == org_id).order_by(Objection.id.desc())).scalars())
    profile.repairs = list(db.session.execute(sa.select(RepairApplication).where(
        RepairApplication.org_id == org_id).order_by(RepairApplication.id.desc())).scalars())
    profile.reports = reports_of(org_id)
    profile.score = scores.latest_score(org_id)
    return profile
