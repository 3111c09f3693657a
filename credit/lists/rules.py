"""The list rules: one small function per inclusion rule of DOMAIN.md, each citing its article.

A rule reads a ``Subject`` (an organization's effective facts and its entries, plain data) and
a date, and returns a ``Proposal`` (the list, the rule, the article, the facts it rests on) or
None. Rules never look at the integrity score for punishment lists. A fact already used as a
ground on the same list is not proposed again, so a scan is idempotent; rules that need a
*combination* of facts (two letters, repeated penalties) fire when at least one of them is new.
The removal rules are in ``credit.removals``. Dates: see ``credit.dates``. (One file on
purpose, a little over the usual length: every inclusion rule is read in one place.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise

from core.config import policy
from credit.dates import add_years, period_complete_on, within_period
from credit.vocabulary import ABNORMAL, ELDERCARE, RED, SERIOUS, article


@dataclass(frozen=True)
class Proposal:
    list_type: str
    rule_code: str
    article: str  # ARTICLES codes, comma-separated when several rules are combined
    reason: str
    since: date  # the day the criterion was met
    fact_ids: tuple[int, ...] = ()
    source_entry_ids: tuple[int, ...] = ()
    needs_rectification: bool = False
    key_suffix: str = ""

    @property
    def legal_basis(self) -> str:
        return "；".join(article(code).citation for code in self.article.split(","))

    @property
    def grounds_key(self) -> str:
        parts = [f"f{i}" for i in sorted(self.fact_ids)]
        parts += [f"e{i}" for i in sorted(self.source_entry_ids)]
        key = ",".join(parts) + (f"|{self.key_suffix}" if self.key_suffix else "")
        return key if len(key) <= 200 else "h:" + hashlib.sha256(key.encode()).hexdigest()


@dataclass
class Subject:
    """What the rules may know about one organization, as of a day."""

    org_id: int
    is_social: bool
    is_eldercare: bool
    status: str
    registration_date: date
    facts: list = field(default_factory=list)  # effective facts, oldest first
    entries: list = field(default_factory=list)  # ListEntry-like objects, every state
    score_grade: str | None = None
    scoring_available: bool = False  # this subject has a score the rules may read
    scoring_installed: bool = False  # a scoring package provides scores at all
    # Approved changes of its kind or eldercare flag, oldest first: (the day it was decided,
    # (is_social, is_eldercare) before, the same after). A rule applies to the subject as it
    # was when the facts happened (history.identity_history).
    history: list = field(default_factory=list)

    def identities_on(self, day: date) -> set[tuple[bool, bool]]:
        """What the subject was on ``day``: on the day of a change, both what it was and
        what it became (a same-day change takes nobody out of a rule)."""
        if not self.history:
            return {(self.is_social, self.is_eldercare)}
        earlier = [after for on, _before, after in self.history if on < day]
        start = earlier[-1] if earlier else self.history[0][1]
        return {start} | {after for on, _before, after in self.history if on == day}

    def ever(self, list_type: str) -> bool:
        """Whether the list applied to the subject at any time (today or before a change)."""
        held = {(self.is_social, self.is_eldercare)}
        held |= {i for _on, before, after in self.history for i in (before, after)}
        return any(fits(i, list_type) for i in held)

    def as_of_facts(self, list_type: str) -> Subject:
        """The subject with only the facts formed while the list applied to it (certificates
        and grades speak about other facts or the subject, not about its kind)."""
        if not self.history or list_type == RED:
            return self
        return replace(self, facts=[
            f for f in self.facts if f.kind in ("certificate", "grade")
            or any(fits(i, list_type) for i in self.identities_on(f.occurred_on))])

    def of(self, kind: str, *subtypes: str) -> list:
        return [f for f in self.facts if f.kind == kind and (not subtypes or f.subtype in subtypes)]

    def _deciding(self, list_type: str) -> list:
        """Entries whose grounds are decided (any state), except those ended because one of
        their facts was corrected on objection: their other grounds may be proposed again."""
        return [e for e in self.entries if e.list_type == list_type
                and e.removal_code != "objection_corrected"]

    def covered(self, list_type: str) -> set[int]:
        return {i for e in self._deciding(list_type) for i in e.fact_ids}

    def covered_entries(self, list_type: str) -> set[int]:
        return {i for e in self._deciding(list_type) for i in e.source_entry_ids}

    def published(self, list_type: str) -> list:
        return [e for e in self.entries if e.list_type == list_type and e.state == "published"]

    def certified(self, subtype: str) -> dict[int, list]:
        """Certificates of ``subtype`` by the fact they refer to."""
        found: dict[int, list] = {}
        for cert in self.of("certificate", subtype):
            found.setdefault(cert.related_fact_id, []).append(cert)
        return found


def fits(identity: tuple[bool, bool], list_type: str) -> bool:
    is_social, is_eldercare = identity
    return {ABNORMAL: is_social, SERIOUS: is_social, ELDERCARE: is_eldercare}.get(
        list_type, is_social or is_eldercare)


Found = list[tuple[object, date]]  # (fact, the day it qualifies)


def _propose(subject: Subject, list_type: str, rule: str, code: str, found: Found,
             reason: str, rectify: bool = False) -> Proposal | None:
    """A proposal for the facts in ``found`` not yet grounds on this list, or None."""
    covered = subject.covered(list_type)
    if list_type == ABNORMAL:  # 第十二条: certified not directly responsible → not listed
        excused = set(subject.certified("not_responsible"))
        found = [(f, d) for f, d in found if f.id not in excused]
    fresh = [(f, d) for f, d in found if f.id not in covered]
    if not fresh:
        return None
    return Proposal(list_type, rule, code, reason, max(d for _f, d in fresh),
                    tuple(f.id for f, _d in fresh), needs_rectification=rectify)


def _combination(subject: Subject, list_type: str, rule: str, code: str, facts: list,
                 reason: str, rectify: bool = False) -> Proposal | None:
    if not facts or all(f.id in subject.covered(list_type) for f in facts):
        return None
    return Proposal(list_type, rule, code, reason, facts[-1].occurred_on,
                    tuple(f.id for f in facts), needs_rectification=rectify)


def _dates(facts) -> str:
    return "、".join(f.occurred_on.isoformat() for f in facts)


# --- selectors: which facts qualify, and from which day -------------------------------------

def missing_reports(subject: Subject) -> Found:
    return [(f, f.occurred_on) for f in subject.of("annual_report")
            if f.report_status == "missing"]


def overdue_rectifications(subject: Subject, today: date, kind: str, subtype: str) -> Found:
    """Rectification ordered with a deadline and not certified done by that day; qualifies from
    the day after the deadline."""
    done = subject.certified("rectified")
    found = []
    for f in subject.of(kind, subtype):
        if f.rectify_deadline is None or (kind == "inspection" and f.result == "pass"):
            continue
        on_time = any(c.occurred_on <= f.rectify_deadline for c in done.get(f.id, []))
        if not on_time and today > f.rectify_deadline:
            found.append((f, f.rectify_deadline + timedelta(days=1)))
    return found


def unsigned_letter_pairs(subject: Subject) -> list[tuple[object, object]]:
    """Consecutive registered letters, both unsigned, ``unreachable_letter_min_days`` to
    ``…_max_days`` apart (DOMAIN.md; 第十一条)."""
    low, high = policy("unreachable_letter_min_days"), policy("unreachable_letter_max_days")
    letters = sorted(subject.of("contact"), key=lambda f: (f.occurred_on, f.id))
    return [(a, b) for a, b in pairwise(letters)
            if a.subtype == b.subtype == "letter_unsigned"
            and low <= (b.occurred_on - a.occurred_on).days <= high]


def minor_penalties(subject: Subject) -> Found:
    """Warnings and fines under ``serious_fine_yuan`` (DOMAIN.md: 50,000 yuan)."""
    limit = policy("serious_fine_yuan")
    return [(f, f.occurred_on) for f in subject.of("penalty", "warning", "fine")
            if f.subtype == "warning" or (f.amount_yuan or 0) < limit]


def large_fines(subject: Subject) -> Found:
    limit = policy("serious_fine_yuan")
    return [(f, f.occurred_on) for f in subject.of("penalty", "fine")
            if (f.amount_yuan or 0) >= limit]


def debtor_listings(subject: Subject) -> Found:
    """Court listings as dishonest judgment debtor not since lifted by the court."""
    lifted = [f.occurred_on for f in subject.of("judicial", "debtor_removed")]
    return [(f, f.occurred_on) for f in subject.of("judicial", "dishonest_debtor")
            if not any(day > f.occurred_on for day in lifted)]


def _simple(subject: Subject, kind: str, *subtypes: str) -> Found:
    return [(f, f.occurred_on) for f in subject.of(kind, *subtypes)]


# --- abnormal-activity directory (社会组织活动异常名录) ------------------------------------------

def rule_abnormal_annual_report_missing(subject: Subject, today: date):
    """第十条第（一）项: the annual work report was not submitted by the deadline."""
    found = missing_reports(subject)
    years = "、".join(str(f.report_year) for f, _d in found)
    return _propose(subject, ABNORMAL, "abnormal.annual_report_missing",
                    "so.abnormal.annual_report", found,
                    f"未在规定期限内报送 {years} 年度工作报告", rectify=True)


def rule_abnormal_rectification_overdue(subject: Subject, today: date):
    """第十条第（三）项: rectification required by an inspection, not completed by its deadline."""
    found = overdue_rectifications(subject, today, "inspection", "inspection")
    days = "、".join(f.rectify_deadline.isoformat() for f, _d in found)
    return _propose(subject, ABNORMAL, "abnormal.rectification_overdue",
                    "so.abnormal.rectification", found,
                    f"检查要求限期整改，未在整改期限（{days}）内完成", rectify=True)


def rule_abnormal_unreachable(subject: Subject, today: date):
    """第十条第（六）项、第十一条: two registered letters to the registered address, the
    configured number of days apart, both unsigned."""
    pairs = unsigned_letter_pairs(subject)
    if not pairs:
        return None
    first, second = pairs[-1]
    return _combination(subject, ABNORMAL, "abnormal.unreachable", "so.abnormal.unreachable",
                        [first, second], f"通过登记的住所无法取得联系：专用信函于 "
                        f"{_dates([first, second])} 两次邮寄均无人签收", rectify=True)


def rule_abnormal_minor_penalty(subject: Subject, today: date):
    """第十条第（五）项: a warning or a fine under 50,000 yuan (nothing to rectify: removed
    automatically after 6 months)."""
    found = minor_penalties(subject)
    return _propose(subject, ABNORMAL, "abnormal.minor_penalty", "so.abnormal.penalty", found,
                    f"受到警告或者不满 {policy('serious_fine_yuan')} 元罚款处罚"
                    f"（{_dates([f for f, _d in found])}）")


# --- serious-dishonesty list (社会组织严重违法失信名单) -----------------------------------------

def rule_serious_two_years_on_abnormal(subject: Subject, today: date):
    """第十五条第（一）项: on the abnormal-activity directory for 2 years (counted from the day
    it was first listed, not restarted by new facts; complete the day after the 2 years run out)."""
    years = policy("abnormal_to_serious_years")
    done = subject.covered_entries(SERIOUS)
    for entry in subject.published(ABNORMAL):
        due = period_complete_on(entry.listed_since, years=years)
        if today >= due and entry.id not in done:
            return Proposal(SERIOUS, "serious.two_years_on_abnormal", "so.serious.from_abnormal",
                            f"自 {entry.listed_since.isoformat()} 起列入活动异常名录满 {years} 年",
                            due, tuple(entry.fact_ids), (entry.id,), needs_rectification=True)
    return None


def rule_serious_change_revoked(subject: Subject, today: date):
    """第十五条第（二）项: a change registration obtained by fraud was revoked."""
    return _propose(subject, SERIOUS, "serious.change_revoked", "so.serious.change_revoked",
                    _simple(subject, "basic", "change_revoked"), "弄虚作假办理变更登记，被撤销变更登记")


def rule_serious_suspension(subject: Subject, today: date):
    """第十五条第（三）项: ordered to suspend activities for a period."""
    return _propose(subject, SERIOUS, "serious.suspension", "so.serious.suspension",
                    _simple(subject, "penalty", "suspension"), "受到限期停止活动行政处罚")


def rule_serious_large_fine(subject: Subject, today: date):
    """第十五条第（四）项: a fine of 50,000 yuan or more (50,000 itself included)."""
    return _propose(subject, SERIOUS, "serious.large_fine", "so.serious.large_fine",
                    large_fines(subject),
                    f"受到 {policy('serious_fine_yuan')} 元以上罚款处罚")


def rule_serious_repeat_penalties(subject: Subject, today: date):
    """第十五条第（五）项: two or more warnings or fines under 50,000 yuan within 3 years: the
    last of them falls on or before the last day of the 3-year period after the first."""
    count, years = policy("serious_warning_count"), policy("serious_warning_window_years")
    minor = sorted((f for f, _d in minor_penalties(subject)), key=lambda f: (f.occurred_on, f.id))
    best = None
    for end in range(count - 1, len(minor)):
        window = minor[end - count + 1:end + 1]
        if within_period(window[0].occurred_on, window[-1].occurred_on, years=years) and any(
                f.id not in subject.covered(SERIOUS) for f in window):
            best = window
    return _combination(subject, SERIOUS, "serious.repeat_penalties", "so.serious.repeat_penalties",
                        best or [], f"{years} 年内 {count} 次以上受到警告或者不满 "
                        f"{policy('serious_fine_yuan')} 元罚款处罚（{_dates(best or [])}）")


def rule_serious_dishonest_debtor(subject: Subject, today: date):
    """第十五条第（六）项: listed by a court as a dishonest judgment debtor (失信被执行人)."""
    return _propose(subject, SERIOUS, "serious.dishonest_debtor", "so.serious.dishonest_debtor",
                    debtor_listings(subject), "被司法机关纳入失信被执行人名单")


def rule_serious_registration_revoked(subject: Subject, today: date):
    """第十五条第（七）项: registration certificate revoked or registration cancelled."""
    found = _simple(subject, "penalty", "revocation") + \
        _simple(subject, "basic", "registration_revoked")
    return _propose(subject, SERIOUS, "serious.registration_revoked", "so.serious.revoked", found,
                    "被吊销登记证书或者撤销成立登记")


# --- eldercare joint-punishment list (养老服务市场失信联合惩戒对象名单) ----------------------------

def _eldercare(subject, rule, code, found, reason, rectify=False):
    return _propose(subject, ELDERCARE, f"eldercare.{rule}", code, found, reason, rectify)


def rule_eldercare_beyond_scope(subject: Subject, today: date):
    """第六条第一款第（一）项: activities beyond the registered scope."""
    return _eldercare(subject, "beyond_scope", "ec.beyond_scope",
                      _simple(subject, "eldercare", "beyond_scope"), "超出登记范围开展活动")


def rule_eldercare_elder_rights(subject: Subject, today: date):
    """第六条第一款第（二）项: infringing elders' rights in its service (e.g. elder abuse)."""
    return _eldercare(subject, "elder_rights", "ec.rights_infringement",
                      _simple(subject, "eldercare", "elder_abuse"), "因养老服务行为侵害老年人合法权益")


