"""The dashboard's counts of list entries, kept as they change (docs/scale.md): how many
entries are in each state per list and district (``EntryTally``), how many were decided and
removed per list and month (``EntryMonthTally``). The dashboard reads these few rows, never
the entries.

Every change of an entry's state goes through ``entries.transition`` (its creation too), which
calls ``entry_moved`` in the same transaction. Each counter moves by one statement,
``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``: two transactions moving the same
counter queue on its row and neither loses its step. A change writes its rows in key order;
a transaction that changes several entries (a publication that ends others, a batch of the
daily job) holds each counter it moved until it commits, and two such transactions may wait
for each other crosswise: PostgreSQL then fails one ("deadlock detected") rather than lose
a count (docs/scale.md, "Not flat yet").

An entry counts under the district its organization was in when the entry last changed state
(a published entry: the district at the decision). An organization that moves district later
does not move its entries' counts: the decision was taken then, and counting by the current
district would mean recounting every entry of an organization whenever it moves.

Rows written around the services (the city's bulk load, ``credit.demo.city``) are followed by
``rebuild``; ``flask credit rebuild-tallies`` does the same by hand (``--check`` compares)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core.extensions import db
from credit.models import EntryMonthTally, EntryState, EntryTally, ListEntry

PUBLISHED, REMOVED = "published", "removed"


def month_of(day: date) -> date:
    return day.replace(day=1)


def _upsert(model, keys: tuple[str, ...], deltas: Counter) -> None:
    rows = [dict(zip(keys, key, strict=True), n=n) for key, n in sorted(deltas.items()) if n]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={"n": model.n + statement.excluded.n})
    db.session.execute(statement)


def _bump_states(deltas: Counter) -> None:
    _upsert(EntryTally, ("list_type", "state", "district_id"), deltas)


def _bump_months(deltas: Counter) -> None:
    _upsert(EntryMonthTally, ("list_type", "month", "event"), deltas)


def entry_moved(entry: ListEntry, before: str | None) -> None:
    """``entry`` went from state ``before`` (None: just created) to ``entry.state``: its old
    counter down, its new one up (under its organization's district now), and a decision or a
    removal counted in its month."""
    district = entry.organization.district_id
    states: Counter = Counter()
    if before is not None:
        states[(entry.list_type, before, entry.district_id)] -= 1
    states[(entry.list_type, entry.state, district)] += 1
    entry.district_id = district
    _bump_states(states)
    months: Counter = Counter()
    if entry.state == EntryState.PUBLISHED and entry.decided_on:
        months[(entry.list_type, month_of(entry.decided_on), PUBLISHED)] += 1
    if entry.state == EntryState.REMOVED and entry.removed_on:
        months[(entry.list_type, month_of(entry.removed_on), REMOVED)] += 1
    _bump_months(months)


# --- recounting ----------------------------------------------------------------------------

def recount() -> tuple[Counter, Counter]:
    """What a full count of the entries says: ({(list, state, district): n},
    {(list, month, event): n}). Reads every entry (grouped in the database): for checks and
    rebuilds, never per request."""
    states = Counter({(t, s, d): n for t, s, d, n in db.session.execute(
        sa.select(ListEntry.list_type, ListEntry.state, ListEntry.district_id, sa.func.count())
        .group_by(ListEntry.list_type, ListEntry.state, ListEntry.district_id))})
    months: Counter = Counter()
    for event, column in ((PUBLISHED, ListEntry.decided_on), (REMOVED, ListEntry.removed_on)):
        for list_type, day, n in db.session.execute(
                sa.select(ListEntry.list_type, column, sa.func.count())
                .where(column.isnot(None)).group_by(ListEntry.list_type, column)):
            months[(list_type, month_of(day), event)] += n
    return states, months


def kept() -> tuple[Counter, Counter]:
    """The counts as kept (zeros left out, as ``recount`` has none)."""
    states = Counter({(t, s, d): n for t, s, d, n in db.session.execute(sa.select(
        EntryTally.list_type, EntryTally.state, EntryTally.district_id, EntryTally.n)) if n})
    months = Counter({(t, m, e): n for t, m, e, n in db.session.execute(sa.select(
        EntryMonthTally.list_type, EntryMonthTally.month, EntryMonthTally.event,
        EntryMonthTally.n)) if n})
    return states, months


def differences() -> list[str]:
    """Where the kept counts and a full recount disagree (empty when they agree)."""
    out = []
    for name, have, want in zip(("state", "month"), kept(), recount(), strict=True):
        for key in sorted(set(have) | set(want), key=str):
            if have[key] != want[key]:
                out.append(f"{name} {key}: kept {have[key]}, counted {want[key]}")
    return out


def rebuild() -> None:
    """Replace the kept counts by a full recount (the caller commits). On PostgreSQL the
    entries are locked against changes while it counts, so no step is lost between."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("LOCK TABLE credit_list_entry IN SHARE MODE"))
        db.session.execute(sa.text(
            "LOCK TABLE credit_entry_tally, credit_entry_month_tally IN EXCLUSIVE MODE"))
    states, months = recount()
    db.session.execute(sa.delete(EntryTally))
    db.session.execute(sa.delete(EntryMonthTally))
    _bump_states(states)
    _bump_months(months)
