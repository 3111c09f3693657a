"""A member's time account at a glance, as the member's page, the counter and the API show it:
balance, holds, pending sessions, whether they may redeem."""

from __future__ import annotations

import sqlalchemy as sa

from core import clock
from core.accounts.models import Person
from core.extensions import db
from timebank import sessions
from timebank.models import LedgerAccount
from timebank.redemption import may_redeem


def account_summary(person: Person) -> dict:
    """What a member, counter staff or a regulator sees of an account. Never the exact age or
    birth date next to the masked ID number: together they rebuild the whole number."""
    # Balance, held and the pending count in one statement (three indexed reads): the
    # balance is the hottest read there is.
    def column(name):
        return sa.func.coalesce(sa.select(getattr(LedgerAccount, name)).where(
            LedgerAccount.person_id == person.id).scalar_subquery(), 0)

    balance, held, pending = db.session.execute(sa.select(
        column("balance"), column("held"),
        sessions.pending_count_query(person.id).scalar_subquery())).one()
    return {"person_id": person.id, "name": person.name,
            "volunteer_number": person.volunteer_number,
            "id_number_masked": person.id_number_masked,
            "balance": balance, "held": held, "available": balance - held,
            "may_redeem": may_redeem(person, clock.today()), "pending_sessions": pending}
