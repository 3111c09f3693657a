"""Object-level authorization: side A's people never read side B's private data nor change B's
data, whatever id they put in a URL (issue #7, item 5).

Two of everything (tests/security/world.py). Signed in as A's organization staff, A's
eldercare counter staff and A's volunteer — on the pages with the login session, on the API with
A's token — the walk takes EVERY route of the URL map with a URL parameter and every method
it allows, puts B's id of the matching object type in the URL (routes.object_type maps every
parameter; an unmapped one fails the first test, so a new route cannot escape the walk), and
sends a request that would succeed for B's own people. A GET must not answer 2xx unless the
object is public by design (PUBLIC_BY_DESIGN, below). Anything else must be refused — 403/404,
or on a page the redirect back with an error message — and the database must be unchanged.

A second walk sends the ids in request bodies and query strings instead (org_id, person_id,
item_id, entry_id…), where the same holes hide.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock
from core.auth import AUTHENTICATED, PUBLIC, endpoint_roles
from core.extensions import db
from core.timeutil import to_local
from tests.security import world as world_module
from tests.security.routes import object_type, unmapped

ACTORS = ("org_staff", "institution_staff", "volunteer")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# (endpoint, method) that A may use on B's object because the object, or the act, is public or
# shared by design. Everything else must be refused.
PUBLIC_BY_DESIGN = {
    # Published registers and catalogues anyone may read.
    ("static", "GET"): "the stylesheets and scripts",
    ("orgs_api.OrgById", "GET"): "an organization's registration data is public (the register)",
    ("charity_api.ItemById", "GET"): "the charity catalogue is public",
    ("charity.opportunity_detail", "GET"): "volunteer opportunities are advertised to everyone",
    ("charity_volunteer_api.OpportunityById", "GET"): "volunteer opportunities are public",
    ("credit_public.public_subject", "GET"): "a subject's published credit record",
    ("credit_public.published_list", "GET"): "the published lists",
    ("credit_public.published_export", "GET"): "the published lists as CSV/XLSX",
    ("credit_public.public_draw", "GET"): "random-inspection draws are published (一公开)",
    ("credit_inspections_api.DrawById", "GET"): "random-inspection draws are published",
    ("credit_public.draw_record", "GET"): "a draw's published files, to recompute it offline",
    ("credit_public.draw_snapshot", "GET"): "a draw's frozen directories (names, USCCs, staff nos)",
    ("credit_public.draw_subjects_csv", "GET"): "the same directories as CSV",
    ("credit_public.draw_inspectors_csv", "GET"): "the same directories as CSV",
    ("credit_public.draw_algorithm", "GET"): "the procedure the draw used",
    ("credit_feed_api.PublishedList", "GET"): "the published lists",
    ("credit_scoring_api.ModelByVersion", "GET"): "the scorecard is published",
    ("timebank_public.verify_certificate", "GET"): "anyone verifies a certificate (name masked)",
    ("timebank_counter_api.CertificateVerify", "GET"): "anyone verifies a certificate",
    ("timebank.import_template", "GET"): "the empty roster template (no object)",
    ("catalogues_api.CatalogueView", "GET"): "the bureau's service categories and joint measures",
    # 通存通兑: every member may redeem at every institution, so its active services are shown.
    ("timebank_counter_api.Catalogue", "GET"): "an institution's active services (通存通兑)",
    # A volunteer signs themself up to any open opportunity: their own sign-up is created.
    ("charity.signup", "POST"): "a volunteer signs themself up to an advertised opportunity",
    ("charity_volunteer_api.OpportunitySignups", "POST"): "signing oneself up (see above)",
}
# Acts of eldercare counter staff on any member, by design (适老化, 通存通兑): the member stands
# at the counter with their ID card; the counter looks them up, and checks family documents.
COUNTER_BY_DESIGN = {
    # (A member's account is NOT among these any more: the counter sees it only while the
    # member presents themself there, issue 12.)
    ("accounts.verify_family_link", "POST"): "the counter checks the family documents",
    ("accounts_api.FamilyVerify", "POST"): "the counter checks the family documents",
}

# Columns that change without anyone changing data (bookkeeping of logins and tokens).
VOLATILE = {"api_token": {"last_used_at"},
            "user_account": {"last_login_at", "failed_logins", "locked_until"}}
IGNORED_TABLES = {"idempotency_record"}


# --- the targets: B's ids by object type -----------------------------------------------------

def target(world, kind: str, endpoint: str, actor: str):
    """B's object of ``kind`` for ``endpoint`` (the one in the state the route acts on)."""
    b = world.b
    ids = b.ids
    volunteer = actor == "volunteer"
    home_routes = ("timebank_counter_api.Catalogue",)
    choices = {
        "api_token": ids["volunteer_token"] if volunteer else ids["token"],
        "district": b.org.district_id,
        "holiday": "2026-10-01",
        "job": "timebank.verify_ledger",
        "organization": b.home.id if (endpoint in home_routes or actor == "institution_staff")
        else b.org.id,
        "user": b.staff.id,
        "family_link": ids["family_link"],
        "charity_item": 1,
        "charity_need": ids["need_untouched"],
        "charity_offer": ids["offer_person_untouched"] if volunteer else ids["offer_untouched"],
        "charity_opportunity": ids["opportunity"],
        "charity_proposal": _proposal(ids, endpoint, volunteer),
        "charity_signup": ids["signup_future"] if "ancel" in endpoint else ids["signup_past"],
        "credit_entry": ids["entry_published"] if "repair" in endpoint else ids["entry_notified"],
        "credit_fact": ids["fact"],
        "credit_draw": 1,
        "credit_objection": ids["objection"],
        "credit_repair": ids["repair"],
        "org_identity_change": ids["identity_change"],
        "list_type": "abnormal",
        "score_model": "v1",
        "person": b.volunteer.person_id,
        "certificate": ids["certificate"],
        "timebank_session": _session(ids, endpoint, actor),
        "timebank_redemption": ids["redemption"],
        "timebank_item": ids["timebank_item"],
        "format": "csv",
        "static": "css/app.css",
        "inbox_message": ids["message_volunteer"] if volunteer else ids["message_org"],
        "notice_document": ids["document_volunteer"] if volunteer else ids["document_org"],
        "notice_number": "XYGZ-2030-00001",
        # The bureau's catalogues are the administrator's: nobody else may read or change them.
        "catalogue": "credit.measures",
        "catalogue_code": "meal",
    }
    return choices[kind]


