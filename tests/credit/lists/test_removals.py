"""Each removal rule and the earliest day repair may remove an entry, at its date edges."""

from datetime import date

import pytest

from credit.lists import removals
from tests.credit.factories import E, F, subject, warning

pytestmark = pytest.mark.usefixtures("rules_app")
D = date


@pytest.mark.parametrize("today, removed", [(D(2024, 7, 14), False), (D(2024, 7, 15), False),
                                            (D(2024, 7, 16), True)])
def test_directory_entries_with_nothing_to_rectify_leave_after_six_full_months(today, removed):
    entry = E("abnormal", clock_start=D(2024, 1, 15), needs_rectification=False)
    removal = removals.removal_abnormal_automatic(entry, today)
    assert (removal is not None) is removed
    if removed:
        assert removal.article == "so.abnormal.removal"


def test_six_months_from_the_31st_of_august_run_out_at_the_end_of_february():
    entry = E("abnormal", clock_start=D(2023, 8, 31))
    assert removals.removal_abnormal_automatic(entry, D(2024, 2, 29)) is None
    assert removals.removal_abnormal_automatic(entry, D(2024, 3, 1)) is not None


def test_directory_entries_with_something_to_rectify_never_leave_by_themselves():
    entry = E("abnormal", clock_start=D(2020, 1, 1), needs_rectification=True)
    assert removals.removal_abnormal_automatic(entry, D(2024, 1, 1)) is None


@pytest.mark.parametrize("today, removed", [(D(2024, 2, 29), False), (D(2024, 3, 1), False),
                                            (D(2024, 3, 2), True)])
def test_eldercare_entries_expire_the_day_after_three_years(today, removed):
    entry = E("eldercare", decided_on=D(2021, 3, 1), clock_start=D(2021, 3, 1),
              valid_until=D(2024, 3, 1))
    assert (removals.removal_eldercare_expired(entry, today) is not None) is removed


def test_an_expired_eldercare_entry_says_why_and_only_a_published_one_expires():
    entry = E("eldercare", decided_on=D(2021, 3, 1), clock_start=D(2021, 3, 1),
              valid_until=D(2024, 3, 1))
    removal = removals.removal_eldercare_expired(entry, D(2024, 3, 2))
    assert (removal.code, removal.article) == ("expired", "ec.validity")
    assert "有效期至 2024-03-01 届满" in removal.reason
    for unpublished in ("draft", "removed"):
        entry.state = unpublished
        assert removals.removal_eldercare_expired(entry, D(2024, 3, 2)) is None
    entry.state, entry.valid_until = "published", None  # no end date: never expires by itself
    assert removals.removal_eldercare_expired(entry, D(2030, 1, 1)) is None


def test_a_serious_entry_for_revocation_leaves_once_the_subject_is_deregistered():
    revoked = F("penalty", "revocation", D(2023, 1, 1))
    entry = E("serious", fact_ids=[revoked.id], clock_start=D(2023, 2, 1))
    assert removals.removal_serious_deregistered(entry, subject(revoked, status="revoked")) is None
    gone = F("basic", "deregistration", D(2023, 6, 1))
    assert removals.removal_serious_deregistered(entry, subject(revoked, gone)) is not None
    other = E("serious", fact_ids=[999], clock_start=D(2023, 2, 1))
    assert removals.removal_serious_deregistered(other, subject(gone)) is None


@pytest.mark.parametrize("cause", [("penalty", "revocation"), ("basic", "registration_revoked")])
@pytest.mark.parametrize("deregistered", ["status", "fact"])
def test_either_kind_of_revocation_leaves_on_either_proof_of_deregistration(cause, deregistered):
    """Listed for a revoked registration (a penalty decision or the registry's own record);
    deregistered per the registry's status or a deregistration record: either way it leaves."""
    revoked = F(*cause, D(2023, 1, 1))
    entry = E("serious", fact_ids=[revoked.id], clock_start=D(2023, 2, 1))
    assert removals.removal_serious_deregistered(entry, subject(revoked)) is None
    if deregistered == "status":
        done = subject(revoked, status="deregistered")
    else:
        done = subject(revoked, F("basic", "deregistration", D(2023, 6, 1)))
    removal = removals.removal_serious_deregistered(entry, done)
    assert (removal.code, removal.article) == ("deregistered", "so.serious.removal")
    assert "注销登记" in removal.reason


