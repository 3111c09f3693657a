"""Bad input is a 4xx before any view runs: bodies past the limit (uploads have their own),
JSON nested too deeply, lone surrogates; nothing is written."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from core.accounts.models import Person
from core.extensions import db
from core.inputs import FORM_OVERHEAD
from tests.helpers import csrf_token
from timebank import imports

PERSONS = "/api/v1/accounts/persons"


@pytest.fixture
def staff_api(app, api_as):
    return api_as("regulator")


def _persons() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Person))


def _post_json(api, raw: str):
    return api.client.post(PERSONS, data=raw.encode("utf-8", "surrogatepass"),
                           headers={"Authorization": f"Bearer {api.token}",
                                    "Content-Type": "application/json"})


def _person(make, name="王秀英", **extra) -> str:
    body = json.dumps({"name": name, "id_number": make.id_number(age=70), **extra},
                      ensure_ascii=False)
    return body


def test_a_body_past_the_limit_is_refused_unread(app, staff_api, make):
    """Before: no limit, a 1.5 MB JSON body was read and parsed whole."""
    huge = _person(make, address="x" * app.config["MAX_CONTENT_LENGTH"])
    response = _post_json(staff_api, huge)
    assert response.status_code == 413 and response.json["code"] == "too_large"
    assert _persons() == 0
    assert _post_json(staff_api, _person(make)).status_code == 201


def test_json_nested_too_deeply_is_a_bad_request_not_a_crash(app, staff_api, make):
    """Before: Python's parser raised RecursionError inside the view: a 500."""
    for depth in (40, 100_000):
        raw = _person(make)[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
        response = _post_json(staff_api, raw)
        assert response.status_code == 400, (depth, response.json)
        assert response.json["code"] == "bad_request"
    assert _persons() == 0


def test_a_lone_surrogate_is_a_bad_request_not_a_crash(app, staff_api, make):
    """Before: "\\ud800" is valid JSON; storing it failed in the database driver: a 500."""
    for name in ("王秀英\\ud800", "\\udfff王秀英"):
        raw = _person(make).replace("王秀英", name)
        response = _post_json(staff_api, raw)
        assert response.status_code == 400, (name, response.json)
    assert _persons() == 0
    paired = _person(make).replace("王秀英", "王秀英\\ud83d\\ude00")  # a real pair: fine
    assert _post_json(staff_api, paired).status_code == 201


def test_an_upload_has_its_own_limit_above_the_body_limit(app, api_as, make):
    org = make.org()
    api = api_as("org_staff", user=make.user("org_staff", org=org))
    row = "王秀英,2026-05-01 09:00,2026-05-01 10:00\n".encode()

    def upload(size: int):
        body = "姓名,开始时间,结束时间\n".encode() + row * (size // len(row))
        return api.client.post(
            f"/api/v1/timebank/sessions/import?org_id={org.id}",
            data={"file": (io.BytesIO(body), "名单.csv")},
            headers={"Authorization": f"Bearer {api.token}"},
            content_type="multipart/form-data")

    # Past the 1 MiB body limit but within the roster's 2 MB: the import reads it (and finds
    # too many rows).
    fits = upload(app.config["MAX_CONTENT_LENGTH"] + 100_000)
    assert fits.status_code == 422 and fits.json["errors"]["file"] == ["一次最多导入 2000 行。"]
    # Past the roster's own limit (and the form around it): refused before it is read.
    assert upload(imports.MAX_BYTES + FORM_OVERHEAD + len(row)).status_code == 413


def test_a_page_upload_past_its_limit_is_a_page_not_a_crash(app, client, login_as):
    login_as("regulator")
    token = csrf_token(client.get("/credit/facts/import").data)
    from credit.facts import imports as fact_import

    response = client.post("/credit/facts/import", data={
        "csrf_token": token,
        "file": (io.BytesIO(b"x" * (fact_import.MAX_BYTES + FORM_OVERHEAD)), "facts.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)