def _proposal(ids, endpoint: str, volunteer: bool):
    if endpoint.endswith(("fulfil", "abandon", "ProposalFulfil", "ProposalAbandon")):
        return ids["proposal_accepted"]
    return ids["proposal_person"] if volunteer else ids["proposal_pending"]


def _session(ids, endpoint: str, actor: str):
    suffix = "_home" if actor == "institution_staff" else ""
    if endpoint.endswith(("reverse", "SessionReverse")):
        return ids[f"session_confirmed{suffix}"]
    return ids[f"session_pending{suffix}"]


# --- what each request sends -----------------------------------------------------------------

def _local(dt) -> str:
    return to_local(dt).strftime("%Y-%m-%dT%H:%M")


def form_data(world, endpoint: str, actor: str, actor_user) -> dict:
    """A page form that B's own people could submit successfully."""
    from charity.models import Need, Offer
    from core.orgs.models import Organization

    b = world.b
    today = world.today.isoformat()
    soon = _local(clock.now() + timedelta(days=12))
    if endpoint == "charity.edit_need":
        need = db.session.get(Need, b.ids["need_untouched"])
        return {"item_id": need.item_id, "quantity": 7, "district_id": need.district_id,
                "address": "改过的地址", "urgency": 4, "deadline": soon, "org_id": need.org_id,
                "description": "改"}
    if endpoint == "charity.edit_offer":
        offer = db.session.get(Offer, target(world, "charity_offer", endpoint, actor))
        return {"item_id": offer.item_id, "quantity": 7, "district_id": offer.district_id,
                "address": "改过的地址", "available_until": soon,
                "org_id": offer.org_id or 0, "description": "改"}
    if endpoint == "orgs.edit":
        org = db.session.get(Organization, target(world, "organization", endpoint, actor))
        return {"name": org.name + "（改）", "uscc": org.uscc, "kind": org.kind,
                "registering_authority": org.registering_authority,
                "legal_representative": "改名", "district_id": org.district_id,
                "address": org.address, "registration_date": org.registration_date.isoformat(),
                "beds": org.beds or "", "contact_phone": ""}
    return {
        "charity.withdraw_need": {"reason": "撤回"},
        "charity.withdraw_offer": {"reason": "撤回"},
        "charity.signup_on_behalf": {"volunteer_number": world.a.volunteer.person.volunteer_number},
        "charity.abandon": {"responsible_side": "offer", "reason": "放弃"},
        "charity.answer": {"side": "offer" if actor == "volunteer" else "need",
                           "answer": "accept", "reason": ""},
        "charity.fulfil": {"delivered_quantity": 1, "delivered_on": today, "note": "签收"},
        "charity.attendance": {"note": "到场"},
        "credit.repair_new": {"statement": "已整改", "evidence_ref": "材料 1"},
        "credit.annual_report": {"year": world.today.year - 1, "revenue_yuan": 1,
                                 "expenditure_yuan": 1, "file_ref": "年报.pdf"},
        "credit.objection_new": {"target": f"fact:{b.ids['fact']}", "reason": "有误"},
        "orgs.add_member": {"username": actor_user.username, "role": "manager"},
        "timebank.counter_member": {"item_id": b.ids["timebank_item"], "quantity": 1},
        "timebank.complete_redemption": {"code": b.ids["redemption_code"]},
        "timebank.cancel_redemption": {"reason": "取消"},
        "timebank.reject": {"reason": "不实"},
        "timebank.reverse": {"reason": "不实"},
    }.get(endpoint, {})


