"""What the ids in the URL map stand for.

Every URL parameter of every route is mapped to the kind of object it names (``object_type``);
a parameter that is not mapped makes the authorization walk fail, so a new route cannot escape
it. ``sample_ids`` picks real values of each kind from a database (the leak crawl's API pass).
"""

from __future__ import annotations

import itertools

import sqlalchemy as sa

# Parameter name → object type, when the name alone says it.
BY_NAME = {
    "token_id": "api_token",
    "district_id": "district",
    "day": "holiday",
    "job_id": "job",
    "org_id": "organization",
    "change_id": "org_identity_change",
    "user_id": "user",
    "link_id": "family_link",
    "substitute_id": "charity_item",
    "need_id": "charity_need",
    "offer_id": "charity_offer",
    "opportunity_id": "charity_opportunity",
    "proposal_id": "charity_proposal",
    "signup_id": "charity_signup",
    "entry_id": "credit_entry",
    "fact_id": "credit_fact",
    "draw_id": "credit_draw",
    "objection_id": "credit_objection",
    "repair_id": "credit_repair",
    "list_type": "list_type",
    "version": "score_model",
    "person_id": "person",
    "number": "certificate",
    "session_id": "timebank_session",
    "redemption_id": "timebank_redemption",
    "fmt": "format",
    "message_id": "inbox_message",
    "document_id": "notice_document",
    "name": "catalogue",
    "code": "catalogue_code",
}


# Values for kinds a database may hold none of (no holiday entered, no model trained, no
# organization asking to change its identity).
ABSENT = {"holiday": "2030-10-01", "score_model": "v999", "notice_number": "XYGZ-2030-00001",
          "org_identity_change": 999_999}


def object_type(rule, param: str) -> str | None:
    """The kind of object ``param`` names in ``rule``, or None when nobody mapped it."""
    if param == "item_id":  # charity items, or an institution's catalogue services
        if rule.rule.startswith(("/charity/", "/api/v1/charity/")):
            return "charity_item"
        if rule.rule.startswith(("/timebank/", "/api/v1/timebank/")):
            return "timebank_item"
        return None
    if param == "filename" and rule.endpoint == "static":
        return "static"
    if param == "number" and rule.endpoint == "notices.verify":
        return "notice_number"
    return BY_NAME.get(param)


def unmapped(app) -> list[str]:
    """Routes with a URL parameter no one has mapped to an object type."""
    missing = []
    for rule in app.url_map.iter_rules():
        for param in sorted(rule.arguments):
            if object_type(rule, param) is None:
                missing.append(f"{rule.rule} ({rule.endpoint}): <{param}>")
    return missing


def _models():
    from charity.models import Item, Need, Offer, Opportunity, Proposal, Signup
    from core.accounts.models import ApiToken, FamilyLink, Person, User
    from core.notices.models import NoticeDocument
    from core.orgs.models import District, IdentityChange, Organization
    from core.outbox import OutboxMessage
    from core.workdays import CalendarDay
    from credit.inspections.models import Draw
    from credit.models import CreditFact, ListEntry, Objection, RepairApplication
    from credit.scoring.models import ScoreModel
    from timebank.models import CatalogueItem, Certificate, Redemption, ServiceSession

    return {
        "api_token": ApiToken.id, "district": District.id, "holiday": CalendarDay.day,
        "organization": Organization.id, "org_identity_change": IdentityChange.id,
        "user": User.id, "family_link": FamilyLink.id,
        "charity_item": Item.id, "charity_need": Need.id, "charity_offer": Offer.id,
        "charity_opportunity": Opportunity.id, "charity_proposal": Proposal.id,
        "charity_signup": Signup.id, "credit_entry": ListEntry.id, "credit_fact": CreditFact.id,
        "credit_draw": Draw.id, "credit_objection": Objection.id,
        "credit_repair": RepairApplication.id, "score_model": ScoreModel.version,
        "person": Person.id, "certificate": Certificate.number,
        "timebank_session": ServiceSession.id, "timebank_redemption": Redemption.id,
        "timebank_item": CatalogueItem.id, "inbox_message": OutboxMessage.id,
        "notice_document": NoticeDocument.id, "notice_number": NoticeDocument.number,
    }


def _values(kind: str, n: int) -> list:
    from core.extensions import db

    if kind == "list_type":
        from credit.vocabulary import LIST_TYPES

        return list(LIST_TYPES)[:n]
    if kind == "format":
        return ["csv", "xlsx"][:n]
    if kind in ("catalogue", "catalogue_code"):
        from core import catalogues

        names = [c.name for c in catalogues.registered()]
        if kind == "catalogue":
            return names[:n]
        return [i.code for i in catalogues.all_items(names[0], include_retired=True)][:n]
    if kind == "job":
        from core.jobs import registered_jobs

        return [spec.id for spec in registered_jobs()][:n]
    column = _models().get(kind)
    if column is None:
        return []
    values = list(db.session.execute(sa.select(column).order_by(column)).scalars())
    if not values and kind in ABSENT:
        return [ABSENT[kind]]  # none in this database: a well-formed value that names nothing
    if len(values) <= n:
        return values
    step = max(len(values) // n, 1)
    return [values[i * step] for i in range(n - 1)] + [values[-1]]


def sample_ids(site, rule, n: int) -> list[dict]:
    """Up to ``n`` value sets for ``rule``'s parameters, taken from the database."""
    with site.app.app_context():
        columns = {}
        for param in rule.arguments:
            kind = object_type(rule, param)
            columns[param] = _values(kind, n) if kind else []
    if not columns or any(not v for v in columns.values()):
        return []
    longest = max(len(v) for v in columns.values())
    cycled = {k: itertools.islice(itertools.cycle(v), longest) for k, v in columns.items()}
    return [dict(zip(cycled, row, strict=True)) for row in zip(*cycled.values(), strict=True)]
