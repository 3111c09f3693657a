"""Tables of random inspections (双随机、一公开): the two directories, conflicts, draws."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TimestampMixin, UTCDateTime
from core.extensions import db
from core.orgs.models import Organization


class InspectionSubject(TimestampMixin, db.Model):
    """The inspection directory (检查对象名录): subjects a draw may pick."""

    __tablename__ = "credit_inspection_subject"

    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    organization: Mapped[Organization] = relationship()


class Inspector(TimestampMixin, db.Model):
    """The inspector directory (执法检查人员名录): regulator users."""

    __tablename__ = "credit_inspector"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)

    user = relationship("User")


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


class Draw(TimestampMixin, db.Model):
    """One draw: its seed and every input, so anyone can re-run it and get the same result."""

    __tablename__ = "credit_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    seed: Mapped[str] = mapped_column(sa.String(64))
    drawn_on: Mapped[date] = mapped_column(sa.Date)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    ratios: Mapped[dict] = mapped_column(sa.JSON)
    per_subject: Mapped[int]
    subjects_snapshot: Mapped[list] = mapped_column(sa.JSON)  # [[org_id, tier], …]
    inspectors_snapshot: Mapped[list] = mapped_column(sa.JSON)  # [[user_id, [org_id…]], …]
    result: Mapped[list] = mapped_column(sa.JSON)  # [[org_id, tier, [user_id…]], …]

    assignments: Mapped[list[DrawAssignment]] = relationship(
        back_populates="draw", order_by="DrawAssignment.rank")
    drawn_by = relationship("User")


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
