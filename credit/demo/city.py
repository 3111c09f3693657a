"""The credit system's city rows (``flask demo seed --scale city``, order 400).

The demo's generator (``credit.demo``: the documented process, due process through the
services) has just written a five-year history for about 270 subjects. Each of the city's new
subjects takes one of those histories as its own — facts, list entries in every state with
their grounds and transitions, annual reports and feed events — with ids remapped, its own
name and USCC in the entry snapshots. Eldercare institutions take eldercare histories.
Copied with one ``INSERT … SELECT`` per table (the rows never leave the database); templates
are drawn among the richer histories so the city reaches ``sizes["facts"]`` facts."""

from __future__ import annotations

import math
import time

import click
import sqlalchemy as sa

from core.demo_city import CityContext, commit, reserve_ids
from core.extensions import db
from credit.lists import tallies

# table → (how a row finds its subject, {column: referenced table}, {column: SQL override})
SUBJECT = "{t}.org_id"
VIA_ENTRY = "(SELECT e.org_id FROM credit_list_entry e WHERE e.id = {t}.entry_id)"
# A grounds key names the facts and entries an entry rests on ("f12,f40,e3|y2024"): renumbered
# like the ids, in the same order (the offsets keep it).
GROUNDS_KEY = """CASE WHEN t.grounds_key IS NULL OR left(t.grounds_key, 2) = 'h:' THEN t.grounds_key
  ELSE (SELECT string_agg(CASE WHEN p ~ '^f[0-9]+$' THEN 'f' || (substr(p, 2)::bigint + {f})
                               WHEN p ~ '^e[0-9]+$' THEN 'e' || (substr(p, 2)::bigint + {e})
                               ELSE p END, ',' ORDER BY ord)
          FROM unnest(string_to_array(split_part(t.grounds_key, '|', 1), ','))
               WITH ORDINALITY AS x(p, ord))
       || CASE WHEN strpos(t.grounds_key, '|') > 0
               THEN '|' || split_part(t.grounds_key, '|', 2) ELSE '' END END"""
CLONED = [
    ("credit_fact", SUBJECT, {"related_fact_id": "credit_fact", "supersedes_id": "credit_fact"},
     {"source_ref": "CASE WHEN t.source_ref IS NULL THEN NULL "
                    "ELSE t.source_ref || '#city' || m.n END"}),
    ("credit_list_entry", SUBJECT, {"replaced_by_id": "credit_list_entry"},
     {"subject_name": "o.name", "subject_uscc": "o.uscc", "grounds_key": GROUNDS_KEY,
      "district_id": "o.district_id",
      "subject_snapshot": "CASE WHEN t.subject_snapshot IS NULL THEN NULL ELSE "
                          "(t.subject_snapshot::jsonb || jsonb_build_object("
                          "'name', o.name, 'uscc', o.uscc))::json END"}),
    ("credit_entry_ground", VIA_ENTRY, {"entry_id": "credit_list_entry",
                                        "fact_id": "credit_fact",
                                        "source_entry_id": "credit_list_entry"}, {}),
    ("credit_entry_transition", VIA_ENTRY, {"entry_id": "credit_list_entry"}, {}),
    ("credit_annual_report", SUBJECT, {"fact_id": "credit_fact"}, {}),  # first history only
    ("credit_feed_event", SUBJECT, {"entry_id": "credit_list_entry"},
     {"payload": "jsonb_set(jsonb_set(jsonb_set(t.payload::jsonb, '{{entry_id}}', "
                 "to_jsonb({entry_id})), '{{subject,name}}', to_jsonb(o.name)), "
                 "'{{subject,uscc}}', to_jsonb(o.uscc))::json"}),
]


