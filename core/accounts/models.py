"""Tables for users, their roles and API tokens, real-name persons and family links."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.crypto import EncryptedString
from core.db import TimestampMixin, UTCDateTime
from core.extensions import db
from core.ids import birth_date_from_id, mask_id_number, mask_phone
from core.labels import LabelledEnum


class Role(LabelledEnum):
    VOLUNTEER = "volunteer", _l("志愿者")
    ORG_STAFF = "org_staff", _l("组织工作人员")
    INSTITUTION_STAFF = "institution_staff", _l("养老机构工作人员")
    REGULATOR = "regulator", _l("民政监管人员")
    ADMIN = "admin", _l("系统管理员")
    # another department's machine account that pulls the list feed
    FEED = "feed", _l("数据共享接口（其他部门）")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    elder_mode: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    # The session epoch: bumped on sign-out, password change and deactivation, so every
    # session and remember-me cookie issued before stops working (core.auth.load_user).
    login_version: Mapped[int] = mapped_column(default=1)
    # Unused since sign-in failures are throttled per (username, address) in login_throttle;
    # kept because dropping them rebuilds user_account on SQLite under its foreign keys.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person | None] = relationship(back_populates="user", foreign_keys=[person_id])
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserRole.role"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: the version invalidates stale sessions
        return f"{self.id}.{self.login_version}"

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *names: str) -> bool:
        return bool(self.roles.intersection(names))

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True)


def hash_token(token: str) -> str:
    """API tokens are stored as their SHA-256 (``ApiToken.token_hash``), never in clear."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(TimestampMixin, db.Model):
    """A bearer token: shown once at creation, stored only as its SHA-256 hash."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime, max_days: int | None = None) -> bool:
        """Not revoked, not expired, and younger than ``max_days`` (the policy's maximum
        lifetime, which also ends tokens made before it, or without an expiry)."""
        if self.revoked_at is not None:
            return False
        if max_days is not None and self.created_at + timedelta(days=max_days) <= now:
            return False
        return self.expires_at is None or self.expires_at > now


class LoginThrottle(db.Model):
    """Failed sign-ins per (username as typed, client address), for backoff. Keyed by a hash,
    so the table names neither; a row exists for unknown usernames too, so throttling
    answers the same whether the user exists."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Person(TimestampMixin, db.Model):
    """A real-name person. ID number and phone are encrypted at rest and shown masked."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    id_number: Mapped[str] = mapped_column(EncryptedString())
    id_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    gender: Mapped[str] = mapped_column(sa.String(1))
    phone: Mapped[str | None] = mapped_column(EncryptedString())
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(200))
    volunteer_number: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    # Which organization's staff registered the person (they hand over the binding code that
    # lets the person claim this record with a login of their own).
    registered_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"),
                                                          index=True)
    # Seen in person with the ID card by staff of a verified organization (or a regulator):
    # only then does this person's word confirm someone else's hours.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # use_alter: user_account points at person too; the constraint is added after both exist
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey(
        "user_account.id", use_alter=True, name="fk_person_verified_by_id_user_account"))
    verified_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))

    user: Mapped[User | None] = relationship(back_populates="person",
                                             foreign_keys="User.person_id")
    district = relationship("District")

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def birth_date(self) -> date:
        """From the (encrypted) ID number, never stored apart: the mask hides exactly the birth
        date, so a birth date kept in clear would unmask the number in a copied database."""
        return birth_date_from_id(self.id_number)

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class BindingCode(TimestampMixin, db.Model):
    """A one-time code that lets a login claim a person registered by staff; handed over in
    person, stored only as a keyed hash, valid for ``binding_code_days``."""

    __tablename__ = "person_binding_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    person: Mapped[Person] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.expires_at > now


class Relation(LabelledEnum):
    """直系亲属 relations that allow gifts of time credits (DOMAIN.md, Time bank)."""

    SPOUSE = "spouse", _l("配偶")
    PARENT = "parent", _l("父母")
    CHILD = "child", _l("子女")
    GRANDPARENT = "grandparent", _l("祖父母 / 外祖父母")
    GRANDCHILD = "grandchild", _l("孙子女 / 外孙子女")

    @property
    def inverse(self) -> Relation:
        return _INVERSE[self]


_INVERSE = {
    Relation.SPOUSE: Relation.SPOUSE,
    Relation.PARENT: Relation.CHILD,
    Relation.CHILD: Relation.PARENT,
    Relation.GRANDPARENT: Relation.GRANDCHILD,
    Relation.GRANDCHILD: Relation.GRANDPARENT,
}



class FamilyLink(TimestampMixin, db.Model):
    """``relative`` is ``person``'s <relation>; stored in both directions, verified by staff."""

    __tablename__ = "family_link"
    __table_args__ = (sa.UniqueConstraint("person_id", "relative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    relative_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    relation: Mapped[str] = mapped_column(sa.String(16))
    declared_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    relative: Mapped[Person] = relationship(foreign_keys=[relative_id])

    @property
    def relation_label(self) -> str:
        return Relation.label_of(self.relation)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None
