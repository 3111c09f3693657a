"""The ledger: accounts, postings, holds, balances; the only writer of ``timebank_posting``.

Nothing else inserts postings or changes an account's ``balance``/``held``.

Double-entry, integer minutes (DOMAIN.md "Time bank"): every posting moves a positive amount
from its debit account to its credit account, so the sum over all accounts is always zero.
Issuance accounts mint credits and go negative by design; every other account stays at or
above its holds (available = balance − held ≥ 0), which a CHECK constraint enforces as well.

Concurrency: each operation locks the accounts it touches, in id order (no deadlocks), with
``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions already hold the database
write lock from BEGIN (``core.db.write_intent``). Locked rows are re-read
(``populate_existing``) so a balance loaded earlier in the session is never trusted.
Idempotency: ``(kind, reference)`` is unique, so one session is deposited once and reversed
once, whatever retries or races happen.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from core import clock
from core.accounts.models import Person
from core.db import for_update
from core.errors import Conflict, DomainError, NotFound
from core.extensions import db
from timebank.models import Hold, LedgerAccount, Posting
from timebank.vocabulary import AccountKind, HoldStatus


class InsufficientCredits(Conflict):
    """The account's available balance does not cover the amount."""


class AlreadyPosted(Conflict):
    """A posting with this (kind, reference) exists: the operation already happened."""


@dataclass(frozen=True)
class Entry:
    debit_id: int
    credit_id: int
    amount: int
    kind: str
    reference: str
    memo: str | None = None


# --- accounts ------------------------------------------------------------------------------

def member_person(actor) -> Person:
    """The real-name person whose time account ``actor`` uses; a clear refusal (not a bare
    403) for a login linked to no person (e.g. a staff account that also has the volunteer
    role)."""
    if actor.person is None:
        raise DomainError("timebank.no_person",
                          _l("您的账号还没有关联实名登记的个人信息，无法使用时间账户。"),
                          http_status=409)
    return actor.person


def _ensure(key: str, kind: str, **columns) -> LedgerAccount:
    """Get or create an account by its key, race-free (INSERT … ON CONFLICT DO NOTHING)."""
    found = db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.key == key)).scalar_one_or_none()
    if found is not None:
        return found
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"key": key, "kind": kind, "balance": 0, "held": 0, "created_at": clock.now(),
              **columns}
    db.session.execute(insert(LedgerAccount).values(**values).on_conflict_do_nothing())
    return db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.key == key)).scalar_one()


def person_account(person_id: int) -> LedgerAccount:
    return _ensure(f"person:{person_id}", AccountKind.PERSON, person_id=person_id)


def pool_account() -> LedgerAccount:
    return _ensure("pool", AccountKind.POOL)


def issuance_account(org_id: int | None = None, district_id: int | None = None
                     ) -> LedgerAccount:
    """Mints credits for sessions organized by ``org_id``, else for the district's sessions."""
    if org_id is not None:
        return _ensure(f"issuance:org:{org_id}", AccountKind.ISSUANCE, org_id=org_id)
    if district_id is not None:
        return _ensure(f"issuance:district:{district_id}", AccountKind.ISSUANCE,
                       district_id=district_id)
    return _ensure("issuance:city", AccountKind.ISSUANCE)


def redemption_account(org_id: int) -> LedgerAccount:
    return _ensure(f"redemption:org:{org_id}", AccountKind.REDEMPTION, org_id=org_id)


def find_person_account(person_id: int) -> LedgerAccount | None:
    """The person's account without creating one (reads never write)."""
    return db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.person_id == person_id)
    ).scalar_one_or_none()


def balances(person_id: int) -> tuple[int, int, int]:
    """(balance, held, available) in minutes: one indexed row read, however long the history."""
    row = db.session.execute(
        sa.select(LedgerAccount.balance, LedgerAccount.held)
        .where(LedgerAccount.person_id == person_id)
    ).first()
    if row is None:
        return 0, 0, 0
    return row.balance, row.held, row.balance - row.held


def lock_accounts(ids: Iterable[int]) -> dict[int, LedgerAccount]:
    """Lock the accounts in id order (fixed order: no deadlocks) and re-read them."""
    wanted = sorted(set(ids))
    rows = db.session.execute(
        for_update(sa.select(LedgerAccount).where(LedgerAccount.id.in_(wanted))
                   .order_by(LedgerAccount.id))
        .execution_options(populate_existing=True)
    ).scalars().all()
    found = {row.id: row for row in rows}
    if len(found) != len(wanted):
        raise NotFound("timebank.unknown_account", _l("账户不存在。"))
    return found


