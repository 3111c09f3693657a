"""``flask charity …``: run the matcher, expire stale proposals and posts, seed the starting items."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from charity import items, jobs, runs
from core.db import write_intent
from core.extensions import db

charity_cli = AppGroup("charity", help="Charity exchange.")


def _writing(func):
    token = write_intent.set(True)
    try:
        result = func()
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        raise
    finally:
        write_intent.reset(token)


@charity_cli.command("match")
def match_command():
    """Run the matcher once now and print the run's counts."""
    run = _writing(lambda: runs.run_matching(None, trigger="cli"))
    click.echo(f"run {run.id}: {run.needs_considered} needs, {run.offers_considered} offers, "
               f"{run.proposals_created} proposals, quantity {run.matched_quantity}, "
               f"W={run.weighted_quantity} D={run.distance_cost_km:.1f} km "
               f"({run.duration_ms} ms)")


@charity_cli.command("expire")
def expire_command():
    """Expire unanswered proposals and needs/offers past their deadline."""
    counts = _writing(jobs.expire_job)
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@charity_cli.command("seed-items")
def seed_items_command():
    """Add the starting items and substitutes that are missing."""
    added = _writing(items.seed_items)
    click.echo(f"items: {added} added")
