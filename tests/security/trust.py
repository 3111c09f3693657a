"""Builders shared by the trust tests (issue 12): an eldercare institution with a counter
clerk and a catalogue, funded members, bearer clients usable from other threads."""

from __future__ import annotations

from flask.testing import FlaskClient

from core.accounts.services import create_token, create_user
from core.extensions import db
from core.orgs.models import OrgKind
from timebank import ledger, redemption
from timebank.models import PostingKind


class Counter:
    """An eldercare institution, one counter clerk, one service priced ``price`` minutes."""

    def __init__(self, make, price: int = 60, name: str = "助浴服务"):
        self.make = make
        self.home = make.org(OrgKind.ELDERCARE)
        self.clerk = make.user("institution_staff", org=self.home)
        self.item = redemption.add_item(self.clerk, self.home.id,
                                        {"name": name, "service_minutes": price})
        self.funder = make.org(OrgKind.SOCIAL_GROUP)

    def fund(self, person, minutes: int, note: str = "") -> None:
        """Credits in a person's account, as confirmed sessions would have put them there."""
        ledger.transfer(ledger.issuance_account(self.funder.id), ledger.person_account(person.id),
                        minutes, PostingKind.DEPOSIT, f"trust-test:{person.id}:{minutes}{note}")


def volunteer_login_without_person(username: str):
    """A volunteer login with no real-name person yet (made by an admin, or self-registered
    with an ID number that was already registered)."""
    from tests.factories import PASSWORD

    return create_user(None, username, PASSWORD, username, roles=["volunteer"])


def bearer(user) -> dict:
    """Authorization headers with a fresh API token of ``user`` (committed)."""
    issued = create_token(None, user, "trust test")
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def thread_client(app, cookies: bool = False) -> FlaskClient:
    """A plain test client for use from another thread: each request pushes its own app
    context, as in production (the suite's IsolatedClient needs the test's context)."""
    return FlaskClient(app, use_cookies=cookies)
