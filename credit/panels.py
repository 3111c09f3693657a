"""Home-page panel data for the credit package (a Jinja global, ``credit_panel()``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from core.accounts.models import Role
from core.extensions import db
from core.orgs.services import orgs_of
from credit.facts.records import is_credit_subject
from credit.models import EntryState, ListEntry, Objection, RepairApplication


def panel_data() -> dict:
    if current_user.has_role(Role.REGULATOR):
        def count(query):
            return db.session.execute(query).scalar_one()

        return {
            "regulator": True,
            "proposed": count(sa.select(sa.func.count()).select_from(ListEntry).where(
                ListEntry.state == EntryState.PROPOSED)),
            "objections": count(sa.select(sa.func.count()).select_from(Objection).where(
                Objection.status == "open")),
            "repairs": count(sa.select(sa.func.count()).select_from(RepairApplication).where(
                RepairApplication.status == "open")),
        }
    own = [o for o in orgs_of(current_user) if is_credit_subject(o)]
    open_entries = {}
    if own:
        rows = db.session.execute(sa.select(ListEntry.org_id, sa.func.count()).where(
            ListEntry.org_id.in_([o.id for o in own]),
            ListEntry.state.in_((EntryState.NOTIFIED, EntryState.OBJECTED, EntryState.PUBLISHED)))
            .group_by(ListEntry.org_id)).all()
        open_entries = dict(rows)
    return {"regulator": False, "orgs": own, "entries": open_entries}
