"""Drives the demo's list entries through due process as a bureau would: notice within days,
some objections (decided), publication after the window, rectification and repair, random
inspection draws."""

from __future__ import annotations

from datetime import date, time, timedelta

from core import clock, workdays
from core.extensions import db
from core.timeutil import local_datetime
from credit.dates import period_complete_on
from credit.demo.world import attempt
from credit.inspections import services as inspections
from credit.lists import entries, objections, repair, scan
from credit.models import EntryState

S = EntryState
FIX = {"low": 0.9, "medium": 0.6, "high": 0.3}  # rectifies and applies for repair
OBJECT = 0.10  # share of notified entries the subject objects to
OUTCOMES = (("upheld", 0.3), ("verified", 0.4), ("rejected", 0.3))


class Driver:
    def __init__(self, world):
        self.w, self.rng, self.reg = world, world.rng, world.regulator
        self.numbers = iter(range(1, 10**6))

    def _try(self, func, *args, **kwargs):
        return attempt(func, *args, **kwargs)

    # --- from proposal to publication ---------------------------------------------------------

    def after_scan(self, day: date, created) -> None:
        for entry in created or []:
            if entry.list_type == "abnormal" and self.rng.random() < 0.03:
                self.w.at(day + timedelta(days=2), self.decline, entry)
            else:
                self.w.at(day + timedelta(days=self.rng.randint(1, 4)), self.notify, entry)

    def decline(self, day, entry) -> None:
        self._try(entries.cancel, self.reg, entry, "经复核，主管单位书面证明该组织不负直接责任", day)

    def notify(self, day, entry) -> None:
        if self._try(entries.notify, self.reg, entry, day) is None:
            return
        if self.rng.random() < OBJECT:
            self.w.at(day + timedelta(days=self.rng.randint(1, 7)), self.object, entry)
        wait = self.rng.randint(1, 5)
        # History: the notice was handed over and signed for the next day. The last fortnight's
        # notices are left in the organizations' inboxes (and emails) for the demo to show.
        if day + timedelta(days=1) <= self.w.today - timedelta(days=14):
            self.w.at(day + timedelta(days=1), self.serve, entry, wait)

    def serve(self, day, entry, wait: int) -> None:
        if self._try(entries.serve_in_person, self.reg, entry, day, "送达回证（演示）") is None:
            return
        if entry.objection_due is not None:
            self.w.at(workdays.add_working_days(entry.objection_due, wait),
                      self.publish, entry, 0)

    def publish(self, day, entry, tries: int) -> None:
        if entry.state == S.OBJECTED and tries < 6:
            self.w.at(day + timedelta(days=7), self.publish, entry, tries + 1)
            return
        if entry.state != S.NOTIFIED or entries.publish_blockers(entry, day):
            return
        document = f"常民信决〔{day.year}〕{next(self.numbers)}号"
        if self._try(entries.publish, self.reg, entry, document, day) is not None \
                and entry.state == S.PUBLISHED:  # not when it joined a serious entry
            self.after_publish(day, entry)

    def object(self, day, entry) -> None:
        staff = self.w.staff_of(entry.organization)
        on_fact = entry.fact_ids and self.rng.random() < 0.5
        objection = self._try(objections.file_objection, staff, entry.org_id,
                              "对列入依据有异议，附说明材料", entry_id=None if on_fact else entry.id,
                              fact_id=entry.fact_ids[0] if on_fact else None,
                              evidence_ref="异议说明及附件", today=day)
        if objection is not None:
            self.w.at(day + timedelta(days=self.rng.randint(5, 15)), self.decide, objection)

    def object_to_fact(self, day, org, fact, reason: str) -> None:
        objections.file_objection(self.w.staff_of(org), org.id, reason, fact_id=fact.id,
                                  evidence_ref="公示照片 3 张", today=day)

    def decide(self, day, objection) -> None:
        roll, total, outcome = self.rng.random(), 0.0, "rejected"
        for name, share in OUTCOMES:
            total += share
            if roll < total:
                outcome = name
                break
        correction = None
        if outcome == "upheld" and objection.fact and objection.fact.amount_yuan:
            correction = {"amount_yuan": objection.fact.amount_yuan // 10}
        reason = {"upheld": "核对原始决定书，录入有误，予以更正", "verified": "经核实，信息与原始决定书一致",
                  "rejected": "异议理由不成立"}[outcome]
        fact_id = objection.entry.fact_ids[0] if outcome == "upheld" and objection.entry_id \
            and objection.entry.fact_ids else None
        self._try(objections.decide_objection, self.reg, objection, outcome, reason,
                  correction=correction, fact_id=fact_id, today=day)

    # --- after publication: rectification, repair ----------------------------------------

    def after_publish(self, day, entry) -> None:
        risk = self.w.latent[entry.org_id].risk
        if entry.list_type == "abnormal":  # the 2-year move is checked when it falls due
            self.w.at(period_complete_on(entry.listed_since, years=2), self.w.touch,
                      entry.org_id)
        if entry.list_type == "abnormal" and entry.needs_rectification:
            if self.rng.random() < FIX[risk]:
                self.w.at(day + timedelta(days=self.rng.randint(20, 150)), self.rectify, entry)
        elif entry.list_type in ("serious", "eldercare") and self.rng.random() < FIX[risk] / 2:
            check = repair.check(entry, day)
            self.w.at(check.earliest + timedelta(days=self.rng.randint(0, 90)), self.apply, entry)

    def rectify(self, day, entry) -> None:
        if entry.state != S.PUBLISHED:
            return
        subject = scan.subject_view(entry.org_id, day)
        for fact in [f for f in subject.facts if f.id in set(entry.fact_ids)]:
            if fact.kind == "annual_report" and fact.report_status == "missing":
                self.w.maker.file_report(day, entry.organization, fact.report_year)
            elif fact.rectify_deadline and not subject.certified("rectified").get(fact.id):
                self.w.save(entry.organization, {"kind": "certificate", "subtype": "rectified",
                            "related_fact_id": fact.id, "summary": "整改完成，验收合格"}, day, day)
            elif fact.subtype == "letter_unsigned":
                self.w.save(entry.organization, {"kind": "certificate",
                            "subtype": "contact_restored", "related_fact_id": fact.id,
                            "summary": "已到登记管理机关说明情况，恢复联系"}, day, day)
        self.w.at(day + timedelta(days=self.rng.randint(3, 20)), self.apply, entry)

    def apply(self, day, entry) -> None:
        if entry.state != S.PUBLISHED:
            return
        earliest = repair.check(entry, day).earliest
        if day < earliest:  # not yet allowed: apply when it is
            self.w.at(earliest + timedelta(days=self.rng.randint(0, 20)), self.apply, entry)
            return
        application = self._try(repair.apply_for_repair, self.w.staff_of(entry.organization),
                                entry.id, "已履行相关义务、完成整改", "整改报告及证明材料", day)
        if application is not None:
            self.w.at(workdays.add_working_days(day, self.rng.randint(2, 5)), self.approve,
                      application)

    def approve(self, day, application) -> None:
        if self._try(repair.decide_repair, self.reg, application, True, "经核实，已完成整改", day) \
                is None:
            self._try(repair.decide_repair, self.reg, application, False,
                      "经核实，尚不符合移出条件", day)

    # --- random inspections ----------------------------------------------------------------

    def draw(self, day) -> None:
        """Commit in the morning; reveal the next morning, once the commitment has been
        public for the policy's hours."""
        half = "上" if day.month < 7 else "下"
        row = self._try(inspections.commit, self.reg, f"{day.year} 年{half}半年双随机抽查",
                        at=local_datetime(day, time(9, 0)))
        if row is not None:
            self.w.at(day + timedelta(days=1), self.reveal, row)

    def reveal(self, day, row) -> None:
        at = min(local_datetime(day, time(10, 0)), clock.now())
        if self._try(inspections.reveal, self.reg, row, at=at) is None:
            return
        for assignment in row.assignments:
            when = day + timedelta(days=self.rng.randint(5, 40))
            self.w.at(when, self.inspect, assignment)

    def inspect(self, day, assignment) -> None:
        org = assignment.organization
        if org.status not in ("active", "suspended"):
            return
        fact = self.w.maker.inspection(org, day, day, f"双随机抽查：{assignment.draw.title}"[:100],
                                                   f"常民查〔{day.year}〕{next(self.numbers)}号")
        assignment.result_fact_id = fact.id
        db.session.flush()
