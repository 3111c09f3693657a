"""A subject's credit profile cut to the viewer (credit.profile): regulators see everything,
the organization's own staff their record from notice on, the public only what is published."""

from __future__ import annotations

from datetime import date

from credit import profile
from credit.lists import scan
from tests.credit.factories import notified, record

D = date


def _noticed(org, regulator):
    record(org, "penalty", "warning", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1), ("abnormal",))
    notified(regulator, entry, D(2024, 3, 1))
    return entry


def test_each_viewer_sees_the_entries_the_rules_allow(app, society, regulator, make):
    entry = _noticed(society, regulator)
    staff = make.user("org_staff", org=society)
    outsider = make.user("org_staff", org=make.org())
    seen = {who: [e.id for e in profile.build(user, society.id, D(2024, 3, 5)).entries]
            for who, user in (("regulator", regulator), ("staff", staff),
                              ("outsider", outsider), ("public", None))}
    assert seen == {"regulator": [entry.id], "staff": [entry.id], "outsider": [],
                    "public": []}


def test_the_public_profile_shows_no_facts_only_the_published_record(app, society, regulator):
    _noticed(society, regulator)
    public = profile.build(None, society.id, D(2024, 3, 5))
    assert public.audience == "public" and public.facts == [] and public.objections == []
    assert profile.build(regulator, society.id, D(2024, 3, 5)).facts
