"""How much of each need and offer is held, delivered and still free, and the status that
follows from it — the one place that derives a need's or an offer's status.

Held: pending and accepted proposals (and, for an opportunity, the places of active sign-ups).
Done: delivered quantities of fulfilled proposals (and places actually served). Status:
withdrawn (by its poster) → fulfilled (done covers the quantity) → expired (past its deadline
with nothing in flight) → matched / partly matched (done + held covers all / some) → open.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from charity.models import Need, Offer, Opportunity, Proposal, Signup
from charity.vocabulary import HOLDING, PostStatus, ProposalStatus, SignupStatus, slot_hours
from core import clock
from core.extensions import db


@dataclass(frozen=True)
class Amounts:
    held: int = 0
    done: int = 0


def _proposal_sums(column, ids) -> dict[int, Amounts]:
    ids = list(ids)
    if not ids:
        return {}
    held = sa.func.sum(sa.case((Proposal.status.in_(list(HOLDING)), Proposal.quantity),
                               else_=0))
    done = sa.func.sum(sa.case((Proposal.status == ProposalStatus.FULFILLED,
                                Proposal.delivered_quantity), else_=0))
    rows = db.session.execute(
        sa.select(column, held, done).where(column.in_(ids)).group_by(column)
    ).all()
    return {key: Amounts(int(h or 0), int(d or 0)) for key, h, d in rows}


def _signup_sums(need_ids) -> dict[int, Amounts]:
    """Opportunity needs: each active sign-up holds, each served one fills, one place."""
    ids = list(need_ids)
    if not ids:
        return {}
    active = sa.func.sum(sa.case((Signup.status == SignupStatus.SIGNED_UP, 1), else_=0))
    served = sa.func.sum(sa.case((Signup.status == SignupStatus.SERVED, 1), else_=0))
    rows = db.session.execute(
        sa.select(Opportunity.need_id, Opportunity.start_at, Opportunity.end_at, active, served)
        .join(Signup, Signup.opportunity_id == Opportunity.id)
        .where(Opportunity.need_id.in_(ids))
        .group_by(Opportunity.need_id, Opportunity.start_at, Opportunity.end_at)
    ).all()
    out = {}
    for need_id, start, end, held, done in rows:
        hours = slot_hours(start, end)
        out[need_id] = Amounts(int(held or 0) * hours, int(done or 0) * hours)
    return out


def need_amounts(need_ids) -> dict[int, Amounts]:
    ids = list(need_ids)
    found: dict[int, Amounts] = defaultdict(Amounts)
    for source in (_proposal_sums(Proposal.need_id, ids), _signup_sums(ids)):
        for key, value in source.items():
            found[key] = Amounts(found[key].held + value.held, found[key].done + value.done)
    return {i: found[i] for i in ids}


def offer_amounts(offer_ids) -> dict[int, Amounts]:
    ids = list(offer_ids)
    found = _proposal_sums(Proposal.offer_id, ids)
    return {i: found.get(i, Amounts()) for i in ids}


def free_quantity(post: Need | Offer, amounts: Amounts) -> int:
    return max(0, post.quantity - amounts.held - amounts.done)


def derive_status(post: Need | Offer, amounts: Amounts) -> PostStatus:
    if post.withdrawn_at is not None:
        return PostStatus.WITHDRAWN
    if amounts.done >= post.quantity:
        return PostStatus.FULFILLED
    if post.expired_at is not None and amounts.held == 0:
        return PostStatus.EXPIRED
    if amounts.done + amounts.held >= post.quantity:
        return PostStatus.MATCHED
    if amounts.done + amounts.held > 0:
        return PostStatus.PARTLY_MATCHED
    return PostStatus.OPEN


def _apply(post: Need | Offer, amounts: Amounts, now: datetime) -> bool:
    status = derive_status(post, amounts)
    if status == post.status:
        return False
    post.status = status
    post.updated_at = now
    if status == PostStatus.FULFILLED and post.fulfilled_at is None:
        post.fulfilled_at = now
    return True


def refresh(needs=(), offers=(), now: datetime | None = None) -> int:
    """Re-derive the status of these needs and offers; returns how many changed."""
    now = clock.utc(now)
    needs, offers = list({n.id: n for n in needs}.values()), list({o.id: o for o in offers}
                                                                  .values())
    db.session.flush()
    changed = 0
    n_amounts = need_amounts(n.id for n in needs)
    for need in needs:
        changed += _apply(need, n_amounts[need.id], now)
    o_amounts = offer_amounts(o.id for o in offers)
    for offer in offers:
        changed += _apply(offer, o_amounts[offer.id], now)
    db.session.flush()
    return changed
