"""The world the API fuzzer runs in: the demo city (core users, organizations and persons,
each package's history, a smaller credit history) plus a trained, active score model, so
that most ids the fuzzer draws exist. Built once per worker, copied fresh for every role."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from core import demo
from core.db import write_intent
from core.extensions import db
from tests.conftest import DEMO_LOGINS, recreate_postgres_database

SEED = 7
CREDIT_SCALE = 0.05  # 14 added credit subjects instead of 270: the same process, faster

USERS = DEMO_LOGINS  # the demo login that plays each role


def seed_world() -> None:
    """Seed the demo world into the current app's database and commit."""
    from credit.scoring import subject_scores, training

    token = write_intent.set(True)
    try:
        ctx = demo.SeedContext(rng=random.Random(SEED), today=demo.clock.today())
        ctx.extra["credit_demo_scale"] = CREDIT_SCALE
        demo._seed_core(ctx)
        for _order, _name, seeder in sorted(demo._SEEDERS, key=lambda item: item[:2]):
            seeder(ctx)
            db.session.flush()
        db.session.commit()
        training.train(None)
        db.session.commit()
        subject_scores.score_subjects(None)
        db.session.commit()
    finally:
        write_intent.reset(token)


@dataclass
class WorldCopies:
    """Fresh copies of one seeded database: a file copy (SQLite) or ``CREATE DATABASE …
    TEMPLATE`` (PostgreSQL)."""

    world_url: str
    is_postgres: bool
    made: list[str] = field(default_factory=list)

    def fresh(self, name: str) -> str:
        url = sa.make_url(self.world_url)
        if not self.is_postgres:
            target = Path(url.database).with_name(f"fuzz-{name}.sqlite3")
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(url.database, target)
            return url.set(database=str(target)).render_as_string(hide_password=False)
        copy = f"{url.database}_{name}"
        self.made.append(copy)
        return recreate_postgres_database(url, copy, template=url.database)

    def drop_all(self) -> None:
        if not self.is_postgres or not self.made:
            return
        url = sa.make_url(self.world_url)
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in [*self.made, url.database]:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# Parameter and field name → the (table, column) its real values come from.
SOURCES = {
    "org_id": ("organization", "id"), "recipient_org_id": ("organization", "id"),
    "org_ids": ("organization", "id"),
    "person_id": ("person", "id"), "volunteer_id": ("person", "id"),
    "to_person_id": ("person", "id"), "recipient_person_id": ("person", "id"),
    "relative_id": ("person", "id"), "volunteer_number": ("person", "volunteer_number"),
    "district_id": ("district", "id"),
    "change_id": ("org_identity_change", "id"),
    "token_id": ("api_token", "id"), "link_id": ("family_link", "id"),
    "session_id": ("timebank_session", "id"), "redemption_id": ("timebank_redemption", "id"),
    "number": ("timebank_certificate", "number"),
    "need_id": ("charity_need", "id"), "offer_id": ("charity_offer", "id"),
    "proposal_id": ("charity_proposal", "id"), "opportunity_id": ("charity_opportunity", "id"),
    "signup_id": ("charity_signup", "id"), "substitute_id": ("charity_item", "id"),
    "fact_id": ("credit_fact", "id"), "fact_ids": ("credit_fact", "id"),
    "entry_id": ("credit_list_entry", "id"), "objection_id": ("credit_objection", "id"),
    "repair_id": ("credit_repair", "id"), "draw_id": ("credit_draw", "id"),
    "inspector_id": ("credit_inspector", "user_id"), "version": ("credit_score_model", "version"),
    "item_id@timebank": ("timebank_catalogue_item", "id"), "item_id": ("charity_item", "id"),
}


def known_values(role: str) -> dict[str, list]:
    """Real values for each name in SOURCES (a spread of each table, the role's own
    organizations and person first and repeated, so they are drawn often), plus the enums
    that live in paths. Call inside an app context."""
    from core.accounts.models import User
    from core.orgs.services import user_org_ids
    from credit.vocabulary import LIST_TYPES

    values: dict[str, list] = {}
    for name, (table, column) in SOURCES.items():
        rows = db.session.execute(sa.text(
            f'SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL '  # noqa: S608
            f'ORDER BY "{column}"')).scalars().all()
        step = max(1, len(rows) // 12)
        values[name] = list(dict.fromkeys([*rows[:6], *rows[::step], *rows[-6:]]))
    user = db.session.execute(sa.select(User).where(User.username == USERS.get(role, ""))
                              ).scalar_one_or_none()
    if user is not None:
        own_orgs = sorted(user_org_ids(user))
        for name in ("org_id", "recipient_org_id", "org_ids"):
            values[name] = own_orgs * 6 + values[name]
        if user.person_id is not None:
            for name in ("person_id", "volunteer_id"):
                values[name] = [user.person_id] * 6 + values[name]
    values["list_type"] = list(LIST_TYPES)
    values["fmt"] = ["csv", "xlsx"]
    return {name: pool for name, pool in values.items() if pool}