def json_body(world, endpoint: str, actor: str) -> dict | None:
    """An API body that B's own people could send successfully."""
    side = "offer" if actor == "volunteer" else "need"
    return {
        "charity_api.NeedById": {"quantity": 7},
        "charity_api.NeedWithdraw": {"reason": "撤回"},
        "charity_api.OfferById": {"quantity": 7},
        "charity_api.OfferWithdraw": {"reason": "撤回"},
        "charity_volunteer_api.OpportunityById": {"headcount": 6},
        "charity_matching_api.ProposalAbandon": {"responsible_side": "offer", "reason": "放弃"},
        "charity_matching_api.ProposalAccept": {"side": side},
        "charity_matching_api.ProposalDecline": {"side": side, "reason": "不需要"},
        "charity_matching_api.ProposalFulfil": {"delivered_quantity": 1,
                                                "delivered_on": world.today.isoformat(),
                                                "note": "签收"},
        "charity_volunteer_api.SignupConfirm": {"note": "到场"},
        "charity_volunteer_api.SignupNoShow": {"note": "未到"},
        "orgs_api.OrgById": {"name": "被改名的组织"},
        "orgs_api.IdentityChanges": {"legal_representative": "改过的代表", "reason": "变更",
                                     "evidence_ref": "变更登记 1号"},
        "timebank_counter_api.CatalogueItemById": {"active": False},
        "timebank_counter_api.Catalogue": {"name": "外来项目", "service_minutes": 30},
        "timebank_counter_api.RedemptionCancel": {"reason": "取消"},
        "timebank_counter_api.RedemptionComplete": {"code": world.b.ids["redemption_code"]},
        "timebank_api.SessionConfirm": {},
        "timebank_api.SessionReject": {"reason": "不实"},
        "timebank_api.SessionReverse": {"reason": "不实"},
    }.get(endpoint, {})


