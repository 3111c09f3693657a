"""Draws of random inspections (双随机、一公开), in two public steps the bureau cannot steer:

1. ``commit``: both directories are frozen into a published snapshot (its SHA-256 published)
   together with the commitment, the SHA-256 of a secret: a random value the platform makes
   (``secrets``) or one an outside witness keeps (e.g. a notary, who gives only its hash);
2. ``reveal``: at least ``inspection_reveal_min_hours`` later, the secret is published and
   the draw runs from ``seed = SHA-256("czdraw-1|secret|snapshot hash")``.

The directories cannot change a committed draw, and the secret was fixed before anyone
could see the result. A commitment withdrawn before its reveal stays published, with its
reason and its secret, so nobody can quietly try again. The procedure is
``credit/inspections/draw_v1.py`` (standard library only), published with every draw; the
inspection results are entered as credit facts.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from core import audit, clock, scores
from core.accounts.models import User
from core.config import policy
from core.db import advisory_lock
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.timeutil import local_date
from credit.facts.records import Recording, record_fact
from credit.inspections import directories, draw_v1
from credit.inspections.models import Draw, DrawAssignment, DrawState

ALGORITHMS = {draw_v1.VERSION: draw_v1}
CURRENT = draw_v1
MODES = ("ratio", "count")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_COUNT = 100000


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rules(mode: str, count: int | None) -> dict:
    if mode not in MODES:
        raise ValidationFailed("credit.bad_draw_mode", _l("请选择按比例或按固定数量抽取。"),
                               errors={"mode": [str(_l("无效。"))]})
    if mode == "count" and not (isinstance(count, int) and 1 <= count <= MAX_COUNT):
        raise ValidationFailed("credit.bad_draw_count", _l("请填写要抽取的主体数（1 以上）。"),
                               errors={"count": [str(_l("须为正整数。"))]})
    ratios = {t: str(Decimal(str(r))) for t, r in dict(policy("inspection_ratios")).items()}
    return {"mode": mode, "count": count if mode == "count" else None, "ratios": ratios,
            "inspectors_per_subject": int(policy("inspectors_per_subject"))}


def _directories() -> tuple[dict, dict]:
    """Both directories as published (names, USCCs, staff numbers; nothing personal) and the
    private map back to ids."""
    orgs = directories.drawable_subjects()
    views = scores.latest_scores([o.id for o in orgs])
    people = directories.drawable_inspectors()
    conflicts = directories.conflicts_by_inspector(i.user_id for i in people)
    uscc = {o.id: o.uscc for o in orgs}
    published = {
        "subjects": [{"uscc": o.uscc, "name": o.name,
                      "tier": views[o.id].tier if o.id in views else scores.DEFAULT_TIER}
                     for o in orgs],
        "inspectors": [{"staff_number": i.staff_number, "name": i.user.display_name,
                        "conflicts": sorted(uscc[o] for o in conflicts[i.user_id] if o in uscc)}
                       for i in people],
    }
    members = {"subjects": {o.uscc: o.id for o in orgs},
               "inspectors": {i.staff_number: i.user_id for i in people}}
    return published, members


def _check_drawable(published: dict, per_subject: int) -> None:
    """Refuse a commitment that could not be drawn: a published reveal must never fail."""
    if not published["subjects"]:
        raise Conflict("credit.directory_empty", _l("检查对象名录中没有可抽取的主体。"))
    for subject in published["subjects"]:
        free = sum(1 for i in published["inspectors"] if subject["uscc"] not in i["conflicts"])
        if free < per_subject:
            raise Conflict("credit.not_enough_inspectors",
                           _l("没有足够的无利害关系检查人员（%(org)s）。"), org=subject["name"])


def commit(actor, title: str, mode: str = "ratio", count: int | None = None,
           commitment: str | None = None, at: datetime | None = None) -> Draw:
    """Publish a commitment and freeze both directories. ``commitment``: the SHA-256 an
    outside witness gave of a secret only they hold; otherwise the platform makes one."""
    at = at or clock.now()
    title = (title or "").strip() or f"{local_date(at).isoformat()} 双随机抽查"
    if len(title) > 200:
        raise ValidationFailed("credit.title_too_long", _l("标题最多 200 个字。"),
                               errors={"title": [str(_l("最多 200 个字。"))]})
    rules = _rules(mode, count)
    secret = None
    if commitment:
        commitment = commitment.strip().lower()
        if not HEX64.match(commitment):
            raise ValidationFailed("credit.bad_commitment",
                                   _l("承诺值须为 64 位十六进制的 SHA-256 摘要。"),
                                   errors={"commitment": [str(_l("格式不正确。"))]})
    else:
        secret = secrets.token_hex(32)
        commitment = draw_v1.sha256(secret)
    advisory_lock("credit_draw_commit")
    if open_commitment() is not None:
        raise Conflict("credit.draw_open", _l("还有一次抽签承诺尚未揭晓或作废。"))
    published, members = _directories()
    _check_drawable(published, rules["inspectors_per_subject"])
    row = Draw(title=title, state=DrawState.COMMITTED, algorithm=CURRENT.VERSION, mode=mode,
               count=rules["count"], ratios=rules["ratios"],
               per_subject=rules["inspectors_per_subject"], commitment=commitment,
               secret=secret, witnessed=secret is None, committed_at=at,
               committed_by_id=getattr(actor, "id", None), members=members)
    db.session.add(row)
    db.session.flush()
    document = {"format": "czdraw-snapshot/1", "algorithm": CURRENT.VERSION, "draw_id": row.id,
                "title": title, "commitment": commitment, "committed_at": _utc_text(at),
                "rules": rules, **published}
    row.snapshot = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    row.snapshot_hash = draw_v1.sha256(row.snapshot.encode("utf-8"))
    db.session.flush()
    audit.record(actor, "credit.inspection.commit", "credit_draw", row.id, at=at, after={
        "commitment": commitment, "snapshot_sha256": row.snapshot_hash, "mode": mode,
        "count": rules["count"], "witnessed": row.witnessed})
    return row


def open_commitment() -> Draw | None:
    return db.session.execute(sa.select(Draw).where(Draw.state == DrawState.COMMITTED)
                              .limit(1)).scalar_one_or_none()


def earliest_reveal(row: Draw) -> datetime:
    return row.committed_at + timedelta(hours=policy("inspection_reveal_min_hours"))


def _require_committed(row: Draw) -> None:
    if row.state != DrawState.COMMITTED:
        raise Conflict("credit.draw_not_open", _l("这次抽签已经揭晓或作废。"))


def _take_secret(row: Draw, secret: str | None) -> str:
    if row.secret is not None:
        return row.secret
    given = (secret or "").strip()
    if not given or draw_v1.sha256(given) != row.commitment:
        raise ValidationFailed("credit.secret_mismatch",
                               _l("随机值与事先公布的承诺值不符。"),
                               errors={"secret": [str(_l("与承诺值不符。"))]})
    return given


def reveal(actor, row: Draw, secret: str | None = None, at: datetime | None = None) -> Draw:
    """Publish the secret and draw from the frozen snapshot."""
    at = at or clock.now()
    _require_committed(row)
    if at < earliest_reveal(row):
        raise Conflict("credit.reveal_too_early",
                       _l("承诺公布后须满 %(hours)s 小时才能揭晓。"),
                       hours=policy("inspection_reveal_min_hours"))
    row.secret = _take_secret(row, secret)
    row.seed = draw_v1.seed_for(row.secret, row.snapshot_hash)
    result = draw_v1.draw(row.seed, json.loads(row.snapshot))
    row.result = result
    row.state, row.drawn_at, row.drawn_on = DrawState.DRAWN, at, local_date(at)
    row.drawn_by_id = getattr(actor, "id", None)
    subjects, people = row.members["subjects"], row.members["inspectors"]
    db.session.add_all([DrawAssignment(
        draw_id=row.id, org_id=subjects[item["uscc"]], tier=item["tier"], rank=n,
        inspector_ids=[people[s] for s in item["inspectors"]]) for n, item in enumerate(result)])
    db.session.flush()
    audit.record(actor, "credit.inspection.draw", "credit_draw", row.id, at=at,
                 after={"seed": row.seed, "drawn": len(result)})
    return row


def cancel(actor, row: Draw, reason: str, at: datetime | None = None) -> Draw:
    """Withdraw a commitment before its reveal. It stays published with the reason and, when
    the platform holds it, the secret: anyone can see what the draw would have given."""
    reason = directories.require_reason(reason)
    _require_committed(row)
    row.state, row.cancelled_at, row.cancel_reason = DrawState.CANCELLED, at or clock.now(), reason
    if row.secret is not None:
        row.seed = draw_v1.seed_for(row.secret, row.snapshot_hash)
    db.session.flush()
    audit.record(actor, "credit.inspection.cancel", "credit_draw", row.id, at=row.cancelled_at,
                 reason=reason)
    return row


def reproduces(row: Draw) -> bool | None:
    """Does the draw re-run to its stored result? None before the reveal."""
    if row.state != DrawState.DRAWN:
        return None
    if row.is_legacy:
        return _legacy_rerun(row) == row.result
    return ALGORITHMS[row.algorithm].draw(row.seed, json.loads(row.snapshot)) == row.result


def _legacy_rerun(row: Draw) -> list[list]:
    """Draws made before commitments: ranked by SHA-256(seed|s|org_id), kept verifiable."""
    def rank(*parts) -> str:
        return hashlib.sha256("|".join([row.seed, *map(str, parts)]).encode()).hexdigest()

    subjects = [tuple(s) for s in row.subjects_snapshot]
    picked = []
    for tier in scores.TIERS:
        members = sorted((o for o, t in subjects if t == tier), key=lambda o: rank("s", o))
        size = Decimal(str(row.ratios.get(tier, 0))) * len(members)
        picked += [(o, tier) for o in members[:int(size.to_integral_value(ROUND_HALF_UP))]]
    load = {u: 0 for u, _c in row.inspectors_snapshot}
    result = []
    for org_id, tier in picked:
        eligible = sorted((u for u, c in row.inspectors_snapshot if org_id not in c),
                          key=lambda u: (load[u], rank("i", org_id, u)))
        chosen = sorted(eligible[:row.per_subject])
        for user_id in chosen:
            load[user_id] += 1
        result.append([org_id, tier, chosen])
    return result


def get_draw(draw_id: int) -> Draw:
    row = db.session.get(Draw, draw_id)
    if row is None:
        raise NotFound("credit.draw_not_found", _l("抽查记录不存在。"))
    return row


def draws(limit: int = 50) -> list[Draw]:
    return list(db.session.execute(sa.select(Draw).order_by(Draw.id.desc()).limit(limit)).scalars())


def inspector_names(row: Draw) -> dict[int, str]:
    """The inspectors a draw assigned, as published: name and staff number from its
    snapshot (legacy draws: the account's display name)."""
    if not row.is_legacy:
        names = {i["staff_number"]: i["name"] for i in json.loads(row.snapshot)["inspectors"]}
        return {user_id: f"{names[staff]}（{staff}）"
                for staff, user_id in row.members["inspectors"].items()}
    ids = {u for a in row.assignments for u in a.inspector_ids}
    users = db.session.query(User).filter(User.id.in_(ids)).all() if ids else []
    return {u.id: u.display_name for u in users}


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
    if assignment.not_inspected:
        raise Conflict("credit.subject_left_registry",
                       _l("该主体在抽签承诺之后已注销或被撤销登记，不予检查：它仍列在抽签结果中（公开文件照常可复算），不另行补抽。"),
                       errors={"org_id": [assignment.not_inspected]})
    fact = record_fact(actor, assignment.org_id, {
        "kind": "inspection", "subtype": "inspection", "result": data.result,
        "occurred_on": data.occurred_on or clock.today(), "summary": data.summary,
        "rectify_deadline": data.rectify_deadline, "document_number": data.document_number,
        "evidence_ref": data.evidence_ref,
        "source_department": f"双随机抽查：{assignment.draw.title}"[:100]},
        Recording(recorded_on=data.recorded_on))
    assignment.result_fact_id = fact.id
    db.session.flush()
    return assignment
