"""The audit trail: append-only records of decisions, each carrying the hash of the one before.

``record(...)`` is called by operations (never views) inside the transaction that makes the
change, so the record commits or rolls back with it. Writers take a transaction-scoped lock
so the chain never forks. ``verify_chain()`` recomputes every hash and reports the first
broken link; ``flask audit verify`` runs it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import InsertOnly, UTCDateTime, advisory_lock, make_insert_only
from core.extensions import db

GENESIS = "0" * 64


class AuditRecord(InsertOnly, db.Model):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(50))
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_record_subject", "subject_type", "subject_id"),)

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self._canonical())

    def _canonical(self) -> str:
        return json.dumps(
            [self.seq, self.created_at.isoformat(), self.actor_id, self.actor_label,
             self.action, self.subject_type, self.subject_id, self.before, self.after,
             self.reason],
            ensure_ascii=False, separators=(",", ":"),
        )

    def before_dict(self) -> dict:
        return json.loads(self.before) if self.before else {}

    def after_dict(self) -> dict:
        return json.loads(self.after) if self.after else {}


make_insert_only(AuditRecord.__table__)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + "|" + canonical).encode()).hexdigest()


def _dump(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record(actor, action: str, subject_type: str, subject_id, *, before=None, after=None,
           reason: str | None = None, at: datetime | None = None) -> AuditRecord:
    """Append one audit record. ``actor`` is a User, or None for the system (jobs, rules)."""
    advisory_lock("audit_record")
    last = db.session.execute(
        sa.select(AuditRecord.seq, AuditRecord.hash).order_by(AuditRecord.seq.desc()).limit(1)
    ).first()
    entry = AuditRecord(
        seq=(last.seq + 1) if last else 1,
        created_at=(at or clock.now()).astimezone(UTC),  # the hash must survive a round trip
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "username", None) or "system",
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=_dump(before),
        after=_dump(after),
        reason=reason,
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; stop at the first record that does not fit."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    query = sa.select(AuditRecord).order_by(AuditRecord.seq)
    for rec in db.session.execute(query.execution_options(yield_per=batch)).scalars():
        if rec.seq != expected_seq:
            return ChainReport(checked, rec.seq, f"sequence gap: expected {expected_seq}")
        if rec.prev_hash != prev_hash:
            return ChainReport(checked, rec.seq, "previous-hash link does not match")
        if rec.compute_hash() != rec.hash:
            return ChainReport(checked, rec.seq, "record content does not match its hash")
        prev_hash, expected_seq, checked = rec.hash, expected_seq + 1, checked + 1
    return ChainReport(checked)


def records_query(action_prefix: str | None = None):
    """Audit records, newest first; only actions starting with ``action_prefix`` when given."""
    query = sa.select(AuditRecord).order_by(AuditRecord.seq.desc())
    if action_prefix:
        query = query.where(AuditRecord.action.ilike(f"{action_prefix}%"))
    return query


def history(subject_type: str, subject_id) -> list[AuditRecord]:
    return list(db.session.execute(
        sa.select(AuditRecord)
        .where(AuditRecord.subject_type == subject_type,
               AuditRecord.subject_id == str(subject_id))
        .order_by(AuditRecord.seq)
    ).scalars())


audit_cli = AppGroup("audit", help="Audit trail commands.")


@audit_cli.command("verify")
def verify_command():
    """Check the hash chain of the audit trail; exit 1 at the first broken link."""
    report = verify_chain()
    if report.ok:
        click.echo(f"audit chain OK: {report.checked} records")
        return
    click.echo(f"audit chain BROKEN at seq {report.broken_seq}: {report.problem} "
               f"({report.checked} records before it are intact)", err=True)
    raise SystemExit(1)
