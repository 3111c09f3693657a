"""Credit tables: facts (insert-only), list entries and their due process, objections, repair,
annual reports and the feed. Inspection tables live in ``credit.inspection_models``."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import InsertOnly, TimestampMixin, UTCDateTime, make_insert_only
from core.extensions import db
from core.orgs.models import Organization

# --- facts ---------------------------------------------------------------------------------


class CreditFact(InsertOnly, db.Model):
    """One credit fact (信用信息). Never updated: a correction is a new fact that supersedes."""

    __tablename__ = "credit_fact"
    __table_args__ = (
        sa.Index("ix_credit_fact_org_kind", "org_id", "kind"),
        # The regulator's fact list, newest first: read in index order, never sorted whole.
        sa.Index("ix_credit_fact_recorded", "recorded_at", "id"),
        sa.UniqueConstraint("supersedes_id", name="uq_credit_fact_supersedes"),
        sa.UniqueConstraint("source_ref", name="uq_credit_fact_source_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    subtype: Mapped[str] = mapped_column(sa.String(32))
    occurred_on: Mapped[date] = mapped_column(sa.Date, index=True)  # the day the fact formed
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    source_department: Mapped[str] = mapped_column(sa.String(100))
    document_number: Mapped[str] = mapped_column(sa.String(100))  # 文号 or legal basis
    evidence_ref: Mapped[str] = mapped_column(sa.String(200))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    origin: Mapped[str] = mapped_column(sa.String(16), default="manual")
    late_entry: Mapped[bool] = mapped_column(default=False)
    # Typed columns the rules read.
    amount_yuan: Mapped[int | None]
    result: Mapped[str | None] = mapped_column(sa.String(10))  # inspection: pass/rectify/fail
    rectify_deadline: Mapped[date | None] = mapped_column(sa.Date)
    grade: Mapped[int | None]  # evaluation grade 1–5 (1A–5A)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    substantiated: Mapped[bool | None]
    report_year: Mapped[int | None]
    report_status: Mapped[str | None] = mapped_column(sa.String(10))  # on_time/late/missing
    responsibility: Mapped[str | None] = mapped_column(sa.String(10))  # main/direct/secondary
    related_fact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_fact.id"))
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_fact.id"))
    # Idempotency for facts recorded by events and jobs ("timebank.session:12").
    source_ref: Mapped[str | None] = mapped_column(sa.String(120))
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    organization: Mapped[Organization] = relationship()
    entered_by = relationship("User")


make_insert_only(CreditFact.__table__)


# --- list entries and due process ------------------------------------------------------------

class EntryState:
    PROPOSED = "proposed"
    NOTIFIED = "notified"
    OBJECTED = "objected"
    PUBLISHED = "published"
    REMOVED = "removed"
    CANCELLED = "cancelled"  # never published: declined, or an objection was upheld

    ALL = (PROPOSED, NOTIFIED, OBJECTED, PUBLISHED, REMOVED, CANCELLED)
    OPEN = (PROPOSED, NOTIFIED, OBJECTED)  # due process still running
    VISIBLE_TO_SUBJECT = (NOTIFIED, OBJECTED, PUBLISHED, REMOVED)


class ListEntry(TimestampMixin, db.Model):
    """A subject on one list, carried through proposed → notified → published → removed."""

    __tablename__ = "credit_list_entry"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "list_type", "grounds_key", name="uq_credit_entry_grounds"),
        sa.Index("ix_credit_entry_list_state", "list_type", "state"),
        # A published list, latest decisions first: read in index order, never sorted whole.
        sa.Index("ix_credit_entry_list_state_decided", "list_type", "state", "decided_on",
                 "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_type: Mapped[str] = mapped_column(sa.String(16))
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default=EntryState.PROPOSED)
    # The district the entry is counted under (``credit.lists.tallies``): its organization's
    # when the entry last changed state (a published entry: at the decision). Set on every
    # change; nullable only because SQLite can add a column to a table other rows point to
    # without rebuilding it only as a nullable one (migration 4cb2fa94e423).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    origin: Mapped[str] = mapped_column(sa.String(12))  # rule, manual, move, review
    rule_code: Mapped[str] = mapped_column(sa.String(200))
    legal_basis: Mapped[str] = mapped_column(sa.Text)  # the citation(s) the entry rests on
    reason: Mapped[str] = mapped_column(sa.Text)
    grounds_key: Mapped[str | None] = mapped_column(sa.String(250))
    needs_rectification: Mapped[bool] = mapped_column(default=False)
    responsible_persons: Mapped[list | None] = mapped_column(sa.JSON)  # eldercare: names
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    notified_on: Mapped[date | None] = mapped_column(sa.Date)
    objection_due: Mapped[date | None] = mapped_column(sa.Date)
    decided_on: Mapped[date | None] = mapped_column(sa.Date)  # publication decision
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decision_document: Mapped[str | None] = mapped_column(sa.String(100))
    deciding_authority: Mapped[str | None] = mapped_column(sa.String(100))
    listed_since: Mapped[date | None] = mapped_column(sa.Date)  # continuous time on the list
    clock_start: Mapped[date | None] = mapped_column(sa.Date)  # restarted by new facts
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    removed_on: Mapped[date | None] = mapped_column(sa.Date)
    removal_code: Mapped[str | None] = mapped_column(sa.String(30))
    removal_reason: Mapped[str | None] = mapped_column(sa.Text)
    measures: Mapped[list | None] = mapped_column(sa.JSON)
    under_objection: Mapped[bool] = mapped_column(default=False)
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_list_entry.id"))
    # Who the decision names: the subject's identity when proposed, taken again at the
    # decision, never changed afterwards (a later identity change is announced on its own).
    subject_snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    subject_name: Mapped[str | None] = mapped_column(sa.String(200))  # searchable copies
    subject_uscc: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    organization: Mapped[Organization] = relationship()
    grounds: Mapped[list[EntryGround]] = relationship(
        back_populates="entry", order_by="EntryGround.id",
        foreign_keys="EntryGround.entry_id")
    transitions: Mapped[list[EntryTransition]] = relationship(order_by="EntryTransition.id")

    @property
    def is_active(self) -> bool:
        return self.state in EntryState.OPEN or self.state == EntryState.PUBLISHED

    @property
    def fact_ids(self) -> list[int]:
        return [g.fact_id for g in self.grounds if g.fact_id is not None]

    @property
    def source_entry_ids(self) -> list[int]:
        return [g.source_entry_id for g in self.grounds if g.source_entry_id is not None]


class EntryTally(db.Model):
    """How many entries are in each state, per list and district: the regulators' dashboard
    reads these few rows, never the entries. Kept by ``credit.lists.tallies`` in the
    transaction of every change of state; ``flask credit rebuild-tallies`` recounts."""

    __tablename__ = "credit_entry_tally"

    list_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class EntryMonthTally(db.Model):
    """How many entries were decided (published) and removed in each month, per list (the
    dashboard's last 12 months); kept and rebuilt with ``EntryTally``."""

    __tablename__ = "credit_entry_month_tally"

    list_type: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # its first day
    event: Mapped[str] = mapped_column(sa.String(10), primary_key=True)  # published, removed
    n: Mapped[int] = mapped_column(default=0)


class EntryGround(InsertOnly, db.Model):
    """A fact (or an earlier entry, for moves) an entry rests on."""

    __tablename__ = "credit_entry_ground"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_list_entry.id"), index=True)
    fact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_fact.id"), index=True)
    source_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_list_entry.id"))
    carried: Mapped[bool] = mapped_column(default=False)  # carried over from a replaced entry

    entry: Mapped[ListEntry] = relationship(back_populates="grounds", foreign_keys=[entry_id])
    fact: Mapped[CreditFact | None] = relationship()
    source_entry: Mapped[ListEntry | None] = relationship(foreign_keys=[source_entry_id])


make_insert_only(EntryGround.__table__)


class EntryTransition(InsertOnly, db.Model):
    """One step of an entry's due process: who, when, why."""

    __tablename__ = "credit_entry_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_list_entry.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(12))
    to_state: Mapped[str] = mapped_column(sa.String(12))
    on_date: Mapped[date] = mapped_column(sa.Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(sa.Text)

    actor = relationship("User")


make_insert_only(EntryTransition.__table__)


class Objection(TimestampMixin, db.Model):
    """An objection (异议) to an entry or a fact; while open (and filed in time, or accepted
    late by a regulator) it freezes what it disputes."""

    __tablename__ = "credit_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_list_entry.id"), index=True)
    fact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_fact.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    filed_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    evidence_ref: Mapped[str | None] = mapped_column(sa.String(200))
    in_window: Mapped[bool] = mapped_column(default=True)
    # Filed within every affected entry's window, or a late one a regulator accepted: only
    # then does the objection freeze what it disputes (a late one is recorded and decided).
    freezes: Mapped[bool] = mapped_column(default=True)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(10), default="open")  # upheld/verified/rejected
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    correction_fact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_fact.id"))

    organization: Mapped[Organization] = relationship()
    entry: Mapped[ListEntry | None] = relationship()
    fact: Mapped[CreditFact | None] = relationship(foreign_keys=[fact_id])
    correction: Mapped[CreditFact | None] = relationship(foreign_keys=[correction_fact_id])

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class RepairApplication(TimestampMixin, db.Model):
    """信用修复: a listed organization applies, with evidence, for removal."""

    __tablename__ = "credit_repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_list_entry.id"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    applied_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    applied_on: Mapped[date] = mapped_column(sa.Date)
    statement: Mapped[str] = mapped_column(sa.Text)
    evidence_ref: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")  # approved/refused
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    entry: Mapped[ListEntry] = relationship()
    organization: Mapped[Organization] = relationship()


