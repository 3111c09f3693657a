"""Gifts to verified family, donations to the pool, pool allocations, and history lines."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from core import audit
from core.accounts.models import Person, Relation, Role
from core.accounts.services import relation_between
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import Organization
from core.timeutil import start_of_local_day_utc
from timebank import ledger
from timebank.models import LedgerAccount, Posting, ServiceSession, Transfer
from timebank.vocabulary import PostingKind, TransferKind


def _positive_minutes(minutes) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise ValidationFailed("timebank.bad_amount", _l("请填写大于 0 的整数分钟。"),
                               errors={"minutes": [str(_l("必须是正整数。"))]})
    return minutes


def _acting_for(actor, person: Person) -> None:
    """The member acts for themself; ``None`` is the system (demo seeder, jobs)."""
    if actor is not None and actor.person_id != person.id:
        raise PermissionDenied("timebank.not_your_account", _l("只能从自己的账户转出时间。"))


def _record(actor, kind: str, posting: Posting, minutes: int, *, from_id=None, to_id=None,
            relation=None, reason=None) -> Transfer:
    row = Transfer(kind=kind, from_person_id=from_id, to_person_id=to_id, minutes=minutes,
                   relation=relation, reason=reason, posting_id=posting.id,
                   actor_id=getattr(actor, "id", None), created_at=posting.created_at)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, f"timebank.{kind}", "timebank_transfer", row.id, at=row.created_at,
                 after={"from": from_id, "to": to_id, "minutes": minutes, "relation": relation},
                 reason=reason)
    return row


def give(actor, giver: Person, to_person_id: int, minutes: int,
         now: datetime | None = None) -> Transfer:
    """转赠: only to a verified 直系亲属 (spouse, parents, children, grandparents,
    grandchildren; DOMAIN.md "Gift"), recorded with the relation."""
    _acting_for(actor, giver)
    minutes = _positive_minutes(minutes)
    receiver = db.session.get(Person, to_person_id or 0)
    if receiver is None:
        raise NotFound("timebank.unknown_recipient", _l("找不到受赠人。"),
                       errors={"to_person_id": [str(_l("找不到受赠人。"))]})
    relation = relation_between(giver.id, receiver.id)
    if relation is None:
        raise PermissionDenied(
            "timebank.not_family",
            _l("只能转赠给已核验的直系亲属（配偶、父母、子女、祖父母、孙子女）。"),
            errors={"to_person_id": [str(_l("不是已核验的直系亲属。"))]})
    posting = ledger.transfer(ledger.person_account(giver.id),
                              ledger.person_account(receiver.id), minutes, PostingKind.GIFT,
                              f"gift:{uuid.uuid4().hex}", actor, at=now)
    return _record(actor, TransferKind.GIFT, posting, minutes, from_id=giver.id,
                   to_id=receiver.id, relation=relation.value)


def donate(actor, donor: Person, minutes: int, now: datetime | None = None) -> Transfer:
    """捐赠: from the member's account to the public pool (公益时间池)."""
    _acting_for(actor, donor)
    minutes = _positive_minutes(minutes)
    posting = ledger.transfer(ledger.person_account(donor.id), ledger.pool_account(), minutes,
                              PostingKind.DONATION, f"donation:{uuid.uuid4().hex}", actor,
                              at=now)
    return _record(actor, TransferKind.DONATION, posting, minutes, from_id=donor.id)


def allocate(actor, to_person_id: int, minutes: int, reason: str,
             now: datetime | None = None) -> Transfer:
    """The bureau allocates pool credits to an elder in difficulty, with its reason."""
    if actor is None or not actor.has_role(Role.REGULATOR, Role.ADMIN):
        raise PermissionDenied("timebank.cannot_allocate", _l("只有民政部门可以分配公益时间。"))
    minutes = _positive_minutes(minutes)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("timebank.reason_required", _l("请填写分配原因（困难情况）。"),
                               errors={"reason": [str(_l("必填。"))]})
    receiver = db.session.get(Person, to_person_id or 0)
    if receiver is None:
        raise NotFound("timebank.unknown_recipient", _l("找不到受助老人。"),
                       errors={"to_person_id": [str(_l("找不到该人员。"))]})
    posting = ledger.transfer(ledger.pool_account(), ledger.person_account(receiver.id),
                              minutes, PostingKind.ALLOCATION,
                              f"allocation:{uuid.uuid4().hex}", actor, memo=reason[:200],
                              at=now)
    return _record(actor, TransferKind.ALLOCATION, posting, minutes, to_id=receiver.id,
                   reason=reason[:2000])


