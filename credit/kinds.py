"""The vocabulary of credit facts (DOMAIN.md "Credit records"): kinds, subtypes and labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KINDS: dict[str, tuple[str, ...]] = {
    "basic": ("registration", "change", "change_revoked", "registration_revoked",
              "deregistration"),
    "annual_report": ("annual_report",),
    "inspection": ("inspection",),
    "penalty": ("warning", "fine", "confiscation", "suspension", "revocation"),
    "complaint": ("complaint",),
    "grade": ("evaluation",),
    "reward": ("commendation",),
    "purchase": ("completed",),
    "eldercare": ("beyond_scope", "elder_abuse", "illegal_fundraising", "fraud_sales",
                  "fire_hazard", "safety_accident", "subsidy_fraud", "obstruction",
                  "disclosure_failure"),
    "judicial": ("dishonest_debtor", "debtor_removed"),
    "contact": ("letter_unsigned", "letter_signed"),
    "certificate": ("not_responsible", "rectified", "contact_restored"),
    "platform": ("false_hours", "match_abandoned", "match_fulfilled"),
    "correction": ("void",),
    "other": ("other",),
}

# Kinds a regulator enters by hand or by import; the others come from events, the annual
# report form, jobs and objection decisions.
MANUAL_KINDS = tuple(k for k in KINDS if k not in ("platform", "correction"))

KIND_LABELS = {
    "basic": _l("基础信息"), "annual_report": _l("年度报告"), "inspection": _l("行政检查"),
    "penalty": _l("行政处罚"), "complaint": _l("投诉"), "grade": _l("评估等级"),
    "reward": _l("表彰奖励"), "purchase": _l("承接政府购买服务"), "eldercare": _l("养老服务"),
    "judicial": _l("司法信息"), "contact": _l("专用信函"), "certificate": _l("证明与整改"),
    "platform": _l("平台记录"), "correction": _l("更正"), "other": _l("其他"),
}

SUBTYPE_LABELS = {
    "registration": _l("成立登记"), "change": _l("变更登记"),
    "change_revoked": _l("弄虚作假办理变更登记被撤销"),
    "registration_revoked": _l("撤销成立登记"), "deregistration": _l("注销登记"),
    "annual_report": _l("年度工作报告"), "inspection": _l("检查结论"),
    "warning": _l("警告"), "fine": _l("罚款"), "confiscation": _l("没收违法所得或非法财物"),
    "suspension": _l("限期停止活动"), "revocation": _l("吊销登记证书"),
    "complaint": _l("投诉"), "evaluation": _l("社会组织评估等级"), "commendation": _l("表彰奖励"),
    "completed": _l("完成政府购买服务项目"),
    "beyond_scope": _l("超出登记范围开展活动"), "elder_abuse": _l("侵害老年人合法权益"),
    "illegal_fundraising": _l("非法集资"), "fraud_sales": _l("欺骗销售“保健”产品"),
    "fire_hazard": _l("重大火灾隐患"), "safety_accident": _l("安全事故"),
    "subsidy_fraud": _l("骗取政府补贴"), "obstruction": _l("拒绝、阻碍检查或弄虚作假"),
    "disclosure_failure": _l("未按规定履行信息公开义务"),
    "dishonest_debtor": _l("被纳入失信被执行人名单"), "debtor_removed": _l("移出失信被执行人名单"),
    "letter_unsigned": _l("专用信函无人签收"), "letter_signed": _l("专用信函已签收"),
    "not_responsible": _l("书面证明不负直接责任"), "rectified": _l("整改完成确认"),
    "contact_restored": _l("恢复联系确认"),
    "false_hours": _l("虚假确认志愿服务时长"), "match_abandoned": _l("放弃已接受的对接"),
    "match_fulfilled": _l("完成慈善对接"), "void": _l("撤销错误信息"), "other": _l("其他"),
}

RESULTS = {"pass": _l("合格"), "rectify": _l("限期整改"), "fail": _l("不合格")}
REPORT_STATUSES = {"on_time": _l("按时报送"), "late": _l("逾期报送"), "missing": _l("未报送")}
RESPONSIBILITIES = {"main": _l("主要责任"), "direct": _l("直接责任"), "secondary": _l("次要责任"),
                    "none": _l("无责任")}
GRADE_LABELS = {n: f"{n}A" for n in range(1, 6)}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def subtype_label(subtype: str) -> str:
    return str(SUBTYPE_LABELS.get(subtype, subtype))


def subtype_choices(kinds=MANUAL_KINDS) -> list[tuple[str, str]]:
    """``kind:subtype`` choices for forms, labelled "行政处罚 · 警告"."""
    return [(f"{k}:{s}", f"{kind_label(k)} · {subtype_label(s)}")
            for k in kinds for s in KINDS[k]]


def fact_label(fact) -> str:
    """One line for a fact in published records: kind, subtype and the detail that matters."""
    label = f"{kind_label(fact.kind)} · {subtype_label(fact.subtype)}"
    if fact.kind == "annual_report" and fact.report_year:
        label += f" · {fact.report_year} · {REPORT_STATUSES.get(fact.report_status, '')}"
    elif fact.amount_yuan:
        label += f" · {fact.amount_yuan} 元"
    elif fact.result:
        label += f" · {RESULTS.get(fact.result, fact.result)}"
    if fact.rectify_deadline:
        label += f" · 整改期限 {fact.rectify_deadline.isoformat()}"
    return label
