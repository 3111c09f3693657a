"""The time bank's scheduled jobs (timebank.jobs) and the ledger check they run."""

import pytest
import sqlalchemy as sa

from core.extensions import db
from timebank import jobs
from timebank.models import LedgerAccount, Posting


def test_verify_job_fails_loudly_on_a_mismatch(tb):
    person = tb.volunteer().person
    tb.fund(person, 60)
    assert jobs.verify_ledger_job()["postings"] == 1
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.person_id == person.id)
                       .values(balance=61))
    with pytest.raises(RuntimeError):
        jobs.verify_ledger_job()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Posting)).scalar() == 1


def test_jobs_are_registered_and_run_through_the_job_runner(tb, app):
    from core.jobs import registered_jobs, run_job

    ids = {spec.id for spec in registered_jobs()}
    assert {"timebank.verify_ledger", "timebank.remind_pending", "timebank.auto_confirm",
            "timebank.void_stale_holds", "timebank.expire_credits"} <= ids
    db.session.commit()
    run = run_job("timebank.verify_ledger")
    assert run.status == "ok"

