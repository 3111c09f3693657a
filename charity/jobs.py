"""Scheduled jobs of the charity exchange: the periodic matching run, and the expiry of
unanswered proposals and of needs and offers past their deadline. Each is idempotent."""

from __future__ import annotations

from charity import posting, proposals, runs


def match_job() -> dict:
    """Every matching_interval_minutes: one matching run (pending pairs are never duplicated)."""
    run = runs.run_matching(None, trigger="job")
    return {"run_id": run.id, "proposals": run.proposals_created,
            "needs": run.needs_considered, "offers": run.offers_considered}


def expire_job() -> dict:
    """Proposals unanswered after proposal_response_days, and posts past their deadline."""
    counts = {"proposals_unanswered": proposals.expire_proposals()}
    counts.update(posting.expire_posts())
    return counts
