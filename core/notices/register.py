"""Wiring of notices into the app: pages, jobs, home panel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.auth import AUTHENTICATED


def init_app(app) -> None:
    from core.jobs import register_job
    from core.notices import jobs, views
    from core.web.nav import register_home_panel, register_nav, register_verifier

    app.register_blueprint(views.bp)
    from core.notices.channels import mask_email

    app.jinja_env.filters.update(mask_email=mask_email)
    register_job("notices.send", jobs.send_job, "interval", minutes=5,
                 description="发送待发的文书（邮件、短信），失败的按退避时间重试")
    register_job("notices.public_notice", jobs.public_notice_job, "cron", hour=1, minute=30,
                 description="到期仍未确认送达的文书转为公告送达")
    register_nav(app, "inbox", _l("我的消息"), "notices.inbox", [AUTHENTICATED], order=850)
    register_home_panel(app, "notices/_panel_inbox.html", [AUTHENTICATED], order=5)
    register_verifier(app, r"[A-Z]{2,8}-\d{4}-\d{5}", "notices.verify")  # core.notices.documents

    @app.context_processor
    def _unread():
        from flask_login import current_user

        from core.notices.delivery import unread_count
        from core.notices.models import CHANNEL_LABELS, OUTCOME_LABELS

        def inbox_unread() -> int:
            return unread_count(current_user) if current_user.is_authenticated else 0

        return {"inbox_unread": inbox_unread, "channel_labels": CHANNEL_LABELS,
                "outcome_labels": OUTCOME_LABELS}
