"""The removal rules: when a published entry leaves its list by itself, and the earliest day
credit repair may remove it (never earlier than the measures allow). Dates: ``credit.dates``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.config import policy
from credit.dates import period_complete_on
from credit.lists.rules import (
    PENDING,
    Subject,
    _simple,
    debtor_listings,
    large_fines,
    minor_penalties,
    missing_reports,
    overdue_rectifications,
    red_list_failures,
    unsigned_letter_pairs,
)
from credit.vocabulary import ABNORMAL, ELDERCARE, RED, SERIOUS


@dataclass(frozen=True)
class Removal:
    code: str  # auto_expired, expired, deregistered, red_review
    article: str
    reason: str


@dataclass(frozen=True)
class RepairCheck:
    earliest: date
    article: str
    outstanding: list[str] = field(default_factory=list)

    def allows(self, day: date) -> bool:
        return day >= self.earliest and not self.outstanding


def _published(entry, list_type: str) -> bool:
    return entry.list_type == list_type and entry.state == "published"


def removal_abnormal_automatic(entry, today: date) -> Removal | None:
    """第十四条: where there is nothing to rectify, removed automatically once 6 months are
    complete, counted from the clock start (restarted by a new qualifying fact): decided on
    15 January → still listed on 15 July (the last day), removed on 16 July."""
    if not _published(entry, ABNORMAL) or entry.needs_rectification:
        return None
    months = policy("abnormal_auto_removal_months")
    if today < period_complete_on(entry.clock_start, months=months):
        return None
    return Removal("auto_expired", "so.abnormal.removal",
                   f"自 {entry.clock_start.isoformat()} 起列入满 {months} 个月，无需整改，自动移出")


def removal_eldercare_expired(entry, today: date) -> Removal | None:
    """第十条: an eldercare entry is valid for 3 years; removed the day after ``valid_until``."""
    if not _published(entry, ELDERCARE) or entry.valid_until is None or today <= entry.valid_until:
        return None
    return Removal("expired", "ec.validity",
                   f"有效期至 {entry.valid_until.isoformat()} 届满，移出名单")


def removal_serious_deregistered(entry, subject: Subject) -> Removal | None:
    """第十七条: an organization listed because its registration was revoked is removed once
    it is deregistered."""
    if not _published(entry, SERIOUS):
        return None
    revoked = {f.id for f in subject.of("penalty", "revocation")} | \
        {f.id for f in subject.of("basic", "registration_revoked")}
    if not revoked & set(entry.fact_ids):
        return None
    if subject.status != "deregistered" and not subject.of("basic", "deregistration"):
        return None
    return Removal("deregistered", "so.serious.removal", "因吊销、撤销登记列入，已完成注销登记，移出名单")


def removal_red_review(entry, subject: Subject, today: date, yearly: bool = False
                       ) -> Removal | None:
    """Red list (local policy): removed when its year runs out, at once when a hard criterion
    fails (a penalty, a punishment-side entry, the grade expired), and at the yearly review
    when any criterion (the score band too) is no longer met. A subject that qualified again
    at the review stays listed while its renewal is in due process (no gap on the public
    list); once the renewal is published it continues the entry, and if it is cancelled the
    entry runs out at the next daily run."""
    if not _published(entry, RED):
        return None
    renewing = any(e.list_type == RED and e.state in PENDING and e.id != entry.id
                   for e in subject.entries)
    if entry.valid_until is not None and today > entry.valid_until and not renewing:
        return Removal("expired", "red.review", f"红名单有效期至 {entry.valid_until.isoformat()} 届满")
    failures = red_list_failures(subject, today)
    if not yearly:
        failures = [f for f in failures if "评分" not in f and "年度报告" not in f]
    if not failures:
        return None
    return Removal("red_review", "red.review", "不再符合红名单条件：" + "；".join(failures))


# --- repair (信用修复) ------------------------------------------------------------------------

def _formations(subject: Subject, today: date, list_type: str) -> list[date]:
    """Days on which facts qualifying for a punishment list formed (abnormal and serious
    together for social organizations, as 第十七条 asks)."""
    if list_type == ELDERCARE:
        found = [d for _f, d in missing_reports(subject) + debtor_listings(subject)]
        found += [d for _f, d in overdue_rectifications(subject, today, "eldercare", "fire_hazard")]
        found += [f.occurred_on for f in subject.of("eldercare") if f.subtype not in
                  ("fire_hazard", "safety_accident") or f.responsibility in ("main", "direct")]
        return found
    found = [d for _f, d in missing_reports(subject) + minor_penalties(subject)
             + large_fines(subject) + debtor_listings(subject)
             + overdue_rectifications(subject, today, "inspection", "inspection")]
    found += [b.occurred_on for _a, b in unsigned_letter_pairs(subject)]
    found += [d for _f, d in _simple(subject, "penalty", "suspension", "revocation")
              + _simple(subject, "basic", "change_revoked", "registration_revoked")]
    return found


def last_new_fact(entry, subject: Subject, today: date) -> date | None:
    """The latest day after the entry's clock start on which a new qualifying fact formed."""
    later = [d for d in _formations(subject, today, entry.list_type)
             if entry.clock_start < d <= today]
    return max(later) if later else None


