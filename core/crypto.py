"""Encryption at rest for personal data (ID numbers, phones) and the keyed hash that finds them.

A copied database file shows neither ID numbers nor phones: the columns hold Fernet tokens.
Lookups by ID number use ``blind_index`` (HMAC-SHA256 with ``ID_HASH_KEY``). Keys come from the
environment; ``ID_ENCRYPTION_KEYS`` lists Fernet keys newest first, so a key is rotated by
prepending a new one and running ``flask users rotate-keys`` (docs/operations.md).
Without keys (local use), keys are derived from ``SECRET_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy.types import TypeDecorator


def _derive(secret: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{secret}".encode()).digest()


@lru_cache(maxsize=8)
def _fernet_for(keys: str, secret: str) -> MultiFernet:
    if keys.strip():
        fernets = [Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()]
    else:
        fernets = [Fernet(base64.urlsafe_b64encode(_derive(secret, "id-encryption")))]
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    cfg = current_app.config
    return _fernet_for(cfg.get("ID_ENCRYPTION_KEYS", ""), cfg["SECRET_KEY"])


def _hash_key() -> bytes:
    cfg = current_app.config
    key = cfg.get("ID_HASH_KEY") or ""
    return key.encode() if key else _derive(cfg["SECRET_KEY"], "id-hash")


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