class AnnualReport(InsertOnly, db.Model):
    """An annual work report filed in the app; its fact says on time or late."""

    __tablename__ = "credit_annual_report"
    __table_args__ = (sa.UniqueConstraint("org_id", "year", name="uq_credit_annual_report"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    year: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revenue_yuan: Mapped[int]
    expenditure_yuan: Mapped[int]
    staff_count: Mapped[int]
    volunteer_count: Mapped[int]
    activity_count: Mapped[int]
    file_ref: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(10))  # on_time / late
    fact_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_fact.id"))


make_insert_only(AnnualReport.__table__)


# --- the feed --------------------------------------------------------------------------------

class FeedEvent(InsertOnly, db.Model):
    """A state change of a published entry, numbered by a global monotonic ``seq``."""

    __tablename__ = "credit_feed_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_list_entry.id"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    list_type: Mapped[str] = mapped_column(sa.String(16))
    event: Mapped[str] = mapped_column(sa.String(10))  # published / updated / removed
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    payload: Mapped[dict] = mapped_column(sa.JSON)


make_insert_only(FeedEvent.__table__)


class FeedFeedback(InsertOnly, db.Model):
    """A consumer department reports which measures it applied to an entry, and when."""

    __tablename__ = "credit_feed_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_list_entry.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    department: Mapped[str] = mapped_column(sa.String(100))
    measures: Mapped[list] = mapped_column(sa.JSON)
    applied_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    entry: Mapped[ListEntry] = relationship()


make_insert_only(FeedFeedback.__table__)
