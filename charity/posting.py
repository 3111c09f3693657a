"""Needs and offers: post, edit while open, withdraw, expire at the deadline; the checks that
make bad input a clear error (unknown item, unit mismatch, non-positive quantity, past
deadline) and the lists each audience may see."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from charity import parties, quantities
from charity.models import Item, Need, Offer, Opportunity, Proposal
from charity.vocabulary import PostStatus, ProposalStatus, SignupStatus
from core import audit, clock, outbox
from core.accounts import services as accounts
from core.accounts.models import Person
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.models import District
from core.orgs.services import user_org_ids

# A sanity bound, not a policy: keeps sums far inside the matcher's exact integer range.
MAX_QUANTITY = 10_000_000
COMMON_FIELDS = ("item_id", "quantity", "unit", "category", "district_id", "address", "lat",
                 "lon", "description")
NEED_FIELDS = (*COMMON_FIELDS, "urgency", "deadline")
OFFER_FIELDS = (*COMMON_FIELDS, "available_from", "available_until")


class Problems:
    """Field errors collected in one pass; raised with the first problem's stable code."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.first: tuple[str, object] | None = None

    def add(self, field: str, code: str, message) -> None:
        self.errors.setdefault(field, []).append(str(message))
        if self.first is None:
            self.first = (code, message)

    def raise_if_any(self) -> None:
        if self.first is not None:
            code, message = self.first
            raise ValidationFailed(code, message, errors=self.errors)


def _check_item(data: dict, p: Problems) -> Item | None:
    item = db.session.get(Item, data.get("item_id")) if data.get("item_id") else None
    if item is None or not item.active:
        p.add("item_id", "charity.unknown_item", _l("目录中没有这个物品，请从目录中选择。"))
        return None
    if data.get("category") and data["category"] != item.category:
        p.add("category", "charity.category_mismatch",
              _l("“%(item)s”属于“%(cat)s”类别。", item=item.name, cat=item.category_label))
    if data.get("unit") and data["unit"] != item.unit:
        p.add("unit", "charity.unit_mismatch",
              _l("“%(item)s”的计量单位是“%(unit)s”，请按该单位填写数量。",
                 item=item.name, unit=item.unit))
    return item


def _check_common(data: dict, p: Problems) -> Item | None:
    item = _check_item(data, p)
    qty = data.get("quantity")
    if not isinstance(qty, int) or isinstance(qty, bool) or qty <= 0:
        p.add("quantity", "charity.bad_quantity", _l("数量必须是大于 0 的整数。"))
    elif qty > MAX_QUANTITY:
        p.add("quantity", "charity.bad_quantity", _l("数量过大。"))
    if not data.get("district_id") or db.session.get(District, data["district_id"]) is None:
        p.add("district_id", "charity.unknown_district", _l("请选择区县。"))
    lat, lon = data.get("lat"), data.get("lon")
    if (lat is None) != (lon is None):
        p.add("lat", "charity.bad_coordinates", _l("坐标需同时填写纬度和经度，或都不填。"))
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        p.add("lat", "charity.bad_coordinates", _l("坐标超出范围。"))
    if len(data.get("address") or "") > 200:
        p.add("address", "charity.too_long", _l("地址不超过 200 个字符。"))
    if len(data.get("description") or "") > 2000:
        p.add("description", "charity.too_long", _l("说明不超过 2000 个字符。"))
    return item


def _aware(value, field: str, p: Problems) -> datetime | None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        p.add(field, "charity.bad_time", _l("请填写日期和时间。"))
        return None
    return value


def check_need(data: dict, now: datetime) -> Item:
    p = Problems()
    item = _check_common(data, p)
    urgency = data.get("urgency")
    if not isinstance(urgency, int) or isinstance(urgency, bool) or not 1 <= urgency <= 4:
        p.add("urgency", "charity.bad_urgency", _l("紧急程度为 1–4。"))
    deadline = _aware(data.get("deadline"), "deadline", p)
    if deadline is not None and deadline <= now:
        p.add("deadline", "charity.deadline_past", _l("截止时间必须晚于现在。"))
    p.raise_if_any()
    return item


def check_offer(data: dict, now: datetime) -> Item:
    p = Problems()
    item = _check_common(data, p)
    start = _aware(data.get("available_from"), "available_from", p)
    until = _aware(data.get("available_until"), "available_until", p)
    if until is not None and until <= now:
        p.add("available_until", "charity.deadline_past", _l("可提供截止时间必须晚于现在。"))
    if start is not None and until is not None and start > until:
        p.add("available_from", "charity.bad_window", _l("开始时间不能晚于截止时间。"))
    p.raise_if_any()
    return item


