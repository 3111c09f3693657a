"""``flask timebank …`` commands: ledger verification."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from timebank import ledger

timebank_cli = AppGroup("timebank", help="Time bank commands.")


@timebank_cli.command("verify")
def verify_command():
    """Recompute every balance and hold from the postings; exit 1 on any mismatch."""
    report = ledger.verify()
    if report.ok:
        click.echo(f"ledger OK: {report.accounts} accounts, {report.postings} postings, "
                   f"sum of balances {report.total}")
        return
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    raise SystemExit(1)
