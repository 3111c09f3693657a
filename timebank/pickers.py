"""Finding whom a session was for without codes: organizations by name, and "the person I
served" by name among the elders of the volunteer's organizations (issue 15).

"My organizations" (a volunteer's): those whose staff the user is, and those that organized
(``ServiceSession.org_id``) a confirmed session of the volunteer's. "An organization's elders"
are the persons it serves as far as the data says: the recipients of the confirmed sessions it
organized, and the persons its staff registered (``Person.registered_org_id``). A volunteer
finds by name only persons in that set, so nobody outside it can be listed; anyone else is
named by a member-card number or ID number together with their name, which must match: a
number alone would tell whose it is (the form and the API answer with the person's name), and
member numbers run in sequence.
"""

from __future__ import annotations

import sqlalchemy as sa

from core.accounts.models import Person
from core.accounts.services import find_person_by_id_number, find_person_by_volunteer_number
from core.extensions import db
from core.ids import is_valid_id_number, normalize
from core.orgs.models import District, Organization, OrgStatus
from core.orgs.services import user_org_ids
from timebank.models import ServiceSession
from timebank.vocabulary import SessionStatus

MIN_CHARS = 2
LIMIT = 8  # rows a suggestion list shows; one more is read to say "more, type more"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text(text: str | None) -> str:
    return " ".join((text or "").split())[:50]


# --- organizations -------------------------------------------------------------------------

def active_org(org_id) -> Organization | None:
    """The active organization with this id (a hidden field's value), else None."""
    try:
        org = db.session.get(Organization, int(org_id or 0))
    except (TypeError, ValueError):
        return None
    return org if org is not None and org.status == OrgStatus.ACTIVE else None


def find_orgs(text: str | None, limit: int = LIMIT) -> list[Organization]:
    """Active organizations whose name contains ``text`` (at least MIN_CHARS), exact name
    first; up to ``limit + 1`` (one more than shown, so the caller can say "more")."""
    text = _text(text)
    if len(text) < MIN_CHARS:
        return []
    o = Organization
    return list(db.session.execute(
        sa.select(o).where(o.status == OrgStatus.ACTIVE, o.name.ilike(_like(text), escape="\\"))
        .order_by(sa.case((o.name == text, 0), else_=1), sa.func.length(o.name), o.name, o.id)
        .limit(limit + 1)).scalars())


def org_suggestion(org: Organization) -> dict:
    """What a volunteer may see of an organization: its name and district."""
    return {"id": org.id, "label": org.name,
            "detail": org.district.name if org.district is not None else ""}


# --- persons -------------------------------------------------------------------------------

def my_org_ids(actor) -> set[int]:
    """The organizations a volunteer acts with (see the module docstring)."""
    ids = set(user_org_ids(actor))
    if getattr(actor, "person_id", None) is not None:
        ids.update(db.session.execute(sa.select(ServiceSession.org_id).distinct().where(
            ServiceSession.volunteer_id == actor.person_id,
            ServiceSession.status == SessionStatus.CONFIRMED,
            ServiceSession.org_id.isnot(None))).scalars())
    return ids


def scope_org_ids(actor, org_id: int | None = None) -> set[int]:
    """The organizations whose elders ``actor`` may find: the chosen one when it is theirs,
    else all of theirs (a chosen organization that is not theirs: none)."""
    mine = my_org_ids(actor)
    if org_id:
        return mine & {org_id}
    return mine


def _elders_of(org_ids: set[int]):
    """A select of the ids of the persons the organizations serve."""
    ids = list(org_ids) or [0]
    s = ServiceSession
    served = sa.select(s.recipient_person_id).where(
        s.org_id.in_(ids), s.status == SessionStatus.CONFIRMED, s.recipient_person_id.isnot(None))
    registered = sa.select(Person.id).where(Person.registered_org_id.in_(ids))
    return sa.union(served, registered)


def find_elders(actor, text: str | None, org_id: int | None = None,
                limit: int = LIMIT) -> list[Person]:
    """Persons in scope whose name contains ``text`` (at least MIN_CHARS), never the actor;
    up to ``limit + 1``."""
    text = _text(text)
    orgs = scope_org_ids(actor, org_id)
    if len(text) < MIN_CHARS or not orgs:
        return []
    query = (sa.select(Person).where(Person.id.in_(_elders_of(orgs)),
                                     Person.name.ilike(_like(text), escape="\\"))
             .order_by(sa.case((Person.name == text, 0), else_=1), Person.name, Person.id)
             .limit(limit + 1))
    if getattr(actor, "person_id", None) is not None:
        query = query.where(Person.id != actor.person_id)
    return list(db.session.execute(query).scalars())


def elder_in_scope(actor, person_id, org_id: int | None = None) -> Person | None:
    """The person with this id when ``actor`` may name them by picking (else None: the same
    answer whether the person exists or not)."""
    try:
        person_id = int(person_id or 0)
    except (TypeError, ValueError):
        return None
    orgs = scope_org_ids(actor, org_id)
    if not person_id or not orgs or person_id == getattr(actor, "person_id", None):
        return None
    return db.session.execute(sa.select(Person).where(
        Person.id == person_id, Person.id.in_(_elders_of(orgs)))).scalar_one_or_none()


def person_suggestion(person: Person) -> dict:
    """Enough to tell two people of the same name apart, never the full ID or phone."""
    district = db.session.get(District, person.district_id) if person.district_id else None
    parts = [person.id_number_masked, person.phone_masked if person.phone else "",
             district.name if district is not None else ""]
    return {"id": person.id, "label": person.name, "detail": " · ".join(p for p in parts if p)}


def person_by_number(number: str | None, name: str | None) -> Person | None:
    """The person a member-card number or ID number names, when the name given with it is
    theirs: the whole name, or a part of at least two characters (what was typed to search).
    None otherwise, the same answer whether the number exists or not."""
    text, name = normalize(number or ""), (name or "").strip()
    if not text or not name:
        return None
    if len(text) == 18 and is_valid_id_number(text):
        person = find_person_by_id_number(text)
    else:
        person = find_person_by_volunteer_number(text)
    if person is None:
        return None
    if name == person.name or (len(name) >= MIN_CHARS and name in person.name):
        return person
    return None
