"""What the lists are: list types, the legal provisions the rules cite, and each list's measures.

Every citation a rule, an entry or a removal carries comes from ``ARTICLES`` — one place to
check against the official text (see docs/credit-rules.md for which provisions were
cross-checked and which the bureau's legal office should confirm before go-live). The measure
catalogue is seed data: each measure names the memorandum, the clause and the department that
applies it; the ones this platform enforces itself map to ``core.sanctions`` codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core import sanctions

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


def measures_for(list_type: str) -> tuple[Measure, ...]:
    return MEASURES[list_type]


def measure_codes(list_type: str) -> list[str]:
    return [m.code for m in MEASURES[list_type]]


def platform_codes(list_type: str) -> list[str]:
    """The measures this platform enforces through core.sanctions."""
    return [m.code for m in MEASURES[list_type] if m.enforced_here]


def measures_for_all() -> list[Measure]:
    return [m for group in MEASURES.values() for m in group]


def measure_label(code: str) -> str:
    for group in MEASURES.values():
        for measure in group:
            if measure.code == code:
                return measure.label
    return sanctions.measure_label(code)
