"""Reminders of sessions waiting for confirmation (timebank.reminders)."""

from datetime import timedelta

import sqlalchemy as sa

from core import clock
from core.extensions import db
from core.outbox import OutboxMessage
from timebank import reminders


def test_pending_reminders_are_recorded_once_per_session(tb):
    row = tb.session(tb.volunteer())
    row.created_at = clock.now() - timedelta(days=8)
    tb.session(tb.volunteer())  # recent: no reminder yet
    db.session.flush()
    assert reminders.remind_pending()["reminded"] == 1
    assert reminders.remind_pending()["reminded"] == 0
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.org_id == tb.org.id and message.topic == "timebank.pending_reminder"
