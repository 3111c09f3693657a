"""The charity exchange's city rows (``flask demo seed --scale city``, order 300): needs and
offers over three years, bulk-loaded with the demo's generators (``charity.demo``: items, lot
sizes, wording). A share stays open (the matcher's input); the rest closed as fulfilled,
expired or withdrawn."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from charity.demo import LIKE, NEEDS, OFFER_SCALE, OFFERS
from core.demo_city import (
    OPEN_POST_SHARE,
    CityContext,
    copy_rows,
    moment,
    now_naive,
    past_day,
    reserve_ids,
)
from core.extensions import db

CLOSED = (("fulfilled", 0.7), ("expired", 0.2), ("withdrawn", 0.1))
COMMON = ["category", "quantity", "unit", "address", "description", "status", "updated_at",
          "withdrawn_at", "expired_at", "fulfilled_at", "created_at", "id", "org_id",
          "item_id", "district_id"]


def _quantity(rng, low: int, high: int, step: int, scale: float = 1.0) -> int:
    return max(step, int(rng.randint(low, high) * scale // step) * step)


def _when(ctx: CityContext, days: int):
    """Created, end of window, status and the closing columns of one post."""
    rng, now = ctx.rng, now_naive()
    if rng.random() < OPEN_POST_SHARE:
        created = moment(ctx.today - timedelta(days=rng.randint(1, 10)), rng)
        return created, max(created + timedelta(days=days), now + timedelta(days=3)), \
            "open", (None, None, None)
    created = moment(past_day(ctx, 40), rng)
    status = rng.choices([s for s, _ in CLOSED], [w for _, w in CLOSED])[0]
    closed = created + timedelta(days=rng.randint(1, days))
    return created, created + timedelta(days=days), status, (
        closed if status == "withdrawn" else None, closed if status == "expired" else None,
        closed if status == "fulfilled" else None)


def seed_charity_city(ctx: CityContext) -> None:
    rng = ctx.rng
    items = {code: (i, cat, unit) for i, code, cat, unit in db.session.execute(
        sa.text("SELECT id, code, category, unit FROM charity_item"))}
    orgs = dict(db.session.execute(sa.text(
        "SELECT id, district_id FROM organization WHERE id >= :f"),
        {"f": min(ctx.subject_ids)}).all())
    kinds = dict(db.session.execute(sa.text(
        "SELECT id, kind FROM organization WHERE id >= :f"), {"f": min(ctx.subject_ids)}).all())
    needers = ctx.charity_org_ids + ctx.institution_ids
    first = reserve_ids("charity_need", ctx.sizes["needs"])
    rows = []
    for n in range(ctx.sizes["needs"]):
        code, low, high, step, words = rng.choice(NEEDS)
        item_id, category, unit = items[code]
        org = rng.choice(needers)
        created, deadline, status, (withdrawn, expired, fulfilled) = _when(ctx, 30)
        rows.append((category, _quantity(rng, low, high, step), unit, "常州市", words, status,
                     created, withdrawn, expired, fulfilled, created, first + n, org, item_id,
                     orgs[org], rng.choices([1, 2, 3, 4], [2, 4, 3, 1])[0], deadline))
    copy_rows(ctx, "charity_need", [*COMMON, "urgency", "deadline"], rows)
    first = reserve_ids("charity_offer", ctx.sizes["offers"])
    rows = []
    for n in range(ctx.sizes["offers"]):
        org = rng.choice(needers)
        code = rng.choice(OFFERS.get(kinds[org], OFFERS["social_group"]))
        _c, low, high, step, _w = next(x for x in NEEDS if x[0] == LIKE.get(code, code))
        item_id, category, unit = items[code]
        created, until, status, (withdrawn, expired, fulfilled) = _when(ctx, 45)
        rows.append((category, _quantity(rng, low, high, step, OFFER_SCALE), unit, "常州市",
                     "爱心捐赠", status, created, withdrawn, expired, fulfilled, created,
                     first + n, org, item_id, orgs[org], created, until))
    copy_rows(ctx, "charity_offer", [*COMMON, "available_from", "available_until"], rows)
