"""Display labels (Chinese msgids) for credit states, outcomes and codes, as Jinja filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from credit.catalogue import LIST_LABELS, measure_label
from credit.kinds import REPORT_STATUSES, RESULTS, kind_label, subtype_label

STATE_LABELS = {
    "proposed": _l("拟列入"), "notified": _l("已告知（异议期）"), "objected": _l("异议处理中"),
    "published": _l("已公示"), "removed": _l("已移出"), "cancelled": _l("已撤销"),
}
OUTCOME_LABELS = {"open": _l("待处理"), "upheld": _l("异议成立"), "verified": _l("经核实无误"),
                  "rejected": _l("异议不成立"), "approved": _l("已同意"), "refused": _l("未同意")}
REMOVAL_LABELS = {
    "repair": _l("信用修复"), "auto_expired": _l("满 6 个月自动移出"), "expired": _l("有效期届满"),
    "moved": _l("转入严重违法失信名单"), "superseded": _l("重新计算列入时限"),
    "deregistered": _l("已注销登记"), "red_review": _l("不再符合红名单条件"),
    "objection_upheld": _l("异议成立"), "objection_corrected": _l("异议成立，信息已更正"),
    "declined": _l("不予列入"), "decision": _l("决定移出"),
}
TIER_LABELS = {"red": _l("红（高风险）"), "yellow": _l("黄（较高风险）"), "blue": _l("蓝（较低风险）"),
               "green": _l("绿（低风险）")}
FACT_STATUS_LABELS = {"effective": _l("有效"), "superseded": _l("已更正"), "frozen": _l("异议中"),
                      "void": _l("更正记录")}


def _get(table):
    return lambda code: str(table.get(code, code or ""))


FILTERS = {
    "credit_list": _get(LIST_LABELS), "credit_state": _get(STATE_LABELS),
    "credit_outcome": _get(OUTCOME_LABELS), "credit_removal": _get(REMOVAL_LABELS),
    "credit_tier": _get(TIER_LABELS), "credit_result": _get(RESULTS),
    "credit_report": _get(REPORT_STATUSES), "credit_fact_status": _get(FACT_STATUS_LABELS),
    "credit_kind": kind_label, "credit_subtype": subtype_label, "credit_measure": measure_label,
}
