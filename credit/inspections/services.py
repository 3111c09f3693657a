"""Random inspections (双随机、一公开): the subject and inspector directories, declared
conflicts, reproducible draws stratified by risk tier, and results entered as facts.

The draw itself (``draw``) is pure and uses no random generator: every candidate is ranked by
SHA-256 of the published seed and its id, so anyone with the seed and the stored snapshot can
re-run it in any language and get the same subjects and inspectors (docs/credit.md).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, scores
from core.accounts.models import Role, User
from core.config import policy
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from credit.facts.records import Recording, get_subject, record_fact, subject_orgs
from credit.inspections.models import (
    Draw,
    DrawAssignment,
    InspectionSubject,
    Inspector,
    InspectorConflict,
)

TIERS = scores.TIERS  # red, yellow, blue, green: high → low risk


class NotEnoughInspectors(Exception):
    def __init__(self, org_id: int):
        super().__init__(org_id)
        self.org_id = org_id


def _rank(seed: str, *parts) -> str:
    return hashlib.sha256("|".join([seed, *map(str, parts)]).encode()).hexdigest()


def tier_counts(subjects: list[tuple[int, str]], ratios: dict) -> dict[str, int]:
    """How many of each tier are drawn: ratio × tier size, rounded half up."""
    sizes = {tier: sum(1 for _o, t in subjects if t == tier) for tier in TIERS}
    return {tier: int((Decimal(str(ratios.get(tier, 0))) * sizes[tier])
                      .to_integral_value(rounding=ROUND_HALF_UP)) for tier in TIERS}


def draw(seed: str, subjects: list[tuple[int, str]], ratios: dict,
         inspectors: list[tuple[int, list[int]]], per_subject: int
         ) -> list[tuple[int, str, list[int]]]:
    """Pick subjects per tier and ``per_subject`` non-conflicted inspectors for each.

    Subjects: within each tier, the ``count`` with the smallest SHA-256(seed|s|org_id).
    Inspectors: for each subject in draw order, the least-loaded eligible inspectors, ties
    broken by SHA-256(seed|i|org_id|user_id), so the work is spread as evenly as possible.
    """
    counts = tier_counts(subjects, ratios)
    picked = []
    for tier in TIERS:
        members = sorted((o for o, t in subjects if t == tier), key=lambda o: _rank(seed, "s", o))
        picked += [(org_id, tier) for org_id in members[:counts[tier]]]
    load = {user_id: 0 for user_id, _c in inspectors}
    result = []
    for org_id, tier in picked:
        eligible = [u for u, conflicts in inspectors if org_id not in conflicts]
        if len(eligible) < per_subject:
            raise NotEnoughInspectors(org_id)
        eligible.sort(key=lambda u: (load[u], _rank(seed, "i", org_id, u)))
        chosen = sorted(eligible[:per_subject])
        for user_id in chosen:
            load[user_id] += 1
        result.append((org_id, tier, chosen))
    return result


# --- directories ---------------------------------------------------------------------------

def fill_directory(actor) -> int:
    """Put every registered credit subject not yet listed into the inspection directory."""
    have = set(db.session.execute(sa.select(InspectionSubject.org_id)).scalars())
    added = [InspectionSubject(org_id=o.id) for o in subject_orgs()
             if o.id not in have and o.status in ("active", "suspended")]
    db.session.add_all(added)
    db.session.flush()
    if added:
        audit.record(actor, "credit.inspection.directory", "credit_inspection_subject", "all",
                     after={"added": len(added)})
    return len(added)


def add_inspector(actor, user: User) -> Inspector:
    if not user.has_role(Role.REGULATOR):
        raise ValidationFailed("credit.not_an_inspector", _l("检查人员须为监管人员账号。"),
                               errors={"username": [str(_l("不是监管人员。"))]})
    row = db.session.get(Inspector, user.id) or Inspector(user_id=user.id)
    row.active = True
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "credit.inspector.add", "credit_inspector", user.id)
    return row


def declare_conflict(actor, inspector_id: int, org_id: int, reason: str) -> InspectorConflict:
    """A declared conflict: the draw never sends this inspector to this subject."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("credit.reason_required", _l("请说明利害关系。"),
                               errors={"reason": [str(_l("必填。"))]})
    if db.session.get(Inspector, inspector_id) is None:
        raise NotFound("credit.inspector_not_found", _l("检查人员不在名录中。"))
    get_subject(org_id)
    row = db.session.execute(sa.select(InspectorConflict).where(
        InspectorConflict.inspector_id == inspector_id, InspectorConflict.org_id == org_id)
    ).scalar_one_or_none()
    if row is None:
        row = InspectorConflict(inspector_id=inspector_id, org_id=org_id, reason=reason[:200],
                                declared_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "credit.inspector.conflict", "credit_inspector", inspector_id,
                     after={"org_id": org_id}, reason=reason)
    return row


