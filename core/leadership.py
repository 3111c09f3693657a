"""Which ``flask scheduler run`` process leads: exactly one runs the jobs, the others wait.

Several scheduler processes may run (one per app host, for failover); APScheduler 3 does not
coordinate them, so each would fire every job. Leadership is a lock that the operating system
or the database releases when its holder dies:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a connection of
  its own for the leader's whole life. A killed leader's connection closes and PostgreSQL
  releases the lock at once; a follower polling every ``SCHEDULER_LEADER_POLL_SECONDS`` takes
  over. (A leader host that vanishes from the network is noticed when the server's TCP
  keepalives give up: docs/operations.md.)
- SQLite (one machine by nature): an exclusive ``flock`` on ``scheduler.lock`` in the
  instance folder, released by the kernel when the process dies.

The leader checks its lock every poll interval; if the connection is gone it can no longer
prove it leads, so it stops scheduling and exits non-zero (systemd restarts it as a follower).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import socket
import time
from pathlib import Path

import sqlalchemy as sa

log = logging.getLogger(__name__)

LOCK_NAME = "civic.scheduler.leader"


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Leadership:
    """``acquire()`` returns once this process leads; ``held()`` says whether it still does."""

    def __init__(self, engine: sa.Engine, instance_path: str, poll_seconds: float = 5.0):
        self.engine, self.poll_seconds = engine, poll_seconds
        self.is_postgres = engine.dialect.name == "postgresql"
        self.lock_path = Path(instance_path) / "scheduler.lock"
        self._connection = None
        self._handle = None
        self.identity = f"{socket.gethostname()}:{os.getpid()}"

    def try_acquire(self) -> bool:
        if self.is_postgres:
            return self._try_postgres()
        return self._try_file()

    def acquire(self, on_wait=None) -> None:
        """Block until this process leads; ``on_wait()`` is called once if it must wait."""
        waited = False
        while not self.try_acquire():
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(self.poll_seconds)
        log.info("scheduler leadership taken by %s", self.identity)

    def held(self) -> bool:
        """Whether the lock is still ours. PostgreSQL: a session-level lock lasts as long as
        its session, so the session answering is the proof."""
        if not self.is_postgres:
            return self._handle is not None
        try:
            return self._connection.exec_driver_sql("SELECT 1").scalar() == 1
        except sa.exc.DBAPIError:
            log.exception("scheduler leadership: lost the connection that holds the lock")
            return False

    def release(self) -> None:
        if self._connection is not None:
            # A stop signal can land in the middle of a ``held()`` query and leave the
            # connection wanting a rollback: roll back first, and never let the unlock fail
            # the shutdown (closing the connection releases the lock anyway).
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.rollback()
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                # Unlocked now (a closing session releases it only once its backend exits),
                # then closed for real rather than returned to the pool.
                self._connection.exec_driver_sql("SELECT pg_advisory_unlock_all()")
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.invalidate()
                self._connection.close()
            self._connection = None
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    # --- PostgreSQL ----------------------------------------------------------------------------

    def _try_postgres(self) -> bool:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT")
        try:
            got = self._connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"),
                                           {"k": _lock_key(LOCK_NAME)}).scalar()
        except sa.exc.DBAPIError:
            log.warning("scheduler leadership: database unreachable, trying again")
            self.release()
            return False
        return bool(got)

    # --- SQLite: one machine -------------------------------------------------------------------

    def _try_file(self) -> bool:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.lock_path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(self.identity + "\n")
        handle.flush()
        self._handle = handle
        return True
