"""Production plumbing: backups and restores, running behind a TLS-terminating proxy.

``flask backup [PATH]``
    SQLite: a consistent copy through SQLite's online backup API (safe while the app and the
    scheduler run, WAL included), checked with ``PRAGMA integrity_check``. PostgreSQL:
    ``pg_dump --format=custom``. Without PATH the file goes to ``BACKUP_DIR``.
``flask restore PATH [--yes]``
    Refuses a backup older (in migrations) than the database it would replace, asks before
    replacing anything, then restores: SQLite through the backup API the other way round
    (after keeping a copy of the current database), PostgreSQL with
    ``pg_restore --clean --if-exists --single-transaction``. Then it verifies the audit chain.

``init_app`` also makes the app honest behind a reverse proxy: ``BEHIND_PROXY=1`` trusts one
hop of ``X-Forwarded-For``/``X-Forwarded-Proto`` (werkzeug ``ProxyFix``), and the session and
remember-me cookies become ``Secure`` by default when the site is served over HTTPS.
See docs/operations.md.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app, request
from flask.cli import with_appcontext
from werkzeug.middleware.proxy_fix import ProxyFix

from core import clock
from core.audit import verify_chain
from core.config import PROJECT_ROOT
from core.extensions import db

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def init_app(app) -> None:
    """Proxy awareness, secure-cookie defaults, HSTS, and the backup/restore commands."""
    secure = app.config.get("PREFERRED_URL_SCHEME") == "https" or bool(
        app.config.get("BEHIND_PROXY"))
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(key) is None:  # not set explicitly: follow the scheme
            app.config[key] = secure
    if app.config.get("BEHIND_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    if app.config.get("HSTS_SECONDS"):
        app.after_request(_strict_transport_security)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _strict_transport_security(response):
    if request.is_secure:
        response.headers.setdefault(
            "Strict-Transport-Security",
            f"max-age={int(current_app.config['HSTS_SECONDS'])}; includeSubDomains")
    return response


# --- helpers -------------------------------------------------------------------------------

class RestoreRefused(click.ClickException):
    pass


def _stamp() -> str:
    return clock.now().strftime("%Y%m%dT%H%M%SZ")


def _backup_dir() -> Path:
    folder = Path(current_app.config.get("BACKUP_DIR") or Path(current_app.instance_path,
                                                                "backups"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _url() -> sa.URL:
    return db.engine.url


def _sqlite_file(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise click.ClickException(f"cannot back up this SQLite database: {url.database!r}")
    return Path(url.database)


def _release_connections() -> None:
    """Let go of every pooled connection of this process before a restore rewrites the
    database under them."""
    db.session.remove()
    db.engine.dispose()


def _tool(name: str, setting: str) -> str:
    """A PostgreSQL client program: the ``PG_DUMP``/``PG_RESTORE`` setting (environment), then
    PATH, then the newest Debian/Ubuntu install under /usr/lib/postgresql."""
    configured = current_app.config.get(setting) or ""
    if configured:
        return configured
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0)
    if candidates:
        return candidates[-1]
    raise click.ClickException(f"{name} not found: install the PostgreSQL client (same major "
                               f"version as the server or newer) or set {setting}")


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and an environment that carries it (so
    it never shows in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise click.ClickException(
            f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()}")
    return result


# --- migration revisions -------------------------------------------------------------------

def _sqlite_revisions(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not exists:
            return set()
        return {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}


def _live_revisions() -> set[str]:
    with db.engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return set()
        return {row[0] for row in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}


def _pg_dump_revisions(path: Path) -> set[str]:
    """The alembic revision rows inside a custom-format dump (read with pg_restore)."""
    result = _run([_tool("pg_restore", "PG_RESTORE"), "--data-only", "--table=alembic_version",
                   "--file=-", str(path)])
    revisions, in_copy = set(), False
    for line in result.stdout.splitlines():
        if line.startswith("COPY ") and "alembic_version" in line:
            in_copy = True
        elif in_copy and line == "\\.":
            in_copy = False
        elif in_copy and line.strip():
            revisions.add(line.strip())
    return revisions


def _ancestry(revisions: set[str]) -> set[str]:
    """Every migration applied to a database at ``revisions`` (the revisions and their
    ancestors). Raises KeyError for a revision this code does not know."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS_DIR))
    applied: set[str] = set()
    todo = list(revisions)
    while todo:
        rev_id = todo.pop()
        if rev_id in applied:
            continue
        try:
            rev = script.revision_map.get_revision(rev_id)
        except Exception as exc:  # alembic raises ResolutionError and friends
            raise KeyError(rev_id) from exc
        if rev is None:
            raise KeyError(rev_id)
        applied.add(rev.revision)
        for down in (rev.down_revision, rev.dependencies):
            if isinstance(down, str):
                todo.append(down)
            elif down:
                todo.extend(down)
    return applied


