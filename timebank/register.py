"""Wires the timebank package into the app: blueprints, jobs, CLI, event subscribers, demo data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Called once by `core.app.create_app`."""
    from core.audit import register_action_words
    from timebank.vocabulary import AUDIT_ACTIONS

    register_action_words(AUDIT_ACTIONS)
    from core import events
    from core.accounts.models import Role
    from core.app import register_api
    from core.demo import register_seeder
    from core.errors import register_next_step
    from core.jobs import register_job
    from core.web.nav import register_home_panel, register_nav, register_verifier
    from timebank import (  # noqa: F401 (tables and routes register on import)
        api,
        api_redemption,
        jobs,
        models,
        views,
        views_counter,
        views_org,
        views_regulator,
        vocabulary,
    )
    from timebank.cli import timebank_cli
    from timebank.confirmation import on_volunteer_service_confirmed
    from timebank.demo import seed_timebank

    app.register_blueprint(views.bp)
    app.register_blueprint(views.public_bp)
    from core.catalogues import Catalogue, register_catalogue

    register_catalogue(Catalogue(
        vocabulary.CATEGORY_CATALOGUE, _l("志愿服务类别"),
        defaults=tuple((code, label, {}) for code, label in vocabulary.CATEGORIES.items())))
    register_api(api.blp)
    register_api(api_redemption.blp)
    app.cli.add_command(timebank_cli)
    events.volunteer_service_confirmed.connect(on_volunteer_service_confirmed)

    register_job("timebank.verify_ledger", jobs.verify_ledger_job, "cron", hour=2, minute=10,
                 description="Check every balance against the postings")
    register_job("timebank.remind_pending", jobs.remind_pending_job, "cron", hour=9, minute=0,
                 description="Remind confirmers of sessions pending over 7 days")
    register_job("timebank.auto_confirm", jobs.auto_confirm_job, "cron", hour=3, minute=0,
                 description="Confirm sessions after the silence period (when configured)")
    register_job("timebank.void_stale_holds", jobs.void_stale_holds_job, "interval",
                 minutes=30, description="Void redemption holds older than the hold period")
    register_job("timebank.expire_credits", jobs.expire_credits_job, "cron", hour=3,
                 minute=30, description="Expire unspent credits (when configured)")

    member = [Role.VOLUNTEER]
    register_nav(app, "timebank", _l("时间银行"), "timebank.dashboard", member, order=10)
    register_nav(app, "timebank_confirm", _l("待我确认"), "timebank.to_confirm",
                 [Role.VOLUNTEER, Role.ORG_STAFF, Role.INSTITUTION_STAFF], order=11)
    register_nav(app, "timebank_org", _l("活动名单"), "timebank.org_sessions",
                 [Role.ORG_STAFF], order=12)
    register_nav(app, "timebank_volunteers", _l("我们的志愿者"), "timebank.org_volunteers",
                 [Role.ORG_STAFF], order=13)
    register_nav(app, "timebank_counter", _l("兑换柜台"), "timebank.counter",
                 [Role.INSTITUTION_STAFF], order=13)
    register_nav(app, "timebank_stats", _l("时间银行统计"), "timebank.stats_page",
                 [Role.REGULATOR, Role.ADMIN], order=14)
    register_nav(app, "timebank_liability", _l("时间银行负债与结算"), "timebank.liability_page",
                 [Role.REGULATOR, Role.ADMIN], order=31)
    register_home_panel(app, "timebank/_panel_member.html", member, order=10)
    # A login without a real-name person (e.g. staff who also volunteer) is shown the way in.
    register_next_step("timebank.no_person", "accounts.real_name", _l("去实名登记"))
    register_verifier(app, r"TB\d{8}-[0-9A-F]{8}", "timebank_public.verify_certificate")
    register_home_panel(app, "timebank/_panel_staff.html",
                        [Role.ORG_STAFF, Role.INSTITUTION_STAFF], order=11)
    register_home_panel(app, "timebank/_panel_regulator.html", [Role.REGULATOR, Role.ADMIN],
                        order=12)
    app.jinja_env.globals.update(timebank_panel=views.panel_data)
    register_seeder("timebank", seed_timebank, order=200)
    from core.demo_city import register_city_seeder
    from timebank.demo_city import seed_timebank_city
    register_city_seeder("timebank", seed_timebank_city, order=200)
