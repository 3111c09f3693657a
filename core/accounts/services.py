"""Account operations: users and roles, passwords and lockout, API tokens, persons, family.

Operations take the acting user as an argument, change models, flush and audit; the request
or job boundary commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit, clock
from core.accounts.models import (
    ApiToken,
    FamilyLink,
    Person,
    Relation,
    Role,
    User,
    UserRole,
    hash_token,
)
from core.config import policy
from core.crypto import blind_index
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.ids import gender_from_id, is_valid_id_number, is_valid_mobile
from core.ids import normalize as normalize_code

MIN_PASSWORD_LENGTH = 8


# --- users ---------------------------------------------------------------------------------

def _hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "accounts.weak_password", _l("密码至少需要 %(n)s 位。"), n=MIN_PASSWORD_LENGTH,
            errors={"password": [str(_l("密码至少需要 8 位。"))]},
        )


def find_user(username: str) -> User | None:
    return db.session.execute(
        sa.select(User).where(User.username == username.strip().lower())
    ).scalar_one_or_none()


def search_users(q: str | None = None):
    """Users by username, or by display name, containing ``q`` (all without), by username."""
    query = sa.select(User).order_by(User.username)
    if q:
        query = query.where(sa.or_(User.username.ilike(f"%{q}%"),
                                   User.display_name.ilike(f"%{q}%")))
    return query


def create_user(actor, username: str, password: str, display_name: str,
                roles=(), person: Person | None = None) -> User:
    username = (username or "").strip().lower()
    if not username or len(username) > 64:
        raise ValidationFailed("accounts.bad_username", _l("请填写用户名（不超过 64 个字符）。"),
                               errors={"username": [str(_l("用户名无效。"))]})
    if find_user(username) is not None:
        raise Conflict("accounts.username_taken", _l("用户名“%(u)s”已被使用。"), u=username,
                       errors={"username": [str(_l("已被使用。"))]})
    check_password_rules(password)
    user = User(username=username, display_name=display_name or username,
                password_hash=_hash_password(password), person=person)
    user.role_rows = [UserRole(role=Role(r).value) for r in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "accounts.user.create", "user", user.id,
                 after={"username": username, "roles": sorted(user.roles)})
    return user


def set_roles(actor, user: User, roles) -> User:
    before = sorted(user.roles)
    wanted = {Role(r).value for r in roles}
    if actor is not None and actor.id == user.id and Role.ADMIN in before \
            and Role.ADMIN not in wanted:
        raise PermissionDenied("accounts.cannot_drop_own_admin",
                               _l("不能撤销自己的管理员角色。"))
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    for role in sorted(wanted - user.roles):
        user.role_rows.append(UserRole(role=role))
    db.session.flush()
    audit.record(actor, "accounts.user.roles", "user", user.id,
                 before={"roles": before}, after={"roles": sorted(wanted)})
    return user


def set_active(actor, user: User, active: bool, reason: str | None = None) -> User:
    if actor is not None and actor.id == user.id and not active:
        raise PermissionDenied("accounts.cannot_deactivate_self", _l("不能停用自己的账号。"))
    user.active = active
    user.login_version += 1  # signs out every session of the user
    db.session.flush()
    audit.record(actor, "accounts.user.activate" if active else "accounts.user.deactivate",
                 "user", user.id, reason=reason)
    return user


def change_password(actor, user: User, new_password: str, current_password: str | None = None):
    """A new password ends every other session (the epoch) and revokes every API token: a
    thief who had the old password, a session or a token keeps none of them."""
    if current_password is not None and not check_password_hash(user.password_hash,
                                                                current_password):
        raise ValidationFailed("accounts.wrong_password", _l("当前密码不正确。"),
                               errors={"current_password": [str(_l("不正确。"))]})
    check_password_rules(new_password)
    user.password_hash = _hash_password(new_password)
    user.login_version += 1
    now = clock.now()
    revoked = db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)).rowcount
    db.session.flush()
    audit.record(actor, "accounts.user.password", "user", user.id,
                 after={"tokens_revoked": revoked})


# --- API tokens ----------------------------------------------------------------------------

@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


def create_token(actor, user: User, name: str, expires_at: datetime | None = None
                 ) -> IssuedToken:
    """A new token for ``user``; it expires at ``expires_at``, at most (and by default) the
    policy's ``api_token_max_days`` from now. Who may ask is checked at the door
    (``core.auth.require_password_session``): a token never mints another."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("accounts.token_name_required", _l("请为令牌起一个名字。"),
                               errors={"name": [str(_l("必填。"))]})
    now = clock.now()
    longest = now + timedelta(days=policy("api_token_max_days"))
    if expires_at is not None and not now < expires_at <= longest:
        raise ValidationFailed(
            "accounts.token_lifetime", _l("令牌有效期须在今后 %(d)s 天以内。"),
            d=policy("api_token_max_days"),
            errors={"expires_at": [str(_l("须在今后 %(d)s 天以内。",
                                          d=policy("api_token_max_days")))]})
    expires_at = expires_at or longest
    secret = "ctb_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], prefix=secret[:10],
                   token_hash=hash_token(secret), expires_at=expires_at)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "accounts.token.create", "api_token", row.id,
                 after={"user": user.username, "name": row.name})
    return IssuedToken(row, secret)