def test_a_serious_entry_for_another_penalty_stays_after_deregistration():
    """Only a revocation is answered by deregistering; a fine is not wiped by closing down."""
    fined = F("penalty", "fine", D(2023, 1, 1), amount_yuan=50000)
    entry = E("serious", fact_ids=[fined.id], clock_start=D(2023, 2, 1))
    closed = subject(fined, F("basic", "deregistration", D(2023, 6, 1)), status="deregistered")
    assert removals.removal_serious_deregistered(entry, closed) is None


@pytest.mark.parametrize("today, allowed", [(D(2024, 5, 10), False), (D(2024, 5, 11), True)])
def test_serious_repair_only_after_two_full_years(today, allowed):
    entry = E("serious", decided_on=D(2022, 5, 10), clock_start=D(2022, 5, 10))
    check = removals.repair_check(entry, subject(), today)
    assert check.earliest == D(2024, 5, 11) and check.allows(today) is allowed


def test_a_new_qualifying_fact_on_the_serious_list_pushes_repair_back_two_years():
    entry = E("serious", decided_on=D(2022, 5, 10), clock_start=D(2022, 5, 10))
    check = removals.repair_check(entry, subject(warning(D(2023, 1, 1))), D(2024, 6, 1))
    assert check.earliest == D(2025, 1, 2)


@pytest.mark.parametrize("fact", [
    F("penalty", "suspension", D(2023, 6, 1)), F("penalty", "revocation", D(2023, 6, 1)),
    F("basic", "change_revoked", D(2023, 6, 1)), F("basic", "registration_revoked", D(2023, 6, 1)),
], ids=lambda f: f.subtype)
def test_each_new_serious_fact_pushes_repair_back_two_years(fact):
    entry = E("serious", decided_on=D(2022, 5, 10), clock_start=D(2022, 5, 10))
    assert removals.repair_check(entry, subject(fact), D(2024, 6, 1)).earliest == D(2025, 6, 2)
    assert removals.repair_check(entry, subject(), D(2024, 6, 1)).earliest == D(2024, 5, 11)


@pytest.mark.parametrize("fact, pushed", [
    (F("eldercare", "elder_abuse", D(2022, 6, 1)), True),
    (F("eldercare", "safety_accident", D(2022, 6, 1), responsibility="main"), True),
    (F("eldercare", "safety_accident", D(2022, 6, 1), responsibility="direct"), True),
    (F("eldercare", "safety_accident", D(2022, 6, 1), responsibility="minor"), False),
    (F("eldercare", "fire_hazard", D(2022, 6, 1), responsibility="minor"), False),
    (F("penalty", "warning", D(2022, 6, 1)), False),  # not an eldercare ground
], ids=lambda v: getattr(v, "subtype", str(v)))
def test_only_serious_dishonesty_pushes_eldercare_early_removal_back(fact, pushed):
    """第十一条: a new accident counts only where the home bore main or direct
    responsibility; a fire hazard only once its rectification is overdue."""
    entry = E("eldercare", decided_on=D(2021, 3, 1), clock_start=D(2021, 3, 1),
              valid_until=D(2024, 3, 1))
    home = subject(fact, eldercare=True, social=False)
    earliest = removals.repair_check(entry, home, D(2023, 3, 2)).earliest
    assert earliest == (D(2024, 6, 2) if pushed else D(2023, 3, 2))


def test_eldercare_early_removal_from_the_day_after_two_years():
    entry = E("eldercare", decided_on=D(2021, 3, 1), clock_start=D(2021, 3, 1),
              valid_until=D(2024, 3, 1))
    check = removals.repair_check(entry, subject(eldercare=True, social=False), D(2023, 3, 2))
    assert check.earliest == D(2023, 3, 2) and check.allows(D(2023, 3, 2))
    assert not check.allows(D(2023, 3, 1))


def test_directory_repair_waits_for_the_missing_report_to_be_filed():
    missing = F("annual_report", "annual_report", D(2024, 7, 1), report_year=2023,
                report_status="missing")
    entry = E("abnormal", fact_ids=[missing.id], decided_on=D(2024, 8, 1),
              clock_start=D(2024, 8, 1), needs_rectification=True)
    check = removals.repair_check(entry, subject(missing), D(2024, 8, 2))
    assert check.outstanding == ["尚未补报 2023 年度工作报告"]
    filed = F("annual_report", "annual_report", D(2024, 8, 2), report_year=2023,
              report_status="late")
    assert removals.repair_check(entry, subject(missing, filed), D(2024, 8, 3)).allows(
        D(2024, 8, 3))