def _insufficient(account: LedgerAccount, amount: int) -> InsufficientCredits:
    return InsufficientCredits(
        "timebank.insufficient_credits",
        _l("可用时间不足：需要 %(need)s 分钟，可用 %(have)s 分钟。"),
        need=amount, have=max(account.available, 0),
        errors={"minutes": [str(_l("可用时间不足。"))]})


# --- postings ------------------------------------------------------------------------------

def _check_new(entries: list[Entry]) -> None:
    keys = {(e.kind, e.reference) for e in entries}
    if len(keys) != len(entries):
        raise ValueError("duplicate (kind, reference) inside one batch")
    refs_by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, ref in keys:
        refs_by_kind[kind].append(ref)
    for kind, refs in refs_by_kind.items():
        for start in range(0, len(refs), 900):
            chunk = refs[start:start + 900]
            exists = db.session.execute(
                sa.select(Posting.reference).where(Posting.kind == kind,
                                                   Posting.reference.in_(chunk)).limit(1)
            ).first()
            if exists:
                raise AlreadyPosted("timebank.already_posted", _l("该笔记账已经完成，不会重复记账。"),
                                    reference=exists.reference)


def post(entries: list[Entry], actor=None, at: datetime | None = None) -> list[Posting]:
    """Post one or more entries as one transaction: lock, check, insert, update balances.
    All or nothing: a failed check raises before anything is written."""
    if not entries:
        return []
    for entry in entries:
        if not isinstance(entry.amount, int) or isinstance(entry.amount, bool) \
                or entry.amount <= 0:
            raise DomainError("timebank.bad_amount", _l("金额必须是正整数分钟。"),
                              errors={"minutes": [str(_l("必须是正整数。"))]})
        if entry.debit_id == entry.credit_id:
            raise ValueError("a posting needs two different accounts")
    accounts = lock_accounts([e.debit_id for e in entries] + [e.credit_id for e in entries])
    _check_new(entries)
    delta: dict[int, int] = defaultdict(int)
    for entry in entries:
        delta[entry.debit_id] -= entry.amount
        delta[entry.credit_id] += entry.amount
    for account_id, change in delta.items():
        account = accounts[account_id]
        if account.kind != AccountKind.ISSUANCE and account.available + change < 0:
            raise _insufficient(account, -change)
    txn, now, actor_id = uuid.uuid4().hex, clock.utc(at), getattr(actor, "id", None)
    rows = [Posting(txn_id=txn, debit_account_id=e.debit_id, credit_account_id=e.credit_id,
                    amount=e.amount, kind=e.kind, reference=e.reference, memo=e.memo,
                    actor_id=actor_id, created_at=now) for e in entries]
    db.session.add_all(rows)
    for account_id, change in delta.items():
        accounts[account_id].balance += change
    db.session.flush()
    return rows


def transfer(debit: LedgerAccount, credit: LedgerAccount, amount: int, kind: str,
             reference: str, actor=None, memo: str | None = None,
             at: datetime | None = None) -> Posting:
    return post([Entry(debit.id, credit.id, amount, kind, reference, memo)], actor, at)[0]


def post_bulk(entries: list[Entry], actor=None, chunk: int = 5000,
              at: datetime | None = None) -> int:
    """Many mint-only entries (issuance → person, e.g. a roster or an import of confirmed
    sessions) with executemany inserts and one balance update per account. Returns rows."""
    if any(e.amount <= 0 for e in entries):
        raise ValueError("amounts must be positive")
    accounts = lock_accounts([e.debit_id for e in entries] + [e.credit_id for e in entries])
    if any(accounts[e.debit_id].kind != AccountKind.ISSUANCE for e in entries):
        raise ValueError("post_bulk only mints; use post() for transfers")
    _check_new(entries)
    txn, now, actor_id = uuid.uuid4().hex, clock.utc(at), getattr(actor, "id", None)
    delta: dict[int, int] = defaultdict(int)
    for start in range(0, len(entries), chunk):
        part = entries[start:start + chunk]
        db.session.execute(sa.insert(Posting.__table__), [
            {"txn_id": txn, "debit_account_id": e.debit_id, "credit_account_id": e.credit_id,
             "amount": e.amount, "kind": e.kind, "reference": e.reference, "memo": e.memo,
             "actor_id": actor_id, "created_at": now} for e in part])
        for e in part:
            delta[e.debit_id] -= e.amount
            delta[e.credit_id] += e.amount
    table = LedgerAccount.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("aid"))
        .values(balance=table.c.balance + sa.bindparam("change")),
        [{"aid": k, "change": v} for k, v in delta.items()])
    for account in accounts.values():
        db.session.expire(account)
    return len(entries)


