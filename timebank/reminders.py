"""Reminders of sessions waiting for confirmation (DOMAIN.md "Unconfirmed sessions")."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core import clock
from core.accounts.models import User
from core.config import policy
from core.extensions import db
from core.outbox import enqueue
from core.timeutil import local_date
from timebank.models import ServiceSession
from timebank.vocabulary import SessionStatus


def remind_pending(now: datetime | None = None) -> dict:
    """Sessions pending longer than ``pending_reminder_days`` (default 7, DOMAIN.md): one
    reminder per session to the recipient's login and to the organizing organization."""
    now = clock.utc(now)
    cutoff = now - timedelta(days=policy("pending_reminder_days"))
    rows = db.session.execute(
        sa.select(ServiceSession).where(ServiceSession.status == SessionStatus.PENDING,
                                        ServiceSession.created_at <= cutoff)
        .order_by(ServiceSession.id)).scalars().all()
    sent = 0
    for row in rows:
        subject = "志愿服务记录待确认"
        body = (f"{row.volunteer.name} 于 {local_date(row.start_at)} 的服务"
                f"（{row.category_label}，{row.minutes} 分钟）已等待确认超过 "
                f"{policy('pending_reminder_days')} 天，请确认或退回。")
        user_id = None
        if row.recipient_person_id is not None:
            user_id = db.session.execute(sa.select(User.id).where(
                User.person_id == row.recipient_person_id)).scalar_one_or_none()
        org_id = row.org_id or row.recipient_org_id
        if user_id is None and org_id is None:
            continue
        message = enqueue("timebank.pending_reminder", subject, body, user_id=user_id,
                          org_id=org_id, dedupe_key=f"timebank.pending-reminder:{row.id}")
        sent += message is not None
    return {"pending": len(rows), "reminded": sent}
