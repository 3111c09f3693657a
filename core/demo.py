"""``flask demo seed``: a reproducible demo world for Changzhou.

Core seeds districts, organizations (valid USCCs), persons (valid ID numbers) and a user for
every role; each package registers a seeder (``register_seeder``) that adds its own history
on top, from the same seeded random generator, so the same seed gives the same world.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from core import clock
from core.accounts import services as accounts
from core.accounts.models import Person, Role, User
from core.db import write_intent
from core.extensions import db
from core.ids import make_id_number, make_uscc
from core.orgs import services as orgs
from core.orgs.models import Organization, OrgKind, OrgStatus

DEMO_PASSWORD = "demo12345"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈"
GIVEN = ["建国", "秀英", "桂兰", "志强", "丽华", "国平", "美玲", "文华", "晓东", "海燕", "玉梅",
         "建华", "伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "子涵", "雨桐", "浩然", "梓萱", "宇轩", "欣怡"]


@dataclass
class SeedContext:
    rng: random.Random
    today: date
    districts: list = field(default_factory=list)
    orgs: dict[str, list[Organization]] = field(default_factory=dict)
    persons: list[Person] = field(default_factory=list)
    volunteers: list[Person] = field(default_factory=list)
    elders: list[Person] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, roles, note
    extra: dict = field(default_factory=dict)  # what one package leaves for another's seeder

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def all_orgs(self) -> list[Organization]:
        return [org for group in self.orgs.values() for org in group]


_SEEDERS: list[tuple[int, str, Callable[[SeedContext], None]]] = []


def register_seeder(name: str, func: Callable[[SeedContext], None], order: int = 100) -> None:
    if all(existing != name for _, existing, _f in _SEEDERS):
        _SEEDERS.append((order, name, func))


# Larger worlds on top of the demo (``--scale``): ``core.demo_city`` registers "city".
_SCALES: dict[str, Callable[[float], object]] = {}


def register_scale(name: str, loader: Callable[[float], object]) -> None:
    _SCALES[name] = loader


def seed_demo(seed: int | None = None, today: date | None = None) -> SeedContext:
    """Build the whole demo world in the current transaction."""
    seed = current_app.config["DEMO_SEED"] if seed is None else seed
    ctx = SeedContext(rng=random.Random(seed), today=today or clock.today())
    _seed_core(ctx)
    for _order, _name, func in sorted(_SEEDERS, key=lambda item: (item[0], item[1])):
        func(ctx)
        db.session.flush()
    return ctx


# --- core world ----------------------------------------------------------------------------

ORG_PLAN = [
    # (key, kind, charity, eldercare, count, name patterns)
    ("social_group", OrgKind.SOCIAL_GROUP, True, False, 8,
     ["常州市{d}志愿者协会", "常州市{d}老年人协会", "常州市{d}义工联合会", "常州市{d}助老服务协会"]),
    ("social_service", OrgKind.SOCIAL_SERVICE, True, False, 10,
     ["常州市{d}{x}社会工作服务中心", "常州市{d}{x}社区服务中心", "常州市{d}{x}助残服务中心"]),
    ("foundation", OrgKind.FOUNDATION, True, False, 3,
     ["常州市{x}慈善基金会", "常州{x}公益基金会"]),
    ("eldercare", OrgKind.ELDERCARE, False, True, 12,
     ["常州市{d}{x}颐养院", "常州市{d}{x}护理院", "{d}{x}社区居家养老服务中心",
      "{d}{x}日间照料中心"]),
    ("company", OrgKind.COMPANY, False, False, 4, ["常州{x}商贸有限公司", "常州{x}食品有限公司"]),
    ("community", OrgKind.COMMUNITY, False, False, 7, ["{d}{x}社区居民委员会"]),
]
NAME_PARTS = ["和美", "康乐", "福寿", "安康", "仁爱", "同心", "阳光", "暖阳", "晨曦", "春晖",
              "红梅", "青果", "龙城", "运河", "天目", "南大", "清潭", "丽华", "新桥", "湖塘"]
USCC_PREFIX = {OrgKind.SOCIAL_GROUP: "51", OrgKind.SOCIAL_SERVICE: "52",
               OrgKind.FOUNDATION: "53", OrgKind.ELDERCARE: "52", OrgKind.COMPANY: "91",
               OrgKind.COMMUNITY: "55"}


def _seed_core(ctx: SeedContext) -> None:
    from core import workdays

    workdays.load_shipped()  # the State Council schedules we ship: windows count holidays
    orgs.seed_districts()
    ctx.districts = orgs.districts()
    _seed_orgs(ctx)
    _seed_persons(ctx)
    _seed_users(ctx)


def _seed_orgs(ctx: SeedContext) -> None:
    rng, used = ctx.rng, set()
    for key, kind, charity, eldercare, count, patterns in ORG_PLAN:
        group = []
        for i in range(count):
            district = ctx.districts[i % len(ctx.districts)]
            while True:
                name = rng.choice(patterns).format(d=district.name, x=rng.choice(NAME_PARTS))
                if name not in used:
                    used.add(name)
                    break
            region = district.gb_code or "320400"
            registered = ctx.today - timedelta(days=rng.randint(365 * 2, 365 * 18))
            authority = "常州市民政局" if i % 3 == 0 else f"常州市{district.name}民政局"
            data = {
                "name": name, "uscc": make_uscc(rng, region, USCC_PREFIX[kind]),
                "kind": kind.value, "is_charity": charity, "is_eldercare": eldercare,
                "registering_authority": authority, "legal_representative": ctx.name(),
                "district_id": district.id,
                "address": f"常州市{district.name}{rng.choice(NAME_PARTS)}路{rng.randint(1, 300)}号",
                "registration_date": registered,
                "beds": rng.choice([30, 60, 120, 200, 300]) if eldercare else None,
                "contact_phone": f"0519-8{rng.randint(1000000, 9999999)}",
            }
            group.append(orgs.register_org(None, data, status=OrgStatus.ACTIVE, today=ctx.today))
        ctx.orgs[key] = group
    _seed_delivery_addresses(ctx)


def _seed_delivery_addresses(ctx: SeedContext) -> None:
    """Half the organizations confirmed an email for notices (送达地址); without SMTP_HOST
    those emails go to the log only, which the demo shows in each notice's delivery record."""
    from core.notices.delivery import set_contact

    for group in ctx.orgs.values():
        for org in group[::2]:
            set_contact(None, "email", f"notices-{org.uscc[-6:].lower()}@example.org",
                        org_id=org.id)


