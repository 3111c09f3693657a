"""A member's time account at a glance, as the member's page, the counter and the API show it:
balance, holds, pending sessions, whether they may redeem."""

from __future__ import annotations

from core import clock
from core.accounts.models import Person
from timebank import ledger, sessions
from timebank.redemption import may_redeem


def account_summary(person: Person) -> dict:
    """What a member, counter staff or a regulator sees of an account. Never the exact age or
    birth date next to the masked ID number: together they rebuild the whole number."""
    balance, held, available = ledger.balances(person.id)
    today = clock.today()
    return {"person_id": person.id, "name": person.name,
            "volunteer_number": person.volunteer_number,
            "id_number_masked": person.id_number_masked,
            "balance": balance, "held": held, "available": available,
            "may_redeem": may_redeem(person, today),
            "pending_sessions": sessions.pending_count(person.id)}
