"""Wires the credit package into the app: blueprints, jobs, CLI, event subscribers, demo data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Called once by `core.app.create_app`."""
    from core.audit import register_action_words
    from credit.vocabulary import AUDIT_ACTIONS

    register_action_words(AUDIT_ACTIONS)
    from core.accounts.models import Role
    from core.app import register_api
    from core.auth import PUBLIC
    from core.demo import register_seeder
    from core.jobs import register_job
    from core.web.nav import register_home_panel, register_nav
    from credit import api, api_feed, jobs, models, views, views_subject  # noqa: F401 (routes)
    from credit.cli import credit_cli
    from credit.demo.seed import seed_credit
    from credit.facts import subscribers
    from credit.inspections import api as inspections_api
    from credit.inspections import directories as inspection_directories
    from credit.inspections import models as inspection_models  # noqa: F401 (tables)
    from credit.inspections import views as inspections_views  # noqa: F401 (routes)
    from credit.inspections import views_public as inspections_public  # noqa: F401 (routes)
    from credit.lists import feed
    from credit.panels import panel_data
    from credit.views_public import public_bp
    from credit.vocabulary import FILTERS

    app.register_blueprint(views.bp)
    app.register_blueprint(public_bp)
    from credit.vocabulary import register_measures

    register_measures()
    for blueprint in (api.blp, api_feed.blp, inspections_api.blp):
        register_api(blueprint)
    subscribers.connect()
    from core.events import notice_delivered
    from credit.lists.notices import on_delivered

    notice_delivered.connect(on_delivered)
    inspection_directories.connect(app)
    feed.connect()  # approved identity changes reach the feed
    register_job("credit.daily", jobs.daily_job, "cron",
                 "Credit: missing reports, time rules, rule scan (catches up missed days and "
                 "a missed yearly red-list review)", hour=1, minute=20)
    register_job("credit.red_review", jobs.red_review_job, "cron",
                 "Credit: yearly red-list review", month=7, day=15, hour=2, minute=0)
    app.cli.add_command(credit_cli)
    register_nav(app, "credit_lists", _l("信用名单公示"), "credit_public.lists_index", [PUBLIC],
                 order=500)
    register_nav(app, "credit", _l("信用监管"), "credit.home", [Role.REGULATOR], order=510)
    register_nav(app, "credit_inspections", _l("双随机抽查"), "credit.inspection_home",
                 [Role.REGULATOR], order=520)
    register_nav(app, "credit_mine", _l("我的信用记录"), "credit.mine",
                 [Role.ORG_STAFF, Role.INSTITUTION_STAFF], order=530)
    register_home_panel(app, "credit/_panel.html",
                        [Role.REGULATOR, Role.ORG_STAFF, Role.INSTITUTION_STAFF], order=500)
    app.jinja_env.globals.update(credit_panel=panel_data)
    app.jinja_env.filters.update(FILTERS)
    register_seeder("credit", seed_credit, order=400)
    from core.demo_city import register_city_seeder
    from credit.demo.city import seed_credit_city
    register_city_seeder("credit", seed_credit_city, order=400)

    from credit.scoring.register import init_app as init_scoring

    init_scoring(app)