def inspectors_snapshot() -> list[tuple[int, list[int]]]:
    active = db.session.execute(sa.select(Inspector.user_id).where(Inspector.active.is_(True))
                                .order_by(Inspector.user_id)).scalars().all()
    conflicts: dict[int, list[int]] = {u: [] for u in active}
    for row in db.session.execute(sa.select(InspectorConflict)).scalars():
        if row.inspector_id in conflicts:
            conflicts[row.inspector_id].append(row.org_id)
    return [(u, sorted(conflicts[u])) for u in active]


def subjects_snapshot() -> list[tuple[int, str]]:
    ids = db.session.execute(sa.select(InspectionSubject.org_id).where(
        InspectionSubject.active.is_(True)).order_by(InspectionSubject.org_id)).scalars().all()
    views = scores.latest_scores(ids)
    return [(org_id, views[org_id].tier if org_id in views else scores.DEFAULT_TIER)
            for org_id in ids]


# --- draws -------------------------------------------------------------------------------------

def make_draw(actor, title: str, seed: str | None = None, today: date | None = None) -> Draw:
    """Draw now from the directories; the seed (given, or from ``secrets``) is published."""
    title = (title or "").strip() or f"{(today or clock.today()).isoformat()} 双随机抽查"
    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > 64:
        raise ValidationFailed("credit.seed_too_long", _l("随机种子最多 64 个字符。"),
                               errors={"seed": [str(_l("最多 64 个字符。"))]})
    subjects, inspectors = subjects_snapshot(), inspectors_snapshot()
    ratios, per_subject = dict(policy("inspection_ratios")), policy("inspectors_per_subject")
    try:
        result = draw(seed, subjects, ratios, inspectors, per_subject)
    except NotEnoughInspectors as short:
        raise Conflict("credit.not_enough_inspectors",
                       _l("没有足够的无利害关系检查人员（主体 #%(org)s）。"), org=short.org_id
                       ) from None
    row = Draw(title=title[:200], seed=seed, drawn_on=today or clock.today(), drawn_at=clock.now(),
               drawn_by_id=getattr(actor, "id", None), ratios=ratios, per_subject=per_subject,
               subjects_snapshot=[list(s) for s in subjects],
               inspectors_snapshot=[[u, c] for u, c in inspectors],
               result=[[o, t, i] for o, t, i in result])
    db.session.add(row)
    db.session.flush()
    db.session.add_all([DrawAssignment(draw_id=row.id, org_id=o, tier=t, rank=n, inspector_ids=i)
                        for n, (o, t, i) in enumerate(result)])
    db.session.flush()
    audit.record(actor, "credit.inspection.draw", "credit_draw", row.id,
                 after={"seed": seed, "subjects": len(subjects), "drawn": len(result)})
    return row


def rerun(row: Draw) -> list[list]:
    """The draw recomputed from its stored seed and snapshots."""
    result = draw(row.seed, [tuple(s) for s in row.subjects_snapshot], row.ratios,
                  [(u, list(c)) for u, c in row.inspectors_snapshot], row.per_subject)
    return [[o, t, i] for o, t, i in result]


def get_draw(draw_id: int) -> Draw:
    row = db.session.get(Draw, draw_id)
    if row is None:
        raise NotFound("credit.draw_not_found", _l("抽查记录不存在。"))
    return row


@dataclass
class ResultIn:
    result: str
    summary: str
    document_number: str
    evidence_ref: str
    rectify_deadline: date | None = None
    occurred_on: date | None = None
    recorded_on: date | None = None  # demo history; defaults to today


def enter_result(actor, assignment: DrawAssignment, data: ResultIn) -> DrawAssignment:
    """The inspection result becomes a credit fact and is published with the draw."""
    if assignment.result_fact_id is not None:
        raise Conflict("credit.result_entered", _l("该检查结果已经录入。"))
    fact = record_fact(actor, assignment.org_id, {
        "kind": "inspection", "subtype": "inspection", "result": data.result,
        "occurred_on": data.occurred_on or clock.today(), "summary": data.summary,
        "rectify_deadline": data.rectify_deadline, "document_number": data.document_number,
        "evidence_ref": data.evidence_ref,
        "source_department": f"双随机抽查 #{assignment.draw_id}"},
        Recording(recorded_on=data.recorded_on))
    assignment.result_fact_id = fact.id
    db.session.flush()
    return assignment


def draws(limit: int = 50) -> list[Draw]:
    return list(db.session.execute(sa.select(Draw).order_by(Draw.id.desc()).limit(limit)).scalars())


def conflicts() -> list[InspectorConflict]:
    return list(db.session.execute(sa.select(InspectorConflict).order_by(
        InspectorConflict.id.desc())).scalars())


def inspector_list() -> list[Inspector]:
    return list(db.session.execute(sa.select(Inspector).order_by(Inspector.user_id)).scalars())


def inspector_names(row: Draw) -> dict[int, str]:
    """Display names of the inspectors a draw assigned (published with the draw)."""
    ids = {u for a in row.assignments for u in a.inspector_ids}
    users = db.session.query(User).filter(User.id.in_(ids)).all() if ids else []
    return {u.id: u.display_name for u in users}
