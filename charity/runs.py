"""Matching runs: gather what may be matched, call the pure matcher, turn its allocations into
proposals, and record the run. The only code that creates proposals."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from charity import parties, quantities
from charity.districts import DISTRICT_CENTRES, DISTRICT_KM, INTRA_DISTRICT_KM
from charity.explain import proposal_text
from charity.items import substitute_codes
from charity.matching import MatchParams, NeedSpec, OfferSpec, allocate, haversine_km, objective
from charity.models import Item, MatchRun, Need, Offer, Opportunity, Proposal
from charity.vocabulary import LIVE_STATUSES, ProposalStatus
from core import audit, clock, outbox
from core.config import policy
from core.db import advisory_lock
from core.extensions import db
from core.orgs.models import District, Organization, OrgStatus
from core.sanctions import NO_MATCHING, barred_org_ids

DIGEST_LINES = 10  # proposals listed in one message; the rest are on the platform


def distance_table() -> dict[str, dict[str, float]]:
    """The matcher's district table (by district name): the reviewed Changzhou table, plus
    great-circle distances from any district an admin added with coordinates to every other
    district (the reviewed centres stand in for known districts without coordinates)."""
    table = {name: dict(row) for name, row in DISTRICT_KM.items()}
    centres = dict(DISTRICT_CENTRES)
    centres.update({d.name: (d.lat, d.lon) for d in db.session.execute(sa.select(District))
                    .scalars() if d.lat is not None and d.lon is not None})
    for name, (lat, lon) in centres.items():
        if name in table:
            continue
        table[name] = {name: INTRA_DISTRICT_KM}
        for other, (olat, olon) in centres.items():
            if other != name:
                table[name][other] = round(float(haversine_km(lat, lon, olat, olon)), 1)
    return table


def _live(model, end_column, now: datetime):
    query = (sa.select(model).join(Item, Item.id == model.item_id)
             .join(District, District.id == model.district_id)
             .where(model.status.in_(list(LIVE_STATUSES)), end_column > now,
                    model.withdrawn_at.is_(None), model.expired_at.is_(None),
                    Item.active.is_(True)))
    if model is Need:
        # Volunteer opportunities are filled by sign-ups ranked by fit, not by proposals: a
        # person cannot be split across needs by a flow solver, and attendance is confirmed.
        query = query.where(~sa.exists().where(Opportunity.need_id == Need.id))
    return db.session.execute(query.order_by(model.id)).scalars().all()


def _eligible(posts, barred: set[int], table) -> tuple[list, int]:
    """Drop posts of barred or inactive organizations and posts in unknown districts."""
    org_ids = {p.org_id for p in posts if p.org_id is not None}
    active = set(db.session.execute(sa.select(Organization.id).where(
        Organization.id.in_(sorted(org_ids) or [-1]),
        Organization.status == OrgStatus.ACTIVE)).scalars())
    kept = [p for p in posts
            if (p.org_id is None or (p.org_id in active and p.org_id not in barred))
            and p.district.name in table]
    return kept, len(posts) - len(kept)


def _excluded_pairs(needs, offers) -> set[tuple[int, int]]:
    """Pairs never proposed: still pending (no duplicates), declined by a side before, or
    within one organization (it does not propose to itself)."""
    need_ids, offer_ids = [n.id for n in needs], [o.id for o in offers]
    rows = db.session.execute(sa.select(Proposal.need_id, Proposal.offer_id).where(
        Proposal.need_id.in_(need_ids or [-1]), Proposal.offer_id.in_(offer_ids or [-1]),
        Proposal.status.in_([ProposalStatus.PENDING, ProposalStatus.DECLINED]))).all()
    excluded = {(a, b) for a, b in rows}
    offers_by_org = defaultdict(list)
    for offer in offers:
        if offer.org_id is not None:
            offers_by_org[offer.org_id].append(offer.id)
    for need in needs:
        excluded.update((need.id, o) for o in offers_by_org.get(need.org_id, ()))
    return excluded


def _specs(needs, offers, subs):
    n_free = quantities.need_amounts(n.id for n in needs)
    o_free = quantities.offer_amounts(o.id for o in offers)
    need_specs = [NeedSpec(
        id=n.id, item=n.item.code, quantity=free, urgency=n.urgency, district=n.district.name,
        lat=n.lat, lon=n.lon, available_from=n.created_at, deadline=n.deadline,
        substitutes=subs.get(n.item_id, frozenset()))
        for n in needs if (free := quantities.free_quantity(n, n_free[n.id])) > 0]
    offer_specs = [OfferSpec(
        id=o.id, item=o.item.code, quantity=free, district=o.district.name, lat=o.lat,
        lon=o.lon, available_from=o.available_from, available_until=o.available_until)
        for o in offers if (free := quantities.free_quantity(o, o_free[o.id])) > 0]
    return need_specs, offer_specs


def _allocate_all(needs, offers, now: datetime, table):
    """Money pledges match across any distance; everything else within matching_max_km."""
    excluded = frozenset(_excluded_pairs(needs, offers))
    need_specs, offer_specs = _specs(needs, offers, substitute_codes())
    money = {n.id for n in needs if n.category == "money"} | \
        {o.id for o in offers if o.category == "money"}
    results, weighted, distance = [], 0, 0.0
    for is_money in (False, True):
        ns = [s for s in need_specs if (s.id in money) == is_money]
        os_ = [s for s in offer_specs if (s.id in money) == is_money]
        params = MatchParams(
            max_km=None if is_money else policy("matching_max_km"),
            nearest_k=policy("matching_nearest_k"), district_km=table, now=now,
            exclude_pairs=excluded, deadline_soon_days=policy("matching_deadline_soon_days"),
            urgency_weights=policy("matching_urgency_weights"))
        found = allocate(ns, os_, params)
        w, d = objective(found, ns, params)
        results += found
        weighted, distance = weighted + w, distance + d
    return results, weighted, distance, len(need_specs), len(offer_specs)


def _propose(allocations, needs, offers, run: MatchRun, now: datetime) -> list[Proposal]:
    by_need, by_offer = {n.id: n for n in needs}, {o.id: o for o in offers}
    respond_by = now + timedelta(days=policy("proposal_response_days"))
    made = []
    for a in allocations:
        proposal = Proposal(run_id=run.id, need=by_need[a.need_id], offer=by_offer[a.offer_id],
                            quantity=a.quantity, distance_km=round(a.distance_km, 3),
                            explanation=a.explanation, status=ProposalStatus.PENDING,
                            respond_by=respond_by, created_at=now)
        db.session.add(proposal)
        made.append(proposal)
    db.session.flush()
    _notify_new(made, run, now)
    return made


def _recipient(proposal: Proposal, side: str) -> tuple[str, int] | None:
    if side == parties.NEED:
        return "org", proposal.need.org_id
    offer = proposal.offer
    if offer.org_id is not None:
        return "org", offer.org_id
    user = offer.donor.user if offer.donor is not None else None
    return ("user", user.id) if user is not None else None


def _notify_new(made: list[Proposal], run: MatchRun, now: datetime) -> None:
    """One message per organization or donor per run, listing its new proposals (a busy
    charity gets one digest, not thirty messages)."""
    groups: dict[tuple[str, int], list[Proposal]] = defaultdict(list)
    for proposal in made:
        for side in parties.SIDES:
            key = _recipient(proposal, side)
            if key is not None:
                groups[key].append(proposal)
    for (kind, rid), rows in groups.items():
        lines = [f"· {proposal_text(p, now)}" for p in rows[:DIGEST_LINES]]
        if len(rows) > DIGEST_LINES:
            lines.append(str(_l("……另有 %(n)s 条，请在平台查看", n=len(rows) - DIGEST_LINES)))
        outbox.enqueue("charity.proposal.new",
                       str(_l("%(n)s 条新的慈善对接建议，请在期限内答复", n=len(rows))),
                       "\n".join(lines), org_id=rid if kind == "org" else None,
                       user_id=rid if kind == "user" else None,
                       dedupe_key=f"charity.run:{run.id}:{kind}:{rid}")


def run_matching(actor=None, trigger: str = "staff", now: datetime | None = None) -> MatchRun:
    """One matching run over everything open now (idempotent: pending pairs are not proposed
    again, and pending quantities are not offered twice). Barred parties are removed first
    (core.sanctions NO_MATCHING, a joint-punishment measure; DOMAIN.md)."""
    started, timer = clock.utc(now), time.perf_counter()
    advisory_lock("charity.match")  # one run at a time across workers and the scheduler
    table = distance_table()
    barred = barred_org_ids(NO_MATCHING)
    needs, dropped_n = _eligible(_live(Need, Need.deadline, started), barred, table)
    offers, dropped_o = _eligible(_live(Offer, Offer.available_until, started), barred, table)
    allocations, weighted, distance, n_count, o_count = _allocate_all(needs, offers, started, table)
    run = MatchRun(started_at=started, finished_at=started, trigger=trigger,
                   actor_id=getattr(actor, "id", None), needs_considered=n_count,
                   offers_considered=o_count, parties_excluded=dropped_n + dropped_o,
                   allocations=len(allocations), proposals_created=len(allocations),
                   matched_quantity=sum(a.quantity for a in allocations),
                   weighted_quantity=int(weighted), distance_cost_km=round(distance, 3),
                   duration_ms=0)
    # Insert-only: the row is written once, complete; its id is drawn first for the proposals.
    run.duration_ms = int((time.perf_counter() - timer) * 1000)
    run.finished_at = clock.now() if now is None else started
    db.session.add(run)
    db.session.flush()
    made = _propose(allocations, needs, offers, run, started)
    quantities.refresh([p.need for p in made], [p.offer for p in made], started)
    audit.record(actor, "charity.match.run", "charity_match_run", run.id, at=started, after={
        "trigger": trigger, "proposals": [p.id for p in made][:500],
        "weighted_quantity": run.weighted_quantity, "distance_cost_km": run.distance_cost_km,
        "parties_excluded": run.parties_excluded})
    return run


def recent_runs(limit: int = 30) -> list[MatchRun]:
    return list(db.session.execute(
        sa.select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)).scalars())
