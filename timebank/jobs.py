"""Scheduled time-bank jobs: verify, remind, auto-confirm, void stale holds, expire credits."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa

from core import audit, clock
from core.accounts.models import User
from core.config import policy
from core.extensions import db
from core.outbox import enqueue
from core.timeutil import local_date
from timebank import ledger
from timebank.confirmation import auto_confirm_due
from timebank.models import (
    AccountKind,
    LedgerAccount,
    Posting,
    PostingKind,
    ServiceSession,
    SessionStatus,
)
from timebank.redemption import void_expired

log = logging.getLogger(__name__)


def verify_ledger_job() -> dict:
    """Nightly: recompute every balance and hold from the postings; fail loudly on a mismatch."""
    report = ledger.verify()
    if not report.ok:
        for problem in report.problems:
            log.error("ledger verify: %s", problem)
        raise RuntimeError(f"ledger verification found {len(report.problems)} problem(s): "
                           + "; ".join(report.problems[:5]))
    return {"accounts": report.accounts, "postings": report.postings}


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


def auto_confirm_job() -> dict:
    return {"confirmed": auto_confirm_due()}


def void_stale_holds_job() -> dict:
    return {"voided": void_expired()}


def expire_credits(now: datetime | None = None) -> dict:
    """``credit_expiry_years`` (default unset: never). Expires the oldest unspent credits
    first: what came in before the cut-off and has not been spent since. Posted from the
    person to the city issuance account (credits leave circulation), once per account a day."""
    years = policy("credit_expiry_years")
    if not years:
        return {"expired_accounts": 0, "expired_minutes": 0}
    now = clock.utc(now)
    cutoff = now - timedelta(days=round(365.25 * years))
    old_in = dict(db.session.execute(
        sa.select(Posting.credit_account_id, sa.func.sum(Posting.amount))
        .join(LedgerAccount, LedgerAccount.id == Posting.credit_account_id)
        .where(LedgerAccount.kind == AccountKind.PERSON, Posting.created_at < cutoff)
        .group_by(Posting.credit_account_id)).all())
    if not old_in:
        return {"expired_accounts": 0, "expired_minutes": 0}
    spent = dict(db.session.execute(
        sa.select(Posting.debit_account_id, sa.func.sum(Posting.amount))
        .where(Posting.debit_account_id.in_(list(old_in)))
        .group_by(Posting.debit_account_id)).all())
    sink = ledger.issuance_account()
    accounts, minutes = 0, 0
    for account_id, incoming in sorted(old_in.items()):
        due = int(incoming) - int(spent.get(account_id, 0))
        if due <= 0:
            continue
        locked = ledger.lock_accounts([account_id, sink.id])[account_id]
        amount = min(due, locked.available)
        ref = f"expiry:{account_id}:{local_date(now).isoformat()}"
        if amount <= 0 or db.session.execute(sa.select(Posting.id).where(
                Posting.kind == PostingKind.EXPIRY, Posting.reference == ref)).first():
            continue
        posting = ledger.transfer(locked, sink, amount, PostingKind.EXPIRY, ref,
                                  memo=f"{years} 年未使用")
        audit.record(None, "timebank.expiry", "timebank_posting", posting.id,
                     after={"account": locked.key, "minutes": amount, "cutoff": str(cutoff)})
        accounts, minutes = accounts + 1, minutes + amount
    return {"expired_accounts": accounts, "expired_minutes": minutes}


def expire_credits_job() -> dict:
    return expire_credits()


def remind_pending_job() -> dict:
    return remind_pending()
