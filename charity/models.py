"""Tables of the charity exchange: items, needs, offers, matching runs, proposals,
volunteer profiles, opportunities and sign-ups (their vocabularies are in vocabulary.py)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charity.vocabulary import (
    ACTIVITIES,
    LIVE_STATUSES,
    PostStatus,
    ProposalStatus,
    SignupStatus,
    category_label,
    slot_hours,
)
from core import clock
from core.db import InsertOnly, TimestampMixin, UTCDateTime, make_insert_only
from core.extensions import db

# --- items ---------------------------------------------------------------------------------

class Item(TimestampMixin, db.Model):
    """An item: what can be needed or offered, in one unit."""

    __tablename__ = "charity_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(80))
    category: Mapped[str] = mapped_column(sa.String(20))
    unit: Mapped[str] = mapped_column(sa.String(10))
    unit_en: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=100)

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    def __repr__(self) -> str:
        return f"<Item {self.code}>"


class ItemSubstitute(TimestampMixin, db.Model):
    """A need for ``item`` also accepts ``substitute`` (one way; declare both for symmetry)."""

    __tablename__ = "charity_item_substitute"
    __table_args__ = (sa.UniqueConstraint("item_id", "substitute_id"),
                      sa.CheckConstraint("item_id <> substitute_id", name="not_self"))

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_item.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_item.id"))

    item: Mapped[Item] = relationship(foreign_keys=[item_id])
    substitute: Mapped[Item] = relationship(foreign_keys=[substitute_id])


# --- needs and offers ----------------------------------------------------------------------

class PostMixin:
    """Descriptors shared by needs and offers (DOMAIN.md)."""

    category: Mapped[str] = mapped_column(sa.String(20))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(10))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=PostStatus.OPEN, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(sa.Text)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        return PostStatus(self.status).label

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    @property
    def is_closed(self) -> bool:
        return self.status in (PostStatus.FULFILLED, PostStatus.EXPIRED, PostStatus.WITHDRAWN)


# A need still on the board (vocabulary.LIVE_STATUSES) in literal SQL, never bound
# parameters: the partial index ``ix_charity_need_open`` is defined by it, and the board's
# query (``Need.is_on_board()``) says the same, so the planner sees the index applies.
OPEN_NEED_SQL = f"status IN ({', '.join(repr(str(s.value)) for s in LIVE_STATUSES)})"


class Need(PostMixin, TimestampMixin, db.Model):
    """需求: an organization's need, possibly on behalf of a person in difficulty."""

    __tablename__ = "charity_need"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity"),
        sa.CheckConstraint("urgency BETWEEN 1 AND 4", name="urgency"),
        sa.Index("ix_charity_need_board", "status", "district_id", "category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    # A person in difficulty the need is for (recorded by the org's staff); never published.
    beneficiary_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"))
    posted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_item.id"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    urgency: Mapped[int] = mapped_column(default=2)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())

    item: Mapped[Item] = relationship()
    org = relationship("Organization")
    beneficiary = relationship("Person")
    district = relationship("District")
    opportunity: Mapped[Opportunity | None] = relationship(back_populates="need",
                                                           uselist=False)

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.quantity}{self.unit} {self.status}>"

    @classmethod
    def is_on_board(cls):
        """``status IN ('open', 'partly_matched')`` with the values written into the SQL, as
        the partial index ``ix_charity_need_open`` says it (OPEN_NEED_SQL)."""
        return cls.status.in_([sa.literal_column(repr(str(s.value))) for s in LIVE_STATUSES])


# The public board in its order, open needs only (docs/scale.md): the predicate is literal
# SQL the board's query repeats (``Need.is_on_board``), so even a prepared statement's generic
# plan may use it.
sa.Index("ix_charity_need_open", Need.urgency.desc(), Need.deadline, Need.id,
         postgresql_where=sa.text(OPEN_NEED_SQL), sqlite_where=sa.text(OPEN_NEED_SQL))


class Offer(PostMixin, TimestampMixin, db.Model):
    """供给: what an organization, company or person offers, available in a window."""

    __tablename__ = "charity_offer"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity"),
        sa.CheckConstraint("(org_id IS NULL) <> (donor_person_id IS NULL)",
                           name="one_party"),
        sa.CheckConstraint("available_from <= available_until", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    donor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), index=True)
    posted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_item.id"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"))
    available_from: Mapped[datetime] = mapped_column(UTCDateTime())
    available_until: Mapped[datetime] = mapped_column(UTCDateTime())

    item: Mapped[Item] = relationship()
    org = relationship("Organization")
    donor = relationship("Person")
    district = relationship("District")

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.quantity}{self.unit} {self.status}>"


