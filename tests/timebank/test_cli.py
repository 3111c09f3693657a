"""flask timebank … (timebank.cli)."""

import sqlalchemy as sa

from core.extensions import db
from timebank.models import LedgerAccount


def test_flask_timebank_verify_reports_ok_and_fails_on_a_mismatch(tb, app):
    person = tb.volunteer().person
    tb.fund(person, 30)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["timebank", "verify"])
    assert result.exit_code == 0 and "ledger OK" in result.output
    db.session.execute(sa.update(LedgerAccount).where(LedgerAccount.person_id == person.id)
                       .values(balance=31))
    db.session.commit()
    result = runner.invoke(args=["timebank", "verify"])
    assert result.exit_code == 1 and "balance 31 != postings 30" in result.output

