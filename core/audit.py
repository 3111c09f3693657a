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


# What each action is, in words (issue 15: people read words, never codes). Every package
# registers its own actions (``register_action_words``) from its vocabulary; an action with no
# words of its own takes those of its longest registered prefix ("credit.entry" for
# "credit.entry.published"), and the page keeps the code beside it for the administrator.
_ACTION_WORDS: dict[str, object] = {}


def register_action_words(words: dict) -> None:
    _ACTION_WORDS.update(words)


def action_label(action: str):
    """The words for an action code, or None when nothing registered covers it."""
    code = action
    while code:
        if code in _ACTION_WORDS:
            return _ACTION_WORDS[code]
        code = code.rpartition(".")[0]
    return None


def action_choices() -> list[tuple[str, str]]:
    """(code, words) of every registered action for a filter, each group before its members
    (a group's code filters all of them), members indented under it."""
    choices = []
    for code in sorted(_ACTION_WORDS):
        depth = sum(1 for other in _ACTION_WORDS if code.startswith(other + "."))
        choices.append((code, "\u3000" * depth + str(_ACTION_WORDS[code])))
    return choices


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


def _core_action_words() -> dict:
    from flask_babel import lazy_gettext as _l

    return {
        "accounts": _l("账号与个人信息"),
        "accounts.family.declare": _l("登记家庭成员关系"),
        "accounts.family.verify": _l("核实家庭成员关系"),
        "accounts.keys.rotate": _l("更换加密密钥"),
        "accounts.person.binding_code": _l("生成实名认领码"),
        "accounts.person.claim": _l("认领实名档案"),
        "accounts.person.create": _l("建立个人档案"),
        "accounts.person.verify": _l("核验个人身份"),
        "accounts.person.volunteer": _l("注册为志愿者"),
        "accounts.register.registered_id": _l("实名注册（身份证已登记）"),
        "accounts.token.create": _l("创建接口令牌"),
        "accounts.token.revoke": _l("吊销接口令牌"),
        "accounts.user.activate": _l("启用账号"),
        "accounts.user.deactivate": _l("停用账号"),
        "accounts.user.create": _l("创建账号"),
        "accounts.user.link_person": _l("账号关联个人"),
        "accounts.user.password": _l("修改密码"),
        "accounts.user.roles": _l("调整角色"),
        "accounts.user.sign_out": _l("在所有设备上退出登录"),
        "calendar": _l("节假日日历"),
        "calendar.import": _l("导入节假日安排"),
        "catalogue": _l("修改业务目录"),
        "jobs": _l("定时任务"),
        "jobs.pause": _l("暂停定时任务"),
        "jobs.resume": _l("恢复定时任务"),
        "jobs.reschedule": _l("调整定时任务时间"),
        "notice": _l("文书送达"),
        "notice.contact": _l("更新送达联系方式"),
        "notice.deliver": _l("发送文书"),
        "notice.delivered": _l("文书已送达"),
        "notice.issue": _l("制发文书"),
        "notice.public_notice": _l("公告送达"),
        "orgs": _l("组织信息"),
        "orgs.district.save": _l("保存区县"),
        "orgs.identity": _l("变更组织登记信息"),
        "orgs.identity_change.file": _l("申请变更组织登记信息"),
        "orgs.identity_change.approved": _l("同意变更组织登记信息"),
        "orgs.identity_change.rejected": _l("不同意变更组织登记信息"),
        "orgs.member.add": _l("添加组织工作人员"),
        "orgs.member.remove": _l("移除组织工作人员"),
        "orgs.register": _l("登记组织"),
        "orgs.status": _l("组织登记状态变更"),
        "orgs.update": _l("修改组织信息"),
    }


def init_app(app) -> None:
    """Registers the kernel's own action words (packages register theirs)."""
    register_action_words(_core_action_words())
