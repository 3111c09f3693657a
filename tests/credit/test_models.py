"""The credit tables serve the long lists in index order: a page of the newest facts or of a
published list reads a page, never sorts the whole table (city scale, benches/scale.py)."""

import pytest
import sqlalchemy as sa

from core.extensions import db
from credit.facts.records import search_facts
from credit.lists.exports import published_query


def _plan(query) -> str:
    """The database's plan for the first page, with sorting made as dear as it gets: an
    index that gives the order is then always taken."""
    bind = db.session.get_bind()
    sql = query.limit(20).compile(bind, compile_kwargs={"literal_binds": True})
    if bind.dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL enable_sort = off"))
        return "\n".join(db.session.execute(sa.text(f"EXPLAIN {sql}")).scalars())
    return "\n".join(str(r[-1]) for r in db.session.execute(
        sa.text(f"EXPLAIN QUERY PLAN {sql}")))


@pytest.mark.parametrize("query, index", [
    (lambda: search_facts(), "ix_credit_fact_recorded"),
    (lambda: published_query("serious"), "ix_credit_entry_list_state_decided"),
])
def test_the_newest_first_lists_read_in_index_order(app, query, index):
    plan = _plan(query())
    assert index in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan
