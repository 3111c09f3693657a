"""Wires the integrity score into the app: tables, pages, API, nightly job, ``flask credit
train|score|promote``, the core.scores provider, navigation, the regulators' drift
panel and the profile partial's data.
Called from ``credit.register.init_app``; calling it twice is harmless."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def _attach_cli(app) -> None:
    """Add train/score/promote to the ``flask credit`` group (creating it if credit has not)."""
    from flask.cli import AppGroup

    from credit.scoring.cli import COMMANDS

    group = app.cli.commands.get("credit")
    if group is None:
        try:
            from credit.cli import credit_cli as group
        except ImportError:  # pragma: no cover - credit always has its CLI module
            group = AppGroup("credit", help="Credit lists, rules, inspections and scores.")
        app.cli.add_command(group)
    for command in COMMANDS:
        group.add_command(command, command.name)


def init_app(app) -> None:
    from core import scores
    from core.accounts.models import Role
    from core.app import register_api
    from core.auth import PUBLIC
    from core.jobs import register_job
    from core.web.nav import register_home_panel, register_nav
    from credit.scoring import api, jobs, models, subject_scores, views  # noqa: F401 (tables)

    if "credit_scoring" in app.blueprints:
        return
    app.register_blueprint(views.bp)
    register_api(api.blp)
    _attach_cli(app)
    register_job("credit.score_nightly", jobs.score_nightly_job, "cron", hour=1, minute=30,
                 description="Score every credit subject with the active model")
    register_job("credit.score_retrain", jobs.retrain_job, "cron", hour=2, minute=40,
                 description="Retrain the score model when its retraining interval (policy) has passed; "
                             "promote it only by the promotion rule")
    scores.register_provider(app, subject_scores.latest_views)
    # The public reads how scores work in words; the model's figures are for the bureau (the
    # model card stays public, linked from that page).
    register_nav(app, "credit_score_how", _l("信用评分说明"), "credit_scoring.how_scores_work",
                 [PUBLIC], order=540)
    register_nav(app, "credit_score_model", _l("评分模型"), "credit_scoring.model_card",
                 [Role.REGULATOR, Role.ADMIN], order=541)
    register_nav(app, "credit_score_review", _l("评分复核"), "credit_scoring.review",
                 [Role.REGULATOR], order=545)
    register_nav(app, "credit_score_tiers", _l("四色分级"), "credit_scoring.tiers",
                 [Role.REGULATOR], order=546)
    register_home_panel(app, "scoring/_panel_drift.html", [Role.REGULATOR], order=505)
    app.jinja_env.globals.update(integrity_score_panel=views.profile_panel,
                                 score_drift_panel=views.drift_panel)
