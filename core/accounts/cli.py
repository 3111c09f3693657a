"""``flask users …``: create users, set passwords and roles, issue API tokens, rotate the keys
of personal data."""

from __future__ import annotations

from dataclasses import dataclass

import click
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask.cli import AppGroup

from core import audit, crypto
from core.accounts import services
from core.accounts.models import Person, Role
from core.crypto import EncryptedString
from core.db import InsertOnly, write_intent
from core.errors import DomainError
from core.extensions import db
from core.ids import normalize as normalize_code

users_cli = AppGroup("users", help="User accounts.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


def _fail(error: DomainError):
    db.session.rollback()
    raise click.ClickException(f"{error.text} {error.errors or ''}".strip())


@users_cli.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name.")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, help="Repeat for several.")
def create_command(username, password, display_name, roles):
    """Create a user with roles."""
    try:
        user = services.create_user(None, username, password, display_name or username, roles)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"created {user.username} with roles {', '.join(sorted(user.roles)) or '-'}")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(username, password):
    """Set a user's password (signs out their sessions)."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    try:
        services.change_password(None, user, password)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo("password changed")


@users_cli.command("set-roles")
@click.argument("username")
@click.argument("roles", nargs=-1, type=ROLE_CHOICE)
def set_roles_command(username, roles):
    """Replace a user's roles."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    services.set_roles(None, user, roles)
    db.session.commit()
    click.echo(f"{username}: {', '.join(sorted(user.roles)) or '-'}")


