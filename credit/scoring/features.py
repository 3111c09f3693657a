"""The integrity score's inputs: each feature's name, zh/en label and explanation texts, its
documented direction (which becomes its monotonic constraint) and how it is computed.

The computation itself is in ``credit.scoring.matrix`` (pure, vectorised). A feature's
``direction`` is +1 when more of it means more risk (its points never rise as it grows), -1
when more of it means less risk, 0 when no direction is obvious (no constraint).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

# "Never penalised" is written as this many years since the last penalty, so that it sorts
# with "long ago" (the safe end) instead of getting a separate missing bin.
YEARS_SINCE_CAP = 10.0


@dataclass(frozen=True)
class Feature:
    name: str
    direction: int  # +1 riskier as it grows, -1 safer, 0 no constraint
    label_zh: str
    label_en: str
    how_zh: str
    how_en: str
    # Why it cost points, with {v} for the subject's value ("近 3 年逾期报送年度报告 2 次").
    reason_zh: str
    reason_en: str
    # The same when the value is missing (no valid grade) or zero ("no commendation").
    missing_zh: str | None = None
    missing_en: str | None = None
    zero_zh: str | None = None
    zero_en: str | None = None
    # The same for an eldercare provider, when its value is measured differently.
    eldercare_zh: str | None = None
    eldercare_en: str | None = None
    fmt: str = "count"  # count / years / yuan / rate / rate_pct / grade / flag

    def as_dict(self) -> dict:
        return asdict(self)


def _f(name, direction, label, how, reason, *, missing=(None, None), zero=(None, None),
       eldercare=(None, None), fmt="count") -> Feature:
    return Feature(name, direction, *label, *how, *reason, *missing, *zero, *eldercare, fmt)


FEATURES: tuple[Feature, ...] = (
    _f("org_age_years", -1, ("成立年限", "Years since registration"),
       ("评分日距成立登记日的年数。", "Years from the registration date to the scoring date."),
       ("成立仅 {v} 年", "registered only {v} years ago"), fmt="years"),
    _f("evaluation_grade", -1, ("社会组织评估等级", "Evaluation grade"),
       ("评分日仍在有效期内的最近一次评估等级（1A–5A）；没有则为缺失。",
        "The latest evaluation grade (1A–5A) still valid on the scoring date; missing if none."),
       ("评估等级为 {v}", "evaluation grade is only {v}"),
       missing=("没有有效的评估等级", "no valid evaluation grade"), fmt="grade"),
    _f("reports_late_3y", 1, ("逾期报送年报（近 3 年）", "Late annual reports (3 years)"),
       ("近 3 年内逾期报送的年度工作报告份数。",
        "Annual reports filed after the deadline in the last 3 years."),
       ("近 3 年逾期报送年度报告 {v} 次", "{v} late annual report(s) in the last 3 years")),
    _f("reports_missing_3y", 1, ("未报送年报（近 3 年）", "Missing annual reports (3 years)"),
       ("近 3 年内截止日后仍未报送而被记录的年度报告份数。",
        "Annual reports recorded as missing after the deadline in the last 3 years."),
       ("近 3 年有 {v} 份年度报告未按期报送",
        "{v} annual report(s) missing in the last 3 years")),
    _f("inspections_passed_3y", -1, ("检查合格（近 3 年）", "Inspections passed (3 years)"),
       ("近 3 年检查结论为合格的次数。", "Inspections with the result 'pass' in the last 3 years."),
       ("近 3 年仅 {v} 次检查合格", "only {v} inspection(s) passed in the last 3 years"),
       zero=("近 3 年没有检查合格记录", "no inspection passed in the last 3 years")),
    _f("inspections_failed_3y", 1,
       ("检查不合格或限期整改（近 3 年）", "Inspections failed or to rectify (3 years)"),
       ("近 3 年检查结论为限期整改或不合格的次数。",
        "Inspections resulting in 'rectify' or 'fail' in the last 3 years."),
       ("近 3 年有 {v} 次检查要求整改或不合格",
        "{v} inspection(s) failed or required rectification in the last 3 years")),
    _f("rectifications_overdue", 1, ("逾期未整改", "Overdue rectifications"),
       ("评分日已过整改期限、尚未确认整改完成的检查问题和重大火灾隐患数。",
        "Inspection findings and fire hazards past their deadline, not confirmed rectified."),
       ("有 {v} 项整改逾期未完成", "{v} rectification(s) overdue")),
    _f("warnings_1y", 1, ("警告（近 1 年）", "Warnings (1 year)"),
       ("近 1 年受到警告处罚的次数。", "Warnings received in the last year."),
       ("近 1 年受到警告 {v} 次", "{v} warning(s) in the last year")),
    _f("warnings_3y", 1, ("警告（近 3 年）", "Warnings (3 years)"),
       ("近 3 年受到警告处罚的次数。", "Warnings received in the last 3 years."),
       ("近 3 年受到警告 {v} 次", "{v} warning(s) in the last 3 years")),
    _f("fines_yuan_1y", 1, ("罚款金额（近 1 年）", "Fines (1 year)"),
       ("近 1 年罚款金额合计（元）。", "Total fines in yuan in the last year."),
       ("近 1 年被罚款共 {v} 元", "fined {v} yuan in the last year"), fmt="yuan"),
    _f("fines_yuan_3y", 1, ("罚款金额（近 3 年）", "Fines (3 years)"),
       ("近 3 年罚款金额合计（元）。", "Total fines in yuan in the last 3 years."),
       ("近 3 年被罚款共 {v} 元", "fined {v} yuan in the last 3 years"), fmt="yuan"),
    _f("severe_penalties_3y", 1,
       ("没收、停止活动、吊销（近 3 年）", "Confiscation, suspension, revocation (3 years)"),
       ("近 3 年受到没收违法所得、限期停止活动或吊销登记证书处罚的次数。",
        "Confiscations, suspensions and revocations in the last 3 years."),
       ("近 3 年受到没收、停止活动等较重处罚 {v} 次",
        "{v} severe penalty(ies) in the last 3 years")),
    _f("years_since_penalty", -1, ("距上次处罚年数", "Years since the last penalty"),
       (f"距最近一次行政处罚的年数；从未受过处罚或 {YEARS_SINCE_CAP:g} 年以上记为 "
        f"{YEARS_SINCE_CAP:g}。",
        f"Years since the latest administrative penalty; {YEARS_SINCE_CAP:g} when never "
        "or longer ago."),
       ("距上次行政处罚仅 {v} 年", "penalised only {v} years ago"), fmt="years"),
    _f("complaints_3y", 1, ("属实投诉（近 3 年）", "Substantiated complaints (3 years)"),
       ("近 3 年经核实属实的投诉次数；养老机构按每百张床位计。",
        "Substantiated complaints in the last 3 years; per 100 beds for eldercare providers."),
       ("近 3 年属实投诉 {v} 次", "{v} substantiated complaint(s) in the last 3 years"),
       eldercare=("近 3 年每百张床位属实投诉 {v} 次",
                  "{v} substantiated complaint(s) per 100 beds in the last 3 years"),
       fmt="rate"),
    _f("listed_now", 1, ("在惩戒名单上", "On a punishment list"),
       ("评分日处于公布状态的活动异常名录、严重违法失信名单和养老服务失信名单记录数。",
        "Published entries on the abnormal-activity, serious-dishonesty or eldercare lists."),
       ("目前在 {v} 个惩戒名单上", "currently on {v} punishment list(s)")),
    _f("listings_5y", 1, ("列入惩戒名单次数（近 5 年）", "Punishment-list entries (5 years)"),
       ("近 5 年公布的惩戒名单记录数。", "Punishment-list entries published in the last 5 years."),
       ("近 5 年被列入惩戒名单 {v} 次",
        "listed {v} time(s) on punishment lists in the last 5 years")),
    _f("red_listed", -1, ("在红名单上", "On the red list"),
       ("评分日在红名单上为 1，否则为 0。", "1 when on the red list on the day, else 0."),
       ("不在红名单上", "not on the red list"), fmt="flag"),
    _f("false_hours_3y", 1, ("虚假确认时长（近 3 年）", "False hour confirmations (3 years)"),
       ("近 3 年在本平台确认的志愿服务时长经核实不实的次数。",
        "Volunteer hours it confirmed on this platform that were found false, last 3 years."),
       ("近 3 年有 {v} 次虚假确认志愿服务时长",
        "{v} false confirmation(s) of volunteer hours in the last 3 years")),
    _f("matches_abandoned_3y", 1, ("放弃已接受的对接（近 3 年）", "Abandoned matches (3 years)"),
       ("近 3 年放弃已接受的慈善对接次数。", "Accepted charity matches it abandoned, last 3 years."),
       ("近 3 年放弃已接受的慈善对接 {v} 次",
        "abandoned {v} accepted charity match(es) in the last 3 years")),
    _f("fulfilment_rate_3y", -1,
       ("慈善对接完成率（近 3 年）", "Charity match fulfilment rate (3 years)"),
       ("近 3 年已完成的对接占已完成与已放弃之和的比例；没有对接则为缺失。",
        "Fulfilled matches over fulfilled plus abandoned, last 3 years; missing when none."),
       ("慈善对接完成率仅 {v}", "only {v} of accepted charity matches fulfilled"),
       missing=("近 3 年没有慈善对接记录", "no charity matches in the last 3 years"),
       fmt="rate_pct"),
    _f("eldercare_hazards_3y", 1, ("养老服务违规（近 3 年）", "Eldercare violations (3 years)"),
       ("近 3 年重大火灾隐患、侵害老年人权益、超范围经营、非法集资、欺骗销售、骗取补贴、"
        "阻碍检查、未履行信息公开的次数。",
        "Fire hazards, elder abuse, out-of-scope activity, illegal fundraising, fraudulent "
        "sales, subsidy fraud, obstruction and disclosure failures in the last 3 years."),
       ("近 3 年有 {v} 项养老服务违规记录", "{v} eldercare violation(s) in the last 3 years")),
    _f("safety_accidents_3y", 1, ("安全事故（近 3 年）", "Safety accidents (3 years)"),
       ("近 3 年发生的安全事故次数。", "Safety accidents in the last 3 years."),
       ("近 3 年发生安全事故 {v} 次", "{v} safety accident(s) in the last 3 years")),
    _f("rewards_3y", -1,
       ("表彰与政府购买服务（近 3 年）", "Commendations and public contracts (3 years)"),
       ("近 3 年获得表彰奖励和完成政府购买服务项目的次数。",
        "Commendations and completed government service contracts in the last 3 years."),
       ("近 3 年仅有 {v} 次表彰或完成政府购买服务",
        "only {v} commendation(s) or completed public contract(s) in the last 3 years"),
       zero=("近 3 年没有表彰或完成政府购买服务",
             "no commendation or completed public contract in the last 3 years")),
    _f("unreachable_1y", 1, ("专用信函无人签收（近 1 年）", "Unsigned registered letters (1 year)"),
       ("近 1 年寄往登记住所的专用信函无人签收的次数。",
        "Registered letters to its address left unsigned in the last year."),
       ("近 1 年专用信函 {v} 次无人签收", "{v} registered letter(s) unsigned in the last year")),
    _f("dishonest_debtor", 1, ("失信被执行人", "Dishonest judgment debtor"),
       ("评分日仍被法院列为失信被执行人为 1，否则为 0。",
        "1 when listed by a court as a dishonest judgment debtor on the day, else 0."),
       ("被法院列为失信被执行人", "listed by a court as a dishonest judgment debtor"),
       fmt="flag"),
)

BY_NAME = {f.name: f for f in FEATURES}
NAMES = [f.name for f in FEATURES]


def monotonic_cst(names=None) -> dict[str, int]:
    """The Scorecard's ``monotonic_cst``: each feature's documented direction."""
    return {n: BY_NAME[n].direction for n in (names or NAMES)}


def format_value(fmt: str, value, lang: str) -> str:
    """A feature value as the explanation text shows it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if fmt == "grade":
        return f"{int(value)}A"
    if fmt == "years":
        return f"{value:.1f}"
    if fmt == "yuan":
        return f"{round(value):,}"
    if fmt == "rate":
        return f"{value:.1f}".removesuffix(".0")
    if fmt == "rate_pct":
        return f"{value * 100:.0f}%"
    return f"{round(value)}"


def reason_text(definition: dict, value, lang: str, eldercare: bool = False) -> str:
    """Plain words for why a feature cost points; ``definition`` as stored in a model."""
    en = lang.startswith("en")
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    if missing and definition.get("missing_zh"):
        return definition["missing_en" if en else "missing_zh"]
    if not missing and value == 0 and definition.get("zero_zh"):
        return definition["zero_en" if en else "zero_zh"]
    template = definition["reason_en" if en else "reason_zh"]
    if eldercare and definition.get("eldercare_zh"):
        template = definition["eldercare_en" if en else "eldercare_zh"]
    return template.format(v=format_value(definition.get("fmt", "count"), value, lang))


def label(definition: dict, lang: str) -> str:
    return definition["label_en" if lang.startswith("en") else "label_zh"]
