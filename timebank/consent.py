"""The member's consent to spend: pay codes, presenting oneself at a counter, approving a
counter's request, and the assisted procedure for members without a login.

Credits leave an account only with its holder's consent (issue 12, item 1), as at a payment
counter:

- ``pay_code``: the member's own page shows a short-lived, single-use pay code (and its QR);
  the counter types or scans it. Only a keyed hash is stored.
- ``member``: the counter sends a request; the member approves it on their own page.
- ``assisted``: a member without a login shows their ID card; the clerk records the check and a
  second person approves — a family member registered and verified as such (by someone other
  than the clerk), or a second staff member of the institution. Each clerk may start at most
  ``assisted_redemptions_per_clerk_per_day`` of these a day; regulators see them all.
- ``self``: the member reserves from their own account; at the counter they show the one-time
  redemption code, which is never given to the clerk.

Counter staff see a member's account only after the member presented themself (pay code or
ID card) at their institution, for ``presentation_minutes``: there is no browsing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.accounts.models import FamilyLink, Person, Role
from core.accounts.services import find_person_by_id_number
from core.config import policy
from core.crypto import blind_index
from core.db import for_update
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.ids import is_valid_id_number, normalize
from core.orgs.services import require_member, user_org_ids
from core.timeutil import start_of_local_day_utc
from timebank.models import PayCode, Presentation, Redemption
from timebank.vocabulary import Consent

PAY_CODE_DIGITS = 12


# --- pay codes -----------------------------------------------------------------------------

def _pay_code_hash(code: str) -> str:
    return blind_index("paycode:" + "".join(ch for ch in (code or "") if ch.isdigit()))


def issue_pay_code(actor, now: datetime | None = None) -> tuple[PayCode, str]:
    """A new pay code for the signed-in member; their earlier live code stops working."""
    person = actor.person
    if person is None:
        raise Conflict("timebank.no_person", _l("请先完成实名登记。"))
    now = clock.utc(now)
    for old in _live_codes(sa.select(PayCode).where(PayCode.person_id == person.id), now):
        old.expires_at = now
    while True:  # unique among live codes, so a code names exactly one member
        code = f"{secrets.randbelow(10 ** PAY_CODE_DIGITS):0{PAY_CODE_DIGITS}d}"
        digest = _pay_code_hash(code)
        if not _live_codes(sa.select(PayCode).where(PayCode.code_hash == digest), now):
            break
    row = PayCode(person_id=person.id, code_hash=digest, created_at=now,
                  expires_at=now + timedelta(minutes=policy("pay_code_minutes")))
    db.session.add(row)
    db.session.flush()
    return row, " ".join(code[i:i + 4] for i in range(0, PAY_CODE_DIGITS, 4))


def _live_codes(query, now: datetime) -> list[PayCode]:
    return list(db.session.execute(query.where(
        PayCode.used_at.is_(None), PayCode.expires_at > now)).scalars())


def live_pay_code(code: str, now: datetime | None = None) -> PayCode | None:
    found = _live_codes(sa.select(PayCode).where(PayCode.code_hash == _pay_code_hash(code)),
                        clock.utc(now))
    return found[0] if found else None


def bad_pay_code() -> ValidationFailed:
    return ValidationFailed("timebank.bad_pay_code",
                            _l("付款码无效或已过期，请会员刷新后重新出示。"),
                            errors={"pay_code": [str(_l("付款码无效或已过期。"))]})


# --- presenting oneself at the counter ------------------------------------------------------

def present(actor, org_id: int, *, pay_code: str | None = None, id_number: str | None = None,
            now: datetime | None = None) -> Presentation:
    """The member in front of the clerk shows their pay code or ID card: for a while, this clerk
    sees their account at this institution (the pay code is not used up by being shown)."""
    require_member(actor, org_id)
    now = clock.utc(now)
    code_row = None
    if pay_code:
        code_row = live_pay_code(pay_code, now)
        if code_row is None:
            raise bad_pay_code()
        person = db.session.get(Person, code_row.person_id)
        method = Consent.PAY_CODE
    else:
        number = normalize(id_number)
        person = find_person_by_id_number(number) if is_valid_id_number(number) else None
        if person is None:
            raise NotFound("timebank.member_not_found",
                           _l("找不到该会员：请核对身份证号码，或请会员出示付款码。"),
                           errors={"q": [str(_l("找不到。"))]})
        method = "id_card"
    row = Presentation(user_id=actor.id, org_id=org_id, person_id=person.id, method=method,
                       pay_code_id=code_row.id if code_row else None, created_at=now,
                       expires_at=now + timedelta(minutes=policy("presentation_minutes")))
    db.session.add(row)
    db.session.flush()
    return row


def live_presentation(actor, person_id: int, org_id: int | None = None,
                      now: datetime | None = None) -> Presentation | None:
    query = sa.select(Presentation).where(
        Presentation.user_id == actor.id, Presentation.person_id == person_id,
        Presentation.expires_at > clock.utc(now)).order_by(Presentation.id.desc())
    if org_id is not None:
        query = query.where(Presentation.org_id == org_id)
    return db.session.execute(query.limit(1)).scalar_one_or_none()


def require_presented(actor, person_id: int, org_id: int | None = None,
                      now: datetime | None = None) -> Presentation:
    """Counter staff see a member only while the member's presentation lasts (404 otherwise:
    whether a person exists is not for browsing either)."""
    row = live_presentation(actor, person_id, org_id, now)
    if row is None:
        raise NotFound("timebank.member_not_presented",
                       _l("请会员出示付款码或身份证后再查看其账户。"))
    return row


# --- how a counter's redemption is authorized ------------------------------------------------

def counter_consent(actor, person: Person, org_id: int, pay_code: str | None,
                    id_checked: bool, now: datetime) -> tuple[str, PayCode | None]:
    """The kind of consent a counter's new redemption has (or waits for)."""
    if pay_code:
        row = live_pay_code(pay_code, now)
        if row is None or row.person_id != person.id:
            raise bad_pay_code()
        return Consent.PAY_CODE, row
    presented = require_presented(actor, person.id, org_id, now)
    if presented.pay_code_id is not None:
        row = db.session.get(PayCode, presented.pay_code_id)
        if row is not None and row.used_at is None and row.expires_at > now:
            return Consent.PAY_CODE, row
    if person.user is not None:
        return Consent.MEMBER, None  # the member approves it on their own page
    if not id_checked:
        raise ValidationFailed(
            "timebank.id_check_required",
            _l("该会员没有登录账号：请核对身份证原件并勾选“已核对身份证”，再由其登记的亲属或本机构另一名工作人员确认。"),
            errors={"id_checked": [str(_l("请核对身份证原件。"))]})
    _check_daily_limit(actor, now)
    return Consent.ASSISTED, None


