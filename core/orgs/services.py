"""Organization operations: districts, registering and editing organizations, staff membership."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, events
from core.accounts.models import Role
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.ids import is_valid_uscc
from core.ids import normalize as normalize_code
from core.orgs.models import District, Membership, Organization, OrgKind, OrgStatus

# The seven districts of Changzhou (DOMAIN.md glossary), with approximate centres.
CHANGZHOU_DISTRICTS = [
    ("tianning", "天宁区", "Tianning", "320402", 31.7796, 119.9745),
    ("zhonglou", "钟楼区", "Zhonglou", "320404", 31.8020, 119.9021),
    ("xinbei", "新北区", "Xinbei", "320411", 31.8307, 119.9721),
    ("wujin", "武进区", "Wujin", "320412", 31.7010, 119.9420),
    ("jintan", "金坛区", "Jintan", "320413", 31.7233, 119.5974),
    ("liyang", "溧阳市", "Liyang", "320481", 31.4167, 119.4841),
    ("jingkai", "常州经开区", "Changzhou Economic Development Zone", None, 31.7450, 120.0830),
]

ORG_FIELDS = ("name", "uscc", "kind", "is_charity", "is_eldercare", "registering_authority",
              "legal_representative", "district_id", "address", "registration_date", "beds",
              "contact_phone")


def seed_districts() -> int:
    """Insert the Changzhou districts that are missing; returns how many were added."""
    existing = set(db.session.execute(sa.select(District.code)).scalars())
    added = 0
    for order, (code, name, name_en, gb, lat, lon) in enumerate(CHANGZHOU_DISTRICTS):
        if code not in existing:
            db.session.add(District(code=code, name=name, name_en=name_en, gb_code=gb,
                                    lat=lat, lon=lon, sort_order=order))
            added += 1
    db.session.flush()
    return added


def districts() -> list[District]:
    return list(db.session.execute(sa.select(District).order_by(District.sort_order)).scalars())


def get_district(district_id: int) -> District:
    district = db.session.get(District, district_id)
    if district is None:
        raise NotFound("orgs.unknown_district", _l("区县不存在。"),
                       errors={"district_id": [str(_l("区县不存在。"))]})
    return district


DISTRICT_FIELDS = ("code", "name", "name_en", "gb_code", "lat", "lon", "sort_order")


def _validate_district(data: dict, district_id: int | None) -> None:
    errors = {}
    for key in ("code", "name", "name_en"):
        if not (data.get(key) or "").strip():
            errors[key] = [str(_l("必填。"))]
    if data.get("gb_code") and not (len(data["gb_code"]) == 6 and data["gb_code"].isdigit()):
        errors["gb_code"] = [str(_l("行政区划代码为 6 位数字。"))]
    lat, lon = data.get("lat"), data.get("lon")
    if (lat is None) != (lon is None):
        errors["lat"] = [str(_l("请同时填写纬度和经度，或都不填。"))]
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        errors["lat"] = [str(_l("坐标超出范围。"))]
    for key in ("code", "name"):
        clash = db.session.execute(
            sa.select(District.id).where(getattr(District, key) == (data.get(key) or "").strip())
        ).scalar_one_or_none()
        if clash is not None and clash != district_id:
            errors[key] = [str(_l("已被使用。"))]
    if errors:
        raise ValidationFailed("orgs.bad_district", _l("请核对区县信息。"), errors=errors)


def save_district(actor, data: dict, district: District | None = None) -> District:
    """Add a district, or correct one (names, codes, the centre used for distances)."""
    data = {k: data.get(k) for k in DISTRICT_FIELDS}
    for key in ("code", "name", "name_en", "gb_code"):
        data[key] = (data[key] or "").strip() or None
    data["sort_order"] = data["sort_order"] or 0
    _validate_district(data, district.id if district else None)
    before = {k: getattr(district, k) for k in DISTRICT_FIELDS} if district else None
    district = district or District()
    for key, value in data.items():
        setattr(district, key, value)
    db.session.add(district)
    db.session.flush()
    audit.record(actor, "orgs.district.save", "district", district.id, before=before,
                 after=data)
    return district


def find_org_by_uscc(uscc: str) -> Organization | None:
    return db.session.execute(
        sa.select(Organization).where(Organization.uscc == normalize_code(uscc))
    ).scalar_one_or_none()


PICK_LIMIT = 10


def pick_orgs(text: str) -> list[Organization]:
    """Organizations a person may mean by ``text`` (part of a name, or a USCC): the one with
    that USCC or exactly that name when there is one, else up to ``PICK_LIMIT + 1`` whose name
    or code contains it (one more than shown, so the caller can say "more")."""
    text = (text or "").strip()
    if not text:
        return []
    exact = find_org_by_uscc(text) if len(text) == 18 else None
    if exact is not None:
        return [exact]
    named = db.session.execute(sa.select(Organization).where(Organization.name == text)
                               .limit(2)).scalars().all()
    if len(named) == 1:
        return list(named)
    return list(db.session.execute(search_orgs(text).limit(PICK_LIMIT + 1)).scalars())


def get_org(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("orgs.not_found", _l("组织不存在。"))
    return org


def _validate(data: dict, today: date) -> dict:
    errors = {}
    if not (data.get("name") or "").strip():
        errors["name"] = [str(_l("请填写组织名称。"))]
    if not is_valid_uscc(data.get("uscc")):
        errors["uscc"] = [str(_l("统一社会信用代码无效（18 位，最后一位为校验码）。"))]
    if data.get("kind") not in {k.value for k in OrgKind}:
        errors["kind"] = [str(_l("请选择组织类型。"))]
    reg = data.get("registration_date")
    if isinstance(reg, date) and reg > today:
        errors["registration_date"] = [str(_l("登记日期不能晚于今天。"))]
    if data.get("beds") is not None and data["beds"] < 0:
        errors["beds"] = [str(_l("床位数不能为负数。"))]
    for key in ("registering_authority", "legal_representative", "address"):
        if not (data.get(key) or "").strip():
            errors[key] = [str(_l("必填。"))]
    if errors:
        raise ValidationFailed("orgs.invalid", _l("请核对组织信息。"), errors=errors)
    return data


def register_org(actor, data: dict, *, status: str = OrgStatus.PENDING,
                 today: date | None = None) -> Organization:
    """Register an organization by its USCC. ``data`` holds ORG_FIELDS."""


    data = {k: data.get(k) for k in ORG_FIELDS}
    data["uscc"] = normalize_code(data.get("uscc"))
    _validate(data, today or clock.today())
    get_district(data["district_id"])
    if find_org_by_uscc(data["uscc"]) is not None:
        raise Conflict("orgs.uscc_taken", _l("该统一社会信用代码已登记。"),
                       errors={"uscc": [str(_l("已登记。"))]})
    if data["kind"] == OrgKind.ELDERCARE:
        data["is_eldercare"] = True
    org = Organization(**data, status=status)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "orgs.register", "organization", org.id,
                 after={"name": org.name, "uscc": org.uscc, "status": org.status})
    return org


def update_org(actor, org: Organization, changes: dict, reason: str | None = None
               ) -> Organization:
    """Correct an organization's registration data. The identity fields of an organization the
    bureau verified change only through an approved request (``core.orgs.identity``)."""
    refuse_direct_change(org, changes)
    return apply_changes(actor, org, changes, reason)


IDENTITY_FIELDS = ("name", "uscc", "legal_representative", "kind", "is_eldercare")


def is_verified(org: Organization) -> bool:
    """Verified by the bureau: everything but an organization still awaiting verification."""
    return org.status != OrgStatus.PENDING


def identity_of(org: Organization) -> dict:
    return {key: getattr(org, key) for key in IDENTITY_FIELDS}


def changed_identity(org: Organization, changes: dict) -> dict:
    """The identity fields ``changes`` would change (normalized), field → new value."""
    out = {}
    for key in IDENTITY_FIELDS:
        if key in changes and changes[key] is not None:
            value = normalize_code(changes[key]) if key == "uscc" else changes[key]
            value = value.strip() if isinstance(value, str) and key != "uscc" else value
            if value != getattr(org, key):
                out[key] = value
    return out


def refuse_direct_change(org: Organization, changes: dict) -> None:
    """``update_org`` on a verified organization: identity fields go through a request."""
    if is_verified(org) and (asked := changed_identity(org, changes)):
        message = _l("组织通过核验后，名称、统一社会信用代码、法定代表人、类型和养老机构标识只能通过变更申请、"
                     "经民政部门批准后修改。")
        raise Conflict("orgs.identity_change_needs_request", message,
                       errors={key: [str(message)] for key in asked})


def validated(org: Organization, changes: dict) -> dict:
    """The organization's data with ``changes`` applied, checked (fields, district, a USCC no
    other organization holds); nothing is written."""
    merged = {k: getattr(org, k) for k in ORG_FIELDS}
    merged.update({k: v for k, v in changes.items() if k in ORG_FIELDS})
    merged["uscc"] = normalize_code(merged["uscc"])
    _validate(merged, clock.today())
    get_district(merged["district_id"])
    other = find_org_by_uscc(merged["uscc"])
    if other is not None and other.id != org.id:
        raise Conflict("orgs.uscc_taken", _l("该统一社会信用代码已登记。"),
                       errors={"uscc": [str(_l("已登记。"))]})
    return merged


def apply_changes(actor, org: Organization, changes: dict, reason: str | None = None,
                  identity_approved: bool = False) -> Organization:
    """Write validated changes and audit the difference (callers decide who may)."""
    merged = validated(org, changes)
    before = {k: getattr(org, k) for k in ORG_FIELDS}
    for key, value in merged.items():
        setattr(org, key, value)
    db.session.flush()
    diff_before = {k: v for k, v in before.items() if v != merged[k]}
    if diff_before:
        audit.record(actor, "orgs.identity" if identity_approved else "orgs.update",
                     "organization", org.id, before=diff_before,
                     after={k: merged[k] for k in diff_before}, reason=reason)
    return org


def set_org_status(actor, org: Organization, status: str, reason: str) -> Organization:
    if status not in {s.value for s in OrgStatus}:
        raise ValidationFailed("orgs.bad_status", _l("状态无效。"))
    if not (reason or "").strip():
        raise ValidationFailed("orgs.reason_required", _l("请填写原因。"),
                               errors={"reason": [str(_l("必填。"))]})
    before = org.status
    org.status = status
    db.session.flush()
    audit.record(actor, "orgs.status", "organization", org.id, before={"status": before},
                 after={"status": status}, reason=reason)
    if status != before:
        events.publish(events.org_status_changed, "orgs", org_id=org.id, before=before,
                       after=status, reason=reason, actor_id=getattr(actor, "id", None))
    return org


# --- membership ----------------------------------------------------------------------------

def user_org_ids(user) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.execute(
        sa.select(Membership.org_id).where(Membership.user_id == user.id)
    ).scalars())


def orgs_of(user) -> list[Organization]:
    ids = user_org_ids(user)
    if not ids:
        return []
    return list(db.session.execute(
        sa.select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)
    ).scalars())


def require_member(user, org_id: int) -> None:
    """Object-level check: the user acts for this organization."""
    if org_id not in user_org_ids(user):
        raise PermissionDenied("orgs.not_member", _l("您不是该组织的工作人员。"))


def require_manager(user, org_id: int) -> None:
    """Object-level check: the user manages this organization (edits its registration data
    and its staff)."""
    require_member(user, org_id)
    row = db.session.get(Membership, (user.id, org_id))
    if row is None or row.role != "manager":
        raise PermissionDenied("orgs.not_manager", _l("只有本组织的管理员可以修改组织信息。"))


def may_manage(user, org_id: int) -> bool:
    """Who manages an organization's registration data and staff on its pages: its managers,
    and administrators."""
    if user.has_role(Role.ADMIN):
        return True
    row = db.session.get(Membership, (user.id, org_id))
    return row is not None and row.role == "manager"


def get_org_for(user, org_id: int) -> Organization:
    """An organization's page: regulators and administrators see any; staff their own."""
    org = get_org(org_id)
    if not user.has_role(Role.REGULATOR, Role.ADMIN):
        require_member(user, org_id)
    return org


