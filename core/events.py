"""Domain events that packages publish and subscribe to, so they meet without importing
each other.

Signals are blinker signals, sent synchronously inside the publisher's transaction: a
subscriber's writes (e.g. a credit fact) commit or roll back with the change that caused them.
Payloads are keyword arguments, documented on each signal; ``sender`` is the publishing
package's name.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

session_confirmed = _signals.signal(
    "timebank.session-confirmed",
    doc="A service session was confirmed and its hours deposited. kwargs: session_id, "
        "volunteer_person_id, org_id (organizing org or None), minutes, confirmed_at.",
)
session_found_false = _signals.signal(
    "timebank.session-found-false",
    doc="A confirmed session was found false and reversed. kwargs: session_id, org_id "
        "(the organization that confirmed it, or None), minutes, reason, actor_id, "
        "occurred_at (datetime, UTC).",
)
match_fulfilled = _signals.signal(
    "charity.match-fulfilled",
    doc="An accepted proposal was fulfilled. kwargs: proposal_id, need_org_id, offer_org_id "
        "(either may be None for persons), quantity, delivered_quantity, occurred_at.",
)
match_abandoned = _signals.signal(
    "charity.match-abandoned",
    doc="An accepted proposal was abandoned (not fulfilled). kwargs: proposal_id, org_id "
        "(the party responsible, or None), reason, occurred_at.",
)
volunteer_service_confirmed = _signals.signal(
    "charity.volunteer-service-confirmed",
    doc="An organization confirmed that a volunteer served an opportunity; the time bank "
        "records it as a confirmed session. kwargs: opportunity_id, signup_id, org_id, "
        "person_id, category, district_id, address, start, end (aware datetimes), "
        "description, actor_id.",
)

org_status_changed = _signals.signal(
    "orgs.status-changed",
    doc="An organization's registration status changed (verified, suspended, deregistered, "
        "revoked). kwargs: org_id, before, after (OrgStatus values), reason, actor_id.",
)

notice_delivered = _signals.signal(
    "core.notice-delivered",
    doc="A notice document counts as delivered (the first confirmed delivery, or the end of "
        "its public-notice period). kwargs: document_id, step_key, delivered_on (Shanghai "
        "date), channel (inbox, email, sms or public_notice).",
)

org_identity_changed = _signals.signal(
    "orgs.identity-changed",
    doc="The bureau approved a change of a verified organization's identity. kwargs: org_id, "
        "change_id, before and after (dicts of the identity fields that changed), "
        "decided_at (datetime, UTC), actor_id.",
)


def publish(signal, sender: str, **payload) -> None:
    """Send ``signal``; subscribers' exceptions propagate and roll back the whole change."""
    signal.send(sender, **payload)