# --- matching ------------------------------------------------------------------------------

class MatchRun(InsertOnly, db.Model):
    """One run of the matcher, written once when it finishes (insert-only)."""

    __tablename__ = "charity_match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger: Mapped[str] = mapped_column(sa.String(20))  # job, staff, cli, seed
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    needs_considered: Mapped[int] = mapped_column(default=0)
    offers_considered: Mapped[int] = mapped_column(default=0)
    # Needs and offers left out: barred (NO_MATCHING), inactive org, unknown district.
    parties_excluded: Mapped[int] = mapped_column(default=0)
    allocations: Mapped[int] = mapped_column(default=0)
    proposals_created: Mapped[int] = mapped_column(default=0)
    matched_quantity: Mapped[int] = mapped_column(default=0)
    weighted_quantity: Mapped[int] = mapped_column(default=0)  # the objective's W
    distance_cost_km: Mapped[float] = mapped_column(default=0.0)  # the objective's D
    duration_ms: Mapped[int] = mapped_column(default=0)

    actor = relationship("User")


make_insert_only(MatchRun.__table__)


class Proposal(TimestampMixin, db.Model):
    """A proposed (need, offer, quantity) triple and everything that happened to it."""

    __tablename__ = "charity_proposal"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity"),
        # One pending proposal per pair: a re-run never duplicates it (also under races).
        sa.Index("uq_charity_proposal_pending_pair", "need_id", "offer_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"),
                 postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_charity_proposal_status", "status", "respond_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("charity_match_run.id"))
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_need.id"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_offer.id"), index=True)
    quantity: Mapped[int]
    distance_km: Mapped[float]
    explanation: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(20), default=ProposalStatus.PENDING)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime())
    need_decision: Mapped[str | None] = mapped_column(sa.String(10))  # accepted / declined
    need_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    need_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    offer_decision: Mapped[str | None] = mapped_column(sa.String(10))
    offer_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offer_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_quantity: Mapped[int | None]
    delivered_on: Mapped[date | None] = mapped_column(sa.Date)
    fulfil_note: Mapped[str | None] = mapped_column(sa.Text)
    fulfilled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    abandon_reason: Mapped[str | None] = mapped_column(sa.Text)
    abandoned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    responsible_side: Mapped[str | None] = mapped_column(sa.String(10))  # need / offer

    need: Mapped[Need] = relationship()
    offer: Mapped[Offer] = relationship()

    @property
    def status_label(self) -> str:
        return ProposalStatus(self.status).label

    def decision_of(self, side: str) -> str | None:
        return self.need_decision if side == "need" else self.offer_decision


# --- volunteers ----------------------------------------------------------------------------

class VolunteerProfile(TimestampMixin, db.Model):
    """A volunteer's skills, home district and free time (weekday × slot)."""

    __tablename__ = "charity_volunteer_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), unique=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    # [[weekday 0-6, slot code], ...]; Monday is 0, as in Python.
    availability: Mapped[list] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    person = relationship("Person")
    district = relationship("District")


class Opportunity(TimestampMixin, db.Model):
    """A volunteer opportunity: the schedule and requirements of a volunteer-time need."""

    __tablename__ = "charity_opportunity"
    __table_args__ = (
        sa.CheckConstraint("headcount > 0", name="headcount"),
        sa.CheckConstraint("start_at < end_at", name="window"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_need.id"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    activity: Mapped[str] = mapped_column(sa.String(20), default="community")
    skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    headcount: Mapped[int]

    need: Mapped[Need] = relationship(back_populates="opportunity")
    signups: Mapped[list[Signup]] = relationship(back_populates="opportunity",
                                                 order_by="Signup.id")

    @property
    def slot_hours(self) -> int:
        return slot_hours(self.start_at, self.end_at)

    @property
    def activity_label(self) -> str:
        return str(ACTIVITIES.get(self.activity, self.activity))


class Signup(TimestampMixin, db.Model):
    """A volunteer's sign-up for an opportunity, and the organization's attendance record."""

    __tablename__ = "charity_signup"
    __table_args__ = (sa.UniqueConstraint("opportunity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("charity_opportunity.id"),
                                                index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default=SignupStatus.SIGNED_UP)
    # The fit the volunteer saw when signing up (score and reasons), for the organization.
    fit: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    served_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    served_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(sa.Text)

    opportunity: Mapped[Opportunity] = relationship(back_populates="signups")
    person = relationship("Person")

    @property
    def status_label(self) -> str:
        return SignupStatus(self.status).label

    @property
    def minutes(self) -> int | None:
        if self.served_start is None or self.served_end is None:
            return None
        return int((self.served_end - self.served_start).total_seconds() // 60)
