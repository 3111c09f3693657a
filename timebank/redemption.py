"""Redemption at eldercare institutions: catalogue (with policy caps a regulator lifts),
redemptions (requested → held → posted or voided). Who consents to what: ``timebank.consent``."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.accounts.models import Person, Role
from core.accounts.services import find_person_by_id_number, find_person_by_volunteer_number
from core.config import policy
from core.db import for_update
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.ids import is_valid_id_number, normalize
from core.orgs.models import Organization, OrgStatus
from core.orgs.services import require_member, user_org_ids
from core.timeutil import local_date
from timebank import consent, ledger
from timebank.models import CatalogueItem, Hold, Redemption
from timebank.transfers import received_gift_or_allocation
from timebank.vocabulary import Consent, PostingKind, RedemptionStatus, category_open

MAX_QUANTITY = 20  # the schema's bound; the policy cap (redemption_max_quantity) is lower
CODE_DIGITS = 6
ITEM_FIELDS = ("name", "category", "description", "service_minutes", "price_minutes",
               "max_quantity", "active")


# --- catalogue -----------------------------------------------------------------------------

def institution(actor, org_id: int) -> Organization:
    """An eldercare institution the actor works for."""
    org = db.session.get(Organization, org_id or 0)
    if org is None or not org.is_eldercare:
        raise NotFound("timebank.not_an_institution", _l("找不到该养老机构。"))
    if actor is not None:
        require_member(actor, org.id)
    return org


def _require_active(org: Organization) -> None:
    """Only an institution the bureau verified, and not ordered to stop, takes credits."""
    if org.status != OrgStatus.ACTIVE:
        raise PermissionDenied("timebank.institution_not_active",
                               _l("该养老机构尚未通过核验或已停止活动，暂不能兑换时间。"))


def _item_values(data: dict, kept_category: str | None = None) -> dict:
    """The item's fields, checked. Its service category is one open today (the bureau's
    catalogue), or the one it already has (``kept_category``), even if retired since."""
    errors = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = [str(_l("请填写服务名称（不超过 100 字）。"))]
    category = data.get("category") or "other"
    if not isinstance(category, str) or (category != kept_category
                                         and not category_open(category)):
        errors["category"] = [str(_l("请选择服务类别（目录中现行的类别）。"))]
    for key in ("service_minutes", "price_minutes"):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= 24 * 60:
            errors[key] = [str(_l("请填写 1 到 1440 之间的整数分钟。"))]
    most = data.get("max_quantity")
    if most is None:
        most = policy("redemption_max_quantity")
    if not isinstance(most, int) or isinstance(most, bool) or not 0 < most <= MAX_QUANTITY:
        errors["max_quantity"] = [str(_l("每次可兑换数量应在 1 到 %(n)s 之间。", n=MAX_QUANTITY))]
    if errors:
        raise ValidationFailed("timebank.bad_item", _l("请核对服务项目。"), errors=errors)
    return {"name": name, "category": category,
            "description": (data.get("description") or "").strip()[:2000],
            "service_minutes": data["service_minutes"], "price_minutes": data["price_minutes"],
            "max_quantity": most, "active": bool(data.get("active", True))}


def over_caps(values: dict) -> bool:
    """Dearer than ``catalogue_max_price_minutes``, or more per redemption than
    ``redemption_max_quantity``: a regulator approves it first (one clerk could otherwise
    price a haircut at a day's credits and empty an account in one go)."""
    return values["price_minutes"] > policy("catalogue_max_price_minutes") or \
        values["max_quantity"] > policy("redemption_max_quantity")


def default_price(service_minutes: int) -> int:
    """DOMAIN.md: by default 1 hour of service costs 1 hour of credit."""
    return round(service_minutes * policy("credit_minutes_per_service_minute"))


def add_item(actor, org_id: int, data: dict) -> CatalogueItem:
    org = institution(actor, org_id)
    _require_active(org)
    data = dict(data)
    if data.get("price_minutes") is None and isinstance(data.get("service_minutes"), int):
        data["price_minutes"] = default_price(data["service_minutes"])
    values = _item_values(data)
    _require_unique_name(org.id, values["name"])
    item = CatalogueItem(org_id=org.id, approval_pending=over_caps(values), **values)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "timebank.catalogue.add", "timebank_catalogue_item", item.id,
                 after={**values, "approval_pending": item.approval_pending})
    return item