def duties_outstanding(entry, subject: Subject) -> list[str]:
    """Duties behind the entry's grounds that the records show as not yet fulfilled."""
    grounds = [f for f in subject.facts if f.id in set(entry.fact_ids)]
    rectified = subject.certified("rectified")
    filed = {f.report_year for f in subject.of("annual_report")
             if f.report_status in ("on_time", "late")}
    contact = [f.occurred_on for f in subject.of("certificate", "contact_restored")] + \
        [f.occurred_on for f in subject.of("contact", "letter_signed")]
    missing = []
    for fact in grounds:
        if fact.kind == "annual_report" and fact.report_year not in filed:
            missing.append(f"尚未补报 {fact.report_year} 年度工作报告")
        elif fact.rectify_deadline is not None and fact.id not in rectified \
                and (fact.kind == "inspection" or fact.subtype == "fire_hazard"):
            missing.append(f"{fact.occurred_on.isoformat()} 要求的整改尚未确认完成")
        elif fact.subtype == "letter_unsigned" and not any(d > fact.occurred_on for d in contact):
            missing.append("尚未恢复与登记管理机关的联系")
    return list(dict.fromkeys(missing))


def _abnormal_earliest(entry, subject: Subject) -> date:
    """A penalty leaves nothing to rectify: 第十四条 removes such grounds only after 6 months,
    so an entry resting on one is not removed earlier on application either."""
    penalties = {f.id for f in subject.of("penalty")}
    if penalties & set(entry.fact_ids):
        return period_complete_on(entry.clock_start,
                                  months=policy("abnormal_auto_removal_months"))
    return entry.decided_on


def repair_check(entry, subject: Subject, today: date) -> RepairCheck:
    """The earliest day repair may remove the entry, and the duties still outstanding.

    - abnormal (第十四条): once the duties are fulfilled; a penalty ground, which has nothing
      to rectify, only after its 6 months;
    - serious (第十七条): 2 years on the list with no new qualifying fact, i.e. 2 years after
      the later of the clock start and the last such fact; duties fulfilled (listed from the
      directory);
    - eldercare (第十一条): the same with 2 years and no new serious dishonesty.
    """
    if entry.list_type == ABNORMAL:
        return RepairCheck(_abnormal_earliest(entry, subject), "so.abnormal.removal",
                           duties_outstanding(entry, subject))
    if entry.list_type not in (SERIOUS, ELDERCARE):
        return RepairCheck(date.max, "red.review", ["红名单不适用信用修复"])
    years = policy("serious_min_years" if entry.list_type == SERIOUS
                   else "eldercare_early_removal_years")
    base = max(entry.clock_start, last_new_fact(entry, subject, today) or entry.clock_start)
    code = "so.serious.removal" if entry.list_type == SERIOUS else "ec.early_removal"
    return RepairCheck(period_complete_on(base, years=years), code,
                       duties_outstanding(entry, subject))
