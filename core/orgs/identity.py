"""Who an organization is, once the bureau has verified it (the guard itself is in
``core.orgs.services.update_org``): its name, USCC, legal
representative, kind and eldercare flag change only through a change request the bureau
approves, and the approved change is announced (``core.events.org_identity_changed``) so the
credit lists and their feed say it as its own event.

Otherwise a manager of an organization on a punishment list could rename it, give it another
code and another legal representative, and the public list, its exports and the feed would
name someone else (issue 12).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, events
from core.accounts.models import Role
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import IdentityChange, Organization, OrgKind
from core.orgs.services import (
    apply_changes,
    changed_identity,
    identity_of,
    require_manager,
    validated,
)
from core.timeutil import local_date

LABELS = {"name": _l("名称"), "uscc": _l("统一社会信用代码"), "legal_representative": _l("法定代表人"),
          "kind": _l("组织类型"), "is_eldercare": _l("养老服务机构")}


def describe(key: str, value) -> str:
    """A field of an identity change as people read it."""
    if key == "kind":
        return OrgKind(value).label if value in {k.value for k in OrgKind} else str(value)
    if key == "is_eldercare":
        return str(_l("是")) if value else str(_l("否"))
    return str(value or "")


def file_change(actor, org: Organization, changes: dict, reason: str, evidence_ref: str,
                now: datetime | None = None) -> IdentityChange:
    """A manager asks the bureau to change the organization's identity, with the reason and
    the evidence (the change registration, the court's decision…)."""
    if not actor.has_role(Role.REGULATOR, Role.ADMIN):
        require_manager(actor, org.id)
    asked = changed_identity(org, changes)
    if not asked:
        raise ValidationFailed("orgs.no_identity_change", _l("没有需要变更的身份信息。"),
                               errors={"name": [str(_l("请填写要变更的内容。"))]})
    reason, evidence_ref = (reason or "").strip(), (evidence_ref or "").strip()
    errors = {k: [str(_l("必填。"))] for k, v in (("reason", reason),
                                                 ("evidence_ref", evidence_ref)) if not v}
    if errors:
        raise ValidationFailed("orgs.reason_required", _l("请写明变更理由和证明材料。"),
                               errors=errors)
    validated(org, asked)  # the new values are valid and the USCC is free
    if db.session.execute(sa.select(IdentityChange.id).where(
            IdentityChange.org_id == org.id, IdentityChange.status == "pending")).first():
        raise Conflict("orgs.identity_change_pending", _l("已有一项待审批的变更申请。"))
    row = IdentityChange(org_id=org.id, requested_by_id=actor.id,
                         before={k: getattr(org, k) for k in asked}, changes=asked,
                         reason=reason[:2000], evidence_ref=evidence_ref[:200],
                         created_at=clock.utc(now))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "orgs.identity_change.file", "organization", org.id, reason=reason,
                 before=row.before, after=asked)
    return row


def get_change(change_id: int) -> IdentityChange:
    row = db.session.get(IdentityChange, change_id)
    if row is None:
        raise NotFound("orgs.identity_change_not_found", _l("变更申请不存在。"))
    return row


def decide_change(actor, change: IdentityChange, approve: bool, reason: str,
                  now: datetime | None = None) -> IdentityChange:
    """A regulator approves (the identity changes, and the change is announced) or rejects."""
    if not actor.has_role(Role.REGULATOR):
        raise PermissionDenied("orgs.not_regulator", _l("只有民政部门可以审批身份变更。"))
    if actor.id == change.requested_by_id:
        raise PermissionDenied("orgs.own_request", _l("不能审批自己提出的变更申请。"))
    if change.status != "pending":
        raise Conflict("orgs.identity_change_decided", _l("该变更申请已经处理。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("orgs.reason_required", _l("请写明审批意见。"),
                               errors={"reason": [str(_l("必填。"))]})
    now = clock.utc(now)
    org = change.organization
    change.status = "approved" if approve else "rejected"
    change.decided_by_id, change.decided_at, change.decision_reason = actor.id, now, reason
    if approve:
        before = identity_of(org)
        apply_changes(actor, org, change.changes, reason=f"{local_date(change.created_at)}提出的身份变更申请：{reason}",
                      identity_approved=True)
        after = identity_of(org)
        events.publish(events.org_identity_changed, "orgs", org_id=org.id, change_id=change.id,
                       before={k: before[k] for k in after if before[k] != after[k]},
                       after={k: after[k] for k in after if before[k] != after[k]},
                       decided_at=now, actor_id=actor.id)
    db.session.flush()
    audit.record(actor, f"orgs.identity_change.{change.status}", "organization", org.id,
                 reason=reason, after={"change_id": change.id, **change.changes})
    return change


def changes_query(status: str | None = "pending", org_id: int | None = None):
    query = sa.select(IdentityChange).order_by(IdentityChange.id.desc())
    if status:
        query = query.where(IdentityChange.status == status)
    if org_id is not None:
        query = query.where(IdentityChange.org_id == org_id)
    return query