def received_gift_or_allocation(person_id: int) -> bool:
    return db.session.execute(
        sa.select(Transfer.id).where(
            Transfer.to_person_id == person_id,
            Transfer.kind.in_((TransferKind.GIFT, TransferKind.ALLOCATION))).limit(1)
    ).first() is not None


def relation_label(value: str | None) -> str:
    return Relation(value).label if value else ""


# --- history -------------------------------------------------------------------------------

@dataclass
class HistoryLine:
    posting: Posting
    signed: int  # + into the account, − out of it
    kind: str
    label: str
    detail: str
    at: datetime


def history_query(account_id: int, kind: str | None = None, since: date | None = None,
                  until: date | None = None):
    query = ledger.postings_of(account_id)
    if kind:
        query = query.where(Posting.kind == kind)
    if since:
        query = query.where(Posting.created_at >= start_of_local_day_utc(since))
    if until:
        query = query.where(Posting.created_at < start_of_local_day_utc(until + timedelta(1)))
    return query


def describe(postings: list[Posting], account_id: int) -> list[HistoryLine]:
    """History lines with what each posting was: the session, the relative, the reason."""
    ids = [p.id for p in postings]
    # The names a line shows come in the same queries (no lazy load per line; a person's
    # name only: decrypting their ID number and phone would cost for nothing).
    transfers = {t.posting_id: t for t in db.session.execute(
        sa.select(Transfer).where(Transfer.posting_id.in_(ids)).options(
            joinedload(Transfer.from_person).load_only(Person.name),
            joinedload(Transfer.to_person).load_only(Person.name))).scalars()} if ids else {}
    session_ids = [_session_id(p) for p in postings if _session_id(p) is not None]
    sessions = {s.id: s for s in db.session.execute(
        sa.select(ServiceSession).where(ServiceSession.id.in_(session_ids)).options(
            joinedload(ServiceSession.recipient_person).load_only(Person.name),
            joinedload(ServiceSession.recipient_org).load_only(Organization.name))).scalars()
    } if session_ids else {}
    lines = []
    for p in postings:
        signed = p.amount if p.credit_account_id == account_id else -p.amount
        lines.append(HistoryLine(p, signed, p.kind, p.kind_label,
                                 _detail(p, account_id, transfers, sessions), p.created_at))
    return lines


def _session_id(p: Posting) -> int | None:
    """Deposits and reversals of sessions carry ``session:<id>`` as their reference."""
    kind, _, rest = p.reference.partition(":")
    if p.kind in (PostingKind.DEPOSIT, PostingKind.REVERSAL) and kind == "session" \
            and rest.isdigit():
        return int(rest)
    return None


def _detail(p: Posting, account_id: int, transfers: dict, sessions: dict) -> str:
    if _session_id(p) is not None:
        row = sessions.get(_session_id(p))
        if row is None:
            return p.memo or ""
        text = f"{row.category_label} · {row.recipient_label}"
        return text + (f" · {row.reversal_reason}" if p.kind == PostingKind.REVERSAL else "")
    t = transfers.get(p.id)
    if t is None:
        return p.memo or ""
    if t.kind == TransferKind.GIFT:
        outgoing = p.debit_account_id == account_id
        other = t.to_person if outgoing else t.from_person
        if outgoing:
            return str(_l("转赠给 %(name)s（%(rel)s）", name=other.name,
                          rel=relation_label(t.relation)))
        return str(_l("来自 %(name)s 的转赠", name=other.name))
    if t.kind == TransferKind.ALLOCATION:
        return t.reason or ""
    return ""


def pool_overview() -> dict:
    pool = db.session.execute(
        sa.select(LedgerAccount).where(LedgerAccount.key == "pool")).scalar_one_or_none()
    donated = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Transfer.minutes), 0))
                                 .where(Transfer.kind == TransferKind.DONATION)).scalar_one()
    allocated = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(Transfer.minutes), 0))
                                   .where(Transfer.kind == TransferKind.ALLOCATION)).scalar_one()
    return {"balance": pool.balance if pool else 0, "donated": int(donated),
            "allocated": int(allocated)}


def recent_transfers(kind: str, limit: int = 50) -> list[Transfer]:
    return list(db.session.execute(
        sa.select(Transfer).where(Transfer.kind == kind).order_by(Transfer.id.desc())
        .limit(limit)).scalars())
