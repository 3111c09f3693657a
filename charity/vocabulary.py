"""The charity exchange's vocabularies: categories, statuses of posts, proposals and
sign-ups, skills, activities, free-time slots, and how many hours one opportunity place counts."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from core.categories import SERVICE_CATEGORIES
from core.labels import LabelledEnum

# DOMAIN.md, "Charity supply and demand": the four categories of needs and offers.
CATEGORIES = {
    "goods": _l("物资"),
    "service": _l("服务"),
    "volunteer_time": _l("志愿服务时间"),
    "money": _l("善款（仅登记认捐）"),
}


def category_label(code: str) -> str:
    return str(CATEGORIES.get(code, code))


class PostStatus(LabelledEnum):
    """Status of a need or an offer (DOMAIN.md); derived from proposal quantities."""

    OPEN = "open", _l("待对接")
    PARTLY_MATCHED = "partly_matched", _l("部分对接")
    MATCHED = "matched", _l("已对接")
    FULFILLED = "fulfilled", _l("已完成")
    EXPIRED = "expired", _l("已过期")
    WITHDRAWN = "withdrawn", _l("已撤回")


# Needs and offers the matcher may still use (their remaining quantity, that is).
LIVE_STATUSES = (PostStatus.OPEN, PostStatus.PARTLY_MATCHED)


class ProposalStatus(LabelledEnum):
    PENDING = "pending", _l("待双方确认")  # waiting for both sides; holds the quantity
    ACCEPTED = "accepted", _l("双方已接受")  # both accepted; the quantity is reserved until fulfilled/abandoned
    DECLINED = "declined", _l("已谢绝")
    EXPIRED = "expired", _l("逾期未答复")  # not answered within proposal_response_days
    CANCELLED = "cancelled", _l("已取消")  # a side withdrew its need/offer while the proposal was pending
    FULFILLED = "fulfilled", _l("已交付")
    ABANDONED = "abandoned", _l("已放弃")


# Proposals whose quantity is still committed (not free for another match).
HOLDING = (ProposalStatus.PENDING, ProposalStatus.ACCEPTED)


class SignupStatus(LabelledEnum):
    SIGNED_UP = "signed_up", _l("已报名")
    CANCELLED = "cancelled", _l("已取消")
    SERVED = "served", _l("已确认服务")  # attendance confirmed by the organization
    NO_SHOW = "no_show", _l("未到场")


# Skills volunteers declare and opportunities require.
SKILLS = {
    "meal": _l("助餐送餐"),
    "cleaning": _l("家政保洁"),
    "bathing": _l("助浴"),
    "escort": _l("陪诊陪护"),
    "nursing": _l("医疗护理"),
    "driving": _l("驾驶"),
    "haircut": _l("理发"),
    "repair": _l("家电维修"),
    "digital": _l("智能手机教学"),
    "counselling": _l("心理疏导"),
    "legal": _l("法律咨询"),
    "sign_language": _l("手语"),
    "performance": _l("文艺表演"),
    "tutoring": _l("课业辅导"),
    "lifting": _l("搬运装卸"),
}

# What an opportunity is: one of the bureau's service categories (core.categories), sent with
# volunteer_service_confirmed so the time bank files the session under the same heading.
ACTIVITIES = SERVICE_CATEGORIES

# Free-time slots a volunteer ticks per weekday (local time, hour ranges [start, end)).
TIME_SLOTS = {
    "morning": (8, 12, _l("上午")),
    "afternoon": (12, 18, _l("下午")),
    "evening": (18, 22, _l("晚上")),
}
WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))


def slot_hours(start: datetime, end: datetime) -> int:
    """Whole hours (rounded up, at least one) one place of an opportunity counts for in its
    need's quantity, which is kept in the volunteer-time unit (小时)."""
    minutes = int((end - start).total_seconds() // 60)
    return max(1, -(-minutes // 60))


