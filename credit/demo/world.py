"""The demo world: its subjects and their latent risk, the simulated clock with its queue of
future actions, and recording facts as a bureau would (after a realistic delay). The actors
that act in it (``credit.demo.facts``, ``credit.demo.lifecycle``, ``credit.demo.topup``) are
handed the world; ``credit.demo.seed`` puts them together."""

from __future__ import annotations

import heapq
import itertools
import random
from datetime import date, timedelta

from core.accounts.models import Role, User, UserRole
from core.errors import DomainError
from core.extensions import db
from core.ids import make_uscc
from core.orgs import services as orgs
from core.orgs.models import OrgKind, OrgStatus
from credit.dates import add_years
from credit.demo import process as P
from credit.facts import annual_reports
from credit.facts.records import Recording, build_fact, record_facts
from credit.inspections import directories
from credit.lists import scan

STEP_DAYS = 14
# Staff accounts of the history's many organizations act in the record but cannot sign in:
# werkzeug's check_password_hash is False for a hash without a method.
NO_LOGIN = "!demo-history-only"
# Kinds of fact that can start a list entry (the others only matter to the score).
LISTABLE = {"penalty", "contact", "eldercare", "judicial", "basic", "annual_report"}
EXTRA = [  # kind, eldercare, how many, name pattern
    (OrgKind.SOCIAL_GROUP, False, 100, "常州市{d}{x}{t}协会"),
    (OrgKind.SOCIAL_SERVICE, False, 90, "常州市{d}{x}{t}服务中心"),
    (OrgKind.FOUNDATION, False, 20, "常州市{x}{t}基金会"),
    (OrgKind.ELDERCARE, True, 60, "常州市{d}{x}{t}养老院"),
]
TRADES = ["志愿", "助老", "慈善", "社区", "公益", "康复", "家政", "文化", "体育", "青少年",
          "助残", "心理", "法律援助", "环保", "邻里", "颐养", "护理", "乐龄", "孝亲", "夕阳红"]
PARTS = ["和美", "康乐", "福寿", "安康", "仁爱", "同心", "阳光", "暖阳", "晨曦", "春晖", "红梅",
         "龙城", "运河", "天目", "清潭", "新桥", "湖塘", "青枫", "东坡", "茶山", "芙蓉", "西林"]
PREFIX = {OrgKind.SOCIAL_GROUP: "51", OrgKind.SOCIAL_SERVICE: "52", OrgKind.FOUNDATION: "53",
          OrgKind.ELDERCARE: "52"}


def attempt(func, *args, **kwargs):
    """Call a service inside a savepoint: a refusal undoes only its own changes (the demo is
    one transaction)."""
    try:
        with db.session.begin_nested():
            return func(*args, **kwargs)
    except DomainError:
        return None