def _seed_persons(ctx: SeedContext, volunteers: int = 160, elders: int = 90) -> None:
    rng = ctx.rng
    for i in range(volunteers + elders):
        is_elder = i >= volunteers
        if is_elder:
            born = ctx.today - timedelta(days=rng.randint(65 * 365, 92 * 365))
        else:  # many volunteers are retirees themselves (低龄老人服务高龄老人)
            born = ctx.today - timedelta(days=rng.randint(19 * 365, 72 * 365))
        district = rng.choice(ctx.districts)
        number = make_id_number(district.gb_code or "320400", born, rng)
        while accounts.find_person_by_id_number(number) is not None:
            number = make_id_number(district.gb_code or "320400", born, rng)
        phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        person = accounts.create_person(None, ctx.name(), number, phone, district.id,
                                        as_volunteer=not is_elder, today=ctx.today)
        ctx.persons.append(person)
        (ctx.elders if is_elder else ctx.volunteers).append(person)


def _add_user(ctx, username, display, roles, note, person=None, org=None, org_role="manager"):
    user = accounts.create_user(None, username, DEMO_PASSWORD, display, roles, person=person)
    if org is not None:
        orgs.add_member(None, org, user, org_role)
    ctx.users[username] = user
    ctx.logins.append((username, ",".join(roles), note))
    return user