def _require_unique_name(org_id: int, name: str, item_id: int | None = None) -> None:
    """One name per institution (uq_timebank_catalogue_org_name), on adding and renaming."""
    if db.session.execute(sa.select(CatalogueItem.id).where(
            CatalogueItem.org_id == org_id, CatalogueItem.name == name,
            CatalogueItem.id != (item_id or 0))).first():
        raise Conflict("timebank.item_exists", _l("已有同名的服务项目。"),
                       errors={"name": [str(_l("已有同名项目。"))]})


def update_item(actor, item_id: int, data: dict) -> CatalogueItem:
    item = get_item(item_id)
    institution(actor, item.org_id)
    before = {k: getattr(item, k) for k in ITEM_FIELDS}
    values = _item_values({**before, **{k: v for k, v in data.items() if v is not None}},
                          kept_category=item.category)
    _require_unique_name(item.org_id, values["name"], item.id)
    priced = any(values[k] != before[k] for k in ("price_minutes", "max_quantity"))
    for key, value in values.items():
        setattr(item, key, value)
    if not over_caps(values):
        item.approval_pending = False
    elif priced:  # a new price above the caps: approved again, by a regulator
        item.approval_pending, item.approved_by_id, item.approved_at = True, None, None
    db.session.flush()
    audit.record(actor, "timebank.catalogue.update", "timebank_catalogue_item", item.id,
                 before=before, after={**values, "approval_pending": item.approval_pending})
    return item


def approve_item(actor, item_id: int, now=None) -> CatalogueItem:
    """A regulator lets an item above the caps be redeemed."""
    item = get_item(item_id)
    if not item.approval_pending:
        raise Conflict("timebank.item_not_pending", _l("该服务项目不需要审批。"))
    item.approval_pending = False
    item.approved_by_id, item.approved_at = actor.id, clock.utc(now)
    db.session.flush()
    audit.record(actor, "timebank.catalogue.approve", "timebank_catalogue_item", item.id,
                 after={"price_minutes": item.price_minutes,
                        "max_quantity": item.max_quantity})
    return item


def items_awaiting_approval():
    return sa.select(CatalogueItem).where(CatalogueItem.approval_pending.is_(True)) \
        .order_by(CatalogueItem.id)


def get_item(item_id: int) -> CatalogueItem:
    item = db.session.get(CatalogueItem, item_id or 0)
    if item is None:
        raise NotFound("timebank.item_not_found", _l("服务项目不存在。"),
                       errors={"item_id": [str(_l("服务项目不存在。"))]})
    return item


def catalogue(org_id: int, active_only: bool = True, category: str | None = None
              ) -> list[CatalogueItem]:
    query = sa.select(CatalogueItem).where(CatalogueItem.org_id == org_id)
    if category:
        query = query.where(CatalogueItem.category == category)
    if active_only:  # what members can redeem: on sale, and within the caps or approved
        query = query.where(CatalogueItem.active.is_(True),
                            CatalogueItem.approval_pending.is_(False))
    return list(db.session.execute(query.order_by(CatalogueItem.name)).scalars())


def institutions_with_catalogue() -> list[Organization]:
    ids = sa.select(CatalogueItem.org_id).where(CatalogueItem.active.is_(True),
                                                CatalogueItem.approval_pending.is_(False))
    return list(db.session.execute(
        sa.select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)
    ).scalars())


# --- members -------------------------------------------------------------------------------

def find_member(query: str) -> Person:
    """By volunteer number or ID number (a volunteer naming whom they served, a regulator
    allocating pool credits). Counters find members only as they present themselves
    (``timebank.consent.present``)."""
    text = normalize(query)
    person = None
    if len(text) == 18 and is_valid_id_number(text):
        person = find_person_by_id_number(text)
    elif text:
        person = find_person_by_volunteer_number(text)
    if person is None:
        raise NotFound("timebank.member_not_found",
                       _l("找不到该会员：请核对志愿者编号或身份证号码。"),
                       errors={"q": [str(_l("找不到。"))]})
    return person