def _clean(data: dict, fields) -> dict:
    out = {k: data.get(k) for k in fields}
    for key in ("address", "description"):
        out[key] = (out.get(key) or "").strip()
    return out


def resolve_beneficiary(actor, name: str | None, id_number: str | None) -> Person | None:
    """The person in difficulty a need is for: found by ID number, or registered now."""
    if not (id_number or "").strip():
        return None
    person = accounts.find_person_by_id_number(id_number)
    if person is None:
        return accounts.create_person(actor, name or "", id_number)
    if (name or "").strip() and person.name != name.strip():
        raise ValidationFailed("charity.beneficiary_mismatch", _l("姓名与身份证号码登记的不一致。"),
                               errors={"beneficiary_name": [str(_l("与登记信息不一致。"))]})
    return person


def create_need(actor, org_id: int, data: dict, *, beneficiary: Person | None = None,
                now: datetime | None = None) -> Need:
    """Post a need for ``org_id`` (its staff only), possibly for a person in difficulty."""
    now = clock.utc(now)
    parties.require_may_post(actor, org_id)
    data = _clean(data, NEED_FIELDS)
    item = check_need(data, now)
    data.update(category=item.category, unit=item.unit)
    need = Need(**data, org_id=org_id, posted_by_id=getattr(actor, "id", None),
                beneficiary_person_id=beneficiary.id if beneficiary else None,
                status=PostStatus.OPEN, created_at=now, updated_at=now)
    db.session.add(need)
    db.session.flush()
    audit.record(actor, "charity.need.create", "charity_need", need.id, at=now, after={
        "org_id": org_id, "item": item.code, "quantity": need.quantity, "unit": need.unit,
        "urgency": need.urgency, "for_person": beneficiary is not None})
    return need


def create_offer(actor, org_id: int | None, data: dict, *,
                 now: datetime | None = None) -> Offer:
    """Post an offer for ``org_id`` (its staff), or as a person donor (the actor's person)."""
    now = clock.utc(now)
    donor_id = None
    if org_id:
        parties.require_may_post(actor, org_id)
    else:
        donor_id = parties.person_id_of(actor)
        if donor_id is None:
            raise PermissionDenied("charity.no_person", _l("个人捐赠需先完成实名登记。"))
    data = _clean(data, OFFER_FIELDS)
    data["available_from"] = data.get("available_from") or now
    item = check_offer(data, now)
    data.update(category=item.category, unit=item.unit)
    offer = Offer(**data, org_id=org_id or None, donor_person_id=donor_id,
                  posted_by_id=getattr(actor, "id", None), status=PostStatus.OPEN,
                  created_at=now, updated_at=now)
    db.session.add(offer)
    db.session.flush()
    audit.record(actor, "charity.offer.create", "charity_offer", offer.id, at=now, after={
        "org_id": offer.org_id, "donor": donor_id is not None, "item": item.code,
        "quantity": offer.quantity, "unit": offer.unit})
    return offer


def _require_untouched(post, kind: str) -> None:
    """Edits are allowed while open: nothing proposed, held or delivered yet."""
    amounts = (quantities.need_amounts if kind == "need" else quantities.offer_amounts)([post.id])
    if post.status != PostStatus.OPEN or amounts[post.id] != quantities.Amounts():
        raise Conflict("charity.not_editable", _l("已有对接或已关闭的记录不能修改；如需变更请撤回后重新发布。"))


def _apply_changes(actor, post, changes: dict, fields, check, kind: str, now) -> None:
    merged = {k: getattr(post, k) for k in fields}
    merged.update({k: v for k, v in changes.items() if k in fields})
    merged["category"] = merged["unit"] = None  # follow the (possibly new) item
    merged.update({k: changes[k] for k in ("category", "unit") if changes.get(k)})
    merged = _clean(merged, fields)
    item = check(merged, now)
    merged.update(category=item.category, unit=item.unit)
    before = {k: getattr(post, k) for k in fields}
    for key, value in merged.items():
        setattr(post, key, value)
    post.updated_at = now
    db.session.flush()
    diff = {k: v for k, v in before.items() if v != merged[k]}
    if diff:
        audit.record(actor, f"charity.{kind}.update", f"charity_{kind}", post.id, at=now,
                     before=diff, after={k: merged[k] for k in diff})


