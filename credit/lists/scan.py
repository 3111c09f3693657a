"""Applying the rules to every subject: the scan that proposes entries (idempotent), the
daily time rules (automatic removal, expiry, deregistration) and the yearly red-list review."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from core import scores
from core.db import advisory_lock
from core.extensions import db
from core.orgs.models import Organization
from credit.facts.records import effective_facts, subject_orgs
from credit.lists import entries as lifecycle
from credit.lists.history import identity_history, kind_history
from credit.lists.removals import (
    removal_abnormal_automatic,
    removal_eldercare_expired,
    removal_red_review,
    removal_serious_deregistered,
)
from credit.lists.rules import Subject, evaluate
from credit.models import EntryState, ListEntry
from credit.vocabulary import ABNORMAL, ELDERCARE, RED, SERIOUS, article


def _entries_by_org(org_ids=None) -> dict[int, list[ListEntry]]:
    query = sa.select(ListEntry).options(selectinload(ListEntry.grounds)).order_by(ListEntry.id)
    if org_ids is not None:
        query = query.where(ListEntry.org_id.in_(list(org_ids)))
    grouped: dict[int, list[ListEntry]] = defaultdict(list)
    for entry in db.session.execute(query).scalars():
        grouped[entry.org_id].append(entry)
    return grouped


def scoring_available() -> bool:
    return scores.has_provider()


def subject_ids() -> list[int]:
    """Every organization the rules may look at, in id order: today's credit subjects and
    those that were one before an approved change of kind or eldercare flag."""
    return sorted({o.id for o in subject_orgs()} | set(identity_history()))


def subjects(today: date, org_ids=None) -> list[tuple[Organization, Subject]]:
    """Every credit subject as the rules see it on ``today``, including an organization that
    was one before an approved change of its kind or eldercare flag."""
    history = identity_history(org_ids)
    orgs = subject_orgs(org_ids)
    former = set(history) - {o.id for o in orgs}
    if former:
        orgs = sorted(orgs + [db.session.get(Organization, i) for i in former],
                      key=lambda o: o.id)
    ids = [o.id for o in orgs]
    facts = effective_facts(ids, until=today)
    entries = _entries_by_org(ids)
    available = scoring_available()
    views = scores.latest_scores(ids) if available else {}
    return [(org, Subject(
        org_id=org.id, is_social=org.is_social_organization, is_eldercare=org.is_eldercare,
        status=org.status, registration_date=org.registration_date,
        facts=facts.get(org.id, []), entries=entries.get(org.id, []),
        score_grade=views[org.id].grade if org.id in views else None,
        # The score criterion applies once the subject has a score: red-list reviews that ran
        # before the first scoring (e.g. the demo's history) use the factual criteria only.
        scoring_available=available and org.id in views, scoring_installed=available,
        history=kind_history(org, history.get(org.id, [])))) for org in orgs]


def subject_view(org_id: int, today: date) -> Subject:
    found = subjects(today, [org_id])
    if not found:
        raise LookupError(org_id)
    return found[0][1]


def _origin(rule_code: str) -> str:
    if rule_code.startswith("serious.two_years_on_abnormal"):
        return "move"
    return "review" if rule_code.startswith("red.") else "rule"


def run_scan(actor, today: date, lists=(ABNORMAL, SERIOUS, ELDERCARE), org_ids=None
             ) -> list[ListEntry]:
    """Apply every inclusion rule to every subject and propose what they find. Idempotent: a
    ground already decided on a list is never proposed again (and the (subject, list, grounds)
    key is unique in the table)."""
    advisory_lock("credit.scan")
    created = []
    for org, subject in subjects(today, org_ids):
        for proposal in evaluate(subject, today, lists):
            exists = db.session.execute(sa.select(ListEntry.id).where(
                ListEntry.org_id == org.id, ListEntry.list_type == proposal.list_type,
                ListEntry.grounds_key == proposal.grounds_key)).first()
            if exists:
                continue
            created.append(lifecycle.create_entry(actor, org, proposal,
                                                  _origin(proposal.rule_code), today))
    return created


def _published(*list_types: str) -> list[ListEntry]:
    return list(db.session.execute(
        sa.select(ListEntry).where(ListEntry.state == EntryState.PUBLISHED,
                                   ListEntry.list_type.in_(list_types))
        .order_by(ListEntry.id)).scalars())


def due_removal(entry: ListEntry, subject: Subject | None, today: date, yearly: bool = False):
    """The removal rule of the entry's list, applied today (None: it stays)."""
    if entry.list_type == ABNORMAL:
        return removal_abnormal_automatic(entry, today)
    if entry.list_type == ELDERCARE:
        return removal_eldercare_expired(entry, today)
    if entry.list_type == SERIOUS:
        return removal_serious_deregistered(entry, subject) if subject else None
    return removal_red_review(entry, subject, today, yearly)


def apply_time_rules(actor, today: date, yearly_red_review: bool = False) -> dict[str, int]:
    """Remove what the time rules take off the lists today (run daily; idempotent)."""
    counts: dict[str, int] = defaultdict(int)
    entries = _published(ABNORMAL, SERIOUS, ELDERCARE, RED)
    # Only the red and serious rules read the record: a serious entry for revocation leaves on
    # either proof of deregistration, the registry's status or a deregistration fact.
    need = {e.org_id for e in entries if e.list_type in (RED, SERIOUS)}
    views = {org.id: s for org, s in subjects(today, need)} if need else {}
    for entry in entries:
        removal = due_removal(entry, views.get(entry.org_id), today, yearly_red_review)
        if removal is not None and entry.state == EntryState.PUBLISHED:
            lifecycle.remove(actor, entry, removal.code,
                             f"{removal.reason}（{article(removal.article).citation}）", today)
            counts[f"removed_{removal.code}"] += 1
    return dict(counts)


def red_review(actor, today: date) -> dict[str, int]:
    """The yearly red-list review: remove who no longer qualifies, propose who now does."""
    counts = apply_time_rules(actor, today, yearly_red_review=True)
    counts["red_proposed"] = len(run_scan(actor, today, lists=(RED,)))
    return counts
