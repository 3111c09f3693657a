"""The public board reads its page from the partial index of open needs in its order
(``ix_charity_need_open``, docs/scale.md): no sort of the open needs, even in the generic plan
of a prepared statement, where every bound value is unknown (which is why the open statuses
are literal SQL, not parameters)."""

import pytest
import sqlalchemy as sa
from psycopg import sql as pg_sql
from sqlalchemy.dialects.postgresql import psycopg

from charity import posting
from core.extensions import db
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's plans (generic ones too)")


def _generic_plan(query) -> str:
    """PostgreSQL's generic plan for ``query`` as sent, its values bound (what a statement
    prepared by the driver ends up with), sorting and whole-table reads made as dear as they
    get: an index that applies is then always taken."""
    compiled = query.compile(dialect=psycopg.dialect(paramstyle="numeric_dollar"),
                             compile_kwargs={"render_postcompile": True})
    values = [compiled.params[name] for name in compiled.positiontup]
    conn = db.session.connection()
    conn.exec_driver_sql("SET LOCAL enable_sort = off")
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE board_plan AS {compiled}")
    try:
        raw = conn.connection.dbapi_connection
        literals = ", ".join(pg_sql.Literal(v).as_string(raw) for v in values)
        rows = conn.exec_driver_sql(f"EXPLAIN EXECUTE board_plan({literals})")
        return "\n".join(r[0] for r in rows)
    finally:
        conn.exec_driver_sql("DEALLOCATE board_plan")


@pytest.mark.parametrize("filters", [{}, {"district_id": 1}, {"category": "food"}])
def test_a_board_page_reads_the_open_needs_index_in_order(ch, filters):
    ch.need(item="quilt")
    plan = _generic_plan(posting.board_query(**filters).offset(0).limit(21))
    assert "ix_charity_need_open" in plan, plan
    assert "Sort" not in plan, plan


def test_the_board_count_reads_only_the_open_needs_index(ch):
    ch.need(item="quilt")
    query = posting.board_query()
    count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    plan = _generic_plan(count)
    assert "ix_charity_need_open" in plan and "Seq Scan on charity_need" not in plan, plan