# --- observing the database ------------------------------------------------------------------

def snapshot() -> dict[str, str]:
    """A digest of every table's rows as stored (volatile bookkeeping columns left out)."""
    digests = {}
    for table in db.metadata.sorted_tables:
        if table.name in IGNORED_TABLES:
            continue
        columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, ())]
        rows = db.session.execute(sa.select(*columns).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    db.session.rollback()
    return digests


def changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))


# --- the walk ---------------------------------------------------------------------------------

class Walker:
    """Requests as one of A's people: pages with the login session, API with A's token."""

    def __init__(self, app, world, actor: str):
        side = world.a
        self.app, self.world, self.actor = app, world, actor
        self.user = {"org_staff": side.staff, "institution_staff": side.counter,
                     "volunteer": side.volunteer}[actor]
        self.token = side.tokens[self.user.username]
        self.pages = app.test_client()
        with self.pages.session_transaction() as session:
            session["_user_id"] = self.user.get_id()
            session["_fresh"] = True
        self.api = app.test_client()

    def flashes(self) -> list[tuple[str, str]]:
        with self.pages.session_transaction() as session:
            return session.pop("_flashes", [])

    def request(self, rule, method: str, values: dict):
        url = rule.build(values, append_unknown=False)[1]
        if rule.rule.startswith("/api/"):
            body = json_body(self.world, rule.endpoint, self.actor) if method != "GET" else None
            response = self.api.open(url, method=method, json=body,
                                     headers={"Authorization": f"Bearer {self.token}"})
            return url, response, []
        data = form_data(self.world, rule.endpoint, self.actor, self.user) \
            if method != "GET" else None
        response = self.pages.open(url, method=method, data=data)
        return url, response, self.flashes()


def allowed_by_design(endpoint: str, method: str, actor: str) -> bool:
    if (endpoint, method) in PUBLIC_BY_DESIGN:
        return True
    return actor == "institution_staff" and (endpoint, method) in COUNTER_BY_DESIGN


def refused(rule, method: str, response, flashes) -> bool:
    status = response.status_code
    if status in (401, 403, 404):
        return True
    if method == "GET" or rule.rule.startswith("/api/"):
        return False
    # A page POST refused by a service goes back with the reason as an error message.
    return status == 302 and any(category == "error" for category, _ in flashes)


def id_routes(app):
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
            if not rule.arguments:
                continue
            for method in sorted(set(rule.methods) & set(METHODS)):
                yield rule, method, endpoint_roles(rule.endpoint, method) or frozenset()


def walk(app, world, actor: str) -> tuple[list[str], int]:
    walker = Walker(app, world, actor)
    problems, exercised = [], 0
    for rule, method, declared in id_routes(app):
        values = {p: target(world, object_type(rule, p), rule.endpoint, actor)
                  for p in rule.arguments}
        by_role = PUBLIC in declared or AUTHENTICATED in declared or actor in declared
        exercised += by_role
        before = snapshot() if method != "GET" else None
        url, response, flashes = walker.request(rule, method, values)
        label = f"{actor}: {method} {url} ({rule.endpoint})"
        if response.status_code >= 500:
            problems.append(f"{label}: {response.status_code}")
            continue
        if method == "GET":
            if 200 <= response.status_code < 300 and not allowed_by_design(
                    rule.endpoint, method, actor):
                problems.append(f"{label}: {response.status_code} — B's data shown to A")
            continue
        diff = changed(before, snapshot())
        if allowed_by_design(rule.endpoint, method, actor):
            continue
        if diff:
            problems.append(f"{label}: {response.status_code}, changed {diff}")
        elif not refused(rule, method, response, flashes):
            problems.append(f"{label}: {response.status_code} {flashes} — not refused")
    return problems, exercised


@pytest.fixture
def world(app, make):
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    return world_module.build(make)


def test_every_url_parameter_is_mapped_to_an_object_type(app):
    missing = unmapped(app)
    assert not missing, "map these in tests/security/routes.py:\n" + "\n".join(missing)


