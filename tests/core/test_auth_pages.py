"""Signing in and out, registration, CSRF, throttling, tokens, role-based pages."""

import re

import sqlalchemy as sa

from core.accounts.models import ApiToken, Person, User
from core.extensions import db
from tests.helpers import csrf_token, form_post


def test_login_with_good_credentials_lands_on_the_home_page(app, client, make):
    make.user("volunteer", username="wang")
    db.session.commit()
    response = form_post(client, "/login", {"username": "wang", "password": "correct-horse-1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/")
    assert "您好".encode() in home.data


def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(app, client, make):
    make.user("volunteer", username="wang")
    db.session.commit()
    assert client.get("/account").headers["Location"].startswith("/login?next=/account")
    ok = form_post(client, "/login?next=/account",
                   {"username": "wang", "password": "correct-horse-1"}, page="/login")
    assert ok.headers["Location"] == "/account"
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").data)})
    evil = form_post(client, "/login?next=//evil.example/x",
                     {"username": "wang", "password": "correct-horse-1"}, page="/login")
    assert evil.headers["Location"] == "/"


def test_login_never_redirects_off_site_through_characters_browsers_drop(app, client, make):
    """"/<TAB>/evil.example" passed the "starts with one slash" check, and the tab (or a newline,
    or a backslash, which browsers read as a slash) fell away on the way out: "//evil.example",
    another site (found by tests/security)."""
    make.user("volunteer", username="wang")
    db.session.commit()
    for target in ("/%09/evil.example/x", "/%0a/evil.example", "/%0d%0a/evil.example",
                   "/%5c/evil.example", "/%5cevil.example", "%20//evil.example"):
        response = form_post(client, f"/login?next={target}",
                             {"username": "wang", "password": "correct-horse-1"}, page="/login")
        location = response.headers["Location"]
        assert location == "/" and not location.startswith("//"), (target, location)
        client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").data)})


def test_wrong_password_shows_a_message_and_no_session(app, client, make):
    make.user("volunteer", username="wang")
    db.session.commit()
    response = form_post(client, "/login", {"username": "wang", "password": "nope"})
    assert response.status_code == 401
    assert "用户名或密码不正确".encode() in response.data
    assert client.get("/account").status_code == 302


def test_forms_without_csrf_token_are_refused(app, client, make):
    make.user("volunteer", username="wang")
    db.session.commit()
    response = client.post("/login", data={"username": "wang", "password": "correct-horse-1"})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_login_is_rate_limited_per_address(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = csrf_token(client.get("/login").data)
    codes = [client.post("/login", data={"csrf_token": token, "username": "x", "password": "y"}
                         ).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


def test_logout_ends_the_session(app, client, login_as):
    login_as("volunteer")
    assert client.get("/account").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/account").data)})
    assert client.get("/account").status_code == 302


def test_password_change_signs_out_other_sessions(app, make):
    user = make.user("volunteer", username="zhou")
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    for c in (phone, laptop):
        form_post(c, "/login", {"username": "zhou", "password": "correct-horse-1"})
    response = form_post(laptop, "/account", {"current_password": "correct-horse-1",
                                              "new_password": "new-password-9",
                                              "confirm": "new-password-9"})
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 200  # the changing device stays signed in
    assert phone.get("/account").status_code == 302  # the other one is signed out
    assert user.id


def test_volunteer_self_registration_creates_person_and_login(app, client, make):
    number = make.id_number(age=63)
    district_id = make.district("wujin").id
    response = form_post(client, "/register", {
        "name": "孙桂兰", "id_number": number, "phone": "13812345678",
        "district_id": district_id, "username": "sunguilan", "password": "long-pass-1",
        "confirm": "long-pass-1"})
    assert response.status_code == 302
    user = db.session.execute(sa.select(User).where(User.username == "sunguilan")).scalar_one()
    assert user.roles == {"volunteer"} and user.person.volunteer_number
    profile = client.get("/account").data.decode()
    assert number not in profile and user.person.id_number_masked in profile


def test_registration_with_a_bad_id_number_explains_and_saves_nothing(app, client, make):
    response = form_post(client, "/register", {
        "name": "孙桂兰", "id_number": "110105194912310021", "phone": "",
        "district_id": make.district().id, "username": "sun2", "password": "long-pass-1",
        "confirm": "long-pass-1"})
    assert response.status_code == 422
    assert "身份证号码无效".encode() in response.data
    assert db.session.execute(sa.select(sa.func.count()).select_from(Person)).scalar() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar() == 0


def test_api_token_created_on_page_works_until_revoked(app, client, login_as):
    login_as("regulator")
    page = form_post(client, "/account/tokens", {"name": "数据对接"})
    secret = re.search(r"ctb_[A-Za-z0-9_\-]+", page.data.decode()).group(0)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/accounts/me", headers=headers).status_code == 200
    token = db.session.execute(sa.select(ApiToken)).scalar_one()
    form_post(client, f"/account/tokens/{token.id}/revoke", {}, page="/account/tokens")
    assert api.get("/api/v1/accounts/me", headers=headers).status_code == 401


def test_api_without_credentials_is_401_json(app, client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_api_write_with_session_cookie_needs_csrf_header(app, client, login_as):
    login_as("regulator")
    body = {"name": "王秀英", "id_number": "320402195001011230"}
    refused = client.post("/api/v1/accounts/persons", json=body)
    assert refused.status_code == 400
    token = csrf_token(client.get("/account/tokens").data)
    allowed = client.post("/api/v1/accounts/persons", json=body,
                          headers={"X-CSRFToken": token})
    assert allowed.status_code == 201 and allowed.json["name"] == "王秀英"


def test_pages_refuse_roles_they_do_not_declare(app, client, login_as):
    login_as("volunteer")
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/users").status_code == 403