def add_member(actor, org: Organization, user, role: str = "staff") -> Membership:
    if role not in ("staff", "manager"):
        raise ValidationFailed("orgs.bad_member_role", _l("成员角色无效。"))
    row = db.session.get(Membership, (user.id, org.id))
    if row is None:
        row = Membership(user_id=user.id, org_id=org.id, role=role)
        db.session.add(row)
    else:
        row.role = role
    db.session.flush()
    audit.record(actor, "orgs.member.add", "organization", org.id,
                 after={"user": user.username, "role": role})
    return row


def remove_member(actor, org: Organization, user) -> None:
    row = db.session.get(Membership, (user.id, org.id))
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        audit.record(actor, "orgs.member.remove", "organization", org.id,
                     before={"user": user.username})


def members(org: Organization) -> list[Membership]:
    return list(db.session.execute(
        sa.select(Membership).where(Membership.org_id == org.id)
    ).scalars())


def search_orgs(q: str | None = None, district_id: int | None = None, kind: str | None = None,
                status: str | None = None):
    query = sa.select(Organization).order_by(Organization.name)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(sa.or_(Organization.name.ilike(like),
                                   Organization.uscc.ilike(like)))
    if district_id:
        query = query.where(Organization.district_id == district_id)
    if kind:
        query = query.where(Organization.kind == kind)
    if status:
        query = query.where(Organization.status == status)
    return query
