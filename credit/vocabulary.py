"""The credit vocabulary, in one place: what the lists are (list types, the legal provisions
the rules cite, each list's measures), the kinds of credit facts (DOMAIN.md "Credit records"),
and the display labels (Chinese msgids) of states, outcomes and codes, as Jinja filters.

Every citation a rule, an entry or a removal carries comes from ``ARTICLES`` — one place to
check against the official text (see docs/credit-rules.md for which provisions were
cross-checked and which the bureau's legal office should confirm before go-live). The measures
are the shipped defaults of the bureau's measure catalogue (``core.catalogues``): each names the
memorandum, the clause and the department that applies it; the ones this platform enforces
itself map to ``core.sanctions`` codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core import sanctions

# --- lists ---------------------------------------------------------------------------------

RED, ABNORMAL, SERIOUS, ELDERCARE = "red", "abnormal", "serious", "eldercare"
LIST_TYPES = (RED, ABNORMAL, SERIOUS, ELDERCARE)
PUNISHMENT_LISTS = (ABNORMAL, SERIOUS, ELDERCARE)

LIST_LABELS = {
    RED: _l("红名单（守信激励）"),
    ABNORMAL: _l("社会组织活动异常名录"),
    SERIOUS: _l("社会组织严重违法失信名单"),
    ELDERCARE: _l("养老服务市场失信联合惩戒对象名单"),
}

SO_MEASURES = "《社会组织信用信息管理办法》（民政部令第60号）"
EC_MEASURES = "《养老服务市场失信联合惩戒对象名单管理办法（试行）》（民政部，2019年）"
CIVIL_CODE = "《中华人民共和国民法典》"
LOCAL_RED = "常州市民政局社会组织守信激励（红名单）规则（本地政策）"


# --- the provisions the rules cite ---------------------------------------------------------

@dataclass(frozen=True)
class Article:
    code: str
    source: str
    provision: str
    summary: str

    @property
    def citation(self) -> str:
        return f"{self.source}{self.provision}"


def _a(code, source, provision, summary):
    return code, Article(code, source, provision, summary)


ARTICLES: dict[str, Article] = dict([
    _a("so.abnormal.annual_report", SO_MEASURES, "第十条第（一）项",
       "未按照规定时限和要求向登记管理机关报送年度工作报告"),
    _a("so.abnormal.rectification", SO_MEASURES, "第十条第（三）项",
       "抽查和其他监督检查中发现问题，要求限期整改，未按期完成整改"),
    _a("so.abnormal.penalty", SO_MEASURES, "第十条第（五）项",
       "受到警告或者不满5万元罚款处罚"),
    _a("so.abnormal.unreachable", SO_MEASURES, "第十条第（六）项、第十一条",
       "通过登记的住所无法与社会组织取得联系（两次邮寄专用信函无人签收）"),
    _a("so.abnormal.other", SO_MEASURES, "第十条第（七）项",
       "法律、行政法规规定应当列入的其他情形"),
    _a("so.abnormal.not_responsible", SO_MEASURES, "第十二条",
       "有关部门书面证明不负直接责任的，可以不列入"),
    _a("so.abnormal.restart", SO_MEASURES, "第十三条", "列入期间再次出现列入情形的，列入时限重新计算"),
    _a("so.abnormal.removal", SO_MEASURES, "第十四条",
       "履行义务或完成整改后申请移出，查实之日起5个工作日内移出；无需整改的，满6个月后移出"),
    _a("so.serious.from_abnormal", SO_MEASURES, "第十五条第（一）项", "被列入活动异常名录满2年"),
    _a("so.serious.change_revoked", SO_MEASURES, "第十五条第（二）项",
       "弄虚作假办理变更登记，被撤销变更登记"),
    _a("so.serious.suspension", SO_MEASURES, "第十五条第（三）项", "受到限期停止活动行政处罚"),
    _a("so.serious.large_fine", SO_MEASURES, "第十五条第（四）项", "受到5万元以上罚款处罚"),
    _a("so.serious.repeat_penalties", SO_MEASURES, "第十五条第（五）项",
       "三年内两次以上受到警告或者不满5万元罚款处罚"),
    _a("so.serious.dishonest_debtor", SO_MEASURES, "第十五条第（六）项",
       "被司法机关纳入“失信被执行人”名单"),
    _a("so.serious.revoked", SO_MEASURES, "第十五条第（七）项",
       "被作出吊销登记证书、撤销成（设）立登记决定"),
    _a("so.serious.other", SO_MEASURES, "第十五条第（八）项", "法律、行政法规规定应当列入的其他情形"),
    _a("so.serious.restart", SO_MEASURES, "第十六条", "列入期间再次出现列入情形的，列入时限重新计算"),
    _a("so.serious.removal", SO_MEASURES, "第十七条",
       "列入满2年且期间未再出现列入情形的可申请移出；因吊销、撤销登记列入的，完成注销登记后移出"),
    _a("ec.beyond_scope", EC_MEASURES, "第六条第一款第（一）项", "超出章程规定的宗旨和业务范围进行活动"),
    _a("ec.rights_infringement", EC_MEASURES, "第六条第一款第（二）项",
       "因养老服务行为侵害老年人合法权益"),
    _a("ec.fraud", EC_MEASURES, "第六条第一款第（三）项",
       "以非法集资或者欺骗手段销售“保健”产品等方式诈骗老年人财物"),
    _a("ec.fire_hazard", EC_MEASURES, "第六条第一款第（四）项", "存在重大火灾隐患，无故拖延，逾期不改"),
    _a("ec.safety_accident", EC_MEASURES, "第六条第一款第（五）项",
       "对发生的安全事故负有主要或者直接责任"),
    _a("ec.subsidy_fraud", EC_MEASURES, "第六条第一款第（六）项",
       "采取虚报冒领等方式骗取政府补贴资金"),
    _a("ec.obstruction", EC_MEASURES, "第六条第一款第（七）项",
       "拒不接受或者不按照规定接受监督检查，或者隐瞒真实情况、弄虚作假"),
    _a("ec.annual_report", EC_MEASURES, "第六条第一款第（八）项",
       "不按照规定报送年度工作报告、履行信息公开义务"),
    _a("ec.other", EC_MEASURES, "第六条第一款第（九）项", "其他严重违法失信情形"),
    _a("ec.dishonest_debtor", EC_MEASURES, "第六条第二款", "被人民法院认定为失信被执行人"),
    _a("ec.validity", EC_MEASURES, "第十条", "联合惩戒对象名单有效期为3年，期满移出"),
    _a("ec.early_removal", EC_MEASURES, "第十一条",
       "列入满2年，未再发生严重违法失信行为、履行义务完成整改的，可申请移出"),
    _a("red.criteria", LOCAL_RED, "",
       "评估等级4A及以上且在有效期内；近3年无惩戒名单记录、无行政处罚；近2年年报按时；信用评分在最高档"),
    _a("red.review", LOCAL_RED, "", "红名单每年复核，不再符合条件的移出"),
    _a("civil.period", CIVIL_CODE, "第二百零一条、第二百零二条",
       "期间开始的当日不计入；到期月的对应日为期间的最后一日"),
])


def article(code: str) -> Article:
    return ARTICLES[code]


# --- measures (joint reward and punishment) --------------------------------------------------

@dataclass(frozen=True)
class Measure:
    code: str  # a core.sanctions code when this platform enforces it, else "ext.*"
    label: str
    memorandum: str
    clause: str
    department: str

    @property
    def enforced_here(self) -> bool:
        return not self.code.startswith("ext.")


_SO_MEMO = "《关于对社会组织领域严重违法失信责任主体实施联合惩戒的合作备忘录》"
_EC_MEMO = EC_MEASURES
_RED_MEMO = "《关于对社会组织领域守信主体实施联合激励的合作备忘录》"

MEASURES: dict[str, tuple[Measure, ...]] = {
    ABNORMAL: (
        Measure(sanctions.NO_GOVERNMENT_PURCHASE, "不得承接政府购买服务", SO_MEASURES,
                "第二十一条", "财政部门、民政部门"),
        Measure("ext.no_commendation", "不予评比表彰", SO_MEASURES, "第二十一条", "民政部门"),
        Measure("ext.key_supervision", "列为重点监管对象，提高抽查比例", SO_MEASURES, "第二十一条",
                "民政部门"),
    ),
    SERIOUS: (
        Measure(sanctions.NO_POSTING, "不得在平台发布慈善需求或供给", _SO_MEMO, "第二部分第（一）项",
                "民政部门（本平台）"),
        Measure(sanctions.NO_MATCHING, "不得参与慈善供需对接", _SO_MEMO, "第二部分第（一）项",
                "民政部门（本平台）"),
        Measure(sanctions.NO_CONFIRMING_HOURS, "不得确认志愿服务时长", _SO_MEMO, "第二部分第（一）项",
                "民政部门（本平台）"),
        Measure(sanctions.NO_GOVERNMENT_PURCHASE, "不得承接政府购买服务", _SO_MEMO,
                "第二部分第（二）项", "财政部门"),
        Measure(sanctions.NO_FUNDING, "不得获得财政资金资助", _SO_MEMO, "第二部分第（三）项",
                "财政部门、发展改革部门"),
        Measure("ext.tax_preference_review", "从严审核公益性捐赠税前扣除资格", _SO_MEMO,
                "第二部分第（四）项", "税务部门"),
        Measure("ext.no_honours", "不得参加评比表彰", _SO_MEMO, "第二部分第（五）项", "各有关部门"),
    ),
    ELDERCARE: (
        Measure(sanctions.NO_POSTING, "不得在平台发布慈善需求或供给", _EC_MEMO, "第十三条",
                "民政部门（本平台）"),
        Measure(sanctions.NO_MATCHING, "不得参与慈善供需对接", _EC_MEMO, "第十三条",
                "民政部门（本平台）"),
        Measure(sanctions.NO_CONFIRMING_HOURS, "不得确认志愿服务时长", _EC_MEMO, "第十三条",
                "民政部门（本平台）"),
        Measure(sanctions.NO_GOVERNMENT_PURCHASE, "限制承接政府购买养老服务", _EC_MEMO, "第十三条",
                "民政部门、财政部门"),
        Measure(sanctions.NO_FUNDING, "限制获得养老服务补贴和财政资金", _EC_MEMO, "第十三条",
                "民政部门、财政部门"),
        Measure("ext.market_supervision", "作为重点监管对象，加大检查频次", _EC_MEMO, "第十三条",
                "市场监管部门"),
        Measure("ext.responsible_persons", "限制主要负责人担任养老服务机构负责人", _EC_MEMO,
                "第十三条", "民政部门"),
    ),
    RED: (
        Measure(sanctions.PRIORITY_FUNDING, "优先获得财政资金资助", _RED_MEMO, "第二部分第（一）项",
                "财政部门、民政部门"),
        Measure(sanctions.PRIORITY_PURCHASE, "政府购买服务中优先考虑", _RED_MEMO,
                "第二部分第（二）项", "财政部门"),
        Measure("ext.fast_track", "行政审批“绿色通道”、容缺受理", _RED_MEMO, "第二部分第（三）项",
                "各有关部门"),
        Measure("ext.fewer_inspections", "适当减少抽查频次", _RED_MEMO, "第二部分第（四）项",
                "民政部门"),
    ),
}


# The measures are run by the bureau as the "credit.measures" catalogue (core.catalogues):
# MEASURES above are its shipped defaults, marked "to verify" until a person has checked each
# memorandum and clause against the published text. An item's code is "<list>.<measure>".
MEASURE_CATALOGUE = "credit.measures"
MEASURE_FIELDS = {"list_type": _l("名单"), "measure": _l("措施代码"), "memorandum": _l("备忘录/依据"),
                  "clause": _l("条款"), "department": _l("实施部门")}


def measure_defaults() -> tuple:
    return tuple((f"{list_type}.{m.code}", m.label,
                  {"list_type": list_type, "measure": m.code, "memorandum": m.memorandum,
                   "clause": m.clause, "department": m.department})
                 for list_type, group in MEASURES.items() for m in group)


def register_measures() -> None:
    from core.catalogues import Catalogue, register_catalogue

    register_catalogue(Catalogue(MEASURE_CATALOGUE, _l("联合奖惩措施"), MEASURE_FIELDS,
                                 measure_defaults(), defaults_to_verify=True,
                                 choices={"list_type": LIST_TYPES}))


def measures_for(list_type: str, on=None) -> tuple[Measure, ...]:
    """The measures of a list in force on ``on`` (today), as the bureau's catalogue has them."""
    from core import catalogues

    return tuple(Measure(i.fields.get("measure") or i.code, str(i.label),
                         i.fields.get("memorandum", ""), i.fields.get("clause", ""),
                         i.fields.get("department", ""))
                 for i in catalogues.all_items(MEASURE_CATALOGUE, on)
                 if i.fields.get("list_type") == list_type)