@pytest.mark.parametrize("actor", ACTORS)
def test_a_cannot_read_or_change_b_through_ids_in_urls(app, world, actor):
    problems, exercised = walk(app, world, actor)
    assert exercised >= 20, f"only {exercised} routes admit {actor}: is the walk walking?"
    assert not problems, f"{len(problems)} holes:\n" + "\n".join(problems)


# --- ids in request bodies and query strings ---------------------------------------------------

def _session_body(world, volunteer_id, org_id) -> dict:
    end = clock.now().replace(second=0, microsecond=0) - timedelta(hours=5)
    return {"volunteer_id": volunteer_id, "org_id": org_id, "recipient_org_id": org_id,
            "category": "meal", "district_id": world.b.org.district_id, "address": "红梅新村",
            "start": (end - timedelta(hours=1)).isoformat(), "end": end.isoformat()}


def _post_body(world, org_id, **extra) -> dict:
    from charity import items

    body = {"item_id": items.find_item("quilt").id, "quantity": 3,
            "district_id": world.b.org.district_id, "address": "红梅新村",
            "description": "冒名发布", "org_id": org_id}
    body.update(extra)
    return body


def _roster_csv(world) -> bytes:
    person = world.b.volunteer.person
    end = to_local(clock.now() - timedelta(hours=8))
    start = end - timedelta(hours=1)
    return ("志愿者编号,姓名,开始时间,结束时间,服务类别,区县,服务地址\n"
            f"{person.volunteer_number},{person.name},{start:%Y-%m-%d %H:%M},"
            f"{end:%Y-%m-%d %H:%M},助餐,天宁区,红梅新村\n").encode()


