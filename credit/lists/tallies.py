"""The dashboard's counts of list entries, kept as they change (docs/scale.md): how many
entries are in each state per list and district (``EntryTally``), how many were decided and
removed per list and month (``EntryMonthTally``). The dashboard reads these few rows, never
the entries.

Every change of an entry's state goes through ``entries.transition`` (its creation too), which
calls ``entry_moved`` in the same transaction. The steps are gathered and written when the
transaction commits, all of them in one key order, each counter by one statement
(``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n``): two transactions moving the same
counters queue on their rows in the same order, so neither loses a step and they never wait
for each other crosswise (a daily-job batch and a regulator's publication would otherwise
deadlock). Steps taken inside a savepoint that rolls back are dropped with it; a transaction
that rolls back writes none. Reading the counts in a transaction that moved entries writes
its steps first (``apply_pending``).

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


def _key_order(item) -> tuple:
    """Counters in one fixed order (None, a district not known, first)."""
    return tuple((part is not None, part if part is not None else 0) for part in item[0])


def _upsert(model, keys: tuple[str, ...], deltas: Counter) -> None:
    rows = [dict(zip(keys, key, strict=True), n=n)
            for key, n in sorted(deltas.items(), key=_key_order) if n]
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
    months: Counter = Counter()
    if entry.state == EntryState.PUBLISHED and entry.decided_on:
        months[(entry.list_type, month_of(entry.decided_on), PUBLISHED)] += 1
    if entry.state == EntryState.REMOVED and entry.removed_on:
        months[(entry.list_type, month_of(entry.removed_on), REMOVED)] += 1
    _pending_steps(states, months)


# --- steps gathered per transaction, written at commit ------------------------------------

_PENDING = "credit_tally_steps"  # session.info: [(transaction, "state"|"month", key, n)]


def _pending_steps(states: Counter, months: Counter) -> None:
    session = db.session()
    where = session.get_nested_transaction() or session.get_transaction()
    steps = session.info.setdefault(_PENDING, [])
    steps += [(where, "state", key, n) for key, n in states.items() if n]
    steps += [(where, "month", key, n) for key, n in months.items() if n]


def apply_pending(session=None) -> None:
    """Write the steps this transaction gathered, every counter in one key order."""
    session = session or db.session()
    steps = session.info.pop(_PENDING, None)
    if not steps:
        return
    states, months = Counter(), Counter()
    for _where, kind, key, n in steps:
        (states if kind == "state" else months)[key] += n
    _bump_states(states)
    _bump_months(months)


def _inside(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@sa.event.listens_for(db.session, "before_commit")
def _write_at_commit(session) -> None:
    apply_pending(session)


@sa.event.listens_for(db.session, "after_soft_rollback")
def _drop_undone(session, previous_transaction) -> None:
    """A rolled-back transaction moved nothing; a rolled-back savepoint, only its own steps."""
    steps = session.info.get(_PENDING)
    if not steps:
        return
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        return
    session.info[_PENDING] = [step for step in steps
                              if not _inside(step[0], previous_transaction)]


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
    apply_pending()
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
    db.session.info.pop(_PENDING, None)  # the recount below includes them
    states, months = recount()
    db.session.execute(sa.delete(EntryTally))
    db.session.execute(sa.delete(EntryMonthTally))
    _bump_states(states)
    _bump_months(months)
