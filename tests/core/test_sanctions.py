"""Measures in force per organization (core.sanctions): imposed, lifted, re-imposed harmlessly."""

from datetime import date, timedelta

from core import sanctions


def test_sanctions_in_force_and_lifted(app, make):
    org = make.org()
    today = date(2026, 11, 30)
    sanctions.impose(org.id, [sanctions.NO_POSTING, sanctions.NO_MATCHING], "credit.entry:1",
                     effective_from=today, effective_until=today + timedelta(days=365))
    assert sanctions.is_barred(org.id, sanctions.NO_POSTING, on=today)
    assert not sanctions.is_barred(org.id, sanctions.NO_POSTING, on=today - timedelta(days=1))
    assert not sanctions.is_barred(org.id, sanctions.NO_POSTING, on=today + timedelta(days=366))
    assert sanctions.barred_org_ids(sanctions.NO_MATCHING, on=today) == {org.id}
    assert sanctions.lift("credit.entry:1", "信用修复") == 2
    assert sanctions.measures_in_force(org.id, on=today) == set()


def test_reimposing_the_same_source_is_harmless(app, make):
    org = make.org()
    day = date(2026, 1, 1)
    first = sanctions.impose(org.id, [sanctions.NO_POSTING], "src", day)
    again = sanctions.impose(org.id, [sanctions.NO_POSTING], "src", day)
    assert len(first) == 1 and again == []

