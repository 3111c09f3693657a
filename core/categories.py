"""The bureau's service categories (助餐、助洁…), one list for every package: the time bank files
sessions under them, a charity volunteer opportunity declares one, and the code travels between
the two in ``core.events.volunteer_service_confirmed``, so they can never disagree. The codes
are stable; administrators change the words here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SERVICE_CATEGORIES = {
    "meal": _l("助餐"),
    "cleaning": _l("助洁"),
    "bathing": _l("助浴"),
    "medical": _l("助医陪诊"),
    "mobility": _l("助行"),
    "companionship": _l("陪伴聊天"),
    "culture": _l("文体活动"),
    "counselling": _l("法律与心理咨询"),
    "errands": _l("代办代购"),
    "community": _l("社区公益"),
    "other": _l("其他"),
}
