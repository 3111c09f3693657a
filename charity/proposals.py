"""Proposals after the matcher made them: each side accepts or declines, fulfilment is
recorded, an accepted proposal may be abandoned, unanswered ones expire. Fulfilment and
abandonment are published (core.events) for the credit record of the organizations."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import parties, quantities
from charity.explain import proposal_text
from charity.models import Need, Offer, Proposal
from charity.vocabulary import ProposalStatus
from core import audit, clock, events
from core.db import for_update
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.extensions import db
from core.orgs.services import user_org_ids
from core.timeutil import local_date, to_local

ACCEPTED, DECLINED = "accepted", "declined"


def get_proposal(proposal_id: int, lock: bool = False) -> Proposal:
    query = sa.select(Proposal).where(Proposal.id == proposal_id)
    row = db.session.execute(for_update(query) if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound("charity.proposal_not_found", _l("找不到该对接建议。"))
    return row


def get_proposal_for(actor, proposal_id: int, lock: bool = False) -> Proposal:
    """A proposal its two sides and overseers may see; to anyone else it does not exist."""
    proposal = get_proposal(proposal_id, lock)
    if not (parties.sides_of(actor, proposal) or parties.is_overseer(actor)):
        raise NotFound("charity.proposal_not_found", _l("找不到该对接建议。"))
    return proposal


def _key(proposal: Proposal, event: str) -> str:
    return f"charity.proposal:{proposal.id}:{event}"


def _refuse_if_late(proposal: Proposal, now: datetime) -> None:
    """Past respond_by the answer is refused; the expiry job closes the proposal."""
    if proposal.respond_by < now:
        raise Conflict("charity.proposal_expired", _l("答复期限已过，该对接建议已失效。"))


def _expire(proposal: Proposal, now: datetime) -> None:
    proposal.status, proposal.closed_at = ProposalStatus.EXPIRED, now
    quantities.refresh([proposal.need], [proposal.offer], now)
    for side in parties.SIDES:
        parties.notify_side(proposal, side, "charity.proposal.expired", _l("慈善对接建议已逾期失效"),
                            proposal_text(proposal, now), _key(proposal, "expired"))
    audit.record(None, "charity.proposal.expire", "charity_proposal", proposal.id, at=now)


def respond(actor, proposal_id: int, side: str, accept: bool, reason: str | None = None,
            now: datetime | None = None) -> Proposal:
    """One side's answer. Both accepting reserves the quantity; either declining frees it."""
    now = clock.utc(now)
    proposal = get_proposal_for(actor, proposal_id, lock=True)
    parties.require_side(actor, proposal, side)
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict("charity.proposal_not_pending", _l("该对接建议已不在待答复状态（%(s)s）。",
                                                          s=proposal.status_label))
    if proposal.decision_of(side) is not None:
        raise Conflict("charity.already_answered", _l("您这一方已经答复过了。"))
    _refuse_if_late(proposal, now)
    if accept:
        parties.require_may_match(parties.side_org_id(proposal, side))
    elif not (reason or "").strip():
        raise ValidationFailed("charity.reason_required", _l("请说明谢绝的原因。"),
                               errors={"reason": [str(_l("必填。"))]})
    decision = ACCEPTED if accept else DECLINED
    setattr(proposal, f"{side}_decision", decision)
    setattr(proposal, f"{side}_decided_at", now)
    setattr(proposal, f"{side}_decided_by_id", actor.id)
    if not accept:
        proposal.status, proposal.closed_at = ProposalStatus.DECLINED, now
        proposal.decline_reason = reason.strip()[:2000]
    elif proposal.decision_of(parties.other(side)) == ACCEPTED:
        proposal.status, proposal.accepted_at = ProposalStatus.ACCEPTED, now
    quantities.refresh([proposal.need], [proposal.offer], now)
    _tell_after_answer(proposal, side, accept, now)
    audit.record(actor, f"charity.proposal.{decision}", "charity_proposal", proposal.id, at=now,
                 after={"side": side, "status": proposal.status}, reason=proposal.decline_reason)
    return proposal


def _tell_after_answer(proposal: Proposal, side: str, accept: bool, now: datetime) -> None:
    body = proposal_text(proposal, now)
    if proposal.status == ProposalStatus.ACCEPTED:
        for each in parties.SIDES:
            parties.notify_side(proposal, each, "charity.proposal.accepted",
                                _l("慈善对接双方均已接受，请安排交付"), body,
                                _key(proposal, "accepted"))
    elif not accept:
        parties.notify_side(proposal, parties.other(side), "charity.proposal.declined",
                            _l("对方谢绝了慈善对接建议"), body, _key(proposal, "declined"))
    else:
        parties.notify_side(proposal, parties.other(side), "charity.proposal.waiting",
                            _l("对方已接受慈善对接建议，等待您答复"), body,
                            _key(proposal, f"{side}-accepted"))


