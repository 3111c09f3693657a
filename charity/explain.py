"""Plain words for the matcher's and the ranking's structured reasons, in the reader's language
("同一物品；距离约 3.2 公里；紧急程度 4；2 天后截止")."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from charity.vocabulary import SKILLS, TIME_SLOTS, WEEKDAYS
from core import clock


def _english() -> bool:
    locale = get_locale()
    return bool(locale) and str(locale).startswith("en")


def item_name(item) -> str:
    return item.name_en if _english() and item.name_en else item.name


def unit_name(item) -> str:
    return item.unit_en if _english() and item.unit_en else item.unit


def district_name(district) -> str:
    return district.name_en if _english() and district.name_en else district.name


def separator() -> str:
    return "; " if _english() else "；"


def _deadline_words(deadline: datetime, now: datetime, soon: bool | None) -> str:
    seconds = (deadline - now).total_seconds()
    if seconds < 0:
        text = _("已过截止时间")
    elif seconds < 86400:
        text = _("今天内截止")
    else:
        days = int(seconds // 86400)
        text = ngettext("%(num)s 天后截止", "%(num)s 天后截止", days)
    if soon:
        text += _("（临近截止，优先安排）")
    return text


def proposal_reasons(proposal, now: datetime | None = None) -> list[str]:
    """Why this offer for this need, one short phrase per reason."""
    e, need, offer = proposal.explanation or {}, proposal.need, proposal.offer
    now = now or clock.now()
    reasons = []
    if e.get("item") == "substitute":
        reasons.append(_("%(offer)s 可替代所需的 %(need)s", offer=item_name(offer.item),
                         need=item_name(need.item)))
    else:
        reasons.append(_("同一物品：%(item)s", item=item_name(need.item)))
    km = e.get("distance_km", proposal.distance_km)
    if e.get("distance_source") == "coordinates":
        reasons.append(_("距离约 %(km)s 公里", km=format(km, ".1f")))
    else:
        reasons.append(_("距离约 %(km)s 公里（按区县估算）", km=format(km, ".1f")))
    if e.get("need_district") and e.get("need_district") == e.get("offer_district"):
        reasons.append(_("同在%(district)s", district=district_name(need.district)))
    reasons.append(_("紧急程度 %(u)s", u=e.get("urgency", need.urgency)))
    reasons.append(_deadline_words(need.deadline, now, e.get("deadline_soon")))
    if e.get("candidate_rank") == 1:
        reasons.append(_("是该需求最近的可用供给"))
    if e.get("fully_met"):
        reasons.append(_("本轮可满足全部所需"))
    elif e.get("need_quantity"):
        reasons.append(_("本轮共对接 %(filled)s / %(total)s %(unit)s",
                         filled=e.get("need_filled"), total=e.get("need_quantity"),
                         unit=unit_name(need.item)))
    return reasons


def proposal_text(proposal, now: datetime | None = None) -> str:
    head = _("%(qty)s %(unit)s %(item)s", qty=proposal.quantity, unit=unit_name(proposal.offer.item),
             item=item_name(proposal.offer.item))
    return head + _("：") + separator().join(proposal_reasons(proposal, now))


def _join(parts) -> str:
    return (", " if _english() else "、").join(str(p) for p in parts)


def _labels(codes, table) -> str:
    return _join(table.get(c, c) for c in codes)


def fit_reasons(fit) -> list[str]:
    """A volunteer's fit with an opportunity (charity.fit.Fit), in plain words."""
    out = []
    for reason in fit.reasons:
        kind = reason["kind"]
        if kind == "skills":
            if not reason["required"]:
                out.append(_("不需要特殊技能"))
            elif reason["matched"]:
                out.append(_("技能相符：%(s)s", s=_labels(reason["matched"], SKILLS)))
            if reason["missing"]:
                out.append(_("还需要：%(s)s", s=_labels(reason["missing"], SKILLS)))
        elif kind == "district":
            if reason["same"]:
                out.append(_("就在您所在的区县"))
            elif reason["km"] is not None:
                out.append(_("距您所在区县约 %(km)s 公里", km=format(reason["km"], ".0f")))
            else:
                out.append(_("您还没有填写所在区县"))
        elif kind == "time":
            out.append(_time_words(reason))
    return out


def _time_words(reason) -> str:
    if reason["fits"] == "unknown":
        return _("您还没有填写空闲时间")
    cells = _join(f"{WEEKDAYS[d]}{TIME_SLOTS[s][2]}" for d, s in reason["cells"])
    if reason["fits"] == "all":
        return _("时间在您的空闲时段内（%(cells)s）", cells=cells)
    if reason["fits"] == "partly":
        return _("时间部分在您的空闲时段内（%(cells)s）", cells=cells)
    return _("不在您填写的空闲时段（%(cells)s）", cells=cells)