def rule_eldercare_fraud(subject: Subject, today: date):
    """第六条第一款第（三）项: illegal fundraising, or fraudulent "health product" sales."""
    return _eldercare(subject, "fraud", "ec.fraud",
                      _simple(subject, "eldercare", "illegal_fundraising", "fraud_sales"),
                      "以非法集资或者欺骗手段销售“保健”产品等方式诈骗老年人财物")


def rule_eldercare_fire_hazard(subject: Subject, today: date):
    """第六条第一款第（四）项: a major fire hazard not rectified by its deadline."""
    return _eldercare(subject, "fire_hazard", "ec.fire_hazard",
                      overdue_rectifications(subject, today, "eldercare", "fire_hazard"),
                      "存在重大火灾隐患，逾期未整改", rectify=True)


def rule_eldercare_safety_accident(subject: Subject, today: date):
    """第六条第一款第（五）项: main or direct responsibility for a safety accident."""
    found = [(f, d) for f, d in _simple(subject, "eldercare", "safety_accident")
             if f.responsibility in ("main", "direct")]
    return _eldercare(subject, "safety_accident", "ec.safety_accident", found,
                      "对发生的安全事故负有主要或者直接责任")


def rule_eldercare_subsidy_fraud(subject: Subject, today: date):
    """第六条第一款第（六）项: obtaining government subsidies by false claims."""
    return _eldercare(subject, "subsidy_fraud", "ec.subsidy_fraud",
                      _simple(subject, "eldercare", "subsidy_fraud"), "以虚报冒领等方式骗取政府补贴资金")


