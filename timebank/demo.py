"""The time bank's demo data (``flask demo seed``, order 200).

A year of sessions across the seven districts, decisions, family gifts, donations, pool
allocations, catalogues and redemptions, all made through the services so every rule holds."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from core.accounts import services as accounts
from core.accounts.models import Relation
from core.errors import DomainError
from core.timeutil import local_datetime
from timebank import certificates, confirmation, consent, redemption, sessions, transfers
from timebank.vocabulary import CATEGORIES

CATEGORY_CODES = [c for c in CATEGORIES if c != "other"]
# (name, service minutes, service category)
CATALOGUE = [("助浴服务", 60, "bathing"), ("上门助洁", 120, "cleaning"),
             ("康复理疗", 45, "medical"), ("陪同就医", 180, "medical"),
             ("理发修面", 30, "other"), ("日间照料（半天）", 240, "companionship"),
             ("助餐配送（一周）", 150, "meal")]
DESCRIPTIONS = {"meal": "为独居老人送餐并陪同用餐", "cleaning": "打扫卫生、整理房间",
                "bathing": "协助老人洗澡", "medical": "陪同老人到社区医院复诊取药",
                "mobility": "陪同老人散步、上下楼", "companionship": "上门陪伴聊天、读报",
                "culture": "组织老年合唱排练", "counselling": "为老人解答法律问题",
                "errands": "代缴水电费、代购生活用品", "community": "社区环境整治"}


def _when(ctx, days_ago: int, hour: int, minutes: int) -> tuple[datetime, datetime]:
    day = ctx.today - timedelta(days=days_ago)
    start = local_datetime(day, time(hour, ctx.rng.choice([0, 15, 30])))
    return start, start + timedelta(minutes=minutes)


def _log(ctx, volunteer, org, days_ago: int, recipient=None):
    rng = ctx.rng
    category = rng.choice(CATEGORY_CODES)
    start, end = _when(ctx, days_ago, rng.randint(8, 16), rng.choice([45, 60, 90, 120, 150,
                                                                      180, 240]))
    district = org.district_id if org else (volunteer.district_id or ctx.districts[0].id)
    data = {"volunteer_id": volunteer.id, "org_id": org.id if org else None,
            "recipient_person_id": recipient.id if recipient else None,
            "recipient_org_id": None if recipient else (org.id if org else None),
            "category": category, "district_id": district,
            "address": f"{org.address if org else '常州市'}附近 {rng.randint(1, 40)} 幢",
            "start": start, "end": end, "description": DESCRIPTIONS.get(category, "")}
    return sessions.log_session(None, data, now=end + timedelta(hours=rng.randint(1, 30)))


def _decide(ctx, row, org, days_ago: int) -> None:
    rng = ctx.rng
    decided = row.end_at + timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 8))
    if days_ago < 10 and rng.random() < 0.6:
        return  # recent ones are often still pending
    staff = ctx.users["orgstaff"]
    if org is not None and org.id == ctx.orgs["social_group"][0].id and rng.random() < 0.15 \
            and staff.person_id != row.volunteer_id:
        confirmation.reject_session(staff, row.id, "活动签到表上没有该志愿者", now=decided)
        return
    if org is not None:
        confirmation.confirm_for_org(None, row.id, org.id, now=decided)


def _seed_sessions(ctx, charities) -> list:
    rng, made = ctx.rng, []
    demo = [ctx.users["volunteer"].person, ctx.users["volunteer2"].person]
    active = [*demo, *rng.sample([v for v in ctx.volunteers if v not in demo], 90)]
    for volunteer in active:
        count = 30 if volunteer in demo else rng.randint(3, 12)
        days = sorted(rng.sample(range(1, 365), count), reverse=True)
        home = rng.choice(charities)
        for days_ago in days:
            org = home if rng.random() < 0.75 else rng.choice(charities)
            recipient = rng.choice(ctx.elders) if rng.random() < 0.6 else None
            row = _log(ctx, volunteer, org, days_ago, recipient)
            _decide(ctx, row, org, days_ago)
            made.append(row)
    return made


def _seed_for_orgstaff(ctx) -> None:
    """Pending sessions at the orgstaff user's organization, for the demo to confirm."""
    org = ctx.orgs["social_group"][0]
    demo_users = [ctx.users["volunteer"].person, ctx.users["volunteer2"].person]
    for volunteer in [*ctx.rng.sample(ctx.volunteers[10:60], 4), *demo_users]:
        try:
            _log(ctx, volunteer, org, ctx.rng.randint(1, 6), ctx.rng.choice(ctx.elders))
        except DomainError:  # a rare overlap with the year's data: skip that one
            continue


