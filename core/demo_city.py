"""``flask demo seed --scale city``: the demo world, then a city's worth of rows bulk-loaded.

The demo (``core.demo``) is seeded first, through the services, so every login, catalogue and
model the demo has exists. Then each package's city seeder (``register_city_seeder``) adds
its rows with PostgreSQL COPY (psycopg 3 ``cursor.copy``), from the same generators as the
demo (names, ID numbers, USCCs, categories; the credit seeder copies the demo's generated
histories onto the city's subjects). Ids are reserved from each table's sequence, so rows
can point at each other before they are written; each step commits when it is done.
Sizes: ``CITY_SIZES`` times ``--size`` (1.0 is the issue's city; 0.01 a quick try).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import click
import sqlalchemy as sa

from core import clock
from core.crypto import blind_index, encrypt
from core.demo import GIVEN, NAME_PARTS, ORG_PLAN, SURNAMES, register_scale
from core.extensions import db
from core.ids import gender_from_id, make_id_number, make_uscc

CITY_SIZES = {
    "persons": 1_000_000, "organizations": 6_500, "institutions": 400,
    "sessions": 5_000_000, "redemptions": 200_000, "facts": 300_000, "entries": 20_000,
    "needs": 50_000, "offers": 50_000,
}
CITY_YEARS = 3
VOLUNTEER_SHARE = 0.75  # of the persons; the rest are elders and other residents
OPEN_POST_SHARE = 0.10  # needs and offers still open (the matcher's input); the rest closed


@dataclass
class CityContext:
    rng: random.Random
    today: date
    sizes: dict[str, int]
    demo_org_ids: set[int] = field(default_factory=set)  # the core demo's organizations
    districts: list = field(default_factory=list)  # (id, gb_code, name)
    charity_org_ids: list[int] = field(default_factory=list)  # organizers of sessions
    institution_ids: list[int] = field(default_factory=list)  # eldercare institutions
    subject_ids: list[int] = field(default_factory=list)  # every new social org + institution
    volunteer_ids: list[int] = field(default_factory=list)
    elder_ids: list[int] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    loaded: list[tuple[str, int, float]] = field(default_factory=list)  # table, rows, seconds

    @property
    def start(self) -> date:
        return self.today - timedelta(days=365 * CITY_YEARS)

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)


# --- bulk loading kit ----------------------------------------------------------------------

def reserve_ids(table: str, count: int) -> int:
    """Reserve ``count`` ids of ``table``'s sequence; returns the first. One writer only
    (the seed), so the range is ours."""
    conn = db.session.connection()
    seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
    first = conn.execute(sa.text("SELECT nextval(:s)"), {"s": seq}).scalar()
    if count > 1:
        conn.execute(sa.text("SELECT setval(:s, :v)"), {"s": seq, "v": first + count - 1})
    return first


def copy_rows(ctx: CityContext, table: str, columns: list[str], rows: Iterable[tuple],
              label: str | None = None) -> int:
    """COPY ``rows`` into ``table`` (binary format) in the current transaction; records rows
    and seconds. Datetimes are naive UTC (what ``UTCDateTime`` stores: see ``utc_naive``),
    JSON values wrapped in ``psycopg.types.json.Json``."""
    conn = db.session.connection().connection.driver_connection
    started, count = time.perf_counter(), 0
    names = ", ".join(columns)
    with conn.cursor() as cur:
        cur.execute(f"SELECT {names} FROM {table} LIMIT 0")  # noqa: S608 (our own names)
        types = [d.type_code for d in cur.description]
        with cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                count += 1
    seconds = time.perf_counter() - started
    ctx.loaded.append((label or table, count, seconds))
    click.echo(f"  {label or table:28s} {count:>10,d} rows {seconds:8.1f} s "
               f"{count / max(seconds, 1e-9):>10,.0f} rows/s")
    return count


def utc_naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def commit() -> None:
    db.session.commit()


def moment(day: date, rng: random.Random, first_hour: int = 8, last_hour: int = 17) -> datetime:
    """A time on ``day`` in Shanghai office hours, as naive UTC (for ``copy_rows``)."""
    from core.timeutil import local_datetime

    return utc_naive(local_datetime(day, datetime.min.time()) + timedelta(
        hours=rng.randint(first_hour, last_hour - 1), minutes=rng.choice((0, 15, 30, 45))))


def now_naive() -> datetime:
    return utc_naive(clock.now())


def past_day(ctx: CityContext, newest_days_ago: int = 1) -> date:
    return ctx.today - timedelta(days=ctx.rng.randint(newest_days_ago, 365 * CITY_YEARS))


# --- core: organizations and persons --------------------------------------------------------

ORG_COLUMNS = ["id", "name", "uscc", "kind", "is_charity", "is_eldercare",
               "registering_authority", "legal_representative", "district_id", "address",
               "registration_date", "status", "beds", "contact_phone", "created_at"]
CITY_ORG_PLAN = [  # kind, USCC prefix, charity, eldercare, share of the organizations
    ("social_group", "51", True, False, 0.45),
    ("social_service", "52", True, False, 0.45),
    ("foundation", "53", True, False, 0.10),
]


def _org_rows(ctx: CityContext, first_id: int, used_uscc: set[str]):
    rng, now = ctx.rng, now_naive()
    plan = [(k, p, c, e, round(share * ctx.sizes["organizations"]))
            for k, p, c, e, share in CITY_ORG_PLAN]
    plan.append(("eldercare", "52", False, True, ctx.sizes["institutions"]))
    next_id = first_id
    for kind, prefix, charity, eldercare, count in plan:
        for n in range(count):
            district_id, gb_code, dname = rng.choice(ctx.districts)
            uscc = make_uscc(rng, gb_code or "320400", prefix)
            while uscc in used_uscc:
                uscc = make_uscc(rng, gb_code or "320400", prefix)
            used_uscc.add(uscc)
            part = rng.choice(NAME_PARTS)
            name = (f"{dname}{part}颐养院{n + 1}号" if eldercare else
                    f"常州市{dname}{part}{'基金会' if kind == 'foundation' else '服务中心'}"
                    f"（{n + 1}）")
            yield (next_id, name, uscc, kind, charity, eldercare, f"常州市{dname}民政局",
                   ctx.name(), district_id, f"常州市{dname}{part}路{rng.randint(1, 300)}号",
                   ctx.today - timedelta(days=rng.randint(365, 365 * 18)), "active",
                   rng.choice((60, 120, 200, 300)) if eldercare else None,
                   f"0519-8{rng.randint(1000000, 9999999)}", now)
            (ctx.institution_ids if eldercare else ctx.charity_org_ids).append(next_id)
            ctx.subject_ids.append(next_id)
            next_id += 1


PERSON_COLUMNS = ["id", "name", "id_number", "id_digest", "gender", "phone", "district_id",
                  "address", "volunteer_number", "created_at"]


def _person_rows(ctx: CityContext, first_id: int, first_number: int, seen: set[str]):
    """``seen``: the ID digests already registered (the demo's), never drawn again."""
    rng, now = ctx.rng, now_naive()
    volunteers = round(ctx.sizes["persons"] * VOLUNTEER_SHARE)
    for n in range(ctx.sizes["persons"]):
        is_volunteer = n < volunteers
        years = (19, 72) if is_volunteer else (60, 95)
        born = ctx.today - timedelta(days=rng.randint(years[0] * 365, years[1] * 365))
        district_id, gb_code, dname = rng.choice(ctx.districts)
        while True:
            number = make_id_number(gb_code or "320400", born, rng)
            digest = blind_index(number)
            if digest not in seen:
                break
        seen.add(digest)
        phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        pid = first_id + n
        yield (pid, ctx.name(), encrypt(number), digest, gender_from_id(number), encrypt(phone),
               district_id, f"常州市{dname}", f"CZ{first_number + n:08d}" if is_volunteer
               else None, now)
        (ctx.volunteer_ids if is_volunteer else ctx.elder_ids).append(pid)


def _existing_digests() -> set[str]:
    return set(db.session.execute(sa.text("SELECT id_digest FROM person")).scalars())


def seed_city_core(ctx: CityContext) -> None:
    ctx.districts = [tuple(r) for r in db.session.execute(
        sa.text("SELECT id, gb_code, name FROM district ORDER BY id"))]
    used = set(db.session.execute(sa.text("SELECT uscc FROM organization")).scalars())
    total_orgs = round(ctx.sizes["organizations"]) + ctx.sizes["institutions"] + 10
    first = reserve_ids("organization", total_orgs)
    copy_rows(ctx, "organization", ORG_COLUMNS, _org_rows(ctx, first, used))
    commit()
    first = reserve_ids("person", ctx.sizes["persons"])
    numbered = db.session.execute(
        sa.text("SELECT count(*) FROM person WHERE volunteer_number IS NOT NULL")).scalar()
    copy_rows(ctx, "person", PERSON_COLUMNS,
              _person_rows(ctx, first, numbered + 1000, _existing_digests()))
    commit()


# --- the command's engine -------------------------------------------------------------------

_CITY_SEEDERS: list[tuple[int, str, Callable[[CityContext], None]]] = []


def register_city_seeder(name: str, func: Callable[[CityContext], None], order: int) -> None:
    if all(existing != name for _, existing, _f in _CITY_SEEDERS):
        _CITY_SEEDERS.append((order, name, func))


def _demo_org_ids() -> set[int]:
    """The core demo's organizations (seeded first, ``core.demo.ORG_PLAN``): the time bank
    and charity demos use them, so the city copies no credit history onto or from them."""
    count = sum(plan[4] for plan in ORG_PLAN)
    return set(db.session.execute(
        sa.text("SELECT id FROM organization ORDER BY id LIMIT :n"), {"n": count}).scalars())


def seed_city(size: float = 1.0, seed: int = 20260) -> CityContext:
    """Bulk-load the city on top of the seeded demo (committed step by step)."""
    exists = db.session.execute(sa.text("SELECT count(*) FROM person")).scalar()
    if exists > 10_000:
        raise click.UsageError(f"this database already holds {exists:,d} persons: "
                               "the city is loaded (restore a dump to start over)")
    if db.session.get_bind().dialect.name != "postgresql":
        raise click.UsageError("--scale city loads with COPY: it needs PostgreSQL "
                               "(DATABASE_URL=postgresql+psycopg://…)")
    sizes = {k: max(1, round(v * size)) for k, v in CITY_SIZES.items()}
    ctx = CityContext(rng=random.Random(seed), today=clock.today(), sizes=sizes,
                      demo_org_ids=_demo_org_ids())
    started = time.perf_counter()
    click.echo(f"city seed: {sizes}")
    seed_city_core(ctx)
    for _order, name, func in sorted(_CITY_SEEDERS, key=lambda item: (item[0], item[1])):
        click.echo(f" {name}:")
        func(ctx)
        commit()
    click.echo(" analyze …")
    db.session.execute(sa.text("ANALYZE"))
    commit()
    rows = sum(n for _t, n, _s in ctx.loaded)
    copying = sum(s for _t, _n, s in ctx.loaded)
    wall = time.perf_counter() - started
    click.echo(f"city seed: {rows:,d} rows in {wall:.0f} s wall ({rows / wall:,.0f} rows/s; "
               f"COPY alone {rows / max(copying, 1e-9):,.0f} rows/s)")
    ctx.extra["summary"] = {"rows": rows, "wall_s": round(wall, 1),
                            "rows_per_s": round(rows / wall),
                            "copy_rows_per_s": round(rows / max(copying, 1e-9)),
                            "tables": [{"table": t, "rows": n, "seconds": round(s, 1)}
                                       for t, n, s in ctx.loaded]}
    return ctx


register_scale("city", seed_city)
