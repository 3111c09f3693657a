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




# What each audited charity action is, in words (core.audit.action_label).
AUDIT_ACTIONS = {
    "charity": _l("慈善对接"),
    "charity.need": _l("慈善需求"),
    "charity.need.create": _l("发布需求"),
    "charity.need.update": _l("修改需求"),
    "charity.need.withdraw": _l("撤回需求"),
    "charity.need.expire": _l("需求到期关闭"),
    "charity.offer": _l("慈善供给"),
    "charity.offer.create": _l("发布供给"),
    "charity.offer.update": _l("修改供给"),
    "charity.offer.withdraw": _l("撤回供给"),
    "charity.offer.expire": _l("供给到期关闭"),
    "charity.proposal": _l("对接建议"),
    "charity.proposal.accepted": _l("接受对接建议"),
    "charity.proposal.declined": _l("拒绝对接建议"),
    "charity.proposal.abandon": _l("放弃对接"),
    "charity.proposal.expire": _l("对接建议过期"),
    "charity.proposal.fulfil": _l("对接完成"),
    "charity.match.run": _l("运行供需匹配"),
    "charity.signup": _l("志愿活动报名"),
    "charity.signup.create": _l("报名志愿活动"),
    "charity.signup.confirm": _l("确认到场"),
    "charity.signup.cancel": _l("取消报名"),
    "charity.signup.no_show": _l("登记未到场"),
    "charity.opportunity.create": _l("发布志愿活动"),
    "charity.opportunity.update": _l("修改志愿活动"),
    "charity.profile.save": _l("保存机构对接资料"),
    "charity.item": _l("慈善物品目录"),
    "charity.item.create": _l("新增物品"),
    "charity.item.update": _l("修改物品"),
    "charity.item.substitute.add": _l("添加可替代物品"),
    "charity.item.substitute.remove": _l("移除可替代物品"),
    "charity.catalogue.seed": _l("初始化物品目录"),
}