def measures_version() -> int:
    """The catalogue's version, carried by the feed (0: as shipped)."""
    from core import catalogues

    return catalogues.version(MEASURE_CATALOGUE)


def measure_codes(list_type: str) -> list[str]:
    return [m.code for m in measures_for(list_type)]


def platform_codes(list_type: str) -> list[str]:
    """The measures this platform enforces through core.sanctions."""
    return [m.code for m in measures_for(list_type) if m.enforced_here]


def measures_for_all() -> list[Measure]:
    return [m for list_type in LIST_TYPES for m in measures_for(list_type)]


def measure_label(code: str) -> str:
    for measure in measures_for_all():
        if measure.code == code:
            return measure.label
    return sanctions.measure_label(code)


# --- credit facts ---------------------------------------------------------------------------

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


# --- states, outcomes and codes, as Jinja filters ----------------------------------------------

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
    "renewed": _l("年度复核续期"),
    "objection_upheld": _l("异议成立"), "objection_corrected": _l("异议成立，信息已更正"),
    "declined": _l("不予列入"), "decision": _l("决定移出"),
}
TIER_LABELS = {"red": _l("红（高风险）"), "yellow": _l("黄（较高风险）"), "blue": _l("蓝（较低风险）"),
               "green": _l("绿（低风险）")}