def _templates(ctx: CityContext) -> tuple[list[int], list[int], float]:
    """Demo subjects with a history (not the core demo's organizations, which other packages
    use): eldercare, social organizations, and the mean facts per history."""
    light = ctx.demo_org_ids
    rows = db.session.execute(sa.text("""
        SELECT o.id, o.is_eldercare, count(f.id) AS facts
          FROM organization o JOIN credit_fact f ON f.org_id = o.id
         WHERE o.id < :first GROUP BY o.id, o.is_eldercare ORDER BY o.id"""),
        {"first": min(ctx.subject_ids)}).all()
    rows = [r for r in rows if r.id not in light]
    mean = sum(r.facts for r in rows) / max(len(rows), 1)
    return ([r.id for r in rows if r.is_eldercare], [r.id for r in rows if not r.is_eldercare],
            mean)


def _offset(spans: dict, table: str) -> str:
    base, low, span = spans[table]
    return f"({base} + m.n * {span} - {low})"


def _expr(table: str, column: str, refs: dict, overrides: dict, spans: dict) -> str:
    if column in overrides:
        return overrides[column].format(f=_offset(spans, "credit_fact"),
                                        e=_offset(spans, "credit_list_entry"),
                                        entry_id=f"t.entry_id + {_offset(spans, 'credit_list_entry')}")
    if column == "id":
        return f"t.id + {_offset(spans, table)}"
    if column == "org_id":
        return "m.new_org"
    if column in refs:
        return f"t.{column} + {_offset(spans, refs[column])}"  # NULL stays NULL
    if column == "seq":
        return f"t.seq + {_offset(spans, 'credit_feed_event.seq')}"
    return f"t.{column}"


def seed_credit_city(ctx: CityContext) -> None:
    eldercare, social, mean = _templates(ctx)
    if not social or not eldercare:
        click.echo("  no demo credit history to copy (credit seeder did not run)")
        return
    # Several histories per subject when one is not enough for sizes["facts"]; the annual
    # reports come from the first (one report per year and subject).
    per = max(1, math.ceil(ctx.sizes["facts"] / max(len(ctx.subject_ids), 1) / max(mean, 1)))
    institutions, plan = set(ctx.institution_ids), []
    for org in ctx.subject_ids:
        for k in range(per):
            template = ctx.rng.choice(eldercare if org in institutions else social)
            plan.append({"n": len(plan), "t": template, "o": org, "k": k})
    db.session.execute(sa.text("CREATE TEMP TABLE city_clone (n int, template int, "
                               "new_org int, k int) ON COMMIT DROP"))
    db.session.execute(sa.text("INSERT INTO city_clone VALUES (:n, :t, :o, :k)"), plan)
    spans = {}
    for table, *_rest in CLONED:
        low, high = db.session.execute(sa.text(
            f"SELECT min(id), max(id) FROM {table}")).one()  # noqa: S608 (our table names)
        span = (high or 0) - (low or 0) + 1
        spans[table] = (reserve_ids(table, span * len(plan)), low or 0, span)
    low, high = db.session.execute(sa.text("SELECT min(seq), max(seq) FROM credit_feed_event")
                                   ).one()
    spans["credit_feed_event.seq"] = ((high or 0) + 1, low or 0, (high or 0) - (low or 0) + 1)
    tables = db.Model.metadata.tables
    for table, owner, refs, overrides in CLONED:
        columns = [c.name for c in tables[table].columns]
        exprs = ", ".join(_expr(table, c, refs, overrides, spans) for c in columns)
        only_first = " WHERE m.k = 0" if table == "credit_annual_report" else ""
        sql = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {exprs} "  # noqa: S608
               f"FROM {table} t JOIN city_clone m ON m.template = {owner.format(t='t')} "
               f"JOIN organization o ON o.id = m.new_org{only_first}")  # (our table names)
        started = time.perf_counter()
        count = db.session.execute(sa.text(sql)).rowcount
        seconds = time.perf_counter() - started
        ctx.loaded.append((table, count, seconds))
        click.echo(f"  {table:28s} {count:>10,d} rows {seconds:8.1f} s "
                   f"{count / max(seconds, 1e-9):>10,.0f} rows/s")
    tallies.rebuild()  # the entries came around the services: the dashboard's counts too
    commit()
