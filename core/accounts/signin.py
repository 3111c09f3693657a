"""Signing in and out: one answer and one password-hash cost whether or not a username exists,
failures throttled per (username, client address) with backoff, sign-out that ends sessions.

- Every attempt costs exactly one password-hash check: the user's hash, or a dummy one for an
  unknown username or a throttled attempt, so timing does not tell which names exist.
- Failures are counted per (username as typed, address), never per account: an attacker
  guessing from one address slows down only there, and the real user signs in from theirs.
  ``LOGIN_FREE_FAILURES`` are free, then each attempt waits ``LOGIN_BACKOFF_SECONDS``,
  doubling up to ``LOGIN_BACKOFF_MAX_MINUTES``. Unknown usernames are counted the same way,
  so "throttled" does not reveal an account either. The count is one atomic upsert, shared
  by every process through the database.
- Signing out bumps the user's session epoch (``login_version``): the session cookie and the
  remember-me cookie issued before stop working on every device (``core.auth.load_user``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit, clock
from core.accounts.models import LoginThrottle, User
from core.accounts.services import find_user
from core.db import is_sqlite
from core.errors import DomainError
from core.extensions import db

FORGET_AFTER = timedelta(days=1)  # throttle rows untouched this long are deleted


def authenticate(username: str, password: str, address: str | None,
                 now: datetime | None = None) -> User:
    """The user for these credentials, or a DomainError that is the same for every username."""
    now = now or clock.now()
    key = throttle_key(username, address)
    row = db.session.get(LoginThrottle, key, populate_existing=True)
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        _dummy_check(password)  # the same cost as any other answer
        raise _throttled(row.blocked_until - now)
    user = find_user(username or "")
    if user is None:
        _dummy_check(password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password or "")
    if not ok:
        _count_failure(key, now)
        raise DomainError("accounts.bad_credentials", _l("用户名或密码不正确。"), http_status=401)
    if not user.active:
        raise DomainError("accounts.inactive", _l("该账号已停用，请联系管理员。"), http_status=403)
    if row is not None:
        db.session.delete(row)
    user.last_login_at = now
    db.session.flush()
    return user


def sign_out(user: User) -> None:
    """End every session of ``user``: the cookies issued before no longer sign anyone in."""
    user.login_version += 1
    db.session.flush()
    audit.record(user, "accounts.user.sign_out", "user", user.id)


def throttle_key(username: str, address: str | None) -> str:
    typed = (username or "").strip().lower()
    return hashlib.sha256(f"{typed}\n{address or '-'}".encode()).hexdigest()


def _count_failure(key: str, now: datetime) -> None:
    """One more failure for ``key``, atomically (concurrent attempts each count), and the
    wait before the next attempt once the free ones are used up."""
    table = LoginThrottle.__table__
    dialect_insert = _insert_for_dialect()
    statement = dialect_insert(table).values(key=key, failures=1, updated_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"failures": table.c.failures + 1, "updated_at": now},
    ).returning(table.c.failures)
    failures = db.session.execute(statement).scalar_one()
    config = current_app.config
    beyond = failures - config["LOGIN_FREE_FAILURES"]
    if beyond >= 0:
        wait = min(timedelta(seconds=config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(beyond, 20)),
                   timedelta(minutes=config["LOGIN_BACKOFF_MAX_MINUTES"]))
        db.session.execute(sa.update(table).where(table.c.key == key)
                           .values(blocked_until=now + wait))
    db.session.execute(sa.delete(table).where(table.c.updated_at < now - FORGET_AFTER))


def _insert_for_dialect():
    if is_sqlite():
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert


def _throttled(wait: timedelta) -> DomainError:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))  # rounded up
    return DomainError("accounts.throttled", _l("登录尝试过多，请 %(m)s 分钟后再试。"),
                       http_status=429, m=minutes)


def _dummy_check(password: str | None) -> None:
    check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")),
                        password or "")


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a password anyone has", method=method)
