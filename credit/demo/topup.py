"""The last step of the demo: wherever the five simulated years left a list without an entry
in some state today (proposed, notified, objected, published, removed), add one through the
same rules and services, on a low-risk subject of its own."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core import workdays
from core.extensions import db
from credit.lists import entries, objections, scan
from credit.models import EntryState, ListEntry
from credit.vocabulary import LIST_TYPES

S = EntryState
STATES = (S.PROPOSED, S.NOTIFIED, S.OBJECTED, S.PUBLISHED, S.REMOVED)
GROUNDS = {  # list → facts (days before the proposal day, data)
    "abnormal": [(35, {"kind": "contact", "subtype": "letter_unsigned", "summary": "专用信函无人签收"}),
                 (0, {"kind": "contact", "subtype": "letter_unsigned", "summary": "第二次无人签收"})],
    "serious": [(0, {"kind": "penalty", "subtype": "suspension", "summary": "责令限期停止活动"})],
    "eldercare": [(0, {"kind": "eldercare", "subtype": "subsidy_fraud", "summary": "虚报床位骗取补贴"})],
    "red": [(30, {"kind": "grade", "subtype": "evaluation", "grade": 5,
                  "source_department": "常州市社会组织评估委员会", "summary": "评估等级 5A"})],
}


def state_counts() -> dict[tuple[str, str], int]:
    """Entries per (list, state), zeros included."""
    rows = db.session.execute(sa.select(ListEntry.list_type, ListEntry.state, sa.func.count())
                              .group_by(ListEntry.list_type, ListEntry.state)).all()
    counts = {(t, s): 0 for t in LIST_TYPES for s in S.ALL}
    counts.update({(t, s): n for t, s, n in rows})
    return counts


class TopUp:
    def __init__(self, world, driver):
        self.w, self.d, self.today = world, driver, world.today
        self.used: set[int] = set()

    def run(self) -> None:
        counts = state_counts()
        for list_type in GROUNDS:
            for state in STATES:
                if counts[(list_type, state)] == 0:
                    self.make(list_type, state)

    def _candidates(self, list_type: str):
        for org in self.w.subjects:
            fits = org.is_eldercare if list_type == "eldercare" else (
                org.is_social_organization and not org.is_eldercare)
            if (fits and org.status == "active" and org.id not in self.used
                    and org.id not in self.d.w.protected and org.id not in self._light()
                    and self.w.latent[org.id].risk == "low"):
                yield org

    def _light(self) -> set[int]:
        return {o.id for o in self.w.ctx.all_orgs()}

    def _propose(self, list_type: str, day):
        for org in self._candidates(list_type):
            self.used.add(org.id)
            for before, data in GROUNDS[list_type]:
                self.w.save(org, dict(data), day - timedelta(days=before), day)
            created = [e for e in scan.run_scan(None, day, lists=(list_type,), org_ids=[org.id])
                       if e.list_type == list_type]
            if created:
                return created[0]
        return None

    def make(self, list_type: str, state: str) -> None:
        early = state in (S.PUBLISHED, S.REMOVED)
        day = self.today - timedelta(days=45 if early else 3)
        entry = self._propose(list_type, day)
        if entry is None or state == S.PROPOSED:
            return
        entries.notify(self.w.regulator, entry, day + timedelta(days=1))
        if early:  # signed for at once; the recent ones wait in the organization's inbox
            entries.serve_in_person(self.w.regulator, entry, day + timedelta(days=1),
                                    "送达回证（演示）")
        if state == S.OBJECTED:
            objections.file_objection(self.w.staff_of(entry.organization), entry.org_id,
                                      "对列入事实有异议，已提交说明", entry_id=entry.id,
                                      evidence_ref="情况说明", today=self.today)
        if not early:
            return
        entries.publish(self.w.regulator, entry, f"常民信决〔{self.today.year}〕补{entry.id}号",
                        workdays.add_working_days(entry.objection_due, 1))
        if state == S.REMOVED:
            entries.remove(self.w.regulator, entry, "decision",
                           "行政复议决定撤销原认定，依法移出名单", self.today)
