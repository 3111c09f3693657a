"""Messages for a gateway to send (core.outbox)."""

from core import outbox
from core.extensions import db


def test_outbox_deduplicates(app, make):
    user = make.user("volunteer")
    assert outbox.enqueue("reminder", "提醒", "请确认", user_id=user.id, dedupe_key="r:1")
    assert outbox.enqueue("reminder", "提醒", "请确认", user_id=user.id, dedupe_key="r:1") is None
    assert [m.subject for m in outbox.inbox_for(user)] == ["提醒"]
    db.session.rollback()

