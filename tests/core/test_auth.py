"""core.auth at its edges: a route that declares nothing is closed to everyone, a token stops
working when its user is deactivated, and a token works until its expiry and not after."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g, request

from core.accounts import services
from core.auth import load_user_from_token
from core.extensions import db
from tests.conftest import ApiClient

ME = "/api/v1/accounts/me"
FAMILY = "/api/v1/accounts/family"  # a write any signed-in user may make


@pytest.fixture
def undeclared(app):
    """A page and an API route registered without ``@roles`` (as a forgetful change would)."""

    @app.get("/forgot-to-declare")
    def forgot_page():
        return "secret page"

    @app.get("/api/v1/forgot-to-declare")
    def forgot_api():
        return {"secret": True}

    return ("/forgot-to-declare", "/api/v1/forgot-to-declare")


@pytest.mark.parametrize("role", [None, "volunteer", "regulator", "admin"])
def test_a_route_that_declares_no_roles_is_refused_to_everyone(app, client, login_as,
                                                               undeclared, role):
    if role is not None:
        login_as(role)
    for path in undeclared:
        response = client.get(path)
        assert response.status_code == 403, (path, role, response.status_code)
        assert b"secret" not in response.data


def test_a_deactivated_users_token_is_refused_by_the_token_loader_itself(app, api_as, make):
    """Refused over HTTP, and by the loader itself: Flask-Login happens to treat an inactive
    user as anonymous too, but the loader must not hand one over (nor mark its token used)."""
    api = api_as("regulator")
    assert api.get(ME).status_code == 200
    services.set_active(make.user("admin"), api.user, False, reason="离职")
    db.session.commit()
    assert api.get(ME).status_code == 401
    assert api.post(FAMILY, json={}).status_code == 401
    with app.test_request_context(ME, headers={"Authorization": f"Bearer {api.token}"}):
        assert load_user_from_token(request) is None
        assert g.get("api_token_id") is None
    services.set_active(make.user("admin"), api.user, True)
    db.session.commit()
    assert api.get(ME).status_code == 200  # the token itself was not revoked


def test_a_token_works_until_its_expiry_and_not_a_second_after(app, make, frozen_clock):
    start = frozen_clock.local(2026, 6, 10, 15, 0)
    user = make.user("feed")
    issued = services.create_token(None, user, "一周", expires_at=start + timedelta(days=7))
    db.session.commit()
    api = ApiClient(app.test_client(), issued.secret, user)
    frozen_clock.advance(days=7, seconds=-1)
    assert api.get(ME).status_code == 200
    frozen_clock.advance(seconds=1)
    assert api.get(ME).status_code == 401