def check_restorable(current: set[str], backup: set[str]) -> None:
    """Refuse to replace a database that has migrations the backup lacks (its schema is newer:
    migrations are forward-only, and code of that revision would then meet an old schema)."""
    if current == backup:
        return
    label = ", ".join(sorted(current)) or "none"
    blabel = ", ".join(sorted(backup)) or "none (not migrated)"
    try:
        backup_applied = _ancestry(backup)
    except KeyError as exc:
        raise RestoreRefused(
            f"the backup is at revision {exc.args[0]}, which this code does not know: restore "
            f"it with the release that made it") from None
    try:
        current_applied = _ancestry(current)
    except KeyError as exc:
        raise RestoreRefused(
            f"the database is at revision {exc.args[0]}, which this code does not know (newer "
            f"than the backup's {blabel}); refusing to overwrite it") from None
    newer = current_applied - backup_applied
    if newer:
        raise RestoreRefused(
            f"the database (revision {label}) is newer than the backup (revision {blabel}): "
            f"restoring would put an old schema under new code. Restore into an empty "
            f"database (move the current one aside), then run `flask db upgrade`.")


# --- commands ------------------------------------------------------------------------------

@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path | None):
    """Back up the database to PATH (default: BACKUP_DIR/civic-<UTC time>.sqlite3|.dump).

    SQLite: online backup API, consistent while the app runs. PostgreSQL: pg_dump, custom
    format (restore with `flask restore`, or pg_restore)."""
    url = _url()
    if url.get_backend_name() == "sqlite":
        target = path or _backup_dir() / f"civic-{_stamp()}.sqlite3"
        backup_sqlite(_sqlite_file(url), target)
    elif url.get_backend_name() == "postgresql":
        target = path or _backup_dir() / f"civic-{_stamp()}.dump"
        backup_postgres(url, target)
    else:
        raise click.ClickException(f"no backup method for {url.get_backend_name()}")
    click.echo(f"backup written: {target} ({target.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace the database with the backup at PATH (stop the app and the scheduler first)."""
    url = _url()
    backend = url.get_backend_name()
    if backend == "sqlite":
        target = _sqlite_file(url)
        _check_sqlite_backup(path)
        current = _sqlite_revisions(target) if target.exists() else set()
        check_restorable(current, _sqlite_revisions(path))
        where = str(target)
    elif backend == "postgresql":
        check_restorable(_live_revisions(), _pg_dump_revisions(path))
        where = url.render_as_string(hide_password=True)
    else:
        raise click.ClickException(f"no restore method for {backend}")
    if not yes:
        click.confirm(f"Replace the database {where} with {path}?", abort=True)
    _release_connections()
    if backend == "sqlite":
        if target.exists():
            kept = _backup_dir() / f"pre-restore-{_stamp()}.sqlite3"
            backup_sqlite(target, kept)
            click.echo(f"current database kept as {kept}")
        restore_sqlite(path, target)
    else:
        restore_postgres(url, path)
    _release_connections()
    click.echo(f"restored {path} into {where}")
    _report_chain()


def _report_chain() -> None:
    report = verify_chain()
    db.session.rollback()
    if report.ok:
        click.echo(f"audit chain OK: {report.checked} records")
    else:
        raise click.ClickException(f"audit chain BROKEN at seq {report.broken_seq}: "
                                   f"{report.problem}")


# --- SQLite --------------------------------------------------------------------------------

def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database with the online backup API. One step (``pages=-1``) reads
    a single consistent snapshot, committed WAL frames included; writers are not blocked in
    WAL mode. The copy is written beside the target and renamed into place when complete."""
    if not source.exists():
        raise click.ClickException(f"no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # the backup is one self-contained file
        (status,) = dst.execute("PRAGMA integrity_check").fetchone()
    finally:
        dst.close()
        src.close()
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"backup failed its integrity check: {status}")
    partial.chmod(0o600)  # personal data (encrypted, but still)
    os.replace(partial, target)


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            (status,) = conn.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} is not a readable SQLite database: {exc}") from exc
    if status != "ok":
        raise click.ClickException(f"{path} failed its integrity check: {status}")


def restore_sqlite(backup: Path, target: Path) -> None:
    """Write the backup into the database file through SQLite itself (the backup API takes
    the database's locks and keeps its WAL consistent), rather than copying files."""
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        (status,) = dst.execute("PRAGMA integrity_check").fetchone()
    finally:
        dst.close()
        src.close()
    if status != "ok":
        raise click.ClickException(f"restored database failed its integrity check: {status}")


# --- PostgreSQL ----------------------------------------------------------------------------

def backup_postgres(url: sa.URL, target: Path) -> None:
    """``pg_dump --format=custom``: compressed, restorable table by table with pg_restore."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    conninfo, env = _libpq(url)
    _run([_tool("pg_dump", "PG_DUMP"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={partial}", f"--dbname={conninfo}"], env=env)
    partial.chmod(0o600)
    os.replace(partial, target)


def restore_postgres(url: sa.URL, backup: Path) -> None:
    """``pg_restore --clean --if-exists``, all in one transaction: on any error nothing
    changes."""
    conninfo, env = _libpq(url)
    _run([_tool("pg_restore", "PG_RESTORE"), "--clean", "--if-exists", "--no-owner",
          "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={conninfo}", str(backup)], env=env)
