"""Numbered notice documents: issue once per step, number per series and year, verify, render.

A document is insert-only; its canonical content hash goes into the audit chain when issued,
and its verification code is an HMAC over number and hash, so the public page can say whether
a printed notice is genuine without showing its content."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.db import advisory_lock
from core.errors import NotFound
from core.extensions import db
from core.notices.models import NoticeDocument
from core.timeutil import local_date, local_datetime


def canonical(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verification_code(number: str, digest: str) -> str:
    """HMAC-SHA256 with SECRET_KEY over number and content hash: 16 hex digits in 4 groups."""
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"notice|{number}|{digest}".encode(), hashlib.sha256).hexdigest()
    mac = mac.upper()[:16]
    return "-".join(mac[i:i + 4] for i in range(0, 16, 4))


def _next_seq(series: str, year: int) -> int:
    """The next number of a series in a year; the lock keeps two issuers from taking one."""
    advisory_lock(f"notice_series:{series}:{year}")
    last = db.session.execute(sa.select(sa.func.max(NoticeDocument.seq)).where(
        NoticeDocument.series == series, NoticeDocument.year == year)).scalar_one()
    return (last or 0) + 1


def by_step(step_key: str) -> NoticeDocument | None:
    return db.session.execute(sa.select(NoticeDocument).where(
        NoticeDocument.step_key == step_key)).scalar_one_or_none()


def issue(actor, *, kind: str, series: str, title: str, step_key: str, recipient_name: str,
          paragraphs: list[str], items: list[tuple[str, str]] | None = None,
          org_id: int | None = None, user_id: int | None = None,
          on: date | None = None) -> NoticeDocument:
    """Issue the document of one step (``step_key``, e.g. "credit.entry:12:notified"). Issuing
    the same step again returns the first document: a step never gets two numbers. ``on``
    dates a document recorded after the fact (imported or simulated history)."""
    if (existing := by_step(step_key)) is not None:
        return existing
    now = clock.now()
    if on is not None and on < local_date(now):
        now = local_datetime(on, time(10, 0))
    today = local_date(now)
    seq = _next_seq(series, today.year)
    number = f"{series}-{today.year}-{seq:05d}"
    content = {
        "title": title, "number": number, "kind": kind, "recipient": recipient_name,
        "paragraphs": list(paragraphs), "items": [list(i) for i in items or []],
        "issuer": current_app.config["ISSUER_NAME"], "issued_on": today.isoformat(),
        "issued_on_text": f"{today.year}年{today.month}月{today.day}日",
    }
    text = canonical(content)
    digest = content_hash(text)
    row = NoticeDocument(number=number, series=series, year=today.year, seq=seq, kind=kind,
                         title=title, step_key=step_key, org_id=org_id, user_id=user_id,
                         recipient_name=recipient_name, content=text, content_hash=digest,
                         verification_code=verification_code(number, digest), issued_at=now,
                         issued_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "notice.issue", "notice_document", row.id, at=now,
                 after={"number": number, "kind": kind, "step": step_key, "hash": digest})
    return row


def get_by_number(number: str) -> NoticeDocument:
    row = db.session.execute(sa.select(NoticeDocument).where(
        NoticeDocument.number == (number or "").strip().upper())).scalar_one_or_none()
    if row is None:
        raise NotFound("notices.not_found", _l("查无此文书编号。"))
    return row


@dataclass
class Verification:
    document: NoticeDocument
    genuine: bool  # content still matches its hash, its code and the audit record
    code_matches: bool | None  # the code the reader typed, when given


def verify(number: str, code: str | None = None) -> Verification:
    row = get_by_number(number)
    digest = content_hash(row.content)
    audited = {rec.after_dict().get("hash") for rec in audit.history("notice_document", row.id)}
    genuine = (digest == row.content_hash and digest in audited and hmac.compare_digest(
        verification_code(row.number, digest), row.verification_code))
    typed = (code or "").strip().upper().replace(" ", "").replace("-", "")
    matches = None if not typed else hmac.compare_digest(
        typed.encode(), row.verification_code.replace("-", "").encode())
    return Verification(row, genuine, matches)


def content_of(row: NoticeDocument) -> dict:
    return json.loads(row.content)


def verify_url(number: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/notices/verify/{number}"


def render_pdf(row: NoticeDocument) -> bytes:
    from core.pdf import notice_pdf

    return notice_pdf(content_of(row), row.verification_code, verify_url(row.number))
