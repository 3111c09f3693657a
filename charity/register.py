"""Wires the charity package into the app: blueprints, jobs, CLI, navigation, home panels,
demo data. Charity publishes core.events signals and subscribes to none."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Called once by `core.app.create_app`."""
    from charity.vocabulary import AUDIT_ACTIONS
    from core.audit import register_action_words

    register_action_words(AUDIT_ACTIONS)
    from charity import (  # noqa: F401 (tables)  # noqa: F401
        api,
        api_matching,
        api_volunteer,
        jobs,
        models,
        views,
        views_admin,
        views_matching,
        views_volunteer,
    )
    from charity.cli import charity_cli
    from charity.demo import seed_charity
    from core.accounts.models import Role
    from core.app import register_api
    from core.auth import PUBLIC
    from core.demo import register_seeder
    from core.jobs import register_job
    from core.web.nav import register_home_panel, register_nav

    app.register_blueprint(views.bp)
    for blueprint in (api.blp, api_matching.blp, api_volunteer.blp):
        register_api(blueprint)
    app.cli.add_command(charity_cli)

    # policy matching_interval_minutes (DOMAIN.md / lead's notes): read once at start-up, as
    # the scheduler process registers its triggers then.
    minutes = int(app.config["POLICY_MATCHING_INTERVAL_MINUTES"])
    register_job("charity.match", jobs.match_job, "interval", minutes=minutes,
                 description="Match open needs and offers into proposals")
    register_job("charity.expire", jobs.expire_job, "interval", minutes=30,
                 description="Expire unanswered proposals and needs/offers past their deadline")

    staff = [Role.ORG_STAFF, Role.INSTITUTION_STAFF]
    register_nav(app, "charity_board", _l("慈善需求"), "charity.board", [PUBLIC], order=20)
    register_nav(app, "charity_mine", _l("我的供需"), "charity.mine",
                 [*staff, Role.VOLUNTEER], order=21)
    register_nav(app, "charity_opportunities", _l("志愿机会"), "charity.opportunities_page",
                 [Role.VOLUNTEER], order=22)
    register_nav(app, "charity_oversight", _l("供需总览"), "charity.oversight",
                 [Role.REGULATOR, Role.ADMIN], order=24)
    register_nav(app, "charity_dashboard", _l("慈善对接统计"), "charity.dashboard",
                 [Role.REGULATOR, Role.ADMIN], order=23)
    register_nav(app, "charity_items", _l("慈善物品目录"), "charity.items_page",
                 [Role.ADMIN], order=24)
    register_home_panel(app, "charity/_panel_staff.html", staff, order=20)
    register_home_panel(app, "charity/_panel_volunteer.html", [Role.VOLUNTEER], order=21)
    register_home_panel(app, "charity/_panel_regulator.html", [Role.REGULATOR, Role.ADMIN],
                        order=22)
    app.jinja_env.globals.update(views.template_globals())
    register_seeder("charity", seed_charity, order=300)
    from charity.demo_city import seed_charity_city
    from core.demo_city import register_city_seeder
    register_city_seeder("charity", seed_charity_city, order=300)
