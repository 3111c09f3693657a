"""Features as of a date: each one on hand-made facts, window edges, and no leakage — a fact
or list entry dated after the as-of date changes no feature."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.dates import add_years
from credit.scoring.features import BY_NAME, FEATURES, NAMES, YEARS_SINCE_CAP, reason_text
from credit.scoring.matrix import FactTables, feature_matrix

D = date(2025, 6, 30)
SOCIETY = {"id": 1, "registration_date": date(2015, 1, 1), "is_eldercare": False}
HOME = {"id": 2, "registration_date": date(2019, 6, 30), "is_eldercare": True, "beds": 50}


def fact(org_id, kind, subtype, on, **fields) -> dict:
    fact.n = getattr(fact, "n", 0) + 1
    return {"id": fact.n, "org_id": org_id, "kind": kind, "subtype": subtype, "occurred_on": on,
            **fields}


def row(facts=(), entries=(), org_id=1, as_of=D) -> dict:
    tables = FactTables.from_rows([SOCIETY, HOME], facts, entries)
    return feature_matrix(tables, [org_id], as_of).iloc[0].to_dict()


def test_every_feature_is_documented_with_a_direction_and_both_languages():
    assert len(NAMES) == len(set(NAMES)) >= 20
    for f in FEATURES:
        assert f.direction in (-1, 0, 1)
        assert f.label_zh and f.label_en and f.how_zh and f.how_en
        assert "{v}" in f.reason_zh or f.fmt == "flag"


def test_a_subject_without_facts_has_neutral_values():
    x = row()
    assert x["org_age_years"] == pytest.approx(10.49, abs=0.01)
    assert math.isnan(x["evaluation_grade"]) and math.isnan(x["fulfilment_rate_3y"])
    assert x["years_since_penalty"] == YEARS_SINCE_CAP
    counts = [n for n in NAMES if n not in ("org_age_years", "evaluation_grade",
                                            "fulfilment_rate_3y", "years_since_penalty")]
    assert all(x[n] == 0 for n in counts)


def test_annual_reports_count_late_and_missing_in_three_years():
    x = row([fact(1, "annual_report", "annual_report", date(2023, 8, 1), report_status="late"),
             fact(1, "annual_report", "annual_report", date(2024, 7, 1),
                  report_status="missing"),
             fact(1, "annual_report", "annual_report", date(2022, 6, 30),
                  report_status="late"),  # exactly 3 years before: outside (d - 3y, d]
             fact(1, "annual_report", "annual_report", date(2025, 6, 1),
                  report_status="on_time")])
    assert (x["reports_late_3y"], x["reports_missing_3y"]) == (1, 1)


def test_penalties_by_type_amount_and_window():
    facts = [fact(1, "penalty", "warning", date(2025, 1, 10)),
             fact(1, "penalty", "warning", date(2023, 1, 10)),
             fact(1, "penalty", "fine", date(2024, 12, 1), amount_yuan=20000),
             fact(1, "penalty", "fine", date(2023, 3, 1), amount_yuan=60000),
             fact(1, "penalty", "suspension", date(2023, 3, 1))]
    x = row(facts)
    assert (x["warnings_1y"], x["warnings_3y"]) == (1, 2)
    assert (x["fines_yuan_1y"], x["fines_yuan_3y"]) == (20000, 80000)
    assert x["severe_penalties_3y"] == 1
    assert x["years_since_penalty"] == pytest.approx((D - date(2025, 1, 10)).days / 365.25,
                                                     abs=0.01)


def test_inspections_and_overdue_rectification_until_certified():
    ordered = fact(1, "inspection", "inspection", date(2025, 1, 5), result="rectify",
                   rectify_deadline=date(2025, 3, 1))
    passed = fact(1, "inspection", "inspection", date(2024, 5, 5), result="pass")
    cert = fact(1, "certificate", "rectified", date(2025, 5, 1), related_fact_id=ordered["id"])
    x = row([ordered, passed, cert], as_of=date(2025, 4, 1))
    assert (x["inspections_passed_3y"], x["inspections_failed_3y"]) == (1, 1)
    assert x["rectifications_overdue"] == 1  # past the deadline, not yet certified
    assert row([ordered, passed, cert], as_of=date(2025, 3, 1))["rectifications_overdue"] == 0
    assert row([ordered, passed, cert], as_of=D)["rectifications_overdue"] == 0
    on_time = fact(1, "certificate", "rectified", date(2025, 2, 20),
                   related_fact_id=ordered["id"])
    assert row([ordered, on_time], as_of=date(2025, 4, 1))["rectifications_overdue"] == 0


def test_evaluation_grade_only_while_valid():
    grade = fact(2, "grade", "evaluation", date(2021, 1, 1), grade=4,
                 valid_until=date(2025, 12, 31))
    assert row([grade], org_id=2)["evaluation_grade"] == 4
    assert math.isnan(row([grade], org_id=2, as_of=date(2026, 1, 1))["evaluation_grade"])
    assert math.isnan(row([grade], org_id=2, as_of=date(2020, 12, 31))["evaluation_grade"])


def test_complaints_are_per_hundred_beds_for_eldercare():
    facts = [fact(o, "complaint", "complaint", date(2025, 1, 1), substantiated=s)
             for o in (1, 2) for s in (True, True, False)]
    assert row(facts, org_id=1)["complaints_3y"] == 2
    assert row(facts, org_id=2)["complaints_3y"] == 4  # 2 per 50 beds


def test_list_history_counts_entries_in_force_and_published():
    entries = [{"org_id": 1, "list_type": "abnormal", "published_on": date(2024, 1, 1),
                "removed_on": date(2024, 7, 2)},
               {"org_id": 1, "list_type": "serious", "published_on": date(2025, 2, 1),
                "removed_on": None},
               {"org_id": 1, "list_type": "red", "published_on": date(2023, 2, 1),
                "removed_on": date(2024, 2, 1)}]
    x = row(entries=entries)
    assert (x["listed_now"], x["listings_5y"], x["red_listed"]) == (1, 2, 0)
    assert row(entries=entries, as_of=date(2023, 6, 1))["red_listed"] == 1


def test_platform_facts_and_fulfilment_rate():
    facts = [fact(1, "platform", "match_fulfilled", date(2025, 1, 1)) for _ in range(3)]
    facts += [fact(1, "platform", "match_abandoned", date(2025, 2, 1)),
              fact(1, "platform", "false_hours", date(2024, 2, 1))]
    x = row(facts)
    assert x["fulfilment_rate_3y"] == 0.75
    assert (x["matches_abandoned_3y"], x["false_hours_3y"]) == (1, 1)


def test_eldercare_hazards_accidents_rewards_letters_and_debtor():
    facts = [fact(2, "eldercare", "fire_hazard", date(2025, 1, 1),
                  rectify_deadline=date(2025, 2, 1)),
             fact(2, "eldercare", "elder_abuse", date(2024, 1, 1)),
             fact(2, "eldercare", "safety_accident", date(2024, 3, 1), responsibility="main"),
             fact(2, "reward", "commendation", date(2024, 3, 1)),
             fact(2, "purchase", "completed", date(2024, 4, 1)),
             fact(2, "contact", "letter_unsigned", date(2025, 3, 1)),
             fact(2, "judicial", "dishonest_debtor", date(2024, 3, 1)),
             fact(2, "judicial", "debtor_removed", date(2025, 3, 1))]
    x = row(facts, org_id=2)
    assert (x["eldercare_hazards_3y"], x["safety_accidents_3y"], x["rewards_3y"]) == (2, 1, 2)
    assert (x["unreachable_1y"], x["rectifications_overdue"]) == (1, 1)
    assert x["dishonest_debtor"] == 0
    assert row(facts, org_id=2, as_of=date(2025, 1, 1))["dishonest_debtor"] == 1


def test_many_dates_at_once_match_one_date_at_a_time(tables):
    ids = tables.orgs.index[:40].tolist()
    days = [date(2023, 1, 1) + timedelta(days=37 * i) for i in range(len(ids))]
    together = feature_matrix(tables, ids, days)
    apart = pd.concat([feature_matrix(tables, [o], d) for o, d in zip(ids, days, strict=True)],
                      ignore_index=True)
    pd.testing.assert_frame_equal(together, apart)


LATER_FACTS = [("annual_report", "annual_report", {"report_status": "late"}),
               ("annual_report", "annual_report", {"report_status": "missing"}),
               ("inspection", "inspection", {"result": "pass"}),
               ("inspection", "inspection", {"result": "fail"}),
               ("penalty", "warning", {}), ("penalty", "fine", {"amount_yuan": 80000}),
               ("penalty", "suspension", {}), ("penalty", "revocation", {}),
               ("complaint", "complaint", {"substantiated": True}),
               ("grade", "evaluation", {"grade": 1}), ("reward", "commendation", {}),
               ("purchase", "completed", {}), ("eldercare", "fire_hazard", {}),
               ("eldercare", "safety_accident", {}), ("judicial", "dishonest_debtor", {}),
               ("judicial", "debtor_removed", {}), ("contact", "letter_unsigned", {}),
               ("platform", "false_hours", {}), ("platform", "match_abandoned", {}),
               ("platform", "match_fulfilled", {}), ("certificate", "rectified", {})]


@settings(max_examples=25, deadline=None)
@given(as_of_offset=st.integers(0, 1500), after=st.integers(1, 2000),
       picks=st.lists(st.integers(0, len(LATER_FACTS) - 1), min_size=1, max_size=8))
def test_no_fact_or_entry_dated_after_the_as_of_date_changes_any_feature(
        history, as_of_offset, after, picks):
    as_of = date(2022, 1, 1) + timedelta(days=as_of_offset)
    ids = [o["id"] for o in history.orgs[:30] if o["registration_date"] <= as_of]
    base = FactTables.from_rows(history.orgs, history.facts, history.entries)
    later = [fact(i, kind, subtype, as_of + timedelta(days=after), **fields)
             for i in ids[:5] for kind, subtype, fields in (LATER_FACTS[p] for p in picks)]
    entries = [{"org_id": i, "list_type": "serious", "published_on": as_of + timedelta(days=1),
                "removed_on": None} for i in ids[:5]]
    leaked = FactTables.from_rows(history.orgs, history.facts + later,
                                  history.entries + entries)
    pd.testing.assert_frame_equal(feature_matrix(base, ids, as_of),
                                  feature_matrix(leaked, ids, as_of))


def test_a_fact_on_the_as_of_date_counts_and_windows_are_calendar_years():
    first = add_years(D, -3) + timedelta(days=1)
    assert row([fact(1, "penalty", "warning", D)])["warnings_1y"] == 1
    assert row([fact(1, "penalty", "warning", first)])["warnings_3y"] == 1
    assert row([fact(1, "penalty", "warning", add_years(D, -3))])["warnings_3y"] == 0


def test_reason_texts_in_both_languages():
    late = BY_NAME["reports_late_3y"].as_dict()
    assert reason_text(late, 2.0, "zh_CN") == "近 3 年逾期报送年度报告 2 次"
    assert reason_text(late, 2.0, "en") == "2 late annual report(s) in the last 3 years"
    grade = BY_NAME["evaluation_grade"].as_dict()
    assert reason_text(grade, float("nan"), "zh_CN") == "没有有效的评估等级"
    assert reason_text(grade, 2.0, "en") == "evaluation grade is only 2A"
    assert reason_text(BY_NAME["rewards_3y"].as_dict(), 0.0, "zh_CN") == \
        "近 3 年没有表彰或完成政府购买服务"
    complaints = BY_NAME["complaints_3y"].as_dict()
    assert reason_text(complaints, 3.0, "zh_CN") == "近 3 年属实投诉 3 次"
    assert reason_text(complaints, 7.5, "zh_CN", eldercare=True) == \
        "近 3 年每百张床位属实投诉 7.5 次"
    fines = BY_NAME["fines_yuan_3y"].as_dict()
    assert reason_text(fines, 60000.0, "zh_CN") == "近 3 年被罚款共 60,000 元"
    assert np.isfinite(len(reason_text(BY_NAME["fulfilment_rate_3y"].as_dict(), 0.5, "en")))