class World:
    """The demo subjects, their latent risk, the clock and the queue of future actions."""

    def __init__(self, ctx):
        self.ctx, self.today = ctx, ctx.today
        self.rng = random.Random(ctx.rng.getrandbits(64))
        self.start = add_years(ctx.today, -5)
        self.regulator = ctx.users["regulator"]
        self.protected = {ctx.orgs["social_group"][0].id, ctx.orgs["eldercare"][0].id}
        self.staff = {ctx.orgs["social_group"][0].id: ctx.users["orgstaff"],
                      ctx.orgs["eldercare"][0].id: ctx.users["counter"]}
        self.subjects = [o for o in ctx.all_orgs()
                         if o.is_eldercare or OrgKind(o.kind).is_social_organization]
        self.latent: dict[int, P.Latent] = {}
        self.queue: list = []
        self.counter = itertools.count()
        self.touched: set[int] = set()
        self.pending: list = []

    # --- subjects ------------------------------------------------------------------------

    def add_orgs(self) -> None:
        rng, used = self.rng, {o.name for o in self.ctx.all_orgs()}
        scale = self.ctx.extra.get("credit_demo_scale", 1.0)  # tests seed a smaller world
        for kind, eldercare, count, pattern in EXTRA:
            for n in range(round(count * scale)):
                district = self.ctx.districts[n % len(self.ctx.districts)]
                name = pattern.format(d=district.name, x=rng.choice(PARTS), t=rng.choice(TRADES))
                while name in used:
                    name = name.replace("常州市", f"常州市{rng.choice(PARTS)}", 1)
                used.add(name)
                self.subjects.append(orgs.register_org(None, self._org_data(
                    kind, eldercare, name, district), status=OrgStatus.ACTIVE, today=self.today))
        for org in self.subjects:
            risk = "low" if org.id in self.protected else P.draw_risk(rng)
            self.latent[org.id] = P.Latent(risk)

    def _org_data(self, kind, eldercare, name, district) -> dict:
        rng = self.rng
        while True:
            uscc = make_uscc(rng, district.gb_code or "320400", PREFIX[kind])
            if orgs.find_org_by_uscc(uscc) is None:
                break
        if rng.random() < 0.6:
            registered = self.start - timedelta(days=rng.randint(365, 15 * 365))
        else:
            registered = self.start + timedelta(days=rng.randint(0, (self.today - self.start).days
                                                                 - 60))
        return {"name": name, "uscc": uscc, "kind": kind.value, "is_charity": not eldercare,
                "is_eldercare": eldercare, "legal_representative": self.ctx.name(),
                "registering_authority": rng.choice(["常州市民政局", f"常州市{district.name}民政局"]),
                "district_id": district.id, "registration_date": registered,
                "address": f"常州市{district.name}{rng.choice(PARTS)}路{rng.randint(1, 400)}号",
                "beds": rng.choice([40, 80, 120, 200]) if eldercare else None,
                "contact_phone": f"0519-8{rng.randint(1000000, 9999999)}"}

    def risk_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(P.RISK_SHARES, 0)
        for latent in self.latent.values():
            counts[latent.risk] += 1
        return counts

    def staff_of(self, org) -> User:
        """An organization's staff member (demo accounts without a usable password)."""
        if org.id not in self.staff:
            user = User(username=f"staff-{org.id}", display_name=f"{org.name} 工作人员",
                        password_hash=NO_LOGIN)
            user.role_rows = [UserRole(role=Role.ORG_STAFF)]
            db.session.add(user)
            db.session.flush()
            orgs.add_member(None, org, user, "staff")
            self.staff[org.id] = user
        return self.staff[org.id]

    def setup_inspections(self) -> None:
        users = [self.ctx.users[f"inspector{n}"] for n in range(1, 7)]
        for n, user in enumerate(users, start=1):
            directories.add_inspector(self.regulator, user, f"CZMZ-{n:04d}")
        directories.fill_directory(self.regulator)
        for user, org in zip(users[:3], self.subjects[3:6], strict=True):
            directories.declare_conflict(self.regulator, user.id, org.id, "曾在该组织任职")

    # --- the clock -----------------------------------------------------------------------

    def at(self, day: date, action, *args) -> None:
        """Run ``action(day, *args)`` when the clock reaches ``day`` (never after today)."""
        if day <= self.today:
            heapq.heappush(self.queue, (day, next(self.counter), action, args))

    def run_due(self, until: date) -> None:
        while self.queue and self.queue[0][0] <= until:
            day, _n, action, args = heapq.heappop(self.queue)
            action(day, *args)

    def checkpoints(self) -> list[date]:
        days = {self.start + timedelta(days=n) for n in range(0, (self.today - self.start).days,
                                                              STEP_DAYS)}
        for year in range(self.start.year, self.today.year + 1):
            days |= {date(year, 7, 1), date(year, 7, 15), date(year, 4, 1), date(year, 10, 8)}
        days.add(self.today)
        return sorted(d for d in days if self.start < d <= self.today)

    def simulate(self, driver, maker) -> None:
        """Five years, checkpoint by checkpoint: facts drawn by ``maker``, due process driven by
        ``driver``, and the jobs a bureau runs on their days."""
        self.maker = maker
        for year in range(self.start.year - 1, self.today.year):
            maker.plan_reports(year)
        maker.plan_grades()
        prev = self.start
        for day in self.checkpoints():
            maker.step(prev, day)
            self.run_due(day)
            if (day.month, day.day) == (7, 1):
                annual_reports.record_missing_reports(day)
                maker.missing_signs(day)
            if (day.month, day.day) in ((4, 1), (10, 8)):
                driver.draw(day)
            if (day.month, day.day) == (7, 15):  # the yearly red-list review
                scan.apply_time_rules(None, day, yearly_red_review=True)
                driver.after_scan(day, scan.run_scan(None, day, lists=("red",)))
            scan.apply_time_rules(None, day)
            driver.after_scan(day, scan.run_scan(None, day, org_ids=self.scan_ids()))
            prev = day
        self.run_due(self.today)

    def scan_ids(self) -> set[int]:
        ids, self.touched = self.touched, set()
        return ids

    def save(self, org, data: dict, occurred: date, until: date, origin: str = "manual",
             batch: bool = False):
        """Record one fact formed on ``occurred``, entered after a realistic delay (``batch``:
        kept for one insert and one audit record at the end of the step)."""
        recorded = min(occurred + timedelta(days=P.entry_delay(self.rng)), until, self.today)
        data = {"source_department": org.registering_authority, "evidence_ref":
                f"卷宗 {occurred.year}-{org.id:04d}-{self.rng.randint(1, 999):03d}", **data,
                "occurred_on": occurred}
        data.setdefault("document_number", f"常民〔{occurred.year}〕{self.rng.randint(1, 300)}号")
        fact = build_fact(self.regulator, org.id, data, Recording(origin=origin,
                                                                  recorded_on=recorded))
        if data["kind"] in LISTABLE:
            self.touched.add(org.id)
        if data.get("rectify_deadline"):  # overdue from the day after: scan then
            self.at(data["rectify_deadline"] + timedelta(days=1), self.touch, org.id)
        if batch:
            self.pending.append(fact)
            return fact
        record_facts(self.regulator, [fact], action="credit.fact.record")
        return fact

    def touch(self, _day: date, org_id: int) -> None:
        self.touched.add(org_id)

    def flush_facts(self) -> None:
        record_facts(self.regulator, self.pending, action="credit.fact.import")
        self.pending = []

    def showcase(self, driver) -> None:
        """The ``orgstaff`` organization: a record worth opening, never barred."""
        org = self.ctx.orgs["social_group"][0]
        day = self.today - timedelta(days=20)
        complaint = self.save(org, {"kind": "complaint", "subtype": "complaint",
                                    "substantiated": True, "summary": "群众投诉活动收费不透明"},
                              day, self.today)
        self.save(org, {"kind": "reward", "subtype": "commendation",
                        "summary": "常州市优秀志愿服务组织"}, self.today - timedelta(days=60),
                  self.today)
        driver.object_to_fact(self.today - timedelta(days=3), org, complaint,
                              "经核查收费已在活动前公示，投诉不属实，附公示照片")