def _seed_users(ctx: SeedContext) -> None:
    retiree = next(p for p in ctx.volunteers if p.age_on(ctx.today) >= 60)
    young = next(p for p in ctx.volunteers if p.age_on(ctx.today) < 40)
    charity = ctx.orgs["social_group"][0]
    home = ctx.orgs["eldercare"][0]
    _add_user(ctx, "admin", "系统管理员", [Role.ADMIN], "users, roles, orgs, jobs")
    _add_user(ctx, "regulator", "民政局 陈科长", [Role.REGULATOR], "credit facts, lists, draws")
    for n in range(1, 7):
        _add_user(ctx, f"inspector{n}", f"检查员{n}号", [Role.REGULATOR],
                  "inspector directory")
    _add_user(ctx, "volunteer", retiree.name, [Role.VOLUNTEER],
              f"retired volunteer, {retiree.age_on(ctx.today)}", person=retiree)
    _add_user(ctx, "volunteer2", young.name, [Role.VOLUNTEER], "young volunteer", person=young)
    _add_user(ctx, "orgstaff", f"{charity.name} 工作人员", [Role.ORG_STAFF, Role.VOLUNTEER],
              charity.name, org=charity)
    _add_user(ctx, "counter", f"{home.name} 前台", [Role.INSTITUTION_STAFF], home.name,
              org=home)
    feed_user = _add_user(ctx, "feed-market", "市场监管局数据接口", [Role.FEED],
                          "feed consumer (API token below)")
    issued = accounts.create_token(None, feed_user, "demo feed consumer")
    ctx.extra["feed_token"] = issued.secret


demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
@click.option("--seed", type=int, default=None, help="Random seed (default DEMO_SEED).")
@click.option("--scale", type=click.Choice(["demo", "city"]), default="demo",
              help="city: the demo, then a city's rows bulk-loaded (PostgreSQL; "
                   "docs/demo-data.md).")
@click.option("--size", type=click.FloatRange(min=0, min_open=True), default=1.0,
              help="With --scale city: a fraction of the city's sizes (0.01 for a quick try).")
@with_appcontext
def seed_command(if_empty, seed, scale, size):
    """Create the demo world and print the demo logins."""
    seeded = db.session.query(User.id).first() is not None
    if if_empty and seeded and scale == "demo":
        click.echo("demo seed: database already has users; nothing done")
        return
    if scale == "city" and db.session.get_bind().dialect.name != "postgresql":
        raise click.UsageError("--scale city loads with COPY: it needs PostgreSQL "
                               "(DATABASE_URL=postgresql+psycopg://…)")
    token = write_intent.set(True)
    try:
        if scale == "city":  # on a database that holds the demo already, only the city
            if not seeded:
                print_logins(seed_demo(seed))
                db.session.commit()
            if scale not in _SCALES:
                raise click.UsageError(f"no loader registered for --scale {scale}")
            _SCALES[scale](size)
            return
        ctx = seed_demo(seed)
        db.session.commit()
    finally:
        write_intent.reset(token)
    print_logins(ctx)


def print_logins(ctx: SeedContext) -> None:
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for username, roles, note in ctx.logins:
        click.echo(f"  {username:14s} {roles:28s} {note}")
    if "feed_token" in ctx.extra:
        click.echo(f"Feed consumer API token (shown once): {ctx.extra['feed_token']}")


DEMO_USERNAMES = ("admin", "regulator", "inspector1", "volunteer", "volunteer2", "orgstaff",
                  "counter", "feed-market")


@demo_cli.command("logins")
@with_appcontext
def logins_command():
    """Print the demo logins that exist in this database."""
    rows = db.session.query(User).filter(User.username.in_(DEMO_USERNAMES)).all()
    if not rows:
        click.echo("no demo users in this database (run: flask demo seed)")
        return
    by_name = {u.username: u for u in rows}
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}) at "
               f"{current_app.config['PUBLIC_BASE_URL']}/login")
    for username in DEMO_USERNAMES:
        user = by_name.get(username)
        if user is not None:
            where = ", ".join(o.name for o in orgs.orgs_of(user))
            click.echo(f"  {username:12s} {','.join(sorted(user.roles)):28s} "
                       f"{user.display_name} {('· ' + where) if where else ''}")
    click.echo("")
