"""Credit test data: plain fact/entry views for the pure rules, and recorded facts for services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from core import workdays
from credit.facts.records import Recording, record_fact
from credit.lists import entries, scan
from credit.lists.rules import Subject

_ids = itertools.count(1000)


@dataclass
class F:
    """A fact as the rules read it."""

    kind: str
    subtype: str
    occurred_on: date
    id: int = field(default_factory=lambda: next(_ids))
    amount_yuan: int | None = None
    result: str | None = None
    rectify_deadline: date | None = None
    grade: int | None = None
    valid_until: date | None = None
    report_year: int | None = None
    report_status: str | None = None
    responsibility: str | None = None
    related_fact_id: int | None = None


@dataclass
class E:
    """An entry as the rules read it."""

    list_type: str
    state: str = "published"
    fact_ids: list = field(default_factory=list)
    source_entry_ids: list = field(default_factory=list)
    listed_since: date | None = None
    clock_start: date | None = None
    decided_on: date | None = None
    valid_until: date | None = None
    removed_on: date | None = None
    needs_rectification: bool = False
    removal_code: str | None = None
    id: int = field(default_factory=lambda: next(_ids))


def subject(*facts, entries=(), social=True, eldercare=False, status="active",
            score_grade=None, scoring=False) -> Subject:
    return Subject(org_id=1, is_social=social, is_eldercare=eldercare, status=status,
                   registration_date=date(2010, 1, 1), facts=sorted(facts, key=lambda f: f.occurred_on),
                   entries=list(entries), score_grade=score_grade, scoring_available=scoring)


def warning(on: date) -> F:
    return F("penalty", "warning", on)


def fine(on: date, amount: int) -> F:
    return F("penalty", "fine", on, amount_yuan=amount)


DEFAULTS = {"source_department": "常州市民政局", "document_number": "常民罚〔2024〕1号",
            "evidence_ref": "卷宗 2024-001", "summary": "测试"}


def record(org, kind: str, subtype: str, on: date, actor=None, recorded_on: date | None = None,
           **fields):
    """Record a real fact for ``org`` (formed on ``on``, entered the same day by default)."""
    data = {**DEFAULTS, "kind": kind, "subtype": subtype, "occurred_on": on, **fields}
    return record_fact(actor, org.id, data, Recording(recorded_on=recorded_on or on))


def notified(regulator, entry, on: date):
    """Send the prior notice on ``on`` and record it signed for in person the same day, so the
    objection window runs from ``on`` (the served date decides it: credit.lists.notices)."""
    entries.notify(regulator, entry, on)
    entries.serve_in_person(regulator, entry, on, "送达回证（测试）")
    return entry


def scan_lists(today: date, lists=("abnormal", "serious", "eldercare")):
    """The punishment lists' scan on ``today`` (what the daily job runs)."""
    return scan.run_scan(None, today, lists)


def listed(org, regulator, on: date, publish_on: date | None = None, subtype="warning",
           **fields):
    """A fact on ``on``, proposed and notified the same day, published after the window."""
    record(org, "penalty", subtype, on, **fields)
    (entry,) = scan_lists(on)
    notified(regulator, entry, on)
    entries.publish(regulator, entry, "常民决〔2024〕1号", publish_on or
                    workdays.add_working_days(entry.objection_due, 1))
    return entry