def may_redeem(person: Person, today=None) -> bool:
    """DOMAIN.md: the holder is at least ``min_redeem_age``, or an elder who received a gift
    or a pool allocation."""
    today = today or clock.today()
    return person.age_on(today) >= policy("min_redeem_age") or \
        received_gift_or_allocation(person.id)


# --- redemptions ---------------------------------------------------------------------------

def _may_act_for(actor, person_id: int, org_id: int) -> None:
    """Cancel: the member, or the institution's staff (a cancel only releases a hold)."""
    if actor.person_id is not None and actor.person_id == person_id:
        return
    if org_id in user_org_ids(actor):
        return
    raise PermissionDenied("timebank.not_your_redemption", _l("您不能为该会员办理兑换。"))


def _consent_of(actor, person: Person, item: CatalogueItem, pay_code: str | None,
                id_checked: bool, now: datetime):
    if actor is None:
        return "system", None  # the demo seeder and the tests of the ledger
    if actor.person_id is not None and actor.person_id == person.id:
        return Consent.SELF, None
    if item.org_id in user_org_ids(actor) and actor.has_role(Role.INSTITUTION_STAFF):
        return consent.counter_consent(actor, person, item.org_id, pay_code, id_checked, now)
    raise PermissionDenied("timebank.not_your_redemption", _l("您不能为该会员办理兑换。"))


def _redeemable(item: CatalogueItem, person: Person, quantity: int, now: datetime) -> None:
    if not item.active:
        raise Conflict("timebank.item_inactive", _l("该服务项目已下架。"),
                       errors={"item_id": [str(_l("已下架。"))]})
    if item.approval_pending:
        raise Conflict("timebank.item_awaiting_approval",
                       _l("该服务项目超出价格或数量上限，正在等待民政部门审批。"),
                       errors={"item_id": [str(_l("等待审批。"))]})
    _require_active(item.org)
    most = min(item.max_quantity, MAX_QUANTITY)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or not 1 <= quantity <= most:
        raise ValidationFailed("timebank.bad_quantity", _l("数量应在 1 到 %(n)s 之间。"),
                               n=most, errors={"quantity": [str(_l("数量无效。"))]})
    if not may_redeem(person, local_date(now)):
        raise PermissionDenied(
            "timebank.too_young_to_redeem",
            _l("兑换需年满 %(age)s 周岁，或为接受过亲属转赠、公益时间分配的老人。"),
            age=policy("min_redeem_age"))


def create_redemption(actor, person_id: int | None, item_id: int, quantity: int = 1,
                      now: datetime | None = None, *, pay_code: str | None = None,
                      id_checked: bool = False) -> Redemption:
    """A redemption with the member's consent (``timebank.consent``): held at once when the
    member reserves it themself or the counter has their pay code; otherwise requested, and
    held when the member (or, without a login, a family proxy or a second clerk) approves."""
    item = get_item(item_id)
    now = clock.utc(now)
    if person_id is None and pay_code:  # the pay code names the member
        found = consent.live_pay_code(pay_code, now)
        if found is None:
            raise consent.bad_pay_code()
        person_id = found.person_id
    person = db.session.get(Person, person_id or 0)
    if person is None:
        raise NotFound("timebank.member_not_found", _l("找不到该会员。"))
    how, code_row = _consent_of(actor, person, item, pay_code, id_checked, now)
    _redeemable(item, person, quantity, now)
    amount = item.price_minutes * quantity
    waits = how in (Consent.MEMBER, Consent.ASSISTED)
    row = Redemption(org_id=item.org_id, person_id=person.id, item_id=item.id,
                     item_name=item.name, quantity=quantity, unit_price=item.price_minutes,
                     amount=amount, code=new_code(), created_by_id=getattr(actor, "id", None),
                     consent=how, id_checked=bool(id_checked) and how == Consent.ASSISTED,
                     status=RedemptionStatus.REQUESTED if waits else RedemptionStatus.PENDING,
                     created_at=now)
    if not waits:
        _hold(row, now)
    db.session.add(row)
    db.session.flush()
    if code_row is not None:
        consent.use_pay_code(code_row, actor, row, now)
    audit.record(actor, "timebank.redemption.create", "timebank_redemption", row.id, at=now,
                 after={"person_id": person.id, "org_id": item.org_id, "amount": amount,
                        "consent": how, "status": row.status})
    return row


