"""Bad input is a 4xx before any view runs: bodies past the limit (uploads have their own),
JSON nested too deeply, lone surrogates; nothing is written."""

from __future__ import annotations

import io
import json

import sqlalchemy as sa

from core.accounts.models import ApiToken
from core.extensions import db
from core.inputs import FORM_OVERHEAD
from tests.helpers import csrf_token
from timebank import imports

TOKENS = "/api/v1/accounts/tokens"


def _tokens() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))


def _post_json(api, raw: str):
    return api.client.post(TOKENS, data=raw.encode("utf-8", "surrogatepass"),
                           headers={"Authorization": f"Bearer {api.token}",
                                    "Content-Type": "application/json"})


def test_a_body_past_the_limit_is_refused_unread(app, api_as):
    """Before: no limit, a 1.5 MB JSON body was read and parsed whole."""
    api = api_as("volunteer")
    before = _tokens()
    huge = json.dumps({"name": "手机", "padding": "x" * (app.config["MAX_CONTENT_LENGTH"])})
    response = _post_json(api, huge)
    assert response.status_code == 413 and response.json["code"] == "too_large"
    assert _tokens() == before
    assert _post_json(api, json.dumps({"name": "手机"})).status_code == 201


def test_json_nested_too_deeply_is_a_bad_request_not_a_crash(app, api_as):
    """Before: Python's parser raised RecursionError inside the view: a 500."""
    api = api_as("volunteer")
    before = _tokens()
    for depth in (40, 100_000):
        response = _post_json(api, '{"name": ' + "[" * depth + "]" * depth + "}")
        assert response.status_code == 400, (depth, response.json)
        assert response.json["code"] == "bad_request"
    assert _tokens() == before


def test_a_lone_surrogate_is_a_bad_request_not_a_crash(app, api_as):
    """Before: "\\ud800" is valid JSON; storing it failed in the database driver: a 500."""
    api = api_as("volunteer")
    before = _tokens()
    for raw in ('{"name": "手机\\ud800"}', '{"name": "手机", "\\udfff": 1}',
                '{"name": "手机\ud83d"}'):
        response = _post_json(api, raw)
        assert response.status_code == 400, (raw, response.json)
    assert _tokens() == before
    assert _post_json(api, '{"name": "手机\\ud83d\\ude00"}').status_code == 201  # a real pair


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
    from credit import fact_import

    response = client.post("/credit/facts/import", data={
        "csrf_token": token,
        "file": (io.BytesIO(b"x" * (fact_import.MAX_BYTES + FORM_OVERHEAD)), "facts.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)
