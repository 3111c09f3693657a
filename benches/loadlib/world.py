"""The load test's actors, built on top of the demo city through the services (as the app
would): volunteers of a few organizations with their staff, institution counters with funded
members, feed consumers; every actor gets an API token. Written to ``world.json`` for the
locust process.

Run by ``benches/load.py`` (in its own process, with the same DATABASE_URL and SECRET_KEY as
the server): ``python benches/loadlib/world.py build OUT.json --volunteers N --members M``;
``python benches/loadlib/world.py counts`` prints the row counts the post-load checks compare.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from core import clock  # noqa: E402
from core.app import create_app  # noqa: E402
from core.db import write_intent  # noqa: E402
from core.extensions import db  # noqa: E402

ORGS = 4  # session organizations (one staff member each: disjoint confirmation queues)
INSTITUTIONS = 4  # eldercare institutions with a catalogue (one counter each)
FEEDS = 2
MEMBER_SESSIONS = 10  # funding: 10 confirmed sessions of 10 hours = 6 000 minutes each


def _person(rng, name: str, born: date, district, volunteer: bool):
    from core.accounts.services import create_person, find_person_by_id_number
    from core.ids import make_id_number

    region = district.gb_code or "320400"
    while True:
        number = make_id_number(region, born, rng)
        if find_person_by_id_number(number) is None:
            break
    return create_person(None, name, number, None, district.id, as_volunteer=volunteer)


def _user(username: str, roles, person=None, org=None):
    from core.accounts.services import create_token, create_user
    from core.orgs.services import add_member

    user = create_user(None, username, "load-test-password", username, roles, person=person)
    if org is not None:
        add_member(None, org, user, "staff")
    return user, create_token(None, user, "load test").secret


def _session_orgs(today):
    from core.orgs.models import Organization, OrgKind, OrgStatus
    from core.sanctions import NO_CONFIRMING_HOURS, is_barred

    rows = db.session.execute(
        sa.select(Organization).where(Organization.status == OrgStatus.ACTIVE,
                                      Organization.is_eldercare.is_(False),
                                      Organization.kind.in_([OrgKind.SOCIAL_GROUP,
                                                             OrgKind.SOCIAL_SERVICE]))
        .order_by(Organization.id)).scalars()
    return [o for o in rows if not is_barred(o.id, NO_CONFIRMING_HOURS, today)][:ORGS]


def _institutions():
    from core.orgs.models import Organization, OrgStatus
    from timebank.models import CatalogueItem

    with_items = sa.select(CatalogueItem.org_id).where(CatalogueItem.active.is_(True))
    orgs = db.session.execute(
        sa.select(Organization).where(Organization.status == OrgStatus.ACTIVE,
                                      Organization.is_eldercare.is_(True),
                                      Organization.id.in_(with_items))
        .order_by(Organization.id)).scalars().all()[:INSTITUTIONS]
    out = []
    for org in orgs:
        items = db.session.execute(
            sa.select(CatalogueItem).where(CatalogueItem.org_id == org.id,
                                           CatalogueItem.active.is_(True))
            .order_by(CatalogueItem.id)).scalars().all()
        out.append((org, [{"id": i.id, "price": i.price_minutes} for i in items]))
    return out


def _fund(member, org, district, today) -> None:
    """Past service, confirmed by the organization: the member's credits."""
    from core.timeutil import local_tz
    from timebank.confirmation import confirm_for_org
    from timebank.sessions import log_session

    for n in range(MEMBER_SESSIONS):
        day = today - timedelta(days=400 + n)
        start = datetime.combine(day, time(8, 0), tzinfo=local_tz())
        row = log_session(None, {"volunteer_id": member.id, "recipient_org_id": org.id,
                                 "org_id": org.id, "category": "companionship",
                                 "district_id": district.id, "address": "负载测试预置",
                                 "start": start, "end": start + timedelta(hours=10),
                                 "description": ""}, source="self")
        confirm_for_org(None, row.id, org.id)