def _hold(row: Redemption, now: datetime) -> None:
    held = ledger.hold(ledger.person_account(row.person_id), row.amount, PostingKind.REDEMPTION,
                       f"redemption:{secrets.token_hex(8)}", at=now)
    row.hold_id = held.id


def _approver(actor, row: Redemption) -> str:
    """How ``actor`` may answer this request (consent.approval_role); a settled one is a
    conflict only for the people involved, a refusal for everyone else."""
    if row.status == RedemptionStatus.REQUESTED:
        return consent.approval_role(actor, row)
    if actor.person_id == row.person_id or row.org_id in user_org_ids(actor):
        raise Conflict("timebank.redemption_settled", _l("该兑换的状态为“%(state)s”，不能再处理。"),
                       state=row.status_label)
    raise PermissionDenied("timebank.not_your_approval", _l("您不能确认这笔兑换。"))


def approve_redemption(actor, redemption_id: int, now: datetime | None = None) -> Redemption:
    """The member approves a counter's request on their own page (or, for a member without a
    login, their registered family proxy or a second clerk does): the credits are held."""
    row = _lock(redemption_id)
    via = _approver(actor, row)
    now = clock.utc(now)
    _require_active(row.org)
    _hold(row, now)
    row.status = RedemptionStatus.PENDING
    consent.record_approval(actor, row, via, now)
    db.session.flush()
    return row


def decline_redemption(actor, redemption_id: int, reason: str | None = None,
                       now: datetime | None = None) -> Redemption:
    """The member (or their family proxy) says no to a counter's request."""
    row = _lock(redemption_id)
    if _approver(actor, row) == "staff":
        raise PermissionDenied("timebank.not_your_approval", _l("您不能确认这笔兑换。"))
    now = clock.utc(now)
    row.status, row.settled_at, row.settled_by_id = RedemptionStatus.VOIDED, now, actor.id
    row.void_reason = (reason or "").strip()[:2000] or str(_l("会员未同意"))
    db.session.flush()
    audit.record(actor, "timebank.redemption.decline", "timebank_redemption", row.id, at=now,
                 reason=row.void_reason)
    return row


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def get_redemption(redemption_id: int) -> Redemption:
    row = db.session.get(Redemption, redemption_id or 0)
    if row is None:
        raise NotFound("timebank.redemption_not_found", _l("兑换记录不存在。"))
    return row


def may_see(actor, row: Redemption) -> bool:
    """Who may see a redemption: the member it is for, the institution's staff, regulators
    and administrators."""
    mine = actor.person_id is not None and actor.person_id == row.person_id
    return mine or row.org_id in user_org_ids(actor) or actor.has_role(Role.REGULATOR,
                                                                       Role.ADMIN)


def get_visible(actor, redemption_id: int) -> Redemption:
    """The redemption, if ``actor`` may see it; otherwise it does not exist for them."""
    row = get_redemption(redemption_id)
    if not may_see(actor, row):
        raise NotFound("timebank.redemption_not_found", _l("兑换记录不存在。"))
    return row


def visible_redemptions(actor, org_id: int | None = None, status: str | None = None):
    """The redemptions ``actor`` may list: regulators and administrators any institution's
    (or all), staff their own institution's (``org_id``), a member their own."""
    if actor.has_role(Role.REGULATOR, Role.ADMIN):
        return redemptions_query(org_id, status=status)
    if org_id is not None:
        if org_id not in user_org_ids(actor):
            raise NotFound("timebank.not_an_institution", _l("找不到该养老机构。"))
        return redemptions_query(org_id, status=status)
    return redemptions_query(person_id=ledger.member_person(actor).id, status=status)


def code_for(actor, row: Redemption) -> str | None:
    """The one-time code is the member's own, and only while the redemption is pending."""
    mine = actor.person_id is not None and actor.person_id == row.person_id
    return row.code if mine and row.status == RedemptionStatus.PENDING else None


