"""Tables for districts, organizations, staff membership and identity change requests."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TimestampMixin, UTCDateTime
from core.extensions import db
from core.labels import LabelledEnum


class District(db.Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(50))
    gb_code: Mapped[str | None] = mapped_column(sa.String(6))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    sort_order: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<District {self.code}>"


class OrgKind(LabelledEnum):
    SOCIAL_GROUP = "social_group", _l("社会团体")
    SOCIAL_SERVICE = "social_service", _l("社会服务机构")  # 民办非企业单位
    FOUNDATION = "foundation", _l("基金会")
    ELDERCARE = "eldercare", _l("养老机构")
    COMPANY = "company", _l("企业")
    COMMUNITY = "community", _l("社区")  # 居委会/村委会

    @property
    def is_social_organization(self) -> bool:
        return self in (OrgKind.SOCIAL_GROUP, OrgKind.SOCIAL_SERVICE, OrgKind.FOUNDATION)


class OrgStatus(LabelledEnum):
    PENDING = "pending", _l("待核验")  # registered on the platform, awaiting verification
    ACTIVE = "active", _l("正常")
    SUSPENDED = "suspended", _l("停止活动")  # ordered to suspend activities
    DEREGISTERED = "deregistered", _l("已注销")
    REVOKED = "revoked", _l("已撤销登记")


class Organization(TimestampMixin, db.Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    is_charity: Mapped[bool] = mapped_column(default=False)
    is_eldercare: Mapped[bool] = mapped_column(default=False)
    registering_authority: Mapped[str] = mapped_column(sa.String(100))
    legal_representative: Mapped[str] = mapped_column(sa.String(50))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id"), index=True)
    address: Mapped[str] = mapped_column(sa.String(200))
    registration_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default=OrgStatus.PENDING)
    beds: Mapped[int | None]  # eldercare capacity; complaints are counted per 100 beds
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))

    district: Mapped[District] = relationship()
    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")

    @property
    def kind_label(self) -> str:
        return OrgKind(self.kind).label

    @property
    def status_label(self) -> str:
        return OrgStatus(self.status).label

    @property
    def is_social_organization(self) -> bool:
        return OrgKind(self.kind).is_social_organization

    def __repr__(self) -> str:
        return f"<Organization {self.uscc} {self.name}>"


class Membership(TimestampMixin, db.Model):
    """A user acting for an organization (staff or manager; managers add staff)."""

    __tablename__ = "membership"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), default="staff")

    user = relationship("User")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class IdentityChange(TimestampMixin, db.Model):
    """A change of a verified organization's identity (name, USCC, legal representative,
    kind, eldercare flag): filed by its manager, applied only when the bureau approves it."""

    __tablename__ = "org_identity_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    before: Mapped[dict] = mapped_column(sa.JSON)  # the identity fields it changes, as they were
    changes: Mapped[dict] = mapped_column(sa.JSON)  # the same fields, as asked
    reason: Mapped[str] = mapped_column(sa.Text)
    evidence_ref: Mapped[str] = mapped_column(sa.String(200))  # e.g. the change registration
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")  # approved, rejected
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)

    organization: Mapped[Organization] = relationship()
