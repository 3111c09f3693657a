"""Messages to people (reminders, notices of list entries), recorded for a gateway to send.

SMS and WeChat delivery are out of scope: a message is a row here, and a gateway (or staff
by phone) sends it and marks it sent. Recipients are users, or organizations (their staff).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import TimestampMixin, UTCDateTime
from core.extensions import db


class OutboxMessage(TimestampMixin, db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (sa.UniqueConstraint("dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(20), default="inbox")  # inbox, sms, letter
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # A job that runs twice must not send twice: the key names what the message is about.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def enqueue(topic: str, subject: str, body: str, *, user_id: int | None = None,
            org_id: int | None = None, channel: str = "inbox",
            dedupe_key: str | None = None) -> OutboxMessage | None:
    """Record a message; returns None when one with the same ``dedupe_key`` already exists."""
    if dedupe_key is not None:
        exists = db.session.execute(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ).first()
        if exists:
            return None
    message = OutboxMessage(topic=topic, subject=subject, body=body, user_id=user_id,
                            org_id=org_id, channel=channel, dedupe_key=dedupe_key)
    db.session.add(message)
    db.session.flush()
    return message


def inbox_for(user, org_ids=(), limit: int = 50) -> list[OutboxMessage]:
    conditions = [OutboxMessage.user_id == user.id]
    if org_ids:
        conditions.append(OutboxMessage.org_id.in_(list(org_ids)))
    return list(db.session.execute(
        sa.select(OutboxMessage).where(sa.or_(*conditions))
        .order_by(OutboxMessage.id.desc()).limit(limit)
    ).scalars())


def mark_read(message: OutboxMessage) -> None:
    if message.read_at is None:
        message.read_at = clock.now()
        db.session.flush()
