"""Template filters and globals: local times, durations in hours and minutes, masking."""

from __future__ import annotations

from datetime import date, datetime

from flask import request
from flask_babel import format_date, format_datetime, get_locale, ngettext
from flask_babel import gettext as _

from core.ids import mask_id_number, mask_phone
from core.timeutil import to_local
from core.web.pages import form_key


def localdt(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(to_local(value), fmt)


def localdate(value: date | datetime | None, fmt: str = "yyyy-MM-dd") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, fmt)


def minutes(value: int | None) -> str:
    """Minutes as 'X 小时 Y 分钟' / 'X h Y min'; credits are integer minutes."""
    value = int(value or 0)
    sign = "-" if value < 0 else ""
    hours, mins = divmod(abs(value), 60)
    if hours and mins:
        return sign + _("%(h)s 小时 %(m)s 分钟", h=hours, m=mins)
    if hours:
        return sign + ngettext("%(num)s 小时", "%(num)s 小时", hours)
    return sign + ngettext("%(num)s 分钟", "%(num)s 分钟", mins)


def hours(value: int | None, digits: int = 1) -> str:
    return f"{(value or 0) / 60:.{digits}f}"


def current_language() -> str:
    locale = get_locale()
    return str(locale) if locale else "zh_CN"


def html_lang() -> str:
    return "zh-CN" if current_language().startswith("zh") else "en"


def is_elder_mode() -> bool:
    from flask_login import current_user

    if current_user.is_authenticated:
        return bool(current_user.elder_mode) or request.cookies.get("elder") == "1"
    return request.cookies.get("elder") == "1"


def register(app) -> None:
    app.jinja_env.filters.update(localdt=localdt, localdate=localdate, minutes=minutes,
                                 hours=hours, mask_id=mask_id_number, mask_phone=mask_phone)
    app.jinja_env.globals.update(form_key=form_key,
                                 current_language=current_language, html_lang=html_lang,
                                 is_elder_mode=is_elder_mode)