def rule_eldercare_obstruction(subject: Subject, today: date):
    """第六条第一款第（七）项: refusing or obstructing inspection, or falsifying information."""
    return _eldercare(subject, "obstruction", "ec.obstruction",
                      _simple(subject, "eldercare", "obstruction"), "拒不接受监督检查或者弄虚作假")


def rule_eldercare_reporting(subject: Subject, today: date):
    """第六条第一款第（八）项: annual report not filed, or information not disclosed."""
    found = missing_reports(subject) + _simple(subject, "eldercare", "disclosure_failure")
    return _eldercare(subject, "reporting", "ec.annual_report", found,
                      "不按照规定报送年度工作报告、履行信息公开义务", rectify=True)


def rule_eldercare_dishonest_debtor(subject: Subject, today: date):
    """第六条第二款: found a dishonest judgment debtor by a people's court."""
    return _eldercare(subject, "dishonest_debtor", "ec.dishonest_debtor",
                      debtor_listings(subject), "被人民法院认定为失信被执行人")


# --- red list (守信激励, local policy) -------------------------------------------------------

def report_years_due(today: date, count: int) -> list[int]:
    """The last ``count`` report years whose filing deadline is before ``today``."""
    month, day = (int(x) for x in policy("annual_report_deadline").split("-"))
    latest = today.year - 1 if today > date(today.year, month, day) else today.year - 2
    return [latest - n for n in range(count)]