def fulfil(actor, proposal_id: int, delivered_quantity: int, delivered_on: date,
           note: str | None = None, now: datetime | None = None) -> Proposal:
    """The receiving side records what was delivered, when, with a note (proof)."""
    now = clock.utc(now)
    proposal = get_proposal_for(actor, proposal_id, lock=True)
    if parties.NEED not in parties.sides_of(actor, proposal):
        raise PermissionDenied("charity.receiver_records", _l("交付由需求方（接收方）登记。"))
    if proposal.status != ProposalStatus.ACCEPTED:
        raise Conflict("charity.not_accepted", _l("只有双方已接受的对接才能登记交付。"))
    errors = {}
    qty = delivered_quantity
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= proposal.quantity:
        errors["delivered_quantity"] = [str(_l("交付数量应为 1 到 %(n)s。", n=proposal.quantity))]
    accepted_day = to_local(proposal.accepted_at).date()
    if not isinstance(delivered_on, date) or not accepted_day <= delivered_on <= local_date(now):
        errors["delivered_on"] = [str(_l("交付日期应在接受对接之后、且不晚于今天。"))]
    if errors:
        raise ValidationFailed("charity.bad_delivery", _l("请核对交付信息。"), errors=errors)
    proposal.status, proposal.closed_at = ProposalStatus.FULFILLED, now
    proposal.delivered_quantity, proposal.delivered_on = qty, delivered_on
    proposal.fulfil_note, proposal.fulfilled_by_id = (note or "").strip()[:2000] or None, actor.id
    quantities.refresh([proposal.need], [proposal.offer], now)
    parties.notify_side(proposal, parties.OFFER, "charity.proposal.fulfilled",
                        _l("受助方已确认收到，感谢您的爱心"), proposal_text(proposal, now),
                        _key(proposal, "fulfilled"))
    audit.record(actor, "charity.proposal.fulfil", "charity_proposal", proposal.id, at=now,
                 after={"delivered_quantity": qty, "delivered_on": delivered_on.isoformat()},
                 reason=proposal.fulfil_note)
    events.publish(events.match_fulfilled, "charity", proposal_id=proposal.id,
                   need_org_id=proposal.need.org_id, offer_org_id=proposal.offer.org_id,
                   quantity=proposal.quantity, delivered_quantity=qty, occurred_at=now)
    return proposal


def abandon(actor, proposal_id: int, responsible_side: str, reason: str,
            now: datetime | None = None) -> Proposal:
    """Either side records that an accepted proposal will not be delivered, and who is
    responsible; the quantities are freed for the next run."""
    now = clock.utc(now)
    proposal = get_proposal_for(actor, proposal_id, lock=True)
    if not parties.sides_of(actor, proposal):
        raise PermissionDenied("charity.not_your_side", _l("您不能代表这一方处理该对接。"))
    if proposal.status != ProposalStatus.ACCEPTED:
        raise Conflict("charity.not_accepted", _l("只有双方已接受、尚未交付的对接才能放弃。"))
    errors = {}
    if responsible_side not in parties.SIDES:
        errors["responsible_side"] = [str(_l("请选择责任方。"))]
    if not (reason or "").strip():
        errors["reason"] = [str(_l("请说明原因。"))]
    if errors:
        raise ValidationFailed("charity.bad_abandon", _l("请核对放弃原因和责任方。"), errors=errors)
    proposal.status, proposal.closed_at = ProposalStatus.ABANDONED, now
    proposal.abandon_reason, proposal.abandoned_by_id = reason.strip()[:2000], actor.id
    proposal.responsible_side = responsible_side
    quantities.refresh([proposal.need], [proposal.offer], now)
    for side in parties.SIDES:
        parties.notify_side(proposal, side, "charity.proposal.abandoned", _l("慈善对接已放弃"),
                            proposal_text(proposal, now), _key(proposal, "abandoned"))
    audit.record(actor, "charity.proposal.abandon", "charity_proposal", proposal.id, at=now,
                 after={"responsible_side": responsible_side}, reason=proposal.abandon_reason)
    events.publish(events.match_abandoned, "charity", proposal_id=proposal.id,
                   org_id=parties.side_org_id(proposal, responsible_side),
                   reason=proposal.abandon_reason, occurred_at=now)
    return proposal


def expire_proposals(now: datetime | None = None) -> int:
    """Job: pending proposals not answered within proposal_response_days expire."""
    now = clock.utc(now)
    rows = db.session.execute(sa.select(Proposal).where(
        Proposal.status == ProposalStatus.PENDING, Proposal.respond_by < now)).scalars().all()
    for proposal in rows:
        _expire(proposal, now)
    return len(rows)


def proposals_query(actor, status: str | None = None, waiting_for_me: bool = False,
                    mine_only: bool = False):
    """Proposals where the actor acts for a side (overseers: all, unless mine_only)."""
    query = (sa.select(Proposal).join(Need, Need.id == Proposal.need_id)
             .join(Offer, Offer.id == Proposal.offer_id).order_by(Proposal.id.desc()))
    if not parties.is_overseer(actor) or waiting_for_me or mine_only:
        orgs = sorted(user_org_ids(actor)) or [-1]
        person = parties.person_id_of(actor) or -1
        mine_need = Need.org_id.in_(orgs)
        mine_offer = sa.or_(Offer.org_id.in_(orgs), Offer.donor_person_id == person)
        if waiting_for_me:
            query = query.where(Proposal.status == ProposalStatus.PENDING, sa.or_(
                sa.and_(mine_need, Proposal.need_decision.is_(None)),
                sa.and_(mine_offer, Proposal.offer_decision.is_(None))))
        else:
            query = query.where(sa.or_(mine_need, mine_offer))
    if status:
        query = query.where(Proposal.status == status)
    return query


def proposals_of(column, post_id: int) -> list[Proposal]:
    return list(db.session.execute(
        sa.select(Proposal).where(column == post_id).order_by(Proposal.id.desc())).scalars())