# --- holds (two-phase) ---------------------------------------------------------------------

def _lock_hold(hold_id: int) -> Hold:
    hold = db.session.execute(
        for_update(sa.select(Hold).where(Hold.id == hold_id))
        .execution_options(populate_existing=True)
    ).scalar_one()
    return hold


def hold(account: LedgerAccount, amount: int, kind: str, reference: str,
         at: datetime | None = None) -> Hold:
    """Reserve ``amount`` on ``account``; it counts against the available balance."""
    if not isinstance(amount, int) or amount <= 0:
        raise DomainError("timebank.bad_amount", _l("金额必须是正整数分钟。"))
    locked = lock_accounts([account.id])[account.id]
    if locked.available < amount:
        raise _insufficient(locked, amount)
    row = Hold(account_id=locked.id, amount=amount, kind=kind, reference=reference,
               created_at=clock.utc(at))
    locked.held += amount
    db.session.add(row)
    db.session.flush()
    return row


def _settle(row: Hold, credit: LedgerAccount | None, at: datetime | None) -> Hold:
    accounts = lock_accounts([row.account_id] + ([credit.id] if credit else []))
    row = _lock_hold(row.id)
    if row.status != HoldStatus.PENDING:
        raise Conflict("timebank.hold_settled", _l("该笔冻结已经处理过了。"))
    source = accounts[row.account_id]
    source.held -= row.amount
    row.settled_at = clock.utc(at)
    return row


def post_hold(row: Hold, credit: LedgerAccount, actor=None, memo: str | None = None,
              at: datetime | None = None) -> Posting:
    """Phase two: the held minutes move to ``credit``."""
    row = _settle(row, credit, at)
    db.session.flush()  # release the hold before the posting re-checks availability
    posting = post([Entry(row.account_id, credit.id, row.amount, row.kind, row.reference,
                          memo)], actor, at)[0]
    row.status, row.posting_id = HoldStatus.POSTED, posting.id
    db.session.flush()
    return posting


def void_hold(row: Hold, at: datetime | None = None) -> Hold:
    """Release a hold; nothing is posted."""
    row = _settle(row, None, at)
    row.status = HoldStatus.VOIDED
    db.session.flush()
    return row


# --- history and verification ----------------------------------------------------------------

def postings_of(account_id: int):
    """A select of the account's postings, newest first (for pagination)."""
    return (sa.select(Posting)
            .where(sa.or_(Posting.debit_account_id == account_id,
                          Posting.credit_account_id == account_id))
            .order_by(Posting.created_at.desc(), Posting.id.desc()))


@dataclass
class VerifyReport:
    accounts: int = 0
    postings: int = 0
    total: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sums(column) -> dict[int, int]:
    return dict(db.session.execute(
        sa.select(column, sa.func.sum(Posting.amount)).group_by(column)).all())


def verify() -> VerifyReport:
    """Recompute every balance and hold from the rows; report every mismatch and broken rule."""
    report = VerifyReport()
    credits, debits = _sums(Posting.credit_account_id), _sums(Posting.debit_account_id)
    holds = dict(db.session.execute(
        sa.select(Hold.account_id, sa.func.sum(Hold.amount))
        .where(Hold.status == HoldStatus.PENDING).group_by(Hold.account_id)).all())
    report.postings = db.session.execute(
        sa.select(sa.func.count()).select_from(Posting)).scalar_one()
    for acc in db.session.execute(sa.select(LedgerAccount).order_by(LedgerAccount.id)).scalars():
        report.accounts += 1
        computed = int(credits.get(acc.id, 0)) - int(debits.get(acc.id, 0))
        report.total += acc.balance
        if computed != acc.balance:
            report.problems.append(f"{acc.key}: balance {acc.balance} != postings {computed}")
        if int(holds.get(acc.id, 0)) != acc.held:
            report.problems.append(f"{acc.key}: held {acc.held} != holds {holds.get(acc.id, 0)}")
        if acc.kind != AccountKind.ISSUANCE and acc.balance - acc.held < 0:
            report.problems.append(f"{acc.key}: available below zero ({acc.balance - acc.held})")
    if report.total != 0:
        report.problems.append(f"sum of all balances is {report.total}, not 0")
    return report
