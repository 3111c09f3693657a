"""Demo data for the charity exchange (seeder "charity", order 300): the items, staff for
the organizations that post, eight weeks of needs, offers, matching runs, answers, deliveries
and abandonments across the seven districts, today's open posts with pending proposals (some
waiting for the ``orgstaff`` user), and volunteer opportunities with profiles, sign-ups and
confirmed attendance. Everything goes through the services, so the rules hold."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from charity import items, opportunities, parties, posting, proposals, runs, signups
from charity.models import Proposal
from charity.vocabulary import SKILLS, TIME_SLOTS, ProposalStatus
from core import clock
from core.accounts import services as accounts
from core.accounts.models import Role
from core.demo import DEMO_PASSWORD
from core.errors import DomainError
from core.extensions import db
from core.orgs import services as orgs
from core.timeutil import local_datetime, to_local

# (item code, min, max, step, wording) — what organizations ask for, and what is offered.
NEEDS = [
    ("rice", 50, 400, 10, "慈善超市大米补货，面向低保和低收入家庭"),
    ("cooking_oil", 20, 150, 5, "慈善超市食用油补货"),
    ("noodles", 20, 120, 5, "社区老年食堂主食"),
    ("quilt", 5, 40, 1, "独居老人冬季御寒"),
    ("winter_coat", 10, 60, 1, "困难家庭冬衣"),
    ("adult_diapers", 10, 80, 5, "失能老人护理用品"),
    ("wheelchair", 1, 6, 1, "行动不便老人出行"),
    ("walker", 1, 8, 1, "术后康复老人"),
    ("books", 50, 300, 10, "社区儿童阅读角"),
    ("school_bag", 10, 60, 5, "困难家庭学生开学"),
    ("milk", 5, 40, 1, "高龄老人营养补充"),
    ("meal_service", 20, 120, 10, "独居高龄老人助餐"),
    ("bath_service", 5, 40, 1, "失能老人上门助浴"),
    ("escort_service", 5, 30, 1, "空巢老人就医陪诊"),
    ("cleaning_service", 10, 50, 5, "高龄老人居家保洁"),
    ("haircut_service", 10, 60, 5, "养老机构老人义剪"),
    ("home_nursing", 5, 30, 1, "居家失能老人上门护理"),
    ("donation_cny", 2000, 30000, 500, "困难家庭助学、大病救助"),
]
OFFERS = {
    "company": ["rice", "flour", "cooking_oil", "milk", "quilt", "blanket", "winter_coat",
                "down_jacket", "donation_cny"],
    "foundation": ["donation_cny", "wheelchair", "walker", "books", "school_bag",
                   "adult_diapers"],
    "social_service": ["meal_service", "cleaning_service", "escort_service", "home_nursing"],
    "eldercare": ["bath_service", "meal_service", "home_nursing", "haircut_service"],
    "social_group": ["haircut_service", "escort_service", "books"],
}
LIKE = {"flour": "rice", "blanket": "quilt", "down_jacket": "winter_coat"}  # same lot sizes
OFFER_SCALE = 1.6  # offers come in somewhat larger lots than single needs
DECLINES = {"need": "已通过其他渠道解决", "offer": "该批物资已另行定向捐出"}
ABANDONS = ("物资未能按时备齐", "运输车辆临时无法安排", "受助对象已搬离，无法交付")
OPPORTUNITIES = [
    ("社区长者助餐送餐", "meal", ["meal"], 3), ("重阳节敬老院文艺慰问", "culture",
                                               ["performance"], 3),
    ("老年人智能手机课堂", "community", ["digital"], 2), ("高龄老人陪诊志愿者", "medical",
                                                      ["escort", "driving"], 4),
    ("慈善超市理货与发放", "community", ["lifting"], 3), ("独居老人居家清洁", "cleaning",
                                                    ["cleaning"], 3),
    ("社区义剪", "culture", ["haircut"], 2), ("困难家庭儿童课业辅导", "community",
                                              ["tutoring"], 2),
]


class Demo:
    """The seeder's state: the context, staff per organization, the clock of each step."""

    def __init__(self, ctx):
        self.ctx, self.rng, self.staff = ctx, ctx.rng, {}
        self.items = {i.code: i for i in items.items()}
        self.real_now = clock.now()

    def at(self, days_ago: float, hour: int = 9) -> datetime:
        moment = local_datetime(self.ctx.today - timedelta(days=int(days_ago)), time(hour))
        return min(moment, self.real_now - timedelta(minutes=5))

    def staff_of(self, org):
        """The org's staff user (the demo logins for their own orgs; one per other org)."""
        if org.id not in self.staff:
            existing = [u for u in self.ctx.users.values()
                        if u.has_role(Role.ORG_STAFF, Role.INSTITUTION_STAFF)
                        and org.id in orgs.user_org_ids(u)]
            self.staff[org.id] = existing[0] if existing else self._new_staff(org)
        return self.staff[org.id]

    def _new_staff(self, org):
        role = Role.INSTITUTION_STAFF if org.is_eldercare else Role.ORG_STAFF
        user = accounts.create_user(None, f"cs{org.id:03d}", DEMO_PASSWORD,
                                    f"{org.name} 工作人员", [role])
        orgs.add_member(None, org, user, "manager")
        return user

    def quantity(self, low: int, high: int, step: int, scale: float = 1.0) -> int:
        value = self.rng.randint(low, high) * scale
        return max(step, int(value // step) * step)

    def need(self, org, code: str, created: datetime, days: int, urgency=None, person=None):
        _code, low, high, step, words = next(n for n in NEEDS if n[0] == code)
        data = {"item_id": self.items[code].id, "quantity": self.quantity(low, high, step),
                "district_id": org.district_id, "address": org.address,
                "urgency": urgency or self.rng.choices([1, 2, 3, 4], [2, 4, 3, 1])[0],
                "deadline": created + timedelta(days=days), "description": words}
        return posting.create_need(self.staff_of(org), org.id, data, beneficiary=person,
                                   now=created)

    def offer(self, org, code: str, created: datetime, days: int, actor=None):
        _code, low, high, step, _words = next(n for n in NEEDS if n[0] == LIKE.get(code, code))
        data = {"item_id": self.items[code].id,
                "quantity": self.quantity(low, high, step, OFFER_SCALE),
                "district_id": org.district_id if org else actor.person.district_id
                or self.ctx.districts[0].id,
                "address": org.address if org else "", "available_from": created,
                "available_until": created + timedelta(days=days),
                "description": "爱心捐赠" if org is None else f"{org.name}捐赠"}
        return posting.create_offer(actor or self.staff_of(org), org.id if org else None, data,
                                    now=created)


def _needers(ctx) -> list:
    return (ctx.orgs["social_group"][:4] + ctx.orgs["social_service"][:5]
            + ctx.orgs["community"][:7] + ctx.orgs["eldercare"][:3])


def _post_week(demo: Demo, days_ago: int) -> None:
    """A week's posts; about half the offers answer an item asked for that week (donors read
    the public board), the rest are what donors happen to have."""
    rng, ctx = demo.rng, demo.ctx
    asked = []
    for k in range(7):
        org = rng.choice(_needers(ctx))
        code = rng.choice(NEEDS)[0]
        person = rng.choice(ctx.elders) if org.kind == "community" and rng.random() < 0.4 \
            else None
        demo.need(org, code, demo.at(days_ago, 9 + k), rng.randint(10, 25), person=person)
        asked.append(code)
    for k in range(8):
        kind = rng.choice(list(OFFERS))
        code = rng.choice(OFFERS[kind])
        if rng.random() < 0.5:
            code = rng.choice(asked)
            kind = next((kd for kd, codes in OFFERS.items() if code in codes), "company")
        org = rng.choice(ctx.orgs[kind][:4])
        demo.offer(org, code, demo.at(days_ago, 10 + k), rng.randint(20, 40))


def _answer(demo: Demo, proposal, when: datetime, both: bool = True) -> None:
    """Both sides answer, mostly accepting; with ``both`` False only the offer side accepts
    (the need side is left for the demo user)."""
    when = min(when, demo.real_now - timedelta(minutes=1))
    need_staff = demo.staff_of(proposal.need.org)
    offer_actor = demo.staff_of(proposal.offer.org) if proposal.offer.org else \
        proposal.offer.donor.user
    if not both:
        proposals.respond(offer_actor, proposal.id, "offer", True, now=when)
        return
    roll = demo.rng.random()
    if roll < 0.1:
        side = demo.rng.choice(parties.SIDES)
        actor = need_staff if side == "need" else offer_actor
        proposals.respond(actor, proposal.id, side, False, DECLINES[side], now=when)
        return
    if roll < 0.18:
        return  # left unanswered: expires
    proposals.respond(offer_actor, proposal.id, "offer", True, now=when)
    later = min(when + timedelta(hours=demo.rng.randint(1, 20)), demo.real_now)
    proposals.respond(need_staff, proposal.id, "need", True, now=later)


def _deliver(demo: Demo, proposal, when: datetime) -> None:
    staff = demo.staff_of(proposal.need.org)
    roll = demo.rng.random()
    if roll < 0.12:
        proposals.abandon(staff, proposal.id, "offer", demo.rng.choice(ABANDONS), now=when)
    elif roll < 0.92:
        qty = proposal.quantity if demo.rng.random() < 0.85 else max(1, proposal.quantity // 2)
        proposals.fulfil(staff, proposal.id, qty, to_local(when).date(),
                         f"签收单 QS{proposal.id:05d}", now=when)


def _history(demo: Demo) -> None:
    for days_ago in (56, 49, 42, 35, 28, 21, 14, 9):
        _post_week(demo, days_ago)
        run_at = demo.at(days_ago - 1, 10)
        run = runs.run_matching(None, trigger="seed", now=run_at)
        made = _proposals_of_run(run.id)
        for proposal in made:
            _answer(demo, proposal, run_at + timedelta(hours=demo.rng.randint(2, 30)))
        for proposal in made:
            if proposal.status == ProposalStatus.ACCEPTED and days_ago > 10:
                _deliver(demo, proposal, proposal.accepted_at
                         + timedelta(days=demo.rng.randint(1, 5)))
    proposals.expire_proposals(demo.real_now)
    posting.expire_posts(demo.real_now)


def _proposals_of_run(run_id: int) -> list:
    return list(db.session.execute(sa.select(Proposal).where(Proposal.run_id == run_id)
                                   .order_by(Proposal.id)).scalars())


def _today(demo: Demo) -> None:
    """Open posts of the last days, a run now, and proposals waiting for orgstaff."""
    ctx, rng = demo.ctx, demo.rng
    home = ctx.orgs["social_group"][0]  # the orgstaff user's organization
    for code, urgency in (("rice", 4), ("quilt", 3), ("bath_service", 2)):
        demo.need(home, code, demo.at(2, 9), rng.randint(8, 15), urgency=urgency)
    demo.offer(ctx.orgs["company"][0], "rice", demo.at(1, 10), 30)
    demo.offer(ctx.orgs["foundation"][0], "blanket", demo.at(1, 11), 30)
    demo.offer(ctx.orgs["eldercare"][1], "bath_service", demo.at(1, 12), 30)
    for days_ago in (6, 4, 3, 1):
        _post_week(demo, days_ago)
    for username, code in (("volunteer", "winter_coat"), ("volunteer2", "books")):
        demo.offer(None, code, demo.at(1, 15), 20, actor=ctx.users[username])
    run = runs.run_matching(None, trigger="seed", now=demo.at(0, 8))
    for proposal in _proposals_of_run(run.id):
        mine = proposal.need.org_id == home.id
        if mine or rng.random() < 0.4:
            _answer(demo, proposal, demo.at(0, 8) + timedelta(minutes=30), both=not mine)


def _profiles(demo: Demo) -> None:
    rng, ctx = demo.rng, demo.ctx
    cells = [[d, s] for d in range(7) for s in TIME_SLOTS]
    people = [ctx.users["volunteer"].person, ctx.users["volunteer2"].person,
              *rng.sample(ctx.volunteers, 40)]
    for person in dict.fromkeys(people):
        actor = person.user if person.user is not None else None
        opportunities.save_profile(actor, rng.sample(list(SKILLS), rng.randint(1, 4)),
                                   person.district_id, rng.sample(cells, rng.randint(3, 10)),
                                   person_id=None if actor else person.id)


def _opportunity(demo: Demo, org, spec, start: datetime, created: datetime):
    title, activity, skills, hours = spec
    return opportunities.create_opportunity(demo.staff_of(org), org.id, {
        "title": title, "activity": activity, "skills": skills, "start_at": start,
        "end_at": start + timedelta(hours=hours), "headcount": demo.rng.randint(3, 8),
        "district_id": org.district_id, "address": org.address,
        "description": f"{org.name}组织，{title}。", "urgency": demo.rng.randint(1, 3)},
        now=created)


def _sign_up_some(demo: Demo, opp, when: datetime, count: int) -> list:
    staff, made = demo.staff_of(opp.need.org), []
    for person in demo.rng.sample(demo.ctx.volunteers, count):
        savepoint = db.session.begin_nested()
        try:
            made.append(signups.signup(staff, opp.id, person=person, now=when))
            savepoint.commit()
        except DomainError:
            savepoint.rollback()  # full, or clashes with another sign-up: skip this one
    return made


def _past_event(demo: Demo, org, spec, days_ago: int) -> None:
    start = demo.at(days_ago, 9)
    opp = _opportunity(demo, org, spec, start, start - timedelta(days=10))
    rows = _sign_up_some(demo, opp, start - timedelta(days=6), demo.rng.randint(2, 5))
    staff = demo.staff_of(org)
    for row in rows:
        when = opp.end_at + timedelta(hours=2)
        if demo.rng.random() < 0.12:
            signups.mark_no_show(staff, row.id, "未签到", now=when)
            continue
        savepoint = db.session.begin_nested()
        try:  # the time bank's own checks may refuse (e.g. an overlapping session)
            signups.confirm_attendance(staff, row.id, now=when)
            savepoint.commit()
        except DomainError:
            savepoint.rollback()


def _opportunities(demo: Demo) -> None:
    ctx, rng = demo.ctx, demo.rng
    hosts = [ctx.orgs["social_group"][0], *ctx.orgs["social_group"][1:4],
             *ctx.orgs["social_service"][:3]]
    for n, days_ago in enumerate((24, 17, 11, 6, 3)):
        _past_event(demo, hosts[n % len(hosts)], OPPORTUNITIES[n], days_ago)
    for n, spec in enumerate(OPPORTUNITIES):
        org = hosts[n % len(hosts)]
        start = local_datetime(ctx.today + timedelta(days=2 + 2 * n), time(9 + n % 5))
        opp = _opportunity(demo, org, spec, start, demo.at(1, 9))
        _sign_up_some(demo, opp, demo.at(0, 7), rng.randint(0, 3))
    mine = ctx.users["volunteer2"]
    future = opportunities.ranked_for(mine.person, now=demo.real_now, limit=1)
    if future:
        signups.signup(mine, future[0][0].id, now=demo.at(0, 7))


def seed_charity(ctx) -> None:
    items.seed_items(None)
    demo = Demo(ctx)
    _history(demo)
    _today(demo)
    _profiles(demo)
    _opportunities(demo)
    ctx.extra["charity_staff"] = {org_id: user.username for org_id, user in demo.staff.items()}
