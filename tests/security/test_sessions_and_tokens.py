"""Sessions and tokens (issue #12, item 7), each attack replayed against the pages and the API:
sign-out ends the cookies, a password change revokes tokens and other sessions, a token cannot
mint tokens, tokens have a maximum lifetime, sign-in does not tell which usernames exist, and
failures from one address do not lock the real user out everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.accounts import services, signin
from core.accounts.models import ApiToken
from core.errors import DomainError
from core.extensions import db
from tests.factories import PASSWORD
from tests.helpers import csrf_token

ATTACKER, OWNER = "203.0.113.66", "127.0.0.1"  # the owner: the test client's own address


@pytest.fixture
def app_config(app_config):
    """Rate limiting per address and CSRF are tested elsewhere; here they would only add
    noise to long sequences of sign-in attempts."""
    app_config.update(RATELIMIT_ENABLED=False)
    return app_config


def _sign_in(client, username, password=PASSWORD, address=OWNER, remember=False):
    token = csrf_token(client.get("/login").data)
    data = {"csrf_token": token, "username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def _sign_out(client):
    token = csrf_token(client.get("/account").data)
    return client.post("/logout", data={"csrf_token": token})


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- sign-out ----------------------------------------------------------------------------------

def test_sign_out_ends_the_old_session_cookie(app, client, make):
    """Before: a copy of the session cookie taken before sign-out still signed in (200)."""
    make.user("volunteer", username="li")
    assert _sign_in(client, "li").status_code == 302 and _signed_in(client)
    stolen = client.get_cookie("session").value
    assert _sign_out(client).status_code == 302
    client.set_cookie("session", stolen)
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_sign_out_ends_the_remember_me_cookie(app, client, make):
    """Before: the remember-me cookie alone signed in again after sign-out (200)."""
    make.user("volunteer", username="li")
    assert _sign_in(client, "li", remember=True).status_code == 302
    remembered = client.get_cookie("remember_token").value
    _sign_out(client)
    thief = app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert not _signed_in(thief)


# --- password change -----------------------------------------------------------------------

def test_a_password_change_revokes_tokens_and_other_sessions(app, client, make, api_as):
    """Before: API tokens kept working after the password changed (200)."""
    user = make.user("volunteer", username="li")
    api = api_as(user=user)
    assert api.get("/api/v1/accounts/me").status_code == 200
    laptop = app.test_client()
    _sign_in(laptop, "li")
    _sign_in(client, "li")
    token = csrf_token(client.get("/account").data)
    changed = client.post("/account", data={
        "csrf_token": token, "current_password": PASSWORD, "new_password": "a-new-password-9",
        "confirm": "a-new-password-9"})
    assert changed.status_code == 302, changed.data[:300]
    assert api.get("/api/v1/accounts/me").status_code == 401
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None
    assert not _signed_in(laptop)
    assert _signed_in(client)  # the session that changed it goes on


# --- minting tokens --------------------------------------------------------------------------

def test_a_token_cannot_mint_a_token(app, make, api_as):
    """Before: a bearer token created more tokens (201), which outlived its revocation."""
    api = api_as("feed")
    response = api.post("/api/v1/accounts/tokens", json={"name": "another"})
    assert response.status_code == 403
    assert response.json["code"] == "accounts.password_session_required"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_a_session_restored_from_remember_me_must_type_the_password_first(
        app, client, make, login_as):
    user = make.user("volunteer")
    login_as(user=user)
    with client.session_transaction() as session:
        session["_fresh"] = False  # what Flask-Login sets when the remember-me cookie signs in
    token = csrf_token(client.get("/account/tokens").data)
    response = client.post("/account/tokens", data={"csrf_token": token, "name": "手机"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    api = client.post("/api/v1/accounts/tokens", json={"name": "手机"},
                      headers={"X-CSRFToken": token})
    assert api.status_code == 403
    assert services.tokens_of(user) == []


def test_a_password_session_mints_a_token_that_expires_within_the_policy(app, client, make):
    make.user("volunteer", username="li")
    _sign_in(client, "li")
    token = csrf_token(client.get("/account/tokens").data)
    headers = {"X-CSRFToken": token}
    too_long = client.post("/api/v1/accounts/tokens", headers=headers, json={
        "name": "手机", "expires_at": "2099-01-01T00:00:00+08:00"})
    assert too_long.status_code == 422 and "expires_at" in too_long.json["errors"]
    made = client.post("/api/v1/accounts/tokens", headers=headers, json={"name": "手机"})
    assert made.status_code == 201, made.json
    row = db.session.get(ApiToken, made.json["id"])
    days = app.config["POLICY_API_TOKEN_MAX_DAYS"]
    assert row.expires_at - row.created_at == pytest.approx(timedelta(days=days),
                                                            abs=timedelta(seconds=5))


def test_a_token_without_an_expiry_ends_at_the_maximum_lifetime(app, make, api_as,
                                                                 frozen_clock):
    """Before: a token made without an expiry (every token, before) lived for ever."""
    frozen_clock.local(2026, 1, 5, 9, 0)
    api = api_as("feed")
    db.session.execute(sa.update(ApiToken).values(expires_at=None))  # as made before
    db.session.commit()
    frozen_clock.advance(days=app.config["POLICY_API_TOKEN_MAX_DAYS"] - 1)
    assert api.get("/api/v1/accounts/me").status_code == 200
    frozen_clock.advance(days=1)
    assert api.get("/api/v1/accounts/me").status_code == 401


# --- signing in --------------------------------------------------------------------------------

def _answers(client, username, attempts, address=ATTACKER):
    out = []
    for _ in range(attempts):
        response = _sign_in(client, username, "wrong-password", address)
        text = response.get_data(as_text=True)
        message = next((m for m in ("用户名或密码不正确", "登录尝试过多") if m in text), text[:80])
        out.append((response.status_code, message))
    return out


def test_sign_in_answers_the_same_for_an_account_and_an_unknown_name(app, client, make,
                                                                     frozen_clock):
    """Before: after five failures a real account answered 429 "登录失败次数过多" at once
    (9 ms) while an unknown name kept answering 401 after hashing (150 ms)."""
    frozen_clock.local(2026, 6, 10, 15, 0)
    make.user("volunteer", username="li")
    real = _answers(client, "li", 7)
    unknown = _answers(client, "nobody-here", 7)
    assert real == unknown
    assert real[0] == (401, "用户名或密码不正确") and real[-1] == (429, "登录尝试过多")


def test_every_answer_costs_one_password_hash_check(app, make, monkeypatch, writing,
                                                    frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    make.user("volunteer", username="li")
    signin._dummy_hash(app.config["PASSWORD_HASH_METHOD"])  # made once per process, not here
    checks = []
    original = signin.check_password_hash

    def counting(*args):
        checks.append(1)
        return original(*args)

    monkeypatch.setattr(signin, "check_password_hash", counting)
    monkeypatch.setattr(signin, "generate_password_hash",
                        lambda *a, **k: pytest.fail("a hash computed per attempt"))
    for username in ("li", "nobody-here"):
        for attempt in range(7):  # free failures, then throttled answers
            checks.clear()
            with pytest.raises(DomainError) as refused:
                signin.authenticate(username, "wrong", ATTACKER)
            assert refused.value.status in (401, 429), (username, attempt)
            assert len(checks) == 1, (username, attempt)
    checks.clear()
    assert signin.authenticate("li", PASSWORD, OWNER).username == "li"
    assert len(checks) == 1


def test_failures_from_one_address_do_not_lock_the_owner_out(app, client, make, frozen_clock):
    """Before: five failures from anywhere locked the account for everyone for 15 minutes,
    the owner included (429 with the right password)."""
    frozen_clock.local(2026, 6, 10, 15, 0)
    make.user("volunteer", username="li")
    attacker = app.test_client()
    assert [s for s, _m in _answers(attacker, "li", 6)] == [401] * 5 + [429]
    assert _sign_in(attacker, "li", address=ATTACKER).status_code == 429  # even the password
    assert _sign_in(client, "li", address=OWNER).status_code == 302
    assert _signed_in(client)


def test_the_wait_doubles_with_each_further_failure(app, client, make, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    make.user("volunteer", username="li")
    first = app.config["LOGIN_BACKOFF_SECONDS"]
    _answers(client, "li", app.config["LOGIN_FREE_FAILURES"])  # the free ones: now wait
    frozen_clock.advance(seconds=first - 1)
    assert _answers(client, "li", 1) == [(429, "登录尝试过多")]
    frozen_clock.advance(seconds=1)
    assert _answers(client, "li", 1) == [(401, "用户名或密码不正确")]  # one more try, failed
    frozen_clock.advance(seconds=2 * first - 1)
    assert _answers(client, "li", 1) == [(429, "登录尝试过多")]
    frozen_clock.advance(seconds=1)
    assert _sign_in(client, "li", address=ATTACKER).status_code == 302  # and success resets
    assert db.session.execute(sa.text("SELECT count(*) FROM login_throttle")).scalar() == 0