@users_cli.command("token")
@click.argument("username")
@click.argument("name")
def token_command(username, name):
    """Issue an API token for USERNAME; the secret is printed once."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    issued = services.create_token(None, user, name)
    db.session.commit()
    click.echo(issued.secret)


# --- key rotation --------------------------------------------------------------------------
# ID numbers and phones are Fernet tokens (core.crypto). ID_ENCRYPTION_KEYS lists keys newest
# first; decryption tries each, encryption uses the first. Rotation: prepend a new key, deploy,
# run `flask users rotate-keys` (every token is re-encrypted with the newest key), then drop
# the old key. The blind index (id_digest, HMAC with ID_HASH_KEY) is a different key: it
# changes only with `--rehash`, because rotating it breaks every lookup by ID number until all
# rows are recomputed (docs/operations.md, "Key management").

@dataclass
class RotationCount:
    rotated: int = 0
    current: int = 0


def _newest_key() -> Fernet | None:
    keys = [k.strip() for k in current_app.config.get("ID_ENCRYPTION_KEYS", "").split(",")
            if k.strip()]
    return Fernet(keys[0].encode()) if keys else None


def encrypted_columns() -> list[tuple[sa.Table, list[sa.Column]]]:
    """Every table with EncryptedString columns (any package), except insert-only tables."""
    insert_only = {m.local_table.name for m in db.Model.registry.mappers
                   if issubclass(m.class_, InsertOnly)}
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, EncryptedString)]
        if columns and table.name in insert_only:
            click.echo(f"warning: {table.name} is insert-only; its encrypted columns "
                       f"{[c.name for c in columns]} keep their old key", err=True)
        elif columns:
            found.append((table, columns))
    return found


def _batches(table: sa.Table, columns, batch_size: int):
    """Yield lists of rows (primary key values, raw tokens) in primary-key order (keyset
    pagination, so rows updated in earlier batches are never read again)."""
    pk = list(table.primary_key.columns)
    raw = [sa.type_coerce(c, sa.Text).label(f"raw_{c.name}") for c in columns]
    last = None
    while True:
        query = sa.select(*pk, *raw).order_by(*pk).limit(batch_size)
        if last is not None:
            query = query.where(sa.tuple_(*pk) > sa.tuple_(*last) if len(pk) > 1
                                else pk[0] > last[0])
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield pk, rows
        last = tuple(rows[-1][: len(pk)])


def rotate_encryption(batch_size: int = 500) -> dict[str, RotationCount]:
    """Re-encrypt every encrypted value whose token is not under the newest key; one commit per
    batch. Idempotent: a second run finds every token current and writes nothing."""
    newest = _newest_key()
    if newest is None:
        raise click.ClickException("ID_ENCRYPTION_KEYS is not set: there is no key to rotate to")
    counts: dict[str, RotationCount] = {}
    token = write_intent.set(True)  # SQLite: each batch takes the write lock at BEGIN
    try:
        for table, columns in encrypted_columns():
            for column in columns:
                counts[f"{table.name}.{column.name}"] = RotationCount()
            for pk, rows in _batches(table, columns, batch_size):
                for row in rows:
                    key = tuple(row[: len(pk)])
                    changes = {}
                    for column in columns:
                        value = row._mapping[f"raw_{column.name}"]
                        if value is None:
                            continue
                        count = counts[f"{table.name}.{column.name}"]
                        if _is_current(newest, value):
                            count.current += 1
                            continue
                        changes[table.c[column.name]] = sa.type_coerce(
                            _rotate(value, table, key), sa.Text)
                        count.rotated += 1
                    if changes:
                        where = [c == v for c, v in zip(pk, key, strict=True)]
                        db.session.execute(sa.update(table).where(*where).values(changes))
                db.session.commit()
    finally:
        write_intent.reset(token)
    return counts


def _is_current(newest: Fernet, value: str) -> bool:
    try:
        newest.decrypt(value.encode())
    except InvalidToken:
        return False
    return True


def _rotate(value: str, table: sa.Table, key) -> str:
    try:
        return crypto.fernet().rotate(value.encode()).decode()
    except InvalidToken:
        db.session.rollback()
        raise click.ClickException(
            f"{table.name} row {key} cannot be decrypted with any key of ID_ENCRYPTION_KEYS: "
            f"put the old key back in the list (after the new one) and run again") from None


def rehash_id_numbers(batch_size: int = 500) -> RotationCount:
    """Recompute every person's blind index (id_digest) from the decrypted ID number with the
    current ID_HASH_KEY; one commit per batch; rows already right are left alone."""
    table = Person.__table__
    count = RotationCount()
    token = write_intent.set(True)
    try:
        for pk, rows in _batches(table, [table.c.id_number], batch_size):
            ids = [row[0] for row in rows]
            digests = dict(db.session.execute(
                sa.select(table.c.id, table.c.id_digest).where(table.c.id.in_(ids))).all())
            for row in rows:
                digest = crypto.blind_index(normalize_code(crypto.decrypt(row.raw_id_number)))
                if digests[row[0]] == digest:
                    count.current += 1
                    continue
                db.session.execute(sa.update(table).where(pk[0] == row[0])
                                   .values(id_digest=digest))
                count.rotated += 1
            db.session.commit()
    finally:
        write_intent.reset(token)
    return count


@users_cli.command("rotate-keys")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1),
              help="Rows per transaction.")
@click.option("--rehash", is_flag=True,
              help="Also recompute the ID-number lookup hashes with the current ID_HASH_KEY "
                   "(after changing ID_HASH_KEY; lookups by ID number fail until it is done).")
def rotate_keys_command(batch_size, rehash):
    """Re-encrypt ID numbers and phones with the newest key of ID_ENCRYPTION_KEYS."""
    counts = rotate_encryption(batch_size)
    for name, count in counts.items():
        click.echo(f"{name}: {count.rotated} re-encrypted, {count.current} already current")
    summary = {name: vars(count) for name, count in counts.items()}
    if rehash:
        rehashed = rehash_id_numbers(batch_size)
        click.echo(f"person.id_digest: {rehashed.rotated} recomputed, "
                   f"{rehashed.current} already current")
        summary["person.id_digest"] = vars(rehashed)
    token = write_intent.set(True)
    try:
        audit.record(None, "accounts.keys.rotate", "crypto", "personal-data", after=summary)
        db.session.commit()
    finally:
        write_intent.reset(token)
