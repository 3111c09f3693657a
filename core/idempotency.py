"""Idempotency keys for every write: a retried request never posts twice.

A client sends ``Idempotency-Key: <key>`` on a POST/PUT/PATCH/DELETE (pages send a hidden
``_idem`` field, new each time a form is drawn, so a double tap on a slow phone is one
submission and a corrected resubmission is a new one). The first successful response is stored
with a fingerprint of the whole request (method, path, query string, body, and the name and
contents of every uploaded file); a repeat with the same fingerprint replays it
(``Idempotent-Replayed: true``); the same key with a different fingerprint is refused with 409.
A repeat that arrives while the original is still running waits for it (a lock on the key,
held until the original's transaction ends) and then replays its response. Keys are scoped to
the signed-in user. Only successful responses are stored: a refused request changed nothing,
so a retry simply runs again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.db import UTCDateTime, advisory_lock
from core.errors import Conflict, ValidationFailed
from core.extensions import db

HEADER = "Idempotency-Key"
FORM_FIELD = "_idem"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(500))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int]
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    location: Mapped[str | None] = mapped_column(sa.String(500))
    body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


def _request_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None and request.form:
        key = request.form.get(FORM_FIELD)
    return key.strip() if key else None


def _request_hash() -> str:
    """A fingerprint of everything the request asks for: a different query string (a
    ``confirm`` flag) or another file under the same key is another request, not a repeat."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    query = sorted(request.args.items(multi=True))
    digest.update(json.dumps(query, ensure_ascii=False).encode() + b"\n")
    if request.mimetype in FORM_TYPES:
        fields = {k: request.form.getlist(k) for k in sorted(request.form)
                  if k not in ("csrf_token", FORM_FIELD)}
        digest.update(json.dumps(fields, ensure_ascii=False, sort_keys=True).encode())
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                digest.update(f"\n{name}:{upload.filename or ''}:".encode())
                digest.update(_file_digest(upload.stream))
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _file_digest(stream) -> bytes:
    """SHA-256 of an uploaded file, leaving the stream where the view will read it from."""
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.digest()


def _lookup(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.execute(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id,
                                           IdempotencyRecord.key == key)
    ).scalar_one_or_none()


def replay(record: IdempotencyRecord):
    from flask import Response

    response = Response(record.body, status=record.status_code,
                        content_type=record.content_type)
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def before_request():
    """Replay or refuse a repeated key before the view runs."""
    if request.method not in UNSAFE or not current_user.is_authenticated:
        return None
    key = _request_key()
    if key is None:
        return None
    if len(key) > 200:
        raise ValidationFailed("idempotency.key_too_long", _l("幂等键过长（最多 200 个字符）。"),
                               errors={HEADER: [str(_l("最多 200 个字符。"))]})
    g.idempotency = (key, _request_hash())
    # Wait for a twin still running (PostgreSQL: an advisory lock until its transaction ends;
    # SQLite: this write transaction already holds the database write lock), then look.
    advisory_lock(f"idempotency:{current_user.id}:{key}")
    record = _lookup(current_user.id, key)
    if record is None:
        return None
    if record.request_hash != g.idempotency[1]:
        raise Conflict("idempotency.key_reused",
                       _l("该幂等键已用于另一项内容不同的请求。"))
    return replay(record)


@sa.event.listens_for(db.session, "after_soft_rollback")
def _refused(_session, previous_transaction) -> None:
    """A write request that rolled its transaction back was refused, whatever its status (a
    page answers a refusal with a redirect and a message): it changed nothing, so its response
    must not be remembered and replayed to the corrected retry. Savepoints (one refused row
    of a roster) do not count."""
    if not previous_transaction.nested and has_request_context():
        g.pop("idempotency", None)


def keep_out_of_store() -> None:
    """This response shows a secret once (a pay code, a binding code, an API token): it is
    never stored for replay, so the secret never rests in the database. A retry simply asks
    for a new one."""
    g.pop("idempotency", None)


def remember(response) -> None:
    """Store a successful response for its key (called before the request commits)."""
    pending = g.pop("idempotency", None)
    if pending is None or response.status_code >= 400 or response.direct_passthrough:
        return
    key, request_hash = pending
    db.session.add(IdempotencyRecord(
        user_id=current_user.id, key=key, method=request.method, path=request.path[:500],
        request_hash=request_hash, status_code=response.status_code,
        content_type=response.content_type, location=response.headers.get("Location"),
        body=response.get_data(),
    ))


def stored_after_conflict():
    """After a unique-key violation at commit: a concurrent twin committed first; replay it."""
    key = _request_key()
    if key is None or not current_user.is_authenticated:
        return None
    record = _lookup(current_user.id, key)
    return replay(record) if record is not None else None
