"""Credit expiry (``credit_expiry_years``, DOMAIN.md "Expiry": off by default): the oldest
unspent credits leave circulation, posted from the person to the issuance account."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from core import audit, clock
from core.config import policy
from core.db import for_update
from core.extensions import db
from core.timeutil import local_date
from timebank import ledger
from timebank.models import LedgerAccount, Posting
from timebank.vocabulary import AccountKind, PostingKind

BATCH = 2000  # person accounts per batch: the job commits after each one


def expire_credits(now: datetime | None = None) -> dict:
    """``credit_expiry_years`` (default unset: never). Expires the oldest unspent credits
    first: what came in before the cut-off and has not been spent since. Posted from the
    person to the city issuance account (credits leave circulation), once per account a day.
    All batches in the caller's transaction (the job commits batch by batch: ``batches``)."""
    totals = {"expired_accounts": 0, "expired_minutes": 0}
    for counts in batches(now):
        totals = {k: totals[k] + counts[k] for k in totals}
    return totals


def batches(now: datetime | None = None, size: int | None = None):
    """Expire account by account in id order, ``size`` accounts at a time; yields each
    batch's counts (the caller may commit in between). Resumes anywhere: an account already
    expired today has its ``expiry:<account>:<date>`` posting and nothing left due."""
    years = policy("credit_expiry_years")
    if not years:
        return
    now = clock.utc(now)
    cutoff = now - timedelta(days=round(365.25 * years))
    after, size = 0, size or BATCH
    while True:
        counts, after = _batch(now, cutoff, years, after, size)
        if after is None:
            return
        yield counts


def _batch(now: datetime, cutoff: datetime, years, after: int, size: int):
    """One batch: what is due per account in one statement (two indexed sums per account,
    the accounts locked), the postings in one insert, one audit record naming them."""
    posting = Posting.__table__
    old_in = sa.select(sa.func.coalesce(sa.func.sum(posting.c.amount), 0)).where(
        posting.c.credit_account_id == LedgerAccount.id,
        posting.c.created_at < cutoff).scalar_subquery()
    spent = sa.select(sa.func.coalesce(sa.func.sum(posting.c.amount), 0)).where(
        posting.c.debit_account_id == LedgerAccount.id).scalar_subquery()
    rows = db.session.execute(for_update(
        sa.select(LedgerAccount.id, LedgerAccount.key, LedgerAccount.balance,
                  LedgerAccount.held, old_in.label("old_in"), spent.label("spent"))
        .where(LedgerAccount.kind == AccountKind.PERSON, LedgerAccount.id > after)
        .order_by(LedgerAccount.id).limit(size))).all()
    if not rows:
        return {"expired_accounts": 0, "expired_minutes": 0}, None
    day = local_date(now).isoformat()
    due = {r.id: min(int(r.old_in) - int(r.spent), r.balance - r.held) for r in rows}
    due = {k: v for k, v in due.items() if v > 0}
    refs = {k: f"expiry:{k}:{day}" for k in due}
    done = set(db.session.execute(sa.select(Posting.reference).where(
        Posting.kind == PostingKind.EXPIRY, Posting.reference.in_(list(refs.values()))))
        .scalars()) if refs else set()
    due = {k: v for k, v in due.items() if refs[k] not in done}
    if due:
        sink = ledger.issuance_account()
        ledger.lock_accounts([sink.id])
        memo = f"{years} 年未使用"
        ids = db.session.execute(sa.insert(posting).returning(posting.c.id), [
            {"txn_id": uuid.uuid4().hex, "debit_account_id": k, "credit_account_id": sink.id,
             "amount": v, "kind": PostingKind.EXPIRY, "reference": refs[k], "memo": memo,
             "actor_id": None, "created_at": now} for k, v in due.items()]).scalars().all()
        table = LedgerAccount.__table__
        db.session.execute(
            sa.update(table).where(table.c.id == sa.bindparam("aid"))
            .values(balance=table.c.balance - sa.bindparam("minutes")),
            [{"aid": k, "minutes": v} for k, v in due.items()])
        db.session.execute(sa.update(table).where(table.c.id == sink.id)
                           .values(balance=table.c.balance + sum(due.values())))
        db.session.expire_all()
        keys = {r.id: r.key for r in rows}
        audit.record(None, "timebank.expiry", "timebank_posting", ids[0],
                     after={"accounts": {keys[k]: v for k, v in due.items()},
                            "posting_ids": ids, "cutoff": str(cutoff)})
    return ({"expired_accounts": len(due), "expired_minutes": sum(due.values())},
            rows[-1].id)
