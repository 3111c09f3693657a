"""The time bank's vocabulary: service categories (the bureau runs them as a catalogue), and the
statuses and kinds of sessions, review signals, accounts, postings, holds, transfers and redemptions, each code
with its words."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l

from core import catalogues
from core.categories import SERVICE_CATEGORIES
from core.labels import LabelledEnum


class SessionStatus(LabelledEnum):
    PENDING = "pending", _l("待确认")
    CONFIRMED = "confirmed", _l("已确认")
    REJECTED = "rejected", _l("未通过")
    REVERSED = "reversed", _l("已撤销（经核查不实）")  # confirmed, later found false; its credits were reversed
    # A private person confirmed it, but the confirmation looks staged (mutual confirmations,
    # one person confirming many volunteers): held for a regulator, nothing deposited yet.
    REVIEW = "review", _l("待民政部门核查")


class SignalKind(LabelledEnum):
    """Why a privately confirmed session was held for a regulator (timebank.review)."""

    MUTUAL = "mutual", _l("互相确认：服务对象也曾作为志愿者被该志愿者确认")
    BURST = "burst", _l("集中确认：同一服务对象短期内确认了多名志愿者")


# Service categories: the catalogue "timebank.categories", which the bureau runs on the
# catalogue pages (renamed with history, retired for new records); its shipped defaults are
# the bureau's service categories (core.categories), the same codes charity's opportunities use.
CATEGORY_CATALOGUE = "timebank.categories"
CATEGORIES = SERVICE_CATEGORIES


def category_label(code: str, on=None) -> str:
    """The category's name as it was on ``on`` (today): renaming keeps earlier records' names."""
    return catalogues.label(CATEGORY_CATALOGUE, code, on)


def category_open(code: str | None) -> bool:
    """Whether new sessions may use this category today (not retired)."""
    return bool(code) and catalogues.is_open(CATEGORY_CATALOGUE, code)


def category_choices(kept: str | None = None) -> list[tuple[str, str]]:
    """The categories open today; with ``kept``, also that one (a record's own category,
    retired since, which the record may keep), marked as no longer offered."""
    choices = [(i.code, i.label) for i in catalogues.all_items(CATEGORY_CATALOGUE)]
    if kept and kept not in {code for code, _label in choices}:
        choices.append((kept, str(_l("%(name)s（已停用，仅保留原有记录）",
                                     name=category_label(kept)))))
    return choices


class AccountKind(enum.StrEnum):
    PERSON = "person"
    POOL = "pool"  # 公益时间池
    ISSUANCE = "issuance"  # mints credits: per organization, or per district without one
    REDEMPTION = "redemption"  # per eldercare institution


class PostingKind(LabelledEnum):
    DEPOSIT = "deposit", _l("服务存入")  # a confirmed session mints credits
    REVERSAL = "reversal", _l("冲正（服务记录不实）")  # a session found false
    GIFT = "gift", _l("亲属转赠")
    DONATION = "donation", _l("捐入公益时间池")
    ALLOCATION = "allocation", _l("公益时间池分配")  # pool → elder in difficulty
    REDEMPTION = "redemption", _l("兑换服务")
    EXPIRY = "expiry", _l("过期")


class HoldStatus(enum.StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class TransferKind(enum.StrEnum):
    GIFT = "gift"
    DONATION = "donation"
    ALLOCATION = "allocation"


class RedemptionStatus(LabelledEnum):
    REQUESTED = "requested", _l("待会员确认")  # waits for the member's (or a second person's) consent; no hold
    PENDING = "pending", _l("待服务（已冻结）")
    POSTED = "posted", _l("已完成")
    VOIDED = "voided", _l("已取消")


class Consent(LabelledEnum):
    """How the member consented to a redemption (timebank.consent)."""

    SELF = "self", _l("会员自助预约，凭兑换码办理")
    PAY_CODE = "pay_code", _l("会员出示付款码")
    MEMBER = "member", _l("会员在本人账户中确认")
    ASSISTED = "assisted", _l("核对身份证，并由第二人确认")
    SYSTEM = "system", _l("系统")


# What each audited time-bank action is, in words (core.audit.action_label).
AUDIT_ACTIONS = {
    "timebank": _l("时间银行"),
    "timebank.session": _l("服务记录"),
    "timebank.session.log": _l("登记服务"),
    "timebank.session.confirm": _l("确认服务，存入时间"),
    "timebank.session.reject": _l("不予确认服务"),
    "timebank.session.reverse": _l("冲正服务记录"),
    "timebank.session.review": _l("服务记录转入复核"),
    "timebank.session.review_released": _l("复核通过，存入时间"),
    "timebank.session.review_rejected": _l("复核不通过"),
    "timebank.gift": _l("赠与时间"),
    "timebank.donation": _l("捐赠时间"),
    "timebank.allocation": _l("分配时间"),
    "timebank.expiry": _l("时间到期清零"),
    "timebank.certificate.issue": _l("出具志愿服务证明"),
    "timebank.catalogue": _l("兑换服务项目"),
    "timebank.catalogue.add": _l("新增兑换服务项目"),
    "timebank.catalogue.update": _l("修改兑换服务项目"),
    "timebank.catalogue.approve": _l("批准兑换服务项目"),
    "timebank.redemption": _l("兑换"),
    "timebank.redemption.create": _l("发起兑换"),
    "timebank.redemption.approve": _l("本人同意兑换"),
    "timebank.redemption.decline": _l("本人拒绝兑换"),
    "timebank.redemption.complete": _l("完成兑换"),
    "timebank.redemption.void": _l("取消兑换"),
}
