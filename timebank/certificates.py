"""Service certificates (志愿服务记录证明): issue, verify, render.

Each row keeps the printed data, its hash and an HMAC verification code."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.accounts.models import Person, Role
from core.errors import NotFound, PermissionDenied
from core.extensions import db
from core.orgs.models import Organization
from core.orgs.services import user_org_ids
from core.timeutil import local_date, to_local
from timebank import recognition
from timebank.models import Certificate, ServiceSession
from timebank.vocabulary import SessionStatus

TITLE = "志愿服务记录证明"


def mask_name(name: str) -> str:
    """王秀英 → 王*英, 王伟 → 王*: enough to recognise, not enough to identify."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _canonical(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def verification_code(number: str, digest: str) -> str:
    """HMAC-SHA256 with SECRET_KEY over the number and the content hash, 16 hex digits."""
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"{number}|{digest}".encode(), hashlib.sha256).hexdigest().upper()[:16]
    return "-".join(mac[i:i + 4] for i in range(0, 16, 4))


def _session_rows(person_id: int, org_ids: set[int] | None = None) -> list[ServiceSession]:
    query = sa.select(ServiceSession).where(ServiceSession.volunteer_id == person_id,
                                            ServiceSession.status == SessionStatus.CONFIRMED)
    if org_ids is not None:  # an organization certifies the service it recorded
        query = query.where(sa.or_(ServiceSession.org_id.in_(org_ids),
                                   ServiceSession.recipient_org_id.in_(org_ids)))
    return list(db.session.execute(query.order_by(ServiceSession.start_at)).scalars())


def _content(person: Person, number: str, now, org_ids: set[int] | None = None) -> dict:
    full = org_ids is None
    rows = _session_rows(person.id, org_ids)
    org_ids = {r.org_id or r.recipient_org_id for r in rows} - {None}
    names = dict(db.session.execute(
        sa.select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all()
    ) if org_ids else {}
    sessions = [[to_local(r.start_at).date().isoformat(),
                 names.get(r.org_id or r.recipient_org_id, "") or str(_l("个人服务")),
                 f"{r.category_label} {r.description}".strip()[:80], r.minutes] for r in rows]
    return {
        "title": TITLE, "number": number, "name": person.name,
        "id_number_masked": person.id_number_masked,
        "volunteer_number": person.volunteer_number or "",
        "total_minutes": sum(r.minutes for r in rows), "sessions": sessions,
        "session_ids": [r.id for r in rows],
        "issuer": current_app.config["ISSUER_NAME"],
        "issued_on": local_date(now).isoformat(),
        # Star level (志愿服务激励褒奖) on the person's own or a regulator's certificate: it
        # rests on all their service, which an organization's certificate does not show.
        **({"stars": _stars(person.id)} if full else {}),
    }


def _stars(person_id: int) -> dict:
    stars = recognition.stars_of(person_id)
    return {"level": stars.level, "name": stars.name} if stars.level else {}


def may_issue_for(actor, person_id: int) -> bool:
    """The volunteer; a regulator; staff of an organization the volunteer served with, for
    that service only (谁记录谁证明). Nobody else: a certificate is the person's record, not
    something a counter or an administrator prints for anyone."""
    if actor.person_id == person_id or actor.has_role("regulator"):
        return True
    orgs = user_org_ids(actor)
    return bool(orgs) and db.session.execute(sa.select(ServiceSession.id).where(
        ServiceSession.volunteer_id == person_id,
        ServiceSession.status == SessionStatus.CONFIRMED,
        sa.or_(ServiceSession.org_id.in_(orgs), ServiceSession.recipient_org_id.in_(orgs))
    ).limit(1)).first() is not None


def _certified_orgs(actor, person_id: int) -> set[int] | None:
    """Whose sessions the actor certifies: all of them for the volunteer and regulators; an
    organization's staff, their organizations' only (谁记录谁证明: never the service recorded
    elsewhere)."""
    if actor is None or actor.person_id == person_id or actor.has_role("regulator"):
        return None
    return user_org_ids(actor)


def issue(actor, person_id: int) -> Certificate:
    """Issue a certificate for a volunteer, free and at any time (谁记录谁证明)."""
    person = db.session.get(Person, person_id or 0)
    if person is None:
        raise NotFound("timebank.person_not_found", _l("找不到该志愿者。"))
    if actor is not None and not may_issue_for(actor, person.id):
        raise PermissionDenied("timebank.not_your_certificate",
                               _l("证明只能由本人、其服务的组织或民政部门开具。"))
    now = clock.now()
    number = f"TB{local_date(now):%Y%m%d}-{secrets.token_hex(4).upper()}"
    text = _canonical(_content(person, number, now, _certified_orgs(actor, person.id)))
    digest = content_hash(text)
    row = Certificate(number=number, person_id=person.id, content=text, content_hash=digest,
                      verification_code=verification_code(number, digest),
                      issued_by_id=getattr(actor, "id", None), issued_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "timebank.certificate.issue", "timebank_certificate", row.id, at=now,
                 after={"number": number, "person_id": person.id, "hash": digest})
    return row


def get_by_number(number: str) -> Certificate:
    row = db.session.execute(sa.select(Certificate).where(
        Certificate.number == (number or "").strip().upper())).scalar_one_or_none()
    if row is None:
        raise NotFound("timebank.certificate_not_found", _l("查无此证明编号。"))
    return row


def get_visible(actor, number: str) -> Certificate:
    """A certificate's PDF is for the volunteer it certifies, whoever issued it, regulators and
    administrators; for anyone else it does not exist (anyone can *verify* it: ``verify``)."""
    row = get_by_number(number)
    if not (actor.person_id == row.person_id or row.issued_by_id == actor.id
            or actor.has_role(Role.REGULATOR, Role.ADMIN)):
        raise NotFound("timebank.certificate_not_found", _l("查无此证明编号。"))
    return row


@dataclass
class Verification:
    certificate: Certificate
    content: dict
    genuine: bool  # the stored data still matches its hash and the HMAC code
    code_matches: bool | None  # the code the reader typed, when given
    reversed_since: int  # sessions on it found false after issue

    @property
    def masked_name(self) -> str:
        return mask_name(self.content.get("name", ""))


def verify(number: str, code: str | None = None) -> Verification:
    row = get_by_number(number)
    digest = content_hash(row.content)
    expected = verification_code(row.number, digest)
    genuine = digest == row.content_hash and hmac.compare_digest(expected,
                                                                 row.verification_code)
    content = json.loads(row.content)
    typed = (code or "").strip().upper().replace(" ", "")
    matches = None if not typed else hmac.compare_digest(  # bytes: anyone may type anything
        typed.replace("-", "").encode(), row.verification_code.replace("-", "").encode())
    ids = content.get("session_ids") or []
    reversed_since = db.session.execute(
        sa.select(sa.func.count()).select_from(ServiceSession).where(
            ServiceSession.id.in_(ids), ServiceSession.status == SessionStatus.REVERSED)
    ).scalar_one() if ids else 0
    return Verification(row, content, genuine, matches, int(reversed_since))


def certificates_of(person_id: int) -> list[Certificate]:
    return list(db.session.execute(
        sa.select(Certificate).where(Certificate.person_id == person_id)
        .order_by(Certificate.id.desc())).scalars())


def verify_url(number: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{number}"


def render_pdf(row: Certificate) -> bytes:
    from timebank.pdf import certificate_pdf

    return certificate_pdf(json.loads(row.content), row.verification_code,
                           verify_url(row.number))