def _lock(redemption_id: int) -> Redemption:
    get_redemption(redemption_id)
    return db.session.execute(
        for_update(sa.select(Redemption).where(Redemption.id == redemption_id))
        .execution_options(populate_existing=True)).scalar_one()


def _require_pending(row: Redemption) -> None:
    if row.status != RedemptionStatus.PENDING:
        raise Conflict("timebank.redemption_settled", _l("该兑换的状态为“%(state)s”，不能再处理。"),
                       state=row.status_label)


def complete_redemption(actor, redemption_id: int, code: str | None = None,
                        now: datetime | None = None) -> Redemption:
    """The service was delivered: the hold is posted to the institution's redemption account.
    A redemption the member reserved themself needs the one-time code they show; one the
    member authorized at the counter (pay code, approval, assisted) already has their consent."""
    row = _lock(redemption_id)
    if actor is not None:
        require_member(actor, row.org_id)
    _require_pending(row)
    if row.consent in (Consent.SELF, "system") and not secrets.compare_digest(
            (code or "").strip().encode(), row.code.encode()):  # any script
        raise ValidationFailed("timebank.wrong_code", _l("兑换码不正确，请核对会员出示的兑换码。"),
                               errors={"code": [str(_l("兑换码不正确。"))]})
    now = clock.utc(now)
    ledger.post_hold(db.session.get(Hold, row.hold_id), ledger.redemption_account(row.org_id),
                     actor, memo=row.item_name[:200], at=now)
    row.status, row.settled_at = RedemptionStatus.POSTED, now
    row.settled_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "timebank.redemption.complete", "timebank_redemption", row.id, at=now,
                 after={"amount": row.amount})
    return row


def cancel_redemption(actor, redemption_id: int, reason: str | None = None,
                      now: datetime | None = None) -> Redemption:
    """Void the hold (the member or the institution cancels; or the expiry job)."""
    row = _lock(redemption_id)
    if actor is not None:
        _may_act_for(actor, row.person_id, row.org_id)
    if row.status != RedemptionStatus.REQUESTED:
        _require_pending(row)
    if actor is not None and actor.person_id != row.person_id and not (reason or "").strip():
        # The member may simply change their mind; a clerk cancelling for them says why.
        raise ValidationFailed("timebank.cancel_reason_required", _l("请写明取消原因。"),
                               errors={"reason": [str(_l("请写明取消原因。"))]})
    now = clock.utc(now)
    if row.hold_id is not None:
        ledger.void_hold(db.session.get(Hold, row.hold_id), at=now)
    row.status, row.settled_at = RedemptionStatus.VOIDED, now
    row.settled_by_id = getattr(actor, "id", None)
    row.void_reason = ((reason or "").strip() or None) if actor is not None else \
        str(_l("超过保留时限，自动取消"))
    db.session.flush()
    audit.record(actor, "timebank.redemption.void", "timebank_redemption", row.id, at=now,
                 reason=row.void_reason)
    return row


OPEN = (RedemptionStatus.REQUESTED, RedemptionStatus.PENDING)


def void_expired(now: datetime | None = None) -> int:
    """Requested or pending redemptions older than ``redemption_hold_hours`` (default 48) are
    voided."""
    now = clock.utc(now)
    cutoff = now - timedelta(hours=policy("redemption_hold_hours"))
    ids = db.session.execute(
        sa.select(Redemption.id).where(Redemption.status.in_(OPEN),
                                       Redemption.created_at <= cutoff)).scalars().all()
    for redemption_id in ids:
        if _lock(redemption_id).status in OPEN:
            cancel_redemption(None, redemption_id, now=now)
    return len(ids)


def redemptions_query(org_id: int | None = None, person_id: int | None = None,
                      status: str | None = None):
    query = sa.select(Redemption).order_by(Redemption.id.desc())
    if org_id is not None:
        query = query.where(Redemption.org_id == org_id)
    if person_id is not None:
        query = query.where(Redemption.person_id == person_id)
    if status:
        query = query.where(Redemption.status == status)
    return query
