"""The API answers as its OpenAPI document says (found by tests/fuzz): numbers too large for
the database are 4xx answers, not driver overflows; every operation documents the error
statuses it can answer; the pagination header is documented as the JSON it is."""

from core.db import INT_MAX

HUGE = 2**70  # more than any integer column (and SQLite's 64 bits) can hold


def _spec(client):
    return client.get("/api/openapi.json").json


def test_an_id_too_large_for_the_database_is_not_found_not_a_crash(app, client, api_as):
    assert client.get(f"/api/v1/orgs/{HUGE}").status_code == 404
    assert client.get(f"/api/v1/orgs/{INT_MAX + 1}").status_code == 404
    assert client.get(f"/orgs/{HUGE}").status_code == 404  # pages share the converter
    api = api_as("regulator")
    assert api.post(f"/api/v1/credit/entries/{HUGE}/notify").status_code == 404
    parameter = _spec(client)["paths"]["/api/v1/orgs/{org_id}"]["parameters"][0]
    assert parameter["schema"]["maximum"] == INT_MAX


def test_an_integer_field_too_large_for_the_database_is_a_field_error(app, api_as, make):
    response = api_as("regulator").post("/api/v1/orgs", json={
        "name": "常州市天宁区爱心助老协会", "uscc": make.uscc(), "kind": "social_group",
        "is_charity": True, "registering_authority": "常州市天宁区民政局",
        "legal_representative": "陈国平", "district_id": HUGE,
        "address": "常州市天宁区红梅路8号", "registration_date": "2016-04-01"})
    assert response.status_code == 422
    assert "district_id" in response.json["errors"]


def test_integer_inputs_document_the_storable_range_and_outputs_do_not(app, client):
    schemas = _spec(client)["components"]["schemas"]
    assert schemas["OrgIn"]["properties"]["district_id"]["maximum"] == INT_MAX
    assert schemas["EntryIn"]["properties"]["fact_ids"]["items"]["maximum"] == INT_MAX
    assert "maximum" not in schemas["OrgOut"]["properties"]["id"]


def test_a_page_past_the_last_is_empty_however_large(app, client):
    for page in (2, HUGE):
        response = client.get("/api/v1/orgs", query_string={"page": page})
        assert response.status_code == 200 and response.json == []


def test_every_operation_documents_its_error_statuses(app, client):
    spec = _spec(client)
    public = {("get", "/api/v1/districts"), ("get", "/api/v1/orgs/{org_id}")}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            documented = set(operation["responses"])
            assert "default" not in documented, (method, path)
            assert {"400", "404", "422"} <= documented, (method, path)
            if (method, path) in public:
                assert not {"401", "403"} & documented
            elif path.startswith("/api/v1/accounts/"):
                assert {"401", "403", "409"} <= documented, (method, path)
    error = spec["paths"]["/api/v1/accounts/me"]["get"]["responses"]["401"]
    assert error == {"$ref": "#/components/responses/UNAUTHORIZED"}
    body = spec["components"]["responses"]["UNAUTHORIZED"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_the_pagination_header_is_documented_as_json(app, client):
    header = _spec(client)["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    assert header["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/PaginationMetadata"}


def test_a_nul_character_anywhere_in_the_input_is_a_bad_request(app, client, api_as):
    """PostgreSQL cannot store or compare text with NUL: the driver failed, a 500."""
    assert client.get("/api/v1/orgs", query_string={"q": "爱心\x00"}).status_code == 400
    assert client.get("/api/v1/credit/models/v1%00").status_code == 400
    api = api_as("volunteer")
    response = api.post("/api/v1/accounts/family", json={
        "relative_id_number": "320402195001011234", "relative_name": "王\x00", "relation": "spouse"})
    assert response.status_code == 400 and response.json["code"] == "bad_request"
    clean = api.post("/api/v1/accounts/family", json={
        "relative_id_number": "320402195001011234", "relative_name": "王", "relation": "spouse"})
    assert clean.status_code not in (400, 500)
    assert client.get("/", query_string={"lang": "\x00"}).status_code == 400  # pages too
    assert client.get("/", query_string={"lang": "en"}).status_code == 200
