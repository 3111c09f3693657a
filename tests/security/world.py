"""Two of everything: sides A and B, each with a charity organization, an eldercare institution,
their staff, a volunteer and data in every package, built through the services.

Items and needs are chosen so the matcher never pairs A with B: each side's proposals are its
own. Side B's objects are what side A's people try to read and change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from charity import items, opportunities, posting, proposals, runs, signups
from core import clock
from core.accounts import services as accounts
from core.extensions import db
from core.orgs import identity
from core.orgs.models import OrgKind
from credit.facts.records import Recording, record_fact
from credit.lists import entries, objections, repair
from tests.credit.factories import notified as served_notice
from timebank import certificates, confirmation, ledger, redemption, sessions
from timebank.vocabulary import PostingKind

# Side → items of its needs and offers (no item, nor substitute, is shared between sides).
ITEMS = {
    "a": {"untouched_need": "school_bag", "untouched_offer": "wheelchair",
          "person_offer": "books", "pending": "milk", "person_pending": "cooking_oil",
          "accepted": "escort_service", "accepted2": "haircut_service"},
    "b": {"untouched_need": "legal_advice", "untouched_offer": "walker",
          "person_offer": "adult_diapers", "pending": "bath_service",
          "person_pending": "cleaning_service", "accepted": "home_nursing",
          "accepted2": "meal_service"},
}


@dataclass
class Side:
    name: str
    org: object = None  # a social organization (charity), org_staff
    home: object = None  # an eldercare institution, institution_staff
    donor: object = None  # a company that donates to this side's needs
    staff: object = None
    counter: object = None
    donor_staff: object = None
    volunteer: object = None  # a retiree volunteer (may redeem: 65)
    elder: object = None
    tokens: dict = field(default_factory=dict)  # username → API token secret
    ids: dict = field(default_factory=dict)  # object kind → id (or a dict of variants)


@dataclass
class World:
    a: Side
    b: Side
    regulator: object
    admin: object
    today: date


def _user(make, role, side_name, label, **kw):
    return make.user(role, username=f"{label}-{side_name}", **kw)


def _people(make, side: Side) -> None:
    side.org = make.org(OrgKind.SOCIAL_GROUP, name=f"常州市{side.name.upper()}志愿者协会")
    side.home = make.org(OrgKind.ELDERCARE, name=f"常州市{side.name.upper()}颐养院")
    side.donor = make.org(OrgKind.COMPANY, name=f"常州{side.name.upper()}商贸有限公司")
    side.staff = _user(make, "org_staff", side.name, "staff", org=side.org)
    side.counter = _user(make, "institution_staff", side.name, "counter", org=side.home)
    side.donor_staff = _user(make, "org_staff", side.name, "donor", org=side.donor)
    side.volunteer = _user(make, "volunteer", side.name, "vol", age=65)
    side.elder = make.person(age=80, volunteer=False)
    for user in (side.staff, side.counter, side.volunteer):
        side.tokens[user.username] = accounts.create_token(None, user, "walk").secret


def _charity(side: Side, now) -> None:
    chosen = ITEMS[side.name]
    district = side.org.district_id

    def need(item, qty=5, org=None):
        return posting.create_need(side.staff, (org or side.org).id, {
            "item_id": items.find_item(item).id, "quantity": qty, "urgency": 3,
            "district_id": district, "address": "天宁区红梅新村 3 幢",
            "deadline": now + timedelta(days=10), "description": "需要"}, now=now)

    def offer(item, qty=5, person=False):
        actor = side.volunteer if person else side.donor_staff
        return posting.create_offer(actor, None if person else side.donor.id, {
            "item_id": items.find_item(item).id, "quantity": qty, "district_id": district,
            "address": "天宁区青果巷 8 号", "available_until": now + timedelta(days=20),
            "description": "捐赠"}, now=now)

    ids = side.ids
    ids["need_untouched"] = need(chosen["untouched_need"]).id
    ids["offer_untouched"] = offer(chosen["untouched_offer"]).id
    ids["offer_person_untouched"] = offer(chosen["person_offer"], person=True).id
    ids["need_pending"] = need(chosen["pending"]).id
    ids["offer_pending"] = offer(chosen["pending"]).id
    ids["need_person_pending"] = need(chosen["person_pending"]).id
    ids["offer_person_pending"] = offer(chosen["person_pending"], person=True).id
    for key in ("accepted", "accepted2"):
        ids[f"need_{key}"] = need(chosen[key]).id
        ids[f"offer_{key}"] = offer(chosen[key]).id


def _proposals(world: World, now) -> None:
    runs.run_matching(None, trigger="test", now=now)
    from charity.models import Proposal

    for side in (world.a, world.b):
        by_need = {p.need_id: p for p in db.session.query(Proposal).all()}
        ids = side.ids
        ids["proposal_pending"] = by_need[ids["need_pending"]].id
        ids["proposal_person"] = by_need[ids["need_person_pending"]].id
        for key in ("accepted", "accepted2"):
            row = by_need[ids[f"need_{key}"]]
            proposals.respond(side.staff, row.id, "need", True, now=now)
            proposals.respond(side.donor_staff, row.id, "offer", True, now=now)
            ids[f"proposal_{key}"] = row.id


def _opportunities(side: Side, now) -> None:
    def data(start):
        return {"title": f"{side.name.upper()} 助餐活动", "activity": "meal", "skills": [],
                "start_at": start, "end_at": start + timedelta(hours=2), "headcount": 5,
                "district_id": side.org.district_id, "address": "红梅街道长者食堂",
                "description": "送餐"}

    future = opportunities.create_opportunity(side.staff, side.org.id,
                                              data(now + timedelta(days=3)), now=now)
    side.ids["opportunity"] = future.id
    side.ids["signup_future"] = signups.signup(side.volunteer, future.id, now=now).id
    earlier = now - timedelta(days=3)
    past = opportunities.create_opportunity(side.staff, side.org.id,
                                            data(earlier + timedelta(days=1)), now=earlier)
    side.ids["opportunity_past"] = past.id
    side.ids["signup_past"] = signups.signup(side.volunteer, past.id, now=earlier).id


def _timebank(side: Side, now) -> None:
    ids = side.ids

    def session(hours_ago, **over):
        end = now.replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
        data = {"volunteer_id": side.volunteer.person_id, "recipient_person_id": None,
                "recipient_org_id": side.org.id, "org_id": side.org.id, "category": "meal",
                "district_id": side.org.district_id, "address": "红梅新村 3 幢",
                "start": end - timedelta(hours=2), "end": end, "description": "送餐"}
        data.update(over)
        return sessions.log_session(side.volunteer, data)

    ids["session_pending"] = session(30).id
    ids["session_pending_home"] = session(54, recipient_org_id=side.home.id,
                                          org_id=side.home.id).id
    confirmed = session(78)
    confirmation.confirm_session(side.staff, confirmed.id)
    ids["session_confirmed"] = confirmed.id
    confirmed_home = session(102, recipient_org_id=side.home.id, org_id=side.home.id)
    confirmation.confirm_session(side.counter, confirmed_home.id)
    ids["session_confirmed_home"] = confirmed_home.id
    ledger.transfer(ledger.issuance_account(side.org.id),
                    ledger.person_account(side.volunteer.person_id), 600,
                    PostingKind.DEPOSIT, f"walk-fund:{side.name}")
    item = redemption.add_item(side.counter, side.home.id, {
        "name": f"{side.name.upper()} 助浴", "service_minutes": 60, "price_minutes": 60})
    ids["timebank_item"] = item.id
    ids["redemption"] = redemption.create_redemption(side.volunteer, side.volunteer.person_id,
                                                     item.id).id
    ids["redemption_code"] = db.session.get(
        __import__("timebank.models", fromlist=["Redemption"]).Redemption,
        ids["redemption"]).code
    ids["certificate"] = certificates.issue(side.volunteer, side.volunteer.person_id).number


def _credit(world: World, side: Side) -> None:
    today = world.today
    reg = world.regulator
    base = {"source_department": "常州市民政局", "evidence_ref": "卷宗 1", "summary": "测试"}

    def fact(on, n):
        return record_fact(reg, side.org.id, {**base, "kind": "penalty", "subtype": "warning",
                                              "occurred_on": on,
                                              "document_number": f"常民罚〔{side.name}〕{n}号"},
                           Recording(recorded_on=on))

    published_fact = fact(today - timedelta(days=300), 1)
    entry = entries.propose_manual(reg, side.org.id, "abnormal", "《社会组织信用信息管理办法》",
                                   "受到警告", [published_fact.id],
                                   today=today - timedelta(days=290))
    served_notice(reg, entry, today - timedelta(days=290))
    entries.publish(reg, entry, f"常民决〔{side.name}〕1号", today - timedelta(days=260))
    side.ids["entry_published"] = entry.id
    notified_fact = fact(today - timedelta(days=2), 2)
    notified = entries.propose_manual(reg, side.org.id, "abnormal", "《社会组织信用信息管理办法》",
                                      "再次受到警告", [notified_fact.id], today=today)
    served_notice(reg, notified, today)
    side.ids["entry_notified"] = notified.id
    side.ids["fact"] = notified_fact.id
    objection = objections.file_objection(side.staff, side.org.id, "事实有误",
                                          fact_id=published_fact.id, today=today)
    side.ids["objection"] = objection.id
    application = repair.apply_for_repair(side.staff, entry.id, "已整改", "整改报告 1号",
                                          today=today + timedelta(days=400))
    side.ids["repair"] = application.id
    change = identity.file_change(reg, side.org, {"legal_representative": f"{side.name}新代表"},
                                  "法定代表人变更", "变更登记 1号")
    side.ids["identity_change"] = change.id


def _accounts(side: Side) -> None:
    link = accounts.declare_family_link(side.volunteer, side.volunteer.person,
                                        side.elder.id_number, side.elder.name, "parent")
    side.ids["family_link"] = link.id
    side.ids["token"] = accounts.tokens_of(side.staff)[0].id
    side.ids["volunteer_token"] = accounts.tokens_of(side.volunteer)[0].id


def _notices(world: World, side: Side) -> None:
    """An inbox message and a numbered notice for the side's organization and its volunteer."""
    from core import outbox
    from core.notices import documents

    for who, kw in (("org", {"org_id": side.org.id}),
                    ("volunteer", {"user_id": side.volunteer.id})):
        side.ids[f"message_{who}"] = outbox.enqueue("credit.notice", f"{side.name} 通知",
                                                    "正文", **kw).id
        side.ids[f"document_{who}"] = documents.issue(
            world.regulator, kind="notice", series="XYGZ", title="告知书",
            step_key=f"test:{side.name}:{who}", recipient_name=side.name,
            paragraphs=["正文"], **kw).id


def build(make) -> World:
    """The two sides, committed."""
    from core.db import write_intent

    token = write_intent.set(True)
    try:
        items.seed_items(None)
        world = World(Side("a"), Side("b"), make.user("regulator", username="regulator-w"),
                      make.user("admin", username="admin-w"), clock.today())
        now = clock.now()
        for side in (world.a, world.b):
            _people(make, side)
            _charity(side, now)
        _proposals(world, now)
        for side in (world.a, world.b):
            _opportunities(side, now)
            _timebank(side, now)
            _credit(world, side)
            _accounts(side)
            _notices(world, side)
        db.session.commit()
    finally:
        write_intent.reset(token)
    return world