def use_pay_code(row: PayCode, actor, redemption: Redemption, now: datetime) -> None:
    row = db.session.execute(for_update(sa.select(PayCode).where(PayCode.id == row.id))
                             .execution_options(populate_existing=True)).scalar_one()
    if row.used_at is not None or row.expires_at <= now:
        raise bad_pay_code()  # a twin request used it first
    row.used_at, row.used_by_id, row.redemption_id = now, actor.id, redemption.id


def _check_daily_limit(actor, now: datetime) -> None:
    """ID-card redemptions started by one clerk today (Asia/Shanghai)."""
    limit = policy("assisted_redemptions_per_clerk_per_day")
    since = start_of_local_day_utc(clock.today())
    done = db.session.execute(sa.select(sa.func.count()).select_from(Redemption).where(
        Redemption.created_by_id == actor.id, Redemption.consent == Consent.ASSISTED,
        Redemption.created_at >= since)).scalar_one()
    if done >= limit:
        raise Conflict("timebank.assisted_daily_limit",
                       _l("您今天已办理 %(n)s 笔凭身份证的兑换，已达每日上限。"), n=limit)


# --- approving a request ---------------------------------------------------------------------

def approval_role(actor, row: Redemption) -> str:
    """Who ``actor`` is for this request: the member, a family proxy, or a second staff member;
    PermissionDenied otherwise. The clerk who made the request never approves it."""
    if actor.id == row.created_by_id:
        raise PermissionDenied("timebank.second_person_required",
                               _l("发起兑换的工作人员不能自己确认，需要会员本人或第二人确认。"))
    if row.consent == Consent.MEMBER:
        if actor.person_id == row.person_id:
            return "member"
    elif row.consent == Consent.ASSISTED:
        if actor.person_id is not None and _proxy_link(actor.person_id, row) is not None:
            return "family"
        if actor.has_role(Role.INSTITUTION_STAFF) and row.org_id in user_org_ids(actor):
            return "staff"
    raise PermissionDenied("timebank.not_your_approval", _l("您不能确认这笔兑换。"))


def _proxy_link(proxy_person_id: int, row: Redemption) -> FamilyLink | None:
    """A verified family link from the member to the proxy, not verified by the clerk."""
    link = db.session.execute(sa.select(FamilyLink).where(
        FamilyLink.person_id == row.person_id, FamilyLink.relative_id == proxy_person_id,
        FamilyLink.verified_at.isnot(None))).scalar_one_or_none()
    if link is None or link.verified_by_id == row.created_by_id:
        return None
    return link


def pending_for(actor, status: str) -> sa.Select:
    """Requests ``actor`` may approve: their own, and those of family members they are the
    registered proxy of (assisted ones)."""
    if actor.person_id is None:
        return sa.select(Redemption).where(sa.false())
    relatives = sa.select(FamilyLink.person_id).where(
        FamilyLink.relative_id == actor.person_id, FamilyLink.verified_at.isnot(None))
    return sa.select(Redemption).where(
        Redemption.status == status,
        sa.or_(sa.and_(Redemption.person_id == actor.person_id,
                       Redemption.consent == Consent.MEMBER),
               sa.and_(Redemption.person_id.in_(relatives),
                       Redemption.consent == Consent.ASSISTED))
    ).order_by(Redemption.id.desc())


def record_approval(actor, row: Redemption, via: str, now: datetime) -> None:
    row.approved_by_id, row.approved_at, row.approval_via = actor.id, now, via
    audit.record(actor, "timebank.redemption.approve", "timebank_redemption", row.id, at=now,
                 after={"via": via, "consent": row.consent, "amount": row.amount})