def red_list_failures(subject: Subject, today: date) -> list[str]:
    """Which red-list criteria (DOMAIN.md, local policy) the subject does not meet today."""
    failures = []
    grades = [f for f in subject.of("grade") if f.valid_until and f.valid_until >= today]
    if not any(f.grade >= policy("red_list_min_grade") for f in grades):
        failures.append(f"无有效的 {policy('red_list_min_grade')}A 及以上评估等级")
    clean = policy("red_list_clean_years")
    since = add_years(today, -clean)
    if any(e.list_type != RED and (e.state == "published" or
                                   (e.state == "removed" and e.removed_on and e.removed_on > since))
           for e in subject.entries):
        failures.append(f"近 {clean} 年有惩戒名单记录")
    if any(within_period(f.occurred_on, today, years=clean) for f in subject.of("penalty")):
        failures.append(f"近 {clean} 年受过行政处罚")
    years = report_years_due(today, policy("red_list_report_years"))
    on_time = {f.report_year for f in subject.of("annual_report") if f.report_status == "on_time"}
    if not set(years) <= on_time:
        failures.append(f"{'、'.join(map(str, years))} 年度报告未全部按时报送")
    if subject.scoring_available and subject.score_grade != policy("red_list_min_score_grade"):
        failures.append("信用评分不在最高档")
    return failures


