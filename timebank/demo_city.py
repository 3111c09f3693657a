"""The time bank's city rows (``flask demo seed --scale city``, order 200): ledger accounts,
confirmed sessions with their deposits, catalogues and redemptions, bulk-loaded.

The same generators as the demo (``timebank.demo``: categories, descriptions, durations,
catalogue), the same shapes the services write (a deposit per confirmed session, referenced
``session:<id>``; a redemption as hold → posting), so ``flask timebank verify`` holds:
account balances are set from the postings at the end, in SQL."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from core.config import policy
from core.demo_city import (
    CityContext,
    commit,
    copy_rows,
    moment,
    now_naive,
    past_day,
    reserve_ids,
)
from core.extensions import db
from timebank.demo import CATALOGUE, CATEGORY_CODES, DESCRIPTIONS

ACTIVE_SHARE = 0.6  # of the volunteers log sessions in the three years
CHUNK = 100_000  # sessions per COPY round (sessions, then their deposits; then commit)
DURATIONS = [45, 60, 90, 120, 150, 180, 240]

SESSION_COLUMNS = ["id", "volunteer_id", "recipient_person_id", "recipient_org_id", "org_id",
                   "category", "district_id", "address", "start_at", "end_at", "minutes",
                   "description", "status", "source", "credited", "credit_minutes",
                   "confirmed_via", "confirming_org_id", "decided_at", "reversal_shortfall",
                   "created_at"]
POSTING_COLUMNS = ["id", "txn_id", "debit_account_id", "credit_account_id", "amount", "kind",
                   "reference", "memo", "created_at"]
ACCOUNT_COLUMNS = ["id", "key", "kind", "person_id", "org_id", "balance", "held", "created_at"]


def _accounts(ctx: CityContext, active: list[int]) -> tuple[dict, dict, dict]:
    """Issuance accounts of the organizers, redemption accounts of the institutions, person
    accounts of the active volunteers (balances 0 until the end)."""
    now = now_naive()
    plan = ([(f"issuance:org:{o}", "issuance", None, o) for o in ctx.charity_org_ids]
            + [(f"redemption:org:{o}", "redemption", None, o) for o in ctx.institution_ids]
            + [(f"person:{p}", "person", p, None) for p in active])
    first = reserve_ids("timebank_account", len(plan))
    ctx.extra["first_account_id"] = first
    copy_rows(ctx, "timebank_account", ACCOUNT_COLUMNS,
              ((first + i, key, kind, pid, oid, 0, 0, now)
               for i, (key, kind, pid, oid) in enumerate(plan)))
    issuance, redemption, person = {}, {}, {}
    for i, (_key, kind, pid, oid) in enumerate(plan):
        target = {"issuance": issuance, "redemption": redemption}.get(kind, person)
        target[oid if pid is None else pid] = first + i
    return issuance, redemption, person


def _session_plan(ctx: CityContext, active: list[int]):
    """(volunteer, home organization) for every session, spread over the active volunteers."""
    rng, total = ctx.rng, ctx.sizes["sessions"]
    per = total / len(active)
    made = 0
    for index, volunteer in enumerate(active):
        want = round(per * (index + 1)) - made
        home = rng.choice(ctx.charity_org_ids)
        for _ in range(want):
            yield volunteer, home if rng.random() < 0.75 else rng.choice(ctx.charity_org_ids)
        made += want


def _sessions(ctx: CityContext, accounts: tuple[dict, dict, dict], credits: dict) -> None:
    rng, rate = ctx.rng, policy("credit_minutes_per_service_minute")
    issuance, _redemption, person = accounts
    districts = dict(db.session.execute(sa.text(
        "SELECT id, district_id FROM organization WHERE id >= :f"),
        {"f": min(ctx.subject_ids)}).all())
    active = list(person)
    first = reserve_ids("timebank_session", ctx.sizes["sessions"])
    first_posting = reserve_ids("timebank_posting", ctx.sizes["sessions"])
    plan, sid = _session_plan(ctx, active), 0
    while sid < ctx.sizes["sessions"]:
        sessions, postings = [], []
        for volunteer, org in plan:
            day = past_day(ctx, 2)
            start = moment(day, rng, 8, 17)
            minutes = rng.choice(DURATIONS)
            end = start + timedelta(minutes=minutes)
            decided = end + timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 8))
            category = rng.choice(CATEGORY_CODES)
            elder = rng.choice(ctx.elder_ids) if rng.random() < 0.6 else None
            amount = round(minutes * rate)
            row_id = first + sid
            sessions.append((
                row_id, volunteer, elder, None if elder else org, org, category,
                districts[org], f"常州市服务点附近 {rng.randint(1, 40)} 幢", start, end,
                minutes, DESCRIPTIONS.get(category, ""), "confirmed", "self", True, amount,
                "org", org, decided, 0, end + timedelta(hours=rng.randint(1, 30))))
            postings.append((first_posting + sid, f"{rng.getrandbits(128):032x}",
                             issuance[org], person[volunteer], amount, "deposit",
                             f"session:{row_id}", category, decided))
            credits[volunteer] = credits.get(volunteer, 0) + amount
            sid += 1
            if len(sessions) >= CHUNK:
                break
        if not sessions:
            break
        copy_rows(ctx, "timebank_session", SESSION_COLUMNS, sessions)
        copy_rows(ctx, "timebank_posting", POSTING_COLUMNS, postings)
        commit()
    ctx.extra["posting_next"] = first_posting + sid


def _catalogue(ctx: CityContext) -> dict[int, list[tuple[int, str, int]]]:

    rng, now, items, rows = ctx.rng, now_naive(), {}, []
    first = reserve_ids("timebank_catalogue_item", 5 * len(ctx.institution_ids))
    n = 0
    for org in ctx.institution_ids:
        for name, mins, category in rng.sample(CATALOGUE, 5):
            price = round(mins * policy("credit_minutes_per_service_minute"))
            rows.append((first + n, org, name, category, f"{name}，由持证护理员提供", mins,
                         price, 1, True, False, now))
            items.setdefault(org, []).append((first + n, name, price))
            n += 1
    copy_rows(ctx, "timebank_catalogue_item",
              ["id", "org_id", "name", "category", "description", "service_minutes",
               "price_minutes", "max_quantity", "active", "approval_pending", "created_at"],
              rows)
    return items


def _redemptions(ctx: CityContext, accounts, credits: dict, items: dict) -> None:
    """Posted (88%) and cancelled redemptions by members with the credits for them."""
    rng = ctx.rng
    _issuance, redemption, person = accounts
    total = ctx.sizes["redemptions"]
    first = reserve_ids("timebank_redemption", total)
    first_hold = reserve_ids("timebank_hold", total)
    posting_id = reserve_ids("timebank_posting", total)
    members = [p for p, c in credits.items() if c >= 60]
    postings, holds, rows = [], [], []
    for n in range(total):
        org = rng.choice(ctx.institution_ids)
        item_id, name, price = rng.choice(items[org])
        member = rng.choice(members)
        if credits[member] < price:
            continue
        created = moment(past_day(ctx, 3), rng, 9, 17)
        settled = created + timedelta(hours=3)
        posted = rng.random() >= 0.12
        reference = f"redemption:{secrets.token_hex(8)}"
        posting = None
        if posted:
            credits[member] -= price
            posting = posting_id + n
            postings.append((posting, f"{rng.getrandbits(128):032x}", person[member],
                             redemption[org], price, "redemption", reference, name[:200],
                             settled))
        holds.append((first_hold + n, person[member], price, "redemption", reference,
                      "posted" if posted else "voided", settled, posting, created))
        rows.append((first + n, org, member, item_id, name, 1, price, price,
                     "posted" if posted else "voided", f"{rng.randint(0, 99999999):08d}", 0,
                     first_hold + n, "self", False, settled,
                     None if posted else "会员改约", created))
    copy_rows(ctx, "timebank_posting", POSTING_COLUMNS, postings, "timebank_posting (redeem)")
    copy_rows(ctx, "timebank_hold", ["id", "account_id", "amount", "kind", "reference",
                                     "status", "settled_at", "posting_id", "created_at"], holds)
    copy_rows(ctx, "timebank_redemption",
              ["id", "org_id", "person_id", "item_id", "item_name", "quantity", "unit_price",
               "amount", "status", "code", "code_failures", "hold_id", "consent",
               "id_checked", "settled_at", "void_reason", "created_at"], rows)


def _balances(ctx: CityContext) -> None:
    """Every city account's balance from its postings (what ``flask timebank verify`` checks)."""
    db.session.execute(sa.text("""
        UPDATE timebank_account a SET balance = s.balance
        FROM (SELECT account_id, sum(change) AS balance FROM (
                SELECT credit_account_id AS account_id, amount AS change FROM timebank_posting
                 WHERE credit_account_id >= :first
                UNION ALL
                SELECT debit_account_id, -amount FROM timebank_posting
                 WHERE debit_account_id >= :first) x GROUP BY account_id) s
        WHERE a.id = s.account_id"""), {"first": ctx.extra["first_account_id"]})


def seed_timebank_city(ctx: CityContext) -> None:
    active = ctx.rng.sample(ctx.volunteer_ids, max(1, round(len(ctx.volunteer_ids)
                                                            * ACTIVE_SHARE)))
    accounts = _accounts(ctx, active)
    commit()
    credits: dict[int, int] = {}
    _sessions(ctx, accounts, credits)
    items = _catalogue(ctx)
    _redemptions(ctx, accounts, credits, items)
    commit()
    _balances(ctx)