def update_need(actor, need: Need, changes: dict, now: datetime | None = None) -> Need:
    now = clock.utc(now)
    if not parties.acts_for_need(actor, need):
        raise PermissionDenied("charity.not_your_need", _l("只能修改本组织的需求。"))
    if need.opportunity is not None:
        raise Conflict("charity.edit_opportunity", _l("志愿活动请在活动页面修改。"))
    _require_untouched(need, "need")
    _apply_changes(actor, need, changes, NEED_FIELDS, check_need, "need", now)
    return need


def update_offer(actor, offer: Offer, changes: dict, now: datetime | None = None) -> Offer:
    now = clock.utc(now)
    if not parties.acts_for_offer(actor, offer):
        raise PermissionDenied("charity.not_your_offer", _l("只能修改自己发布的供给。"))
    _require_untouched(offer, "offer")
    _apply_changes(actor, offer, changes, OFFER_FIELDS, check_offer, "offer", now)
    return offer


def _close_pending(proposals, status: ProposalStatus, now: datetime, why, key: str) -> int:
    """Close pending proposals of a withdrawn/expired post and tell the other side."""
    count = 0
    for proposal in proposals:
        if proposal.status != ProposalStatus.PENDING:
            continue
        proposal.status, proposal.closed_at = status, now
        for side in parties.SIDES:
            parties.notify_side(proposal, side, "charity.proposal.closed",
                                _l("慈善对接建议已关闭"), why, f"charity.proposal:{proposal.id}:{key}")
        count += 1
    return count


def _proposals_of(column, post_id: int) -> list[Proposal]:
    return list(db.session.execute(sa.select(Proposal).where(column == post_id)).scalars())


def _withdraw(actor, post, kind: str, reason: str, now: datetime) -> None:
    if post.is_closed:
        raise Conflict("charity.already_closed", _l("该记录已关闭。"))
    column = Proposal.need_id if kind == "need" else Proposal.offer_id
    proposals = _proposals_of(column, post.id)
    if any(p.status == ProposalStatus.ACCEPTED for p in proposals):
        raise Conflict("charity.has_accepted", _l("还有双方已接受的对接：请先登记交付或放弃，再撤回。"))
    why = _l("对方已撤回发布，该对接建议自动取消。")
    _close_pending(proposals, ProposalStatus.CANCELLED, now, why, "cancelled")
    post.withdrawn_at, post.withdraw_reason = now, (reason or "").strip()[:2000] or None
    needs = [post] if kind == "need" else [p.need for p in proposals]
    offers = [post] if kind == "offer" else [p.offer for p in proposals]
    quantities.refresh(needs, offers, now)
    audit.record(actor, f"charity.{kind}.withdraw", f"charity_{kind}", post.id, at=now,
                 reason=post.withdraw_reason)


def _release_signups(opp: Opportunity, now: datetime) -> int:
    """The organization withdrew the opportunity's need: active sign-ups are cancelled, the
    volunteers told (part of withdrawing, so it lives here, below ``signups``)."""
    count = 0
    for row in opp.signups:
        if row.status == SignupStatus.SIGNED_UP:
            row.status, row.cancelled_at = SignupStatus.CANCELLED, now
            if row.user_id:
                outbox.enqueue("charity.signup.cancelled",
                               str(_l("志愿活动“%(t)s”已取消", t=opp.title))[:200],
                               str(_l("组织方已撤回该活动，您的报名已取消。")), user_id=row.user_id,
                               dedupe_key=f"charity.signup:{row.id}:released")
            count += 1
    db.session.flush()
    return count


def withdraw_need(actor, need: Need, reason: str = "", now: datetime | None = None) -> Need:
    now = clock.utc(now)
    if not parties.acts_for_need(actor, need):
        raise PermissionDenied("charity.not_your_need", _l("只能撤回本组织的需求。"))
    if need.opportunity is not None:
        _release_signups(need.opportunity, now)
    _withdraw(actor, need, "need", reason, now)
    return need


def withdraw_offer(actor, offer: Offer, reason: str = "", now: datetime | None = None) -> Offer:
    now = clock.utc(now)
    if not parties.acts_for_offer(actor, offer):
        raise PermissionDenied("charity.not_your_offer", _l("只能撤回自己发布的供给。"))
    _withdraw(actor, offer, "offer", reason, now)
    return offer