PENDING = ("proposed", "notified", "objected")


def renewable(entry, today: date) -> bool:
    """A published red entry that runs out before the next yearly review: a subject that still
    qualifies is proposed again now, so the renewal can be decided before the entry ends."""
    return entry.valid_until is not None and entry.valid_until < add_years(today, 1)


def rule_red_list(subject: Subject, today: date):
    """Red list (local policy, DOMAIN.md): grade ≥ 4A still valid, no punishment-side entry and
    no penalty in the last 3 years, annual reports on time for the last 2 years, and (when the
    scoring package is present) a score in the top band. Proposed once per review year, also
    while last year's entry is published (a renewal: ``entries.publish`` continues it)."""
    if red_list_failures(subject, today) or any(
            e.list_type == RED and (e.state in PENDING or (
                e.state == "published" and not renewable(e, today)))
            for e in subject.entries):
        return None
    years = report_years_due(today, policy("red_list_report_years"))
    grade = max((f for f in subject.of("grade") if f.valid_until and f.valid_until >= today),
                key=lambda f: (f.grade, f.occurred_on))
    reports = [f for f in subject.of("annual_report")
               if f.report_year in years and f.report_status == "on_time"]
    score = ("；信用评分在最高档" if subject.scoring_available else
             "；该主体尚无信用评分，评分条件暂不适用" if subject.scoring_installed else
             "；评分模块未接入，评分条件暂不适用")
    return Proposal(RED, "red.yearly_review", "red.criteria",
                    f"评估等级 {grade.grade}A（有效期至 {grade.valid_until.isoformat()}）；近"
                    f" {policy('red_list_clean_years')} 年无处罚、无惩戒名单记录；"
                    f"{'、'.join(map(str, years))} 年度报告按时报送{score}",
                    today, tuple([grade.id] + [f.id for f in reports]), key_suffix=f"y{today.year}")


