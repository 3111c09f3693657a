"""Credit expiry (``credit_expiry_years``, DOMAIN.md "Expiry": off by default): the oldest
unspent credits leave circulation, posted from the person to the issuance account."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from core import audit, clock
from core.config import policy
from core.extensions import db
from core.timeutil import local_date
from timebank import ledger
from timebank.models import LedgerAccount, Posting
from timebank.vocabulary import AccountKind, PostingKind


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