def expire_posts(now: datetime | None = None) -> dict:
    """Job: needs past their deadline and offers past their window expire; their pending
    proposals expire with them. Accepted proposals stay until fulfilled or abandoned."""
    now = clock.utc(now)
    counts = {"needs_expired": 0, "offers_expired": 0, "proposals_expired": 0}
    for model, end, column, key in ((Need, Need.deadline, Proposal.need_id, "needs_expired"),
                                    (Offer, Offer.available_until, Proposal.offer_id,
                                     "offers_expired")):
        rows = db.session.execute(sa.select(model).where(
            end < now, model.expired_at.is_(None), model.withdrawn_at.is_(None),
            model.status != PostStatus.FULFILLED)).scalars().all()
        for post in rows:
            post.expired_at = now
            proposals = _proposals_of(column, post.id)
            counts["proposals_expired"] += _close_pending(
                proposals, ProposalStatus.EXPIRED, now, _l("已过截止时间，该对接建议自动失效。"),
                "expired")
            quantities.refresh([p.need for p in proposals] + ([post] if model is Need else []),
                               [p.offer for p in proposals] + ([post] if model is Offer else []),
                               now)
            audit.record(None, f"charity.{'need' if model is Need else 'offer'}.expire",
                         model.__tablename__, post.id, at=now)
            counts[key] += 1
    return counts


# --- lists ---------------------------------------------------------------------------------

def board_query(district_id: int | None = None, category: str | None = None,
                item_id: int | None = None, urgency: int | None = None,
                now: datetime | None = None):
    """The public board: open needs, most urgent and soonest first (no personal data here;
    the views and schemas decide which columns are shown)."""
    # The order and the open-needs predicate are those of the partial index
    # ix_charity_need_open: a page reads the index in order, never sorts the open needs.
    query = (sa.select(Need).where(Need.is_on_board(), Need.deadline > (now or clock.now()))
             .order_by(Need.urgency.desc(), Need.deadline, Need.id)
             # What a board line shows, in the same query: no lazy load per line.
             .options(joinedload(Need.item), joinedload(Need.district), joinedload(Need.org),
                      joinedload(Need.opportunity)))
    if district_id:
        query = query.where(Need.district_id == district_id)
    if category:
        query = query.where(Need.category == category)
    if item_id:
        query = query.where(Need.item_id == item_id)
    if urgency:
        query = query.where(Need.urgency == urgency)
    return query


def oversight_query(kind: str, *, district_id: int | None = None, category: str | None = None,
                    status: str | None = None, urgency: int | None = None,
                    older_than_days: int | None = None, now: datetime | None = None):
    """Every organization's needs (``kind`` "need") or offers ("offer") for the bureau,
    oldest waiting first: by district, category, status, urgency (needs) and age."""
    model = Need if kind == "need" else Offer
    query = sa.select(model).order_by(model.created_at, model.id)
    if district_id:
        query = query.where(model.district_id == district_id)
    if category:
        query = query.where(model.category == category)
    if status:
        query = query.where(model.status == status)
    if urgency and model is Need:
        query = query.where(Need.urgency == urgency)
    if older_than_days:
        query = query.where(model.created_at <= (now or clock.now())
                            - timedelta(days=older_than_days))
    return query


def my_needs_query(actor, status: str | None = None):
    query = sa.select(Need).order_by(Need.id.desc())
    if not parties.is_overseer(actor):
        query = query.where(Need.org_id.in_(sorted(user_org_ids(actor)) or [-1]))
    if status:
        query = query.where(Need.status == status)
    return query


def my_offers_query(actor, status: str | None = None):
    query = sa.select(Offer).order_by(Offer.id.desc())
    if not parties.is_overseer(actor):
        mine = [Offer.org_id.in_(sorted(user_org_ids(actor)) or [-1])]
        if parties.person_id_of(actor) is not None:
            mine.append(Offer.donor_person_id == parties.person_id_of(actor))
        query = query.where(sa.or_(*mine))
    if status:
        query = query.where(Offer.status == status)
    return query


def get_need_for(actor, need_id: int) -> Need:
    """A need with its full (non-public) detail: its organization's staff and overseers."""
    need = db.session.get(Need, need_id)
    if need is None or not (parties.acts_for_need(actor, need) or parties.is_overseer(actor)):
        raise NotFound("charity.need_not_found", _l("找不到该需求。"))
    return need


def get_offer_for(actor, offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or not (parties.acts_for_offer(actor, offer) or parties.is_overseer(actor)):
        raise NotFound("charity.offer_not_found", _l("找不到该供给。"))
    return offer
