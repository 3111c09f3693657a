"""Draws facts for the demo history from the process in ``credit.demo.process``: each
subject's latent risk sets its yearly chances; warning signs raise the chance of serious
events in the following 12 months. Every fact goes through ``build_fact`` (the same checks as
a regulator's entry)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from core.extensions import db
from core.orgs import services as orgs
from credit.demo import process as P
from credit.demo.world import attempt
from credit.facts import annual_reports
from credit.facts.records import record_facts
from credit.models import CreditFact

LIGHT_ONLY = "light"  # original demo orgs other packages use: no serious or eldercare events


class FactMaker:
    def __init__(self, world, driver):
        self.w, self.rng, self.driver = world, world.rng, driver
        self.light = {o.id for o in world.ctx.all_orgs()}
        self.batch = False
        self.reports: list = []  # (day, org, year) planned filings
        self.filed: set = set()

    def save(self, org, data: dict, occurred: date, until: date):
        return self.w.save(org, data, occurred, until, batch=self.batch)

    def _day(self, prev: date, day: date) -> date:
        return prev + timedelta(days=self.rng.randint(1, max((day - prev).days, 1)))

    # --- yearly plans ------------------------------------------------------------------------

    def plan_reports(self, year: int) -> None:
        deadline = annual_reports.deadline(year)
        if deadline <= self.w.start:
            return
        for org in self.w.subjects:
            if org.registration_date > date(year, 12, 31):
                continue
            risk, roll = self.w.latent[org.id].risk, self.rng.random()
            if roll < P.YEARLY["report_on_time"][risk]:
                day = deadline - timedelta(days=self.rng.randint(0, 110))
            elif roll < P.YEARLY["report_on_time"][risk] + P.YEARLY["report_late"][risk]:
                day = deadline + timedelta(days=self.rng.randint(2, 120))
            else:
                continue  # missing: the job records it on 1 July
            self.reports.append((max(day, self.w.start + timedelta(days=1)), org, year))

    def _figures(self, org, year: int) -> dict:
        return {"revenue_yuan": self.rng.randint(5, 900) * 1000,
                "expenditure_yuan": self.rng.randint(5, 800) * 1000,
                "staff_count": self.rng.randint(1, 40), "volunteer_count": self.rng.randint(0, 300),
                "activity_count": self.rng.randint(1, 60), "file_ref": f"年报-{year}-{org.uscc}.pdf"}

    def file_reports(self, prev: date, day: date) -> None:
        """Reports filed in (prev, day], in one batch (one audit record), as a bulk import."""
        due = [r for r in self.reports if prev < r[0] <= day]
        facts, figures = [], []
        for when, org, year in due:
            if org.status in ("active", "suspended") and (org.id, year) not in self.filed:
                data = self._figures(org, year)
                facts.append(annual_reports.report_fact(self.w.regulator, org, year,
                                                        data.pop("file_ref"), when))
                figures.append(data)
                self.filed.add((org.id, year))
        record_facts(self.w.regulator, facts, action="credit.annual_report.import")
        for fact, data in zip(facts, figures, strict=True):
            annual_reports.add_report(self.w.regulator, fact, data, fact.evidence_ref, flush=False)
        db.session.flush()

    def file_report(self, day: date, org, year: int) -> None:
        if org.status not in ("active", "suspended") or (org.id, year) in self.filed:
            return
        figures = self._figures(org, year)
        self.filed.add((org.id, year))
        if attempt(annual_reports.submit_report, self.w.regulator, org.id, year, figures,
                   today=day) is not None:
            self.w.touched.add(org.id)

    def plan_grades(self) -> None:
        span = (self.w.today - self.w.start).days
        for org in self.w.subjects:
            if self.rng.random() < P.GRADE_ASSESSED:
                day = self.w.start + timedelta(days=self.rng.randint(1, span - 1))
                grade = P.pick_grade(self.rng, self.w.latent[org.id].risk)
                self.w.at(day, lambda d, o=org, g=grade: self.w.save(o, {
                    "kind": "grade", "subtype": "evaluation", "grade": g,
                    "source_department": "常州市社会组织评估委员会",
                    "summary": f"社会组织评估等级 {g}A"}, d, d + timedelta(days=3)))

    def missing_signs(self, day: date) -> None:
        for org_id in db.session.execute(sa.select(CreditFact.org_id).where(
                CreditFact.report_status == "missing", CreditFact.occurred_on == day)).scalars():
            self.w.latent[org_id].signs.append(day)
            self.w.touched.add(org_id)

    # --- every step --------------------------------------------------------------------------

    def step(self, prev: date, day: date) -> None:
        self.file_reports(prev, day)
        days = (day - prev).days
        self.batch = True
        for org in self.w.subjects:
            if org.status not in ("active", "suspended"):
                continue
            lat = self.w.latent[org.id]
            self._ordinary(org, lat, prev, day, days)
            if org.id in self.w.protected or org.id in self.light:
                continue
            if org.is_social_organization:
                self._serious(org, lat, prev, day, days)
            if org.is_eldercare:
                self._eldercare(org, lat, prev, day, days)
        self.batch = False
        self.w.flush_facts()

    def _hit(self, table, lat, days, day=None) -> bool:
        return P.happens(self.rng, table, lat, days, day)

    def _ordinary(self, org, lat, prev, day, days) -> None:
        save = self.save
        if self._hit(P.YEARLY["inspection"], lat, days):
            self.inspection(org, self._day(prev, day), day)
        if self._hit(P.YEARLY["complaints"], lat, days):
            yes = self.rng.random() < P.YEARLY["complaint_substantiated"][lat.risk]
            when = self._day(prev, day)
            save(org, {"kind": "complaint", "subtype": "complaint", "substantiated": yes,
                       "source_department": "12345 政务服务热线",
                       "summary": "服务质量投诉" if yes else "投诉经核查不属实"}, when, day)
            if yes:
                lat.signs.append(when)
        if self._hit(P.YEARLY["commendation"], lat, days):
            save(org, {"kind": "reward", "subtype": "commendation", "summary": "年度先进社会组织",
                       "source_department": "常州市人民政府"}, self._day(prev, day), day)
        if self._hit(P.YEARLY["purchase"], lat, days):
            save(org, {"kind": "purchase", "subtype": "completed", "summary": "完成政府购买服务项目",
                       "source_department": "常州市财政局"}, self._day(prev, day), day)
        if org.id in self.w.protected:
            return
        for kind in ("warning", "small_fine"):
            if self._hit(P.YEARLY[kind], lat, days):
                when = self._day(prev, day)
                save(org, {"kind": "penalty", "subtype": "warning" if kind == "warning" else "fine",
                           "amount_yuan": None if kind == "warning" else
                           self.rng.randint(2, 30) * 1000, "summary": "违反登记管理规定"},
                     when, day)
                lat.signs.append(when)
        if org.is_social_organization and self._hit(P.YEARLY["unreachable"], lat, days):
            first = self._day(prev, day)
            save(org, {"kind": "contact", "subtype": "letter_unsigned",
                       "summary": "专用信函无人签收"}, first, day)
            self.w.at(first + timedelta(days=self.rng.randint(20, 60)), lambda d, o=org:
                      self.w.save(o, {"kind": "contact", "subtype": "letter_unsigned",
                                      "summary": "第二次专用信函无人签收"}, d, d))

    def inspection(self, org, when: date, until: date, source: str = "日常监督检查",
                   document: str | None = None) -> CreditFact:
        lat = self.w.latent[org.id]
        passed = self.rng.random() < P.YEARLY["inspection_pass"][lat.risk]
        result = "pass" if passed else ("rectify" if self.rng.random() < 0.9 else "fail")
        data = {"kind": "inspection", "subtype": "inspection", "result": result,
                "source_department": source, "summary": "检查合格" if passed else "内部治理存在问题"}
        if document:
            data["document_number"] = document
        if not passed:
            data["rectify_deadline"] = when + timedelta(days=self.rng.randint(30, 60))
        fact = self.save(org, data, when, until)
        if not passed:
            self._rectification(org, fact, lat)
        return fact

    def _rectification(self, org, fact, lat) -> None:
        deadline = fact.rectify_deadline
        if self.rng.random() < P.YEARLY["rectified_on_time"][lat.risk]:
            done = fact.occurred_on + timedelta(days=self.rng.randint(
                5, max((deadline - fact.occurred_on).days, 5)))
        else:
            lat.signs.append(deadline + timedelta(days=1))
            if self.rng.random() >= 0.5:
                return
            done = deadline + timedelta(days=self.rng.randint(5, 60))
        self.w.at(done, lambda d, o=org, f=fact: self.w.save(o, {
            "kind": "certificate", "subtype": "rectified", "related_fact_id": f.id,
            "summary": "整改完成，验收合格", "document_number": f"整改验收 {d.isoformat()}"}, d, d))

    def _serious(self, org, lat, prev, day, days) -> None:
        save = self.save
        for kind in P.SERIOUS:
            if not self._hit(P.SERIOUS[kind], lat, days, day):
                continue
            when = self._day(prev, day)
            if kind == "large_fine":
                save(org, {"kind": "penalty", "subtype": "fine", "summary": "违法开展活动",
                           "amount_yuan": self.rng.randint(50, 300) * 1000}, when, day)
            elif kind == "suspension":
                save(org, {"kind": "penalty", "subtype": "suspension",
                           "summary": "责令限期停止活动三个月"}, when, day)
            elif kind == "dishonest_debtor":
                save(org, {"kind": "judicial", "subtype": "dishonest_debtor",
                           "source_department": "常州市中级人民法院", "summary": "纳入失信被执行人"},
                     when, day)
            else:
                self._revoke(org, when, day)
            return

    def _revoke(self, org, when: date, day: date) -> None:
        self.save(org, {"kind": "penalty", "subtype": "revocation",
                          "summary": "吊销登记证书"}, when, day)
        orgs.set_org_status(self.w.regulator, org, "revoked", "吊销登记证书")
        if self.rng.random() < 0.7:
            self.w.at(when + timedelta(days=self.rng.randint(90, 300)), self._deregister, org)

    def _deregister(self, day: date, org) -> None:
        self.w.save(org, {"kind": "basic", "subtype": "deregistration", "summary": "完成注销登记"},
                    day, day)
        orgs.set_org_status(self.w.regulator, org, "deregistered", "完成注销登记")

    def _eldercare(self, org, lat, prev, day, days) -> None:
        save = self.save
        if self._hit(P.ELDERCARE["fire_hazard"], lat, days):
            when = self._day(prev, day)
            fact = save(org, {"kind": "eldercare", "subtype": "fire_hazard",
                              "source_department": "常州市消防救援支队", "summary": "消防通道堵塞",
                              "rectify_deadline": when + timedelta(days=self.rng.randint(30, 90))},
                        when, day)
            self._rectification(org, fact, lat)
        for kind in P.ELDERCARE_SERIOUS:
            if self._hit(P.ELDERCARE[kind], lat, days, day):
                data = {"kind": "eldercare", "subtype": kind, "summary": "养老服务严重失信行为"}
                if kind == "safety_accident":
                    main = self.rng.random() < P.ACCIDENT_MAIN_OR_DIRECT
                    data.update(responsibility=self.rng.choice(["main", "direct"]) if main
                                else "secondary", source_department="常州市应急管理局",
                                summary="老人跌倒致重伤事故")
                save(org, data, self._day(prev, day), day)
                return