# --- the engine ----------------------------------------------------------------------------

Rule = Callable[[Subject, date], Proposal | None]

RULES: dict[str, tuple[Rule, ...]] = {
    ABNORMAL: (rule_abnormal_annual_report_missing, rule_abnormal_rectification_overdue,
               rule_abnormal_unreachable, rule_abnormal_minor_penalty),
    SERIOUS: (rule_serious_two_years_on_abnormal, rule_serious_change_revoked,
              rule_serious_suspension, rule_serious_large_fine, rule_serious_repeat_penalties,
              rule_serious_dishonest_debtor, rule_serious_registration_revoked),
    ELDERCARE: (rule_eldercare_beyond_scope, rule_eldercare_elder_rights, rule_eldercare_fraud,
                rule_eldercare_fire_hazard, rule_eldercare_safety_accident,
                rule_eldercare_subsidy_fraud, rule_eldercare_obstruction,
                rule_eldercare_reporting, rule_eldercare_dishonest_debtor),
    RED: (rule_red_list,),
}


def applies(subject: Subject, list_type: str) -> bool:
    """Which lists a subject can be put on (DOMAIN.md), given its status and other entries."""
    if subject.status in ("deregistered", "pending"):
        return False
    if subject.status == "revoked":
        return list_type == SERIOUS
    if list_type == ABNORMAL:  # the stronger list already applies: it is not listed twice
        return subject.ever(ABNORMAL) and not subject.published(SERIOUS)
    if list_type in (SERIOUS, ELDERCARE):
        return subject.ever(list_type)
    return True


def combine(proposals: list[Proposal]) -> Proposal:
    """One entry per list per scan, resting on every ground found."""
    if len(proposals) == 1:
        return proposals[0]
    first = proposals[0]
    return Proposal(
        first.list_type, ",".join(p.rule_code for p in proposals),
        ",".join(dict.fromkeys(c for p in proposals for c in p.article.split(","))),
        "；".join(p.reason for p in proposals), max(p.since for p in proposals),
        tuple(dict.fromkeys(i for p in proposals for i in p.fact_ids)),
        tuple(dict.fromkeys(i for p in proposals for i in p.source_entry_ids)),
        any(p.needs_rectification for p in proposals), first.key_suffix)


def evaluate(subject: Subject, today: date, lists=(ABNORMAL, SERIOUS, ELDERCARE)) -> list[Proposal]:
    """Every proposal the rules make for ``subject`` on ``today`` (one per list at most)."""
    found = []
    for list_type in lists:
        if not applies(subject, list_type):
            continue
        view = subject.as_of_facts(list_type)
        hits = [p for rule in RULES[list_type] if (p := rule(view, today)) is not None]
        if hits:
            found.append(combine(hits))
    return found

