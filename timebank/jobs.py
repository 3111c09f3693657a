"""Scheduled time-bank jobs: verify, remind, auto-confirm, void stale holds, expire credits.
Each calls the service that holds the rule; this module only says what a run reports."""

from __future__ import annotations

import logging

from core.extensions import db
from timebank import expiry, ledger, reminders
from timebank.confirmation import auto_confirm_due
from timebank.redemption import void_expired

log = logging.getLogger(__name__)


def verify_ledger_job() -> dict:
    """Nightly: recompute every balance and hold from the postings; fail loudly on a mismatch."""
    report = ledger.verify()
    if not report.ok:
        for problem in report.problems:
            log.error("ledger verify: %s", problem)
        raise RuntimeError(f"ledger verification found {len(report.problems)} problem(s): "
                           + "; ".join(report.problems[:5]))
    return {"accounts": report.accounts, "postings": report.postings}


def auto_confirm_job() -> dict:
    return {"confirmed": auto_confirm_due()}


def void_stale_holds_job() -> dict:
    return {"voided": void_expired()}


def expire_credits_job() -> dict:
    """Batch by batch, each committed: a run stopped halfway keeps what it did, and the next
    run (the same day or later) carries on from there."""
    totals = {"expired_accounts": 0, "expired_minutes": 0}
    for counts in expiry.batches():
        db.session.commit()
        totals = {k: totals[k] + counts[k] for k in totals}
    return totals


def remind_pending_job() -> dict:
    return reminders.remind_pending()
