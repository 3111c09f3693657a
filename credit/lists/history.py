"""A subject's kind as it was: the approved changes of an organization's kind or eldercare flag
(``core.orgs.identity``), read by the scan and by a regulator's manual proposal alike, so a
rule applies to the subject as it was when the facts happened."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from core.extensions import db
from core.orgs.models import IdentityChange, Organization, OrgKind
from core.timeutil import local_date

KIND_FIELDS = ("kind", "is_eldercare")


def identity_history(org_ids=None) -> dict[int, list[IdentityChange]]:
    """Approved changes of a kind or eldercare flag, by organization, oldest first."""
    query = sa.select(IdentityChange).where(IdentityChange.status == "approved").order_by(
        IdentityChange.decided_at, IdentityChange.id)
    if org_ids is not None:
        query = query.where(IdentityChange.org_id.in_(list(org_ids)))
    grouped: dict[int, list[IdentityChange]] = defaultdict(list)
    for change in db.session.execute(query).scalars():
        if any(key in change.before for key in KIND_FIELDS):
            grouped[change.org_id].append(change)
    return grouped


def kind_history(org: Organization, changes: list[IdentityChange]) -> list:
    """``Subject.history``: walk back from what the organization is now."""
    def seen(values):
        return OrgKind(values["kind"]).is_social_organization, bool(values["is_eldercare"])

    now = {key: getattr(org, key) for key in KIND_FIELDS}
    found = []
    for change in reversed(changes):
        was = {**now, **{k: v for k, v in change.before.items() if k in KIND_FIELDS}}
        found.append((local_date(change.decided_at), seen(was), seen(now)))
        now = was
    return found[::-1]