def revoke_token(actor, token: ApiToken) -> ApiToken:
    if actor.id != token.user_id and not actor.has_role(Role.ADMIN):
        raise PermissionDenied("accounts.not_your_token", _l("只能撤销自己的令牌。"))
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        db.session.flush()
        audit.record(actor, "accounts.token.revoke", "api_token", token.id)
    return token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).scalars())


# --- persons -------------------------------------------------------------------------------

def find_person_by_id_number(id_number: str) -> Person | None:
    return db.session.execute(
        sa.select(Person).where(Person.id_digest == blind_index(normalize_code(id_number)))
    ).scalar_one_or_none()


def find_person_by_volunteer_number(number: str) -> Person | None:
    return db.session.execute(
        sa.select(Person).where(Person.volunteer_number == (number or "").strip().upper())
    ).scalar_one_or_none()


def _next_volunteer_number() -> str:
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Person).where(Person.volunteer_number.isnot(None))
    ).scalar_one()
    candidate = count + 1
    while True:
        number = f"CZ{candidate:08d}"
        if find_person_by_volunteer_number(number) is None:
            return number
        candidate += 1


def person_field_errors(name: str, id_number: str, phone: str | None,
                        today: date | None = None) -> dict:
    """Field errors of a person's data, whatever the register already holds."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = [str(_l("请填写姓名。"))]
    if not is_valid_id_number(normalize_code(id_number), today):
        errors["id_number"] = [str(_l("身份证号码无效（请核对 18 位号码和最后一位校验码）。"))]
    if phone and not is_valid_mobile(phone):
        errors["phone"] = [str(_l("手机号码应为 11 位数字。"))]
    return errors


def create_person(actor, name: str, id_number: str, phone: str | None = None,
                  district_id: int | None = None, address: str | None = None,
                  as_volunteer: bool = False, today: date | None = None,
                  registered_org_id: int | None = None) -> Person:
    """Register a real-name person; the birth date and gender come from the ID number."""
    id_number = normalize_code(id_number)
    errors = person_field_errors(name, id_number, phone, today)
    if errors:
        raise ValidationFailed("accounts.bad_person", _l("请核对填写的个人信息。"),
                               errors=errors)
    if find_person_by_id_number(id_number) is not None:
        raise Conflict("accounts.person_exists", _l("该身份证号码已登记。"),
                       errors={"id_number": [str(_l("已登记。"))]})
    person = Person(name=name.strip(), id_number=id_number, id_digest=blind_index(id_number),
                    gender=gender_from_id(id_number), phone=(phone or None),
                    district_id=district_id, address=address,
                    registered_org_id=registered_org_id)
    if as_volunteer:
        person.volunteer_number = _next_volunteer_number()
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "accounts.person.create", "person", person.id,
                 after={"name": person.name, "id_number": person.id_number_masked,
                        "registered_org_id": registered_org_id})
    return person


def make_volunteer(actor, person: Person) -> Person:
    if person.volunteer_number is None:
        person.volunteer_number = _next_volunteer_number()
        db.session.flush()
        audit.record(actor, "accounts.person.volunteer", "person", person.id,
                     after={"volunteer_number": person.volunteer_number})
    return person


# --- family links --------------------------------------------------------------------------

def family_links(person: Person, verified_only: bool = False) -> list[FamilyLink]:
    query = sa.select(FamilyLink).where(FamilyLink.person_id == person.id)
    if verified_only:
        query = query.where(FamilyLink.verified_at.isnot(None))
    return list(db.session.execute(query.order_by(FamilyLink.id)).scalars())


def unverified_family_links() -> list[FamilyLink]:
    """Declared relations waiting for an in-person check, one row per pair, oldest first."""
    return list(db.session.execute(
        sa.select(FamilyLink).where(FamilyLink.verified_at.is_(None))
        .where(FamilyLink.person_id < FamilyLink.relative_id)
        .order_by(FamilyLink.id)).scalars())


def relation_between(person_id: int, relative_id: int, verified_only: bool = True
                     ) -> Relation | None:
    query = sa.select(FamilyLink.relation).where(FamilyLink.person_id == person_id,
                                                 FamilyLink.relative_id == relative_id)
    if verified_only:
        query = query.where(FamilyLink.verified_at.isnot(None))
    value = db.session.execute(query).scalar_one_or_none()
    return Relation(value) if value else None


def declare_family_link(actor, person: Person, relative_id_number: str, relative_name: str,
                        relation: str) -> FamilyLink:
    """A person declares a relative (who must be registered, named as on the ID card);
    staff verify it before credits can be given."""
    try:
        rel = Relation(relation)
    except ValueError:
        raise ValidationFailed("accounts.bad_relation", _l("亲属关系无效。"),
                               errors={"relation": [str(_l("请选择配偶、父母、子女、祖父母或孙子女。"))]}
                               ) from None
    relative = find_person_by_id_number(relative_id_number or "")
    if relative is None or relative.name != (relative_name or "").strip():
        raise NotFound("accounts.relative_not_found",
                       _l("找不到该亲属：请核对姓名和身份证号码，亲属需先在平台实名登记。"))
    if relative.id == person.id:
        raise ValidationFailed("accounts.self_relation", _l("不能把自己登记为亲属。"))
    if relation_between(person.id, relative.id, verified_only=False) is not None:
        raise Conflict("accounts.link_exists", _l("该亲属关系已登记。"))
    link = FamilyLink(person_id=person.id, relative_id=relative.id, relation=rel.value,
                      declared_by_id=getattr(actor, "id", None))
    mirror = FamilyLink(person_id=relative.id, relative_id=person.id, relation=rel.inverse.value,
                        declared_by_id=getattr(actor, "id", None))
    db.session.add_all([link, mirror])
    db.session.flush()
    audit.record(actor, "accounts.family.declare", "person", person.id,
                 after={"relative_id": relative.id, "relation": rel.value})
    return link


def verify_family_link(actor, link: FamilyLink, now: datetime | None = None) -> FamilyLink:
    """Staff saw the documents (户口簿, 结婚证…): both directions become verified."""
    now = now or clock.now()
    mirror = db.session.execute(
        sa.select(FamilyLink).where(FamilyLink.person_id == link.relative_id,
                                    FamilyLink.relative_id == link.person_id)
    ).scalar_one()
    for row in (link, mirror):
        row.verified_at, row.verified_by_id = now, actor.id
    db.session.flush()
    audit.record(actor, "accounts.family.verify", "person", link.person_id,
                 after={"relative_id": link.relative_id, "relation": link.relation})
    return link
