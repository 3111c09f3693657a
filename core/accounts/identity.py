"""Who a login is: self-registration that never reveals who is registered, claiming a person
registered by staff (one-time binding code handed over in person), and in-person verification
of a person's identity card by staff of a verified organization.

These rules protect the people who cannot protect themselves on a screen: an elder registered
by a community centre has no login, so whoever can claim that record can spend what the elder
holds; a person's confirmation mints hours for someone else, so it counts only once staff have
seen the person's card. Every step is audited with who, when and for which organization.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, outbox
from core.accounts.models import BindingCode, Person, Role, User
from core.accounts.services import (
    create_person,
    create_user,
    find_person_by_id_number,
    make_volunteer,
    person_field_errors,
)
from core.config import policy
from core.crypto import blind_index
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.ids import normalize
from core.orgs.models import Organization, OrgStatus
from core.orgs.services import user_org_ids

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud at a counter
CODE_LENGTH = 8
VERIFIERS = (Role.ORG_STAFF, Role.INSTITUTION_STAFF, Role.REGULATOR)


# --- self-registration ------------------------------------------------------------------------

def register_volunteer(username: str, password: str, name: str, id_number: str,
                       phone: str | None, district_id: int | None) -> User:
    """Self-registration: a volunteer login, and a real-name person with a volunteer number.

    The answer must not tell whether the ID number is already registered (a full number can
    be rebuilt from its mask by asking): when it is, the login is made all the same, without a
    person, and the person's own login or registering organization is told. Linking it then
    needs the binding code that organization hands over in person (``link_person``). Both
    paths hash a password, so they also take the same time."""
    errors = person_field_errors(name, id_number, phone)
    if errors:
        raise ValidationFailed("accounts.bad_person", _l("请核对填写的个人信息。"), errors=errors)
    existing = find_person_by_id_number(id_number)
    if existing is None:
        person = create_person(None, name, id_number, phone, district_id, as_volunteer=True)
        return create_user(None, username, password, name, roles=[Role.VOLUNTEER],
                           person=person)
    user = create_user(None, username, password, name, roles=[Role.VOLUNTEER])
    audit.record(None, "accounts.register.registered_id", "person", existing.id,
                 after={"user_id": user.id})
    _tell_holder(existing, user)
    return user


def _tell_holder(person: Person, user: User) -> None:
    subject = str(_l("有人用您的身份证号码注册了新账号"))
    body = str(_l("新账号“%(u)s”使用了您的身份证号码。如果不是您本人，请联系所在社区或服务点；"
                  "没有您当面领取的绑定码，该账号不能使用您的时间账户。", u=user.username))
    if person.user is not None:
        outbox.enqueue("accounts.registered_id", subject, body, user_id=person.user.id)
    elif person.registered_org_id is not None:
        outbox.enqueue("accounts.registered_id", subject, body, org_id=person.registered_org_id)


# --- claiming a registered person ---------------------------------------------------------------

def link_person(actor, user: User, name: str, id_number: str, phone: str | None = None,
                district_id: int | None = None, binding_code: str | None = None) -> Person:
    """Give a login its real-name identity: a new person, or the person already registered
    under this ID number, which needs the one-time binding code their organization or counter
    handed over in person. Every failed claim gets the same answer."""
    if user.person is not None:
        raise Conflict("accounts.already_real_name", _l("该账号已完成实名登记。"))
    person = find_person_by_id_number(id_number or "")
    if person is None:
        person = create_person(actor, name, id_number, phone, district_id)
        how = "new"
    else:
        _claim(actor, user, person, name, binding_code)
        how = "claimed"
    user.person = person
    if user.has_role(Role.VOLUNTEER):
        make_volunteer(actor, person)
    db.session.flush()
    audit.record(actor, "accounts.user.link_person", "user", user.id,
                 after={"person_id": person.id, "id_number": person.id_number_masked,
                        "how": how})
    return person


def _code_hash(person_id: int, code: str) -> str:
    return blind_index(f"binding:{person_id}:{normalize(code).replace('-', '')}")


def _claim(actor, user: User, person: Person, name: str, code: str | None,
           now: datetime | None = None) -> None:
    now = clock.utc(now)
    row = None
    if code and person.name == (name or "").strip() and person.user is None:
        row = db.session.execute(sa.select(BindingCode).where(
            BindingCode.person_id == person.id,
            BindingCode.code_hash == _code_hash(person.id, code))).scalar_one_or_none()
    if row is None or not row.is_usable(now):
        raise ValidationFailed(
            "accounts.claim_refused",
            _l("无法完成实名登记。如果您已由组织或服务点登记，请填写他们当面交给您的绑定码，并核对姓名和身份证号码。"),
            errors={"binding_code": [str(_l("请填写有效的绑定码。"))]})
    row.used_at, row.used_by_id = now, user.id
    db.session.flush()
    audit.record(actor, "accounts.person.claim", "person", person.id, at=now,
                 after={"user_id": user.id, "binding_code_id": row.id,
                        "issued_by_id": row.issued_by_id, "org_id": row.org_id})


# --- staff, in person ---------------------------------------------------------------------------

def acting_org(actor, org_id: int | None = None) -> int | None:
    """The verified (active) organization a staff member acts for in person; regulators may act
    for none. Staff of an organization the bureau has not verified cannot vouch for anyone."""
    mine = user_org_ids(actor)
    active = set(db.session.execute(sa.select(Organization.id).where(
        Organization.id.in_(mine or {0}), Organization.status == OrgStatus.ACTIVE)).scalars())
    if org_id is not None:
        if org_id not in active:
            raise PermissionDenied("accounts.not_acting_for_org",
                                   _l("您不能以该组织的名义办理（不是其工作人员，或该组织尚未通过核验）。"))
        return org_id
    if active:
        return min(active)
    if actor.has_role(Role.REGULATOR):
        return None
    raise PermissionDenied("accounts.no_verified_org",
                           _l("只有已通过民政部门核验的组织的工作人员才能当面核验身份。"))


def presented_person(name: str, id_number: str) -> Person:
    """The person whose card is in front of the staff member: full ID number and name."""
    person = find_person_by_id_number(id_number or "")
    if person is None or person.name != (name or "").strip():
        raise NotFound("accounts.person_not_found",
                       _l("找不到该人员：请核对身份证上的姓名和号码。"),
                       errors={"id_number": [str(_l("找不到。"))]})
    return person


def verify_in_person(actor, name: str, id_number: str, org_id: int | None = None,
                     now: datetime | None = None) -> Person:
    """Staff saw the person and their ID card: record who verified, when, for which
    organization. From then on the person's confirmations of others' hours count."""
    org = acting_org(actor, org_id)
    person = presented_person(name, id_number)
    now = clock.utc(now)
    person.verified_at, person.verified_by_id, person.verified_org_id = now, actor.id, org
    db.session.flush()
    audit.record(actor, "accounts.person.verify", "person", person.id, at=now,
                 after={"org_id": org, "id_number": person.id_number_masked})
    return person


@dataclass
class IssuedBindingCode:
    row: BindingCode
    code: str  # shown once, to be handed over on paper; only its keyed hash is stored


def may_issue_binding_code(actor, person: Person, org: int | None) -> bool:
    """The organization that registered the person, an eldercare counter (the people without a
    login are mostly elders it serves), or a regulator."""
    if actor.has_role(Role.REGULATOR):
        return True
    if person.registered_org_id is not None:
        return person.registered_org_id in user_org_ids(actor)
    return org is not None and bool(db.session.execute(sa.select(Organization.id).where(
        Organization.id == org, Organization.is_eldercare.is_(True))).first())


def issue_binding_code(actor, name: str, id_number: str, org_id: int | None = None,
                       now: datetime | None = None) -> IssuedBindingCode:
    """A one-time code for a person without a login, after checking their card in person.
    Earlier unused codes of the person stop working."""
    org = acting_org(actor, org_id)
    person = presented_person(name, id_number)
    if person.user is not None:
        raise Conflict("accounts.person_has_login", _l("此人已有自己的登录账号，无需绑定码。"))
    if not may_issue_binding_code(actor, person, org):
        raise PermissionDenied("accounts.not_registering_org",
                               _l("绑定码只能由登记此人的组织、养老服务柜台或民政部门当面发放。"))
    now = clock.utc(now)
    for old in db.session.execute(sa.select(BindingCode).where(
            BindingCode.person_id == person.id, BindingCode.used_at.is_(None),
            BindingCode.expires_at > now)).scalars():
        old.expires_at = now
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = BindingCode(person_id=person.id, code_hash=_code_hash(person.id, code),
                      issued_by_id=actor.id, org_id=org, created_at=now,
                      expires_at=now + timedelta(days=policy("binding_code_days")))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "accounts.person.binding_code", "person", person.id, at=now,
                 after={"binding_code_id": row.id, "org_id": org})
    return IssuedBindingCode(row, f"{code[:4]}-{code[4:]}")
