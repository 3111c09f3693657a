"""The charity's scheduled jobs (charity.jobs): matching and expiry, recorded and idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from charity.models import Proposal
from core.extensions import db
from core.jobs import get_job, run_job


def test_jobs_are_registered_with_the_policy_interval(app):
    spec = get_job("charity.match")
    assert spec.trigger == "interval"
    assert spec.trigger_args == {"minutes": app.config["POLICY_MATCHING_INTERVAL_MINUTES"]}
    assert get_job("charity.expire").trigger == "interval"


def test_the_match_job_records_its_run_and_is_idempotent(ch, commit):
    ch.need()
    ch.offer()
    commit()
    first = run_job("charity.match")
    assert first.status == "ok" and first.counts["proposals"] == 1
    second = run_job("charity.match")
    assert second.status == "ok" and second.counts["proposals"] == 0
    assert db.session.execute(sa.select(sa.func.count(Proposal.id))).scalar_one() == 1


def test_the_expire_job_reports_what_it_closed(ch, commit):
    commit()
    run = run_job("charity.expire")
    assert run.status == "ok"
    assert run.counts == {"proposals_unanswered": 0, "needs_expired": 0, "offers_expired": 0,
                          "proposals_expired": 0}