def build(volunteers: int, members: int) -> dict:
    from core.accounts.models import Role
    from core.orgs.services import districts


    rng = random.Random(20261129)
    today = clock.today()
    all_districts = districts()
    orgs = _session_orgs(today)
    institutions = _institutions()
    if len(orgs) < ORGS or len(institutions) < INSTITUTIONS:
        raise SystemExit("the demo world lacks organizations or institutions with a catalogue")
    world = {"today": today.isoformat(), "volunteers": [], "staff": [], "counters": [],
             "members": [], "feeds": []}
    for i, org in enumerate(orgs):
        _user_row, token = _user(f"load-staff-{i}", [Role.ORG_STAFF], org=org)
        world["staff"].append({"token": token, "org_id": org.id})
    for i in range(volunteers):
        org = orgs[i % len(orgs)]
        district = all_districts[i % len(all_districts)]
        born = today - timedelta(days=rng.randint(25 * 365, 65 * 365))
        person = _person(rng, f"负载志愿者{i}", born, district, volunteer=True)
        _user_row, token = _user(f"load-vol-{i}", [Role.VOLUNTEER], person=person)
        world["volunteers"].append({"token": token, "person_id": person.id, "org_id": org.id,
                                    "district_id": district.id})
    for i, (org, items) in enumerate(institutions):
        _user_row, token = _user(f"load-counter-{i}", [Role.INSTITUTION_STAFF], org=org)
        world["counters"].append({"token": token, "org_id": org.id, "items": items})
    for i in range(members):
        district = all_districts[i % len(all_districts)]
        born = today - timedelta(days=rng.randint(62 * 365, 80 * 365))
        member = _person(rng, f"负载会员{i}", born, district, volunteer=True)
        _fund(member, orgs[i % len(orgs)], district, today)
        # Members consent from their own login (a pay code shown at the counter).
        _user_row, token = _user(f"load-member-{i}", [Role.VOLUNTEER], person=member)
        world["members"].append({"person_id": member.id, "number": member.volunteer_number,
                                 "token": token})
    for i in range(FEEDS):
        _user_row, token = _user(f"load-feed-{i}", [Role.FEED])
        world["feeds"].append({"token": token})
    return world


def counts() -> dict:
    """What the post-load checks compare with the load tool's own tally."""
    from core.audit import AuditRecord
    from core.idempotency import IdempotencyRecord
    from timebank.models import Posting, Redemption, ServiceSession

    def count(model, *where) -> int:
        return db.session.execute(sa.select(sa.func.count()).select_from(model)
                                  .where(*where)).scalar_one()

    out = {"sessions": count(ServiceSession),
           "idempotency_records": count(IdempotencyRecord), "postings": count(Posting),
           "audit_records": count(AuditRecord), "redemptions": count(Redemption)}
    for status in ("pending", "confirmed", "rejected", "reversed"):
        out[f"sessions_{status}"] = count(ServiceSession, ServiceSession.status == status)
    for status in ("pending", "posted", "voided"):
        out[f"redemptions_{status}"] = count(Redemption, Redemption.status == status)
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        out["server_version"] = db.session.execute(sa.text("SHOW server_version")).scalar_one()
    else:
        out["server_version"] = db.session.execute(
            sa.text("select sqlite_version()")).scalar_one()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("build")
    make.add_argument("out")
    make.add_argument("--volunteers", type=int, default=64)
    make.add_argument("--members", type=int, default=32)
    sub.add_parser("counts")
    args = parser.parse_args()
    app = create_app({"APP_ENV": "development", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        if args.command == "counts":
            print(json.dumps(counts()))
            return
        token = write_intent.set(True)
        try:
            world = build(args.volunteers, args.members)
            db.session.commit()
        finally:
            write_intent.reset(token)
    Path(args.out).write_text(json.dumps(world, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