FACT_STATUS_LABELS = {"effective": _l("有效"), "superseded": _l("已更正"), "frozen": _l("异议中"),
                      "void": _l("更正记录")}


def _get(table):
    return lambda code: str(table.get(code, code or ""))


_SOURCE_KEY = re.compile(r"^[a-z_]+\.[a-z_]+:")


def document_words(value: str | None) -> str:
    """A document number as people read it: a fact the platform recorded itself carries its
    source key there (``charity.proposal:44:fulfilled:need``), which is said in words."""
    if value and _SOURCE_KEY.match(value):
        return str(_l("本平台自动记录"))
    return value or ""


FILTERS = {
    "credit_list": _get(LIST_LABELS), "credit_state": _get(STATE_LABELS),
    "credit_outcome": _get(OUTCOME_LABELS), "credit_removal": _get(REMOVAL_LABELS),
    "credit_tier": _get(TIER_LABELS), "credit_result": _get(RESULTS),
    "credit_report": _get(REPORT_STATUSES), "credit_fact_status": _get(FACT_STATUS_LABELS),
    "credit_kind": kind_label, "credit_subtype": subtype_label, "credit_measure": measure_label,
    "credit_document": document_words,
}


# What each audited credit action is, in words (core.audit.action_label).
AUDIT_ACTIONS = {
    "credit": _l("信用监管"),
    "credit.fact": _l("信用信息"),
    "credit.fact.record": _l("记录信用信息"),
    "credit.fact.import": _l("导入信用信息"),
    "credit.fact.correct": _l("更正信用信息"),
    "credit.annual_report.import": _l("导入年度报告"),
    "credit.entry": _l("名单记录"),
    "credit.entry.proposed": _l("拟列入名单"),
    "credit.entry.notified": _l("告知拟列入（异议期开始）"),
    "credit.entry.objected": _l("名单记录异议处理中"),
    "credit.entry.published": _l("列入名单并公示"),
    "credit.entry.removed": _l("移出名单"),
    "credit.entry.cancelled": _l("撤销名单记录"),
    "credit.entry.served": _l("告知书已送达"),
    "credit.entry.under_objection": _l("标注异议处理状态"),
    "credit.objection": _l("异议"),
    "credit.objection.file": _l("提出异议"),
    "credit.objection.decide": _l("作出异议处理决定"),
    "credit.objection.accept_late": _l("受理逾期异议"),
    "credit.repair": _l("信用修复"),
    "credit.repair.apply": _l("申请信用修复"),
    "credit.repair.decide": _l("作出信用修复决定"),
    "credit.inspection": _l("双随机抽查"),
    "credit.inspection.commit": _l("抽查随机种子承诺"),
    "credit.inspection.draw": _l("抽查摇号"),
    "credit.inspection.cancel": _l("取消抽查"),
    "credit.inspection.directory": _l("建立抽查名录"),
    "credit.inspection.subjects": _l("抽查对象名录变更"),
    "credit.inspection.inspectors": _l("执法检查人员名录变更"),
    "credit.inspection.subjects.added": _l("抽查对象名录：加入"),
    "credit.inspection.subjects.left": _l("抽查对象名录：注销或撤销登记后退出"),
    "credit.inspection.subjects.deactivated": _l("抽查对象名录：暂停"),
    "credit.inspection.subjects.reactivated": _l("抽查对象名录：恢复"),
    "credit.inspection.inspectors.added": _l("检查人员名录：加入"),
    "credit.inspection.inspectors.deactivated": _l("检查人员名录：暂停"),
    "credit.inspection.inspectors.reactivated": _l("检查人员名录：恢复"),
    "credit.inspector.conflict": _l("登记检查人员回避关系"),
    "credit.feed.feedback": _l("联合奖惩反馈"),
    "credit.score.run": _l("计算信用评分"),
    "credit.score_model": _l("信用评分模型"),
    "credit.score_model.train": _l("训练评分模型"),
    "credit.score_model.promote": _l("启用评分模型"),
}


# --- records as a person names them (never by row id: issue 15) -----------------------------

def entry_ref(entry) -> str:
    """A list entry as the subject and a reviewer name it: its list and decision number once
    decided, else its list and the day it was proposed."""
    name = str(LIST_LABELS.get(entry.list_type, ""))
    if entry.decision_document:
        return f"{name}列入决定（{entry.decision_document}）"
    from core.timeutil import local_date

    proposed = local_date(entry.created_at).isoformat() if entry.created_at else ""
    return f"{proposed}拟列入{name}的记录"


def objection_ref(objection) -> str:
    return f"{objection.filed_on.isoformat()}提出的异议"


def repair_ref(repair) -> str:
    return f"{repair.applied_on.isoformat()}提出的信用修复申请"


def fact_ref(fact) -> str:
    return f"{fact.occurred_on.isoformat()}的{fact_label(fact)}信息" if getattr(
        fact, "occurred_on", None) else f"{fact_label(fact)}信息"