def body_cases(world, actor: str) -> list[tuple]:
    """(label, method, url, {"json"|"data"|"query": …}) that name B's objects in the body or the
    query string; each must be refused and change nothing."""
    a, b = world.a, world.b
    soon = (clock.now() + timedelta(days=9)).isoformat()
    later = clock.now() + timedelta(days=5)
    common = [
        ("redeem B's member at B's institution", "POST", "/api/v1/timebank/redemptions",
         {"json": {"person_id": b.volunteer.person_id, "item_id": b.ids["timebank_item"]}}),
        ("B's redemptions by org_id", "GET",
         f"/api/v1/timebank/redemptions?org_id={b.home.id}", {}),
        ("log a session for B's volunteer under B", "POST", "/api/v1/timebank/sessions",
         {"json": _session_body(world, b.volunteer.person_id, b.org.id)}),
        ("certificate for B's volunteer", "POST", "/api/v1/timebank/certificates",
         {"json": {"person_id": b.volunteer.person_id}}),
        ("an offer in the name of B's donor", "POST", "/api/v1/charity/offers",
         {"json": _post_body(world, b.donor.id, available_until=soon)}),
    ]
    staff = [
        ("roster for B", "POST", "/api/v1/timebank/sessions/roster",
         {"json": {**{k: v for k, v in _session_body(world, None, b.org.id).items()
                      if k not in ("volunteer_id", "recipient_org_id")},
                   "volunteers": [{"volunteer_id": b.volunteer.person_id}]}}),
        ("roster import for B", "POST",
         f"/api/v1/timebank/sessions/import?org_id={b.org.id}",
         {"data": {"file": (io.BytesIO(_roster_csv(world)), "roster.csv")}}),
        ("a need for B", "POST", "/api/v1/charity/needs",
         {"json": _post_body(world, b.org.id, urgency=3, deadline=soon)}),
        ("an opportunity for B", "POST", "/api/v1/charity/opportunities",
         {"json": {"org_id": b.org.id, "title": "冒名活动", "activity": "meal",
                   "start_at": later.isoformat(),
                   "end_at": (later + timedelta(hours=2)).isoformat(), "headcount": 3,
                   "district_id": b.org.district_id, "address": "红梅新村"}}),
        ("object to B's fact as B", "POST", "/api/v1/credit/objections",
         {"json": {"org_id": b.org.id, "fact_id": b.ids["fact"], "reason": "有误"}}),
        ("object to B's fact as A", "POST", "/api/v1/credit/objections",
         {"json": {"org_id": a.org.id, "fact_id": b.ids["fact"], "reason": "有误"}}),
        ("object to B's entry as A", "POST", "/api/v1/credit/objections",
         {"json": {"org_id": a.org.id, "entry_id": b.ids["entry_notified"], "reason": "有误"}}),
        ("repair B's entry", "POST", "/api/v1/credit/repairs",
         {"json": {"entry_id": b.ids["entry_published"], "statement": "已整改",
                   "evidence_ref": "材料"}}),
        ("B's annual report", "POST", "/api/v1/credit/annual-reports",
         {"json": {"org_id": b.org.id, "year": world.today.year - 1, "revenue_yuan": 1,
                   "expenditure_yuan": 1, "staff_count": 1, "volunteer_count": 1,
                   "activity_count": 1, "file_ref": "年报.pdf"}}),
        ("B's facts by org_id", "GET", f"/api/v1/credit/facts?org_id={b.org.id}", {}),
        ("B's entries by org_id", "GET", f"/api/v1/credit/entries?org_id={b.org.id}", {}),
        ("B's objections by org_id", "GET", f"/api/v1/credit/objections?org_id={b.org.id}",
         {}),
        ("B's repairs by org_id", "GET", f"/api/v1/credit/repairs?org_id={b.org.id}", {}),
        ("page: roster for B", "POST", "/timebank/org/roster",
         {"data": {"org_id": b.org.id, "category": "meal", "district_id": b.org.district_id,
                   "address": "红梅新村",
                   "start": to_local(clock.now() - timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M"),
                   "end": to_local(clock.now() - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
                   "volunteers": b.volunteer.person.volunteer_number}}),
        ("page: roster import for B", "POST", "/timebank/org/import",
         {"data": {"org_id": b.org.id,
                   "file": (io.BytesIO(_roster_csv(world)), "roster.csv")}}),
        ("page: a need for B", "POST", "/charity/needs/new",
         {"data": {**_post_body(world, b.org.id), "urgency": 3,
                   "deadline": to_local(clock.now() + timedelta(days=9)).strftime(
                       "%Y-%m-%dT%H:%M")}}),
        ("page: an opportunity for B", "POST", "/charity/opportunities/new",
         {"data": {"org_id": b.org.id, "title": "冒名活动", "activity": "meal",
                   "start_at": to_local(later).strftime("%Y-%m-%dT%H:%M"),
                   "end_at": to_local(later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                   "headcount": 3, "district_id": b.org.district_id, "address": "红梅新村",
                   "urgency": 2}}),
    ]
    counter = [
        ("page: B's counter by ?org_id", "GET", f"/timebank/counter?org_id={b.home.id}", {}),
        ("page: B's redemptions by ?org_id", "GET",
         f"/timebank/counter/redemptions?org_id={b.home.id}", {}),
        ("page: B's catalogue by ?org_id", "GET",
         f"/timebank/counter/catalogue?org_id={b.home.id}", {}),
        ("page: add to B's catalogue by ?org_id", "POST",
         f"/timebank/counter/catalogue?org_id={b.home.id}",
         {"data": {"name": "外来项目", "service_minutes": 30}}),
    ]
    volunteer = [
        ("gift to B's volunteer (not family)", "POST", "/api/v1/timebank/gifts",
         {"json": {"to_person_id": b.volunteer.person_id, "minutes": 10}}),
        ("page: gift to B's volunteer", "POST", "/timebank/gift",
         {"data": {"to_person_id": b.volunteer.person_id, "hours": 0, "minutes": 10}}),
    ]
    return common + {"org_staff": staff, "institution_staff": staff + counter,
                     "volunteer": volunteer}[actor]


def _b_markers(world) -> list[str]:
    """Text only B's private objects carry on a page (names of its services, its staff)."""
    return [f"{world.b.name.upper()} 助浴", world.b.staff.username]


# Acts on B's people that A's counter staff may do by design (see COUNTER_BY_DESIGN).
BODY_BY_DESIGN = {
    ("institution_staff", "certificate for B's volunteer"):
        "counter staff print a member's certificate for them (适老化, may_issue_for)",
}


@pytest.mark.parametrize("actor", ACTORS)
def test_a_cannot_reach_b_through_ids_in_bodies_and_queries(app, world, actor):
    walker = Walker(app, world, actor)
    problems = []
    for label, method, url, payload in body_cases(world, actor):
        before, b_before = snapshot(), _b_rows(world)
        if url.startswith("/api/"):
            response = walker.api.open(url, method=method, json=payload.get("json"),
                                       data=payload.get("data"),
                                       headers={"Authorization": f"Bearer {walker.token}"})
            flashes = []
        else:
            response = walker.pages.open(url, method=method, data=payload.get("data"))
            flashes = walker.flashes()
        status, text = response.status_code, response.get_data(as_text=True)
        where = f"{actor}: {label} ({method} {url})"
        if method == "GET":
            shown = [m for m in _b_markers(world) if m in text]
            if status < 300 and (shown or (url.startswith("/api/") and text.strip() != "[]")):
                problems.append(f"{where}: {status}, B's data shown {shown or text[:200]}")
            continue
        if (actor, label) in BODY_BY_DESIGN:
            continue
        made_for_b = sorted(_b_rows(world) - b_before)
        touched = changed(before, snapshot())
        if made_for_b or (touched and url.startswith("/api/")):
            problems.append(f"{where}: {status}, changed {touched}, for B: {made_for_b}")
        elif not touched and not (400 <= status < 500 or (
                status == 302 and any(c == "error" for c, _ in flashes))):
            problems.append(f"{where}: {status} {flashes} — not refused")
    assert not problems, f"{len(problems)} holes:\n" + "\n".join(problems)


def _b_rows(world) -> set[tuple[str, int]]:
    """Rows that A's people made in B's name or for B's people."""
    from charity.models import Need, Offer
    from credit.models import AnnualReport, Objection, RepairApplication
    from timebank.models import CatalogueItem, Certificate, Redemption, ServiceSession

    a_users = [world.a.staff.id, world.a.counter.id, world.a.volunteer.id]
    b_person = world.b.volunteer.person_id
    checks = {
        "session": sa.select(ServiceSession.id).where(
            ServiceSession.volunteer_id == world.b.volunteer.person_id,
            ServiceSession.recorded_by_id.in_(a_users)),
        "need": sa.select(Need.id).where(Need.posted_by_id.in_(a_users),
                                         Need.org_id == world.b.org.id),
        "offer": sa.select(Offer.id).where(Offer.posted_by_id.in_(a_users),
                                           Offer.org_id == world.b.donor.id),
        "catalogue": sa.select(CatalogueItem.id).where(CatalogueItem.org_id == world.b.home.id,
                                                       CatalogueItem.name == "外来项目"),
        "redemption": sa.select(Redemption.id).where(Redemption.created_by_id.in_(a_users),
                                                     Redemption.person_id == b_person),
        "certificate": sa.select(Certificate.id).where(
            Certificate.person_id == world.b.volunteer.person_id,
            Certificate.issued_by_id.in_(a_users)),
        "objection": sa.select(Objection.id).where(Objection.filed_by_id.in_(a_users),
                                                   Objection.org_id == world.b.org.id),
        "repair": sa.select(RepairApplication.id).where(
            RepairApplication.applied_by_id.in_(a_users),
            RepairApplication.org_id == world.b.org.id),
        "report": sa.select(AnnualReport.id).where(AnnualReport.org_id == world.b.org.id),
    }
    found = {(name, row_id) for name, query in checks.items()
             for row_id in db.session.execute(query).scalars()}
    db.session.rollback()
    return found
