"""Encryption at rest for personal data (ID numbers, phones) and the keyed hash that finds them.

A copied database file shows neither ID numbers nor phones: the columns hold Fernet tokens.
Lookups by ID number use ``blind_index`` (HMAC-SHA256 with ``ID_HASH_KEY``). Keys come from the
environment; ``ID_ENCRYPTION_KEYS`` lists Fernet keys newest first, so a key is rotated by
prepending a new one and running ``flask users rotate-keys`` (docs/operations.md). Neither
key is ever derived from ``SECRET_KEY`` (``core.keys`` makes sure both are set).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=8)
def _fernet_for(keys: str) -> MultiFernet:
    fernets = [Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()]
    if not fernets:
        raise RuntimeError("ID_ENCRYPTION_KEYS is not set: personal data cannot be encrypted")
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    return _fernet_for(current_app.config.get("ID_ENCRYPTION_KEYS") or "")


def _hash_key() -> bytes:
    key = current_app.config.get("ID_HASH_KEY") or ""
    if not key:
        raise RuntimeError("ID_HASH_KEY is not set: ID numbers cannot be looked up")
    return key.encode()


def blind_index(value: str) -> str:
    """Keyed hash used to find a row by an encrypted value (exact match only)."""
    normalized = value.strip().upper()
    return hmac.new(_hash_key(), normalized.encode(), hashlib.sha256).hexdigest()


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key: fail loudly rather than show garbage
        raise RuntimeError("cannot decrypt personal data: check ID_ENCRYPTION_KEYS") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return fernet().rotate(token.encode()).decode()


class EncryptedString(TypeDecorator):
    """A string column stored as a Fernet token."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
