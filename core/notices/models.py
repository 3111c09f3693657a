"""Tables of notices: the documents (insert-only), their deliveries, channels, attempts and the
delivery addresses subjects confirm (送达地址)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedString
from core.db import InsertOnly, TimestampMixin, UTCDateTime, make_insert_only
from core.extensions import db


class NoticeDocument(InsertOnly, db.Model):
    """A numbered written notice. Its content (canonical JSON) and hash never change; the hash
    is also in the audit chain, so a rewritten row is found by ``flask audit verify``."""

    __tablename__ = "notice_document"
    __table_args__ = (sa.UniqueConstraint("series", "year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(60), unique=True)
    series: Mapped[str] = mapped_column(sa.String(20))
    year: Mapped[int]
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(60), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    # What step of what process it belongs to: one document per step, ever.
    step_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(sa.String(200))
    content: Mapped[str] = mapped_column(sa.Text)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    verification_code: Mapped[str] = mapped_column(sa.String(19))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


make_insert_only(NoticeDocument.__table__)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # no channel has confirmed yet
    CONFIRMED = "confirmed"  # a channel confirmed: delivered on ``delivered_on``
    PUBLIC_NOTICE = "public_notice"  # published on the site; delivered when the period ends


class Delivery(TimestampMixin, db.Model):
    """Getting one document to its recipient. One per document: a step is never sent twice."""

    __tablename__ = "notice_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_document.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=DeliveryStatus.PENDING)
    # The first confirmed delivery (or the end of the public-notice period), Shanghai date.
    delivered_on: Mapped[date | None] = mapped_column(sa.Date)
    delivered_by: Mapped[str | None] = mapped_column(sa.String(16))  # the channel
    confirm_by: Mapped[datetime] = mapped_column(UTCDateTime())  # else public notice
    public_notice_on: Mapped[date | None] = mapped_column(sa.Date)

    document: Mapped[NoticeDocument] = relationship()
    routes: Mapped[list[DeliveryRoute]] = relationship(back_populates="delivery",
                                                       order_by="DeliveryRoute.id")


class RouteStatus(enum.StrEnum):
    WAITING = "waiting"  # to be tried (again) at next_try_at
    SENT = "sent"  # handed over; for the inbox, waiting to be read
    CONFIRMED = "confirmed"
    FAILED = "failed"  # gave up after the last retry
    LOGGED = "logged"  # no server configured: written to the log, reached nobody


class DeliveryRoute(db.Model):
    """One channel of one delivery, with its retry state."""

    __tablename__ = "notice_route"
    __table_args__ = (sa.UniqueConstraint("delivery_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_delivery.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # inbox, email, sms
    address: Mapped[str | None] = mapped_column(EncryptedString())  # email or phone
    status: Mapped[str] = mapped_column(sa.String(16), default=RouteStatus.WAITING)
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_message.id"))

    delivery: Mapped[Delivery] = relationship(back_populates="routes")


class DeliveryAttempt(InsertOnly, db.Model):
    """What happened on one try of one route: the timeline an appeal reads."""

    __tablename__ = "notice_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("notice_delivery.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    address_masked: Mapped[str | None] = mapped_column(sa.String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(sa.String(16))  # sent, confirmed, failed, logged, …
    detail: Mapped[str | None] = mapped_column(sa.String(500))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


make_insert_only(DeliveryAttempt.__table__)


class DeliveryContact(TimestampMixin, db.Model):
    """An address a subject confirmed for the service of notices (送达地址确认): an email or
    a mobile number, for an organization or a user."""

    __tablename__ = "notice_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))  # email, sms
    address: Mapped[str] = mapped_column(EncryptedString())
    active: Mapped[bool] = mapped_column(default=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


CHANNEL_LABELS = {
    "inbox": _l("平台消息"), "email": _l("电子邮件"), "sms": _l("短信"),
    "public_notice": _l("公告送达"), "in_person": _l("直接送达（签收）"),
}
OUTCOME_LABELS = {
    "sent": _l("已送至消息箱"), "read": _l("已阅读确认（回执）"), "confirmed": _l("已送达"),
    "failed": _l("发送失败，将重试"), "gave_up": _l("发送失败，不再重试"),
    "logged": _l("未配置发送服务，仅记录于日志"), "published": _l("已在网站公告"),
}