def _reverse_two(ctx, rows) -> None:
    regulator = ctx.users["regulator"]
    confirmed = [r for r in rows if r.status == "confirmed" and r.credited][:40]
    for row in ctx.rng.sample(confirmed, min(2, len(confirmed))):
        confirmation.reverse_session(regulator, row.id, "回访核实：服务对象当天不在家，记录不实",
                                     now=row.decided_at + timedelta(days=20))


def _family(ctx, giver, receiver, relation) -> None:
    regulator = ctx.users["regulator"]
    link = accounts.declare_family_link(None, giver, receiver.id_number, receiver.name, relation)
    accounts.verify_family_link(regulator, link)


def _seed_transfers(ctx) -> None:
    rng, now = ctx.rng, local_datetime(ctx.today, time(10))
    pairs = [(ctx.users["volunteer"].person, ctx.elders[0]),
             *zip(rng.sample(ctx.volunteers, 14), ctx.elders[1:15], strict=False)]
    for giver, elder in pairs:
        _family(ctx, giver, elder, Relation.PARENT)
        available = transfers.ledger.balances(giver.id)[2]
        if available >= 120:
            transfers.give(None, giver, elder.id, rng.choice([60, 120, min(available, 300)]),
                           now=now - timedelta(days=rng.randint(5, 60)))
    for donor in [*rng.sample(ctx.volunteers, 30), ctx.users["volunteer2"].person]:
        available = transfers.ledger.balances(donor.id)[2]
        if available >= 60:
            transfers.donate(None, donor, rng.choice([30, 60]),
                             now=now - timedelta(days=rng.randint(20, 120)))
    regulator = ctx.users["regulator"]
    for elder in ctx.elders[20:32]:
        pool = transfers.pool_overview()["balance"]
        if pool >= 60:
            transfers.allocate(regulator, elder.id, 60, "低保家庭独居老人，经社区走访核实",
                               now=now - timedelta(days=rng.randint(1, 15)))


def _seed_catalogues(ctx) -> None:
    counter = ctx.users["counter"]
    for org in ctx.orgs["eldercare"]:
        for name, mins, category in ctx.rng.sample(CATALOGUE, 5) \
                if org != ctx.orgs["eldercare"][0] else CATALOGUE:
            actor = counter if org == ctx.orgs["eldercare"][0] else None
            redemption.add_item(actor, org.id, {"name": name, "service_minutes": mins,
                                                "category": category,
                                                "description": f"{name}，由持证护理员提供"})


def _seed_redemptions(ctx) -> None:
    rng, counter = ctx.rng, ctx.users["counter"]
    home = ctx.orgs["eldercare"][0]
    earliest = ctx.today - timedelta(days=90)  # old enough on every date drawn below
    members = [p for p in ctx.persons if redemption.may_redeem(p, earliest)]
    now = local_datetime(ctx.today, time(9))
    for index, person in enumerate(members):
        available = transfers.ledger.balances(person.id)[2]
        org = home if index % 3 == 0 else rng.choice(ctx.orgs["eldercare"])
        items = [i for i in redemption.catalogue(org.id) if i.price_minutes <= available]
        if not items:
            continue
        created = now - timedelta(days=rng.randint(3, 90))
        clerk = counter if org == home and person.user is not None else None
        pay_code = None
        if clerk is not None:  # the member showed the pay code on their phone
            pay_code = consent.issue_pay_code(person.user, now=created)[1]
        row = redemption.create_redemption(clerk, None if pay_code else person.id,
                                           rng.choice(items).id, now=created,
                                           pay_code=pay_code)
        if rng.random() < 0.12:
            redemption.cancel_redemption(None, row.id, now=created + timedelta(hours=48))
        else:
            redemption.complete_redemption(clerk, row.id, row.code,
                                           now=created + timedelta(hours=3))
    volunteer = ctx.users["volunteer"].person
    items = [i for i in redemption.catalogue(home.id)
             if i.price_minutes <= transfers.ledger.balances(volunteer.id)[2]]
    if items:  # one pending at the counter's institution, for the demo
        redemption.create_redemption(ctx.users["volunteer"], volunteer.id, items[0].id)


def seed_timebank(ctx) -> None:
    charities = ctx.orgs["social_group"] + ctx.orgs["social_service"]
    rows = _seed_sessions(ctx, charities)
    _seed_for_orgstaff(ctx)
    _reverse_two(ctx, rows)
    _seed_transfers(ctx)
    _seed_catalogues(ctx)
    _seed_redemptions(ctx)
    for username in ("volunteer", "volunteer2"):
        certificates.issue(ctx.users[username], ctx.users[username].person_id)
    ctx.extra["timebank_sessions"] = len(rows)
