"""Pages of the integrity score: how scores work (plain language), the public model card
(with the admin's promote button), a subject's score history, the regulators' review queue;
and the profile partial's data."""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import validate

from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.config import policy
from core.errors import DomainError
from core.extensions import db
from core.web.pages import QueryArgs, paginate, query_args, refuse
from credit.facts.records import get_subject
from credit.scoring import (
    card,
    drift,
    explain,
    features,
    registry,
    sources,
    subject_scores,
    training,
)
from credit.scoring.features import label

bp = Blueprint("credit_scoring", __name__, url_prefix="/credit/score",
               template_folder="templates")

STAFF = (Role.ORG_STAFF, Role.INSTITUTION_STAFF)
PER_PAGE = 50


def profile_panel(org) -> dict | None:
    """Jinja global for ``scoring/_profile_score.html``: the latest score of ``org`` explained,
    when the signed-in user may see it (regulators, the organization's staff)."""
    if org is None or not subject_scores.may_see(current_user, org.id):
        return None
    row = subject_scores.latest_rows([org.id]).get(org.id)
    return {"view": explain.breakdown(row) if row is not None else None}


def drift_panel() -> dict | None:
    """Jinja global for the regulators' home panel ``scoring/_panel_drift.html``: how far the
    active model's latest scores have drifted from its training sample, the inputs that moved
    most (by their labels), and a refused retraining if there is one. Reads one stored run."""
    model = registry.active_model()
    if model is None:
        return None
    run = drift.latest_run(model)
    out = {"model": model, "run": run, "refused": training.refused_candidate(), "inputs": []}
    if run is None or run.score_psi is None:
        return out
    level = drift.level(run.score_psi)
    defs = {f["name"]: f for f in model.document["features"]}
    lang = explain.current_lang()
    out.update(level=level, level_label=drift.LEVEL_LABELS[level], tag=drift.LEVEL_TAGS[level],
               inputs=[{"label": label(defs[r["feature"]], lang) if r["feature"] in defs
                        else r["feature"], "csi": r["csi"],
                        "level_label": drift.LEVEL_LABELS[drift.level(r["csi"])]}
                       for r in run.input_csi[:3] if drift.level(r["csi"]) != drift.STABLE])
    return out


@bp.get("/how")
@roles(PUBLIC)
def how_scores_work():
    """信用评分怎么算: the plain-language page for the public and for the organizations scored;
    the model card (figures, versions) is its technical appendix."""
    lang = explain.current_lang()
    model = registry.active_model()
    factors = [{"label": features.label(f.as_dict(), lang),
                "how": f.how_en if lang.startswith("en") else f.how_zh,
                "direction": f.direction} for f in features.FEATURES]
    return render_template("scoring/how.html", factors=factors, model=model,
                           tier_labels=explain.TIER_LABELS,
                           retrain_months=policy("score_retrain_months"))


class TierArgs(QueryArgs):
    tier = ma.fields.String(load_default="red",
                            validate=validate.OneOf(list(subject_scores.TIERS)))


@bp.get("/tiers")
@roles(Role.REGULATOR)
def tiers():
    """四色管理: how many subjects each tier holds, and the subjects of one tier."""
    tier = query_args(TierArgs)["tier"] or "red"
    counts = subject_scores.tier_counts()
    page = paginate(subject_scores.tier_query(tier), PER_PAGE)
    return render_template("scoring/tiers.html", counts=counts, tier=tier, page=page,
                           orgs=sources.org_names([r.org_id for r in page.rows]),
                           tier_labels=explain.TIER_LABELS)


@bp.get("/model")
@roles(PUBLIC)
def model_card():
    version = (request.args.get("version") or "").strip()
    model = registry.get_model(version) if version else registry.active_model()
    versions = db.session.execute(registry.all_models().limit(20)).scalars().all()
    data = card.card_data(model) if model is not None else None
    return render_template("scoring/model_card.html", card=data, model=model, versions=versions,
                           refused=training.refused_candidate(),
                           retrain_months=policy("score_retrain_months"),
                           max_auc_drop=policy("score_promotion_max_auc_drop"),
                           max_psi=policy("score_promotion_max_psi"),
                           may_promote=current_user.is_authenticated
                           and current_user.has_role(Role.ADMIN))


@bp.post("/model/<version>/promote")
@roles(Role.ADMIN)
def promote(version: str):
    try:
        model = training.promote(current_user, registry.get_model(version),
                                 request.form.get("reason", ""))
    except DomainError as error:
        refuse(error)
        return redirect(url_for(".model_card", version=version))
    flash(_("模型 %(v)s 已启用。", v=model.version), "success")
    return redirect(url_for(".model_card", version=model.version))


@bp.get("/subjects/<int:org_id>")
@roles(Role.REGULATOR, *STAFF)
def history(org_id: int):
    org = get_subject(org_id)
    subject_scores.require_access(current_user, org_id)
    page = paginate(subject_scores.history_query(org_id), PER_PAGE)
    rows = page.rows
    latest = subject_scores.latest_rows([org_id]).get(org_id)
    chart = _history_chart(list(reversed(rows)))
    return render_template("scoring/history.html", org=org, rows=rows, page=page,
                           view=explain.breakdown(latest) if latest else None,
                           chart=chart, tier_labels=explain.TIER_LABELS)


def _history_chart(rows) -> dict | None:
    """An SVG polyline of the scores (oldest left), scaled to their range."""
    if len(rows) < 2:
        return None
    scores = [r.score for r in rows]
    low = max(min(scores) - 20, policy("score_min"))
    high = min(max(scores) + 20, policy("score_max"))
    width, height = 300, 100
    step = width / (len(rows) - 1)
    points = " ".join(f"{i * step:.1f},{height - (r.score - low) / (high - low) * height:.1f}"
                      for i, r in enumerate(rows))
    return {"points": points, "width": width, "height": height, "first": rows[0].scored_on,
            "last": rows[-1].scored_on}


@bp.get("/review")
@roles(Role.REGULATOR)
def review():
    page = paginate(subject_scores.review_queue(), PER_PAGE)
    rows = page.rows
    orgs = sources.org_names([r.org_id for r in rows])
    views = {r.org_id: explain.breakdown(r) for r in rows}
    return render_template("scoring/review.html", rows=rows, orgs=orgs, views=views, page=page)
