"""The three keys a deployment holds, checked before the app starts.

``SECRET_KEY`` signs sessions, remember-me cookies, CSRF tokens and certificate codes;
``ID_ENCRYPTION_KEYS`` (Fernet keys, newest first) encrypt ID numbers and phones at rest;
``ID_HASH_KEY`` keys the hash that finds a person by ID number. They are independent: the ID
keys are never derived from ``SECRET_KEY``, so a copied database plus a leaked session key
does not give back the ID numbers.

Production is the default: ``create_app`` stops with a message naming every missing or
unusable key. ``APP_ENV=development`` (``make run``, the tests, the benches) fills the missing
ones from files in the instance folder, generated on first use and kept, so a developer's
database stays readable across restarts.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from cryptography.fernet import Fernet

NAMES = ("SECRET_KEY", "ID_ENCRYPTION_KEYS", "ID_HASH_KEY")
MIN_LENGTH = 32  # SECRET_KEY and ID_HASH_KEY in production: secrets.token_urlsafe(48) is 64
DEVELOPMENT = "development"

# instance/<file> and how a development key is made.
_DEV_FILES = {
    "SECRET_KEY": ("dev-secret-key", lambda: secrets.token_urlsafe(48)),
    "ID_ENCRYPTION_KEYS": ("dev-id-encryption-key", lambda: Fernet.generate_key().decode()),
    "ID_HASH_KEY": ("dev-id-hash-key", lambda: secrets.token_urlsafe(48)),
}


class MissingKeys(RuntimeError):
    """Production without its keys: the message names each one and what to do."""


def apply(config, instance_path: str | Path) -> None:
    """Fill development keys, then refuse to go on without usable keys."""
    if config.get("APP_ENV", "production") == DEVELOPMENT:
        for name in NAMES:
            if not str(config.get(name) or "").strip():
                config[name] = _development_key(Path(instance_path), name)
    problems = problems_with(config)
    if problems:
        raise MissingKeys(
            "refusing to start without its keys: " + "; ".join(problems) + ". Set them in the "
            "environment (docs/operations.md, 'The environment'), or run with "
            "APP_ENV=development on a developer's machine (keys are then generated in the "
            "instance folder).")


def problems_with(config) -> list[str]:
    """What is wrong with the keys in ``config`` ([] when they are fine)."""
    missing = [name for name in NAMES if not str(config.get(name) or "").strip()]
    problems = [f"{', '.join(missing)} not set"] if missing else []
    encryption = str(config.get("ID_ENCRYPTION_KEYS") or "")
    for position, key in enumerate(k.strip() for k in encryption.split(",") if k.strip()):
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(f"ID_ENCRYPTION_KEYS key #{position + 1} is not a Fernet key "
                            "(32 url-safe base64-encoded bytes)")
    if config.get("APP_ENV", "production") != DEVELOPMENT:
        for name in ("SECRET_KEY", "ID_HASH_KEY"):
            value = str(config.get(name) or "").strip()
            if value and len(value) < MIN_LENGTH:
                problems.append(f"{name} is shorter than {MIN_LENGTH} characters")
    hash_key = str(config.get("ID_HASH_KEY") or "").strip()
    if hash_key and hash_key == str(config.get("SECRET_KEY") or "").strip():
        problems.append("ID_HASH_KEY must differ from SECRET_KEY")
    return problems


def _development_key(folder: Path, name: str) -> str:
    filename, make = _DEV_FILES[name]
    path = folder / filename
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once (web + scheduler) keep the first one's key.
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(handle, "w") as out:
                out.write(make() + "\n")
    for _attempt in range(100):  # another process may have created it and be writing it
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.02)
    raise MissingKeys(f"{path} is empty: delete it and start again")
