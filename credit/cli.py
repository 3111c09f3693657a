"""``flask credit …`` commands: run the daily rules or the red-list review for a date, check a
draw. Each command commits its own work."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from core.db import write_intent
from core.extensions import db
from credit import jobs
from credit.inspections import published
from credit.inspections import services as inspections
from credit.inspections.services import ALGORITHMS
from credit.lists import tallies

credit_cli = AppGroup("credit", help="Credit lists, rules and inspections.")


def _run(func, day: str | None):
    token = write_intent.set(True)
    try:
        counts = func(date.fromisoformat(day) if day else None)
        db.session.commit()
    finally:
        write_intent.reset(token)
    return counts


@credit_cli.command("daily")
@click.option("--date", "day", default=None, help="Run as of this day (YYYY-MM-DD).")
def daily_command(day):
    """Record missing annual reports, apply the time rules, scan every subject."""
    click.echo(_run(jobs.daily, day))


@credit_cli.command("red-review")
@click.option("--date", "day", default=None, help="Run as of this day (YYYY-MM-DD).")
def red_review_command(day):
    """The yearly red-list review (recorded as a run of the review job: the daily job's
    catch-up does not run it again)."""
    click.echo(_run(lambda on: jobs.recorded_red_review(on, "cli"), day))


@credit_cli.command("verify-draw")
@click.argument("draw_id", type=int)
def verify_draw_command(draw_id):
    """Recompute a draw from exactly the files it publishes (as recompute_draw.py does
    offline); exit 1 if anything differs."""
    row = inspections.get_draw(draw_id)
    if row.is_legacy:
        same = inspections.reproduces(row)
        click.echo(f"draw {draw_id} (legacy) seed={row.seed}: "
                   f"{'reproduced' if same else 'DIFFERS'}")
        raise SystemExit(0 if same else 1)
    status, lines = ALGORITHMS[row.algorithm].check(published.record_bytes(row),
                                                    published.snapshot_bytes(row))
    click.echo(f"draw {draw_id} ({row.algorithm}, {row.state})")
    click.echo("\n".join(lines))
    raise SystemExit(status)


@credit_cli.command("rebuild-tallies")
@click.option("--check", is_flag=True, help="Only compare the kept counts with a recount; "
                                            "exit 1 if they differ.")
def rebuild_tallies_command(check):
    """Recount the dashboard's counts of list entries (per list, state and district, and per
    month) from the entries themselves, after rows were loaded around the services."""
    differences = tallies.differences()
    for line in differences:
        click.echo(line)
    if check:
        click.echo("the kept counts differ from a recount" if differences
                   else "the kept counts agree with a recount")
        raise SystemExit(1 if differences else 0)
    token = write_intent.set(True)
    try:
        tallies.rebuild()
        db.session.commit()
    finally:
        write_intent.reset(token)
    click.echo(f"rebuilt ({len(differences)} counts were off)")