def test_repair_waits_for_a_confirmed_rectification_and_for_contact():
    check_fact = F("inspection", "inspection", D(2024, 1, 1), result="rectify",
                   rectify_deadline=D(2024, 2, 1))
    letter = F("contact", "letter_unsigned", D(2024, 3, 1))
    entry = E("abnormal", fact_ids=[check_fact.id, letter.id], decided_on=D(2024, 4, 1),
              clock_start=D(2024, 4, 1))
    assert len(removals.repair_check(entry, subject(check_fact, letter), D(2024, 5, 1))
               .outstanding) == 2
    done = [F("certificate", "rectified", D(2024, 4, 10), related_fact_id=check_fact.id),
            F("certificate", "contact_restored", D(2024, 4, 11), related_fact_id=letter.id)]
    assert removals.repair_check(entry, subject(check_fact, letter, *done),
                                 D(2024, 5, 1)).outstanding == []


def test_red_entries_leave_when_their_year_runs_out_or_a_penalty_arrives():
    today = D(2024, 9, 1)
    grade = F("grade", "evaluation", D(2022, 1, 1), grade=5, valid_until=D(2026, 12, 31))
    reports = [F("annual_report", "annual_report", D(y + 1, 5, 1), report_year=y,
                 report_status="on_time") for y in (2022, 2023)]
    entry = E("red", decided_on=D(2024, 7, 15), valid_until=D(2025, 7, 15))
    assert removals.removal_red_review(entry, subject(grade, *reports), today) is None
    hit = removals.removal_red_review(entry, subject(grade, *reports, warning(D(2024, 8, 1))),
                                      today)
    assert hit.code == "red_review" and "行政处罚" in hit.reason
    assert removals.removal_red_review(entry, subject(grade, *reports), D(2025, 7, 16)).code \
        == "expired"


def _red_entry_and_reports(years):
    grade = F("grade", "evaluation", D(2022, 1, 1), grade=5, valid_until=D(2026, 12, 31))
    reports = [F("annual_report", "annual_report", D(y + 1, 5, 1), report_year=y,
                 report_status="on_time") for y in years]
    return E("red", decided_on=D(2024, 7, 15), valid_until=D(2025, 7, 15)), [grade, *reports]


def test_a_missing_annual_report_removes_a_red_entry_at_the_yearly_review_not_the_daily_scan():
    """The daily scan removes only on hard criteria (a penalty, a punishment entry, the grade);
    reports and the score band are judged once a year, at the review the policy describes."""
    today = D(2025, 7, 10)  # the 2024 report was due on 30 June; only 2023's is on file
    entry, facts = _red_entry_and_reports((2022, 2023))
    assert removals.removal_red_review(entry, subject(*facts), today) is None
    yearly = removals.removal_red_review(entry, subject(*facts), today, yearly=True)
    assert yearly.code == "red_review" and "2024" in yearly.reason and "年度报告" in yearly.reason


def test_a_lower_score_band_removes_a_red_entry_at_the_yearly_review_not_the_daily_scan():
    today = D(2024, 9, 1)
    entry, facts = _red_entry_and_reports((2022, 2023))
    lowered = subject(*facts, scoring=True, score_grade="B")
    assert removals.removal_red_review(entry, lowered, today) is None
    yearly = removals.removal_red_review(entry, lowered, today, yearly=True)
    assert yearly.code == "red_review" and "信用评分" in yearly.reason
    top = subject(*facts, scoring=True, score_grade="A")
    assert removals.removal_red_review(entry, top, today, yearly=True) is None


def test_a_penalty_on_the_directory_is_not_repaired_before_its_six_months():
    warned = warning(D(2024, 1, 10))
    missing = F("annual_report", "annual_report", D(2023, 7, 1), report_year=2022,
                report_status="missing")
    filed = F("annual_report", "annual_report", D(2024, 2, 1), report_year=2022,
              report_status="late")
    entry = E("abnormal", fact_ids=[warned.id, missing.id], decided_on=D(2024, 1, 15),
              clock_start=D(2024, 1, 15), needs_rectification=True)
    check = removals.repair_check(entry, subject(warned, missing, filed), D(2024, 3, 1))
    assert check.outstanding == [] and check.earliest == D(2024, 7, 16)
