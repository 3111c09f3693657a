"""Tables of random inspections (双随机、一公开): the two directories and their history,
conflicts, draws (commitment, snapshot, reveal, result) and their assignments."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import InsertOnly, TimestampMixin, UTCDateTime, make_insert_only
from core.extensions import db
from core.orgs.models import Organization, OrgStatus


class InspectionSubject(TimestampMixin, db.Model):
    """The inspection directory (检查对象名录): subjects a draw may pick."""

    __tablename__ = "credit_inspection_subject"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    organization: Mapped[Organization] = relationship()


class Inspector(TimestampMixin, db.Model):
    """The inspector directory (执法检查人员名录): regulator users, published by name and staff
    number (执法证号), never by personal numbers."""

    __tablename__ = "credit_inspector"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    staff_number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)

    user = relationship("User")


class DirectoryChange(InsertOnly, db.Model):
    """Every change to either directory, with who, when and why (never rewritten)."""

    __tablename__ = "credit_inspection_directory_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory: Mapped[str] = mapped_column(sa.String(12))  # subjects, inspectors
    member_id: Mapped[int] = mapped_column(index=True)  # org id or user id
    action: Mapped[str] = mapped_column(sa.String(12))  # added, deactivated, reactivated, left
    reason: Mapped[str] = mapped_column(sa.String(200))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    actor = relationship("User")


make_insert_only(DirectoryChange.__table__)


class InspectorConflict(TimestampMixin, db.Model):
    """A declared conflict of interest: this inspector never inspects this subject."""

    __tablename__ = "credit_inspector_conflict"
    __table_args__ = (sa.UniqueConstraint("inspector_id", "org_id",
                                          name="uq_credit_inspector_conflict"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    reason: Mapped[str] = mapped_column(sa.String(200))
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    inspector = relationship("User", foreign_keys=[inspector_id])
    organization: Mapped[Organization] = relationship()


class DrawState:
    COMMITTED = "committed"  # commitment and snapshot published, secret not yet revealed
    DRAWN = "drawn"
    CANCELLED = "cancelled"  # withdrawn before the reveal; the secret is published anyway


class Draw(TimestampMixin, db.Model):
    """One draw. Since algorithm czdraw-1: a commitment (SHA-256 of a secret) published with a
    frozen snapshot of both directories, then the secret revealed and the result drawn from
    a seed derived from both. Draws from before (algorithm ``legacy``) kept their seed and id
    snapshots (``subjects_snapshot``, ``inspectors_snapshot``)."""

    __tablename__ = "credit_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(12), server_default=DrawState.DRAWN)
    algorithm: Mapped[str] = mapped_column(sa.String(20), server_default="legacy")
    mode: Mapped[str] = mapped_column(sa.String(10), server_default="ratio")  # ratio, count
    count: Mapped[int | None]
    ratios: Mapped[dict] = mapped_column(sa.JSON)
    per_subject: Mapped[int]
    commitment: Mapped[str | None] = mapped_column(sa.String(64))
    # Held until the reveal and never shown before it; None while an outside witness holds it.
    secret: Mapped[str | None] = mapped_column(sa.String(200))
    witnessed: Mapped[bool] = mapped_column(server_default=sa.false())
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    committed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    snapshot: Mapped[str | None] = mapped_column(sa.Text)  # the published bytes, exactly
    snapshot_hash: Mapped[str | None] = mapped_column(sa.String(64))
    members: Mapped[dict | None] = mapped_column(sa.JSON)  # {"subjects": {uscc: org_id}, …}
    seed: Mapped[str | None] = mapped_column(sa.String(64))
    drawn_on: Mapped[date | None] = mapped_column(sa.Date)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(200))
    subjects_snapshot: Mapped[list | None] = mapped_column(sa.JSON)  # legacy: [[org_id, tier]]
    inspectors_snapshot: Mapped[list | None] = mapped_column(sa.JSON)  # legacy
    result: Mapped[list | None] = mapped_column(sa.JSON)

    assignments: Mapped[list[DrawAssignment]] = relationship(
        back_populates="draw", order_by="DrawAssignment.rank")
    drawn_by = relationship("User", foreign_keys=[drawn_by_id])
    committed_by = relationship("User", foreign_keys=[committed_by_id])

    @property
    def is_legacy(self) -> bool:
        return self.algorithm == "legacy"


class DrawAssignment(db.Model):
    """A subject drawn, its inspectors, and (once entered) the inspection fact."""

    __tablename__ = "credit_draw_assignment"
    __table_args__ = (sa.UniqueConstraint("draw_id", "org_id", name="uq_credit_draw_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_draw.id"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    tier: Mapped[str] = mapped_column(sa.String(10))
    rank: Mapped[int]
    inspector_ids: Mapped[list] = mapped_column(sa.JSON)
    result_fact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_fact.id"))

    draw: Mapped[Draw] = relationship(back_populates="assignments")
    organization: Mapped[Organization] = relationship()
    result_fact = relationship("CreditFact")

    @property
    def not_inspected(self) -> str | None:
        """Why this subject is not inspected: it left the registry (deregistered, revoked)
        after the directory was frozen at the commitment and before a result was entered. It
        stays in the draw, as the published files recompute it; no one is drawn instead."""
        if self.result_fact_id is not None or \
                self.organization.status in (OrgStatus.ACTIVE, OrgStatus.SUSPENDED):
            return None
        return str(_l("%(status)s，不予检查", status=self.organization.status_label))
