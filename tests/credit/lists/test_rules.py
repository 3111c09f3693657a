"""Each inclusion rule of DOMAIN.md, with dates on both sides of its edges."""

from datetime import date

import pytest

from credit.lists import rules as lists
from credit.lists.rules import evaluate
from tests.credit.factories import E, F, fine, subject, warning

pytestmark = pytest.mark.usefixtures("rules_app")


D = date


def _missing(year):
    return F("annual_report", "annual_report", D(year + 1, 7, 1), report_year=year,
             report_status="missing")


def test_missing_annual_report_is_proposed_for_the_directory_citing_article_10_1():
    report = _missing(2023)
    proposal = lists.rule_abnormal_annual_report_missing(subject(report), D(2024, 7, 2))
    assert proposal.list_type == "abnormal" and proposal.fact_ids == (report.id,)
    assert "第十条第（一）项" in proposal.legal_basis
    assert proposal.needs_rectification and proposal.since == D(2024, 7, 1)


def test_a_certificate_of_no_direct_responsibility_keeps_the_subject_off_the_directory():
    report = _missing(2023)
    cert = F("certificate", "not_responsible", D(2024, 7, 5), related_fact_id=report.id)
    assert lists.rule_abnormal_annual_report_missing(subject(report, cert), D(2024, 7, 6)) is None


def test_a_ground_already_on_the_list_is_not_proposed_again():
    report = _missing(2023)
    done = E("abnormal", state="cancelled", fact_ids=[report.id])
    assert lists.rule_abnormal_annual_report_missing(subject(report, entries=[done]),
                                                     D(2024, 8, 1)) is None


def test_a_ground_freed_by_a_corrected_fact_can_be_proposed_again():
    report = _missing(2023)
    freed = E("abnormal", state="cancelled", fact_ids=[report.id],
              removal_code="objection_corrected")
    assert lists.rule_abnormal_annual_report_missing(subject(report, entries=[freed]),
                                                     D(2024, 8, 1)) is not None


def _inspection(deadline):
    return F("inspection", "inspection", D(2024, 1, 10), result="rectify",
             rectify_deadline=deadline)


def test_rectification_is_overdue_only_from_the_day_after_its_deadline():
    check = _inspection(D(2024, 3, 31))
    rule = lists.rule_abnormal_rectification_overdue
    assert rule(subject(check), D(2024, 3, 31)) is None
    proposal = rule(subject(check), D(2024, 4, 1))
    assert proposal.since == D(2024, 4, 1) and "第十条第（三）项" in proposal.legal_basis


def test_rectification_certified_on_the_deadline_day_is_on_time():
    check = _inspection(D(2024, 3, 31))
    done = F("certificate", "rectified", D(2024, 3, 31), related_fact_id=check.id)
    assert lists.rule_abnormal_rectification_overdue(subject(check, done), D(2024, 5, 1)) is None
    late = F("certificate", "rectified", D(2024, 4, 2), related_fact_id=check.id)
    assert lists.rule_abnormal_rectification_overdue(subject(check, late), D(2024, 5, 1))


def test_a_passed_inspection_never_needs_rectification():
    ok = F("inspection", "inspection", D(2024, 1, 10), result="pass",
           rectify_deadline=D(2024, 2, 1))
    assert lists.rule_abnormal_rectification_overdue(subject(ok), D(2024, 6, 1)) is None


@pytest.mark.parametrize("gap, listed", [(19, False), (20, True), (60, True), (61, False)])
def test_two_unsigned_letters_must_be_20_to_60_days_apart(gap, listed):
    first = F("contact", "letter_unsigned", D(2024, 1, 1))
    second = F("contact", "letter_unsigned", D.fromordinal(D(2024, 1, 1).toordinal() + gap))
    proposal = lists.rule_abnormal_unreachable(subject(first, second), D(2024, 6, 1))
    assert (proposal is not None) is listed
    if listed:
        assert set(proposal.fact_ids) == {first.id, second.id}


def test_a_signed_letter_between_two_unsigned_ones_breaks_the_pair():
    letters = [F("contact", "letter_unsigned", D(2024, 1, 1)),
               F("contact", "letter_signed", D(2024, 1, 15)),
               F("contact", "letter_unsigned", D(2024, 2, 1))]
    assert lists.rule_abnormal_unreachable(subject(*letters), D(2024, 6, 1)) is None


def test_fines_up_to_49999_yuan_go_to_the_directory_and_50000_to_the_serious_list():
    small, large = fine(D(2024, 2, 1), 49_999), fine(D(2024, 2, 1), 50_000)
    assert lists.rule_abnormal_minor_penalty(subject(small), D(2024, 2, 2)).fact_ids == (small.id,)
    assert lists.rule_abnormal_minor_penalty(subject(large), D(2024, 2, 2)) is None
    assert lists.rule_serious_large_fine(subject(large), D(2024, 2, 2)).fact_ids == (large.id,)
    assert lists.rule_serious_large_fine(subject(small), D(2024, 2, 2)) is None


def test_a_warning_needs_no_rectification():
    proposal = lists.rule_abnormal_minor_penalty(subject(warning(D(2024, 2, 1))), D(2024, 2, 2))
    assert proposal and not proposal.needs_rectification


@pytest.mark.parametrize("today, moved", [(D(2024, 1, 14), False), (D(2024, 1, 15), False),
                                          (D(2024, 1, 16), True)])
def test_two_years_on_the_directory_complete_the_day_after_the_last_day(today, moved):
    on_list = E("abnormal", listed_since=D(2022, 1, 15), clock_start=D(2023, 6, 1),
                needs_rectification=True, fact_ids=[7])
    proposal = lists.rule_serious_two_years_on_abnormal(subject(entries=[on_list]), today)
    assert (proposal is not None) is moved
    if moved:
        assert proposal.source_entry_ids == (on_list.id,)
        assert "第十五条第（一）项" in proposal.legal_basis


def test_the_move_is_proposed_once():
    on_list = E("abnormal", listed_since=D(2022, 1, 15))
    moved = E("serious", state="proposed", source_entry_ids=[on_list.id])
    assert lists.rule_serious_two_years_on_abnormal(
        subject(entries=[on_list, moved]), D(2024, 6, 1)) is None


@pytest.mark.parametrize("second, listed", [(D(2024, 3, 9), True), (D(2024, 3, 10), True),
                                            (D(2024, 3, 11), False)])
def test_two_warnings_within_three_years_counting_the_last_day(second, listed):
    first = warning(D(2021, 3, 10))
    proposal = lists.rule_serious_repeat_penalties(subject(first, warning(second)),
                                                   D(2024, 4, 1))
    assert (proposal is not None) is listed
    if listed:
        assert len(proposal.fact_ids) == 2 and "第十五条第（五）项" in proposal.legal_basis


def test_a_third_warning_after_listing_is_a_new_combination():
    old = [warning(D(2021, 1, 1)), warning(D(2021, 6, 1))]
    listed = E("serious", fact_ids=[f.id for f in old])
    new = warning(D(2022, 1, 1))
    proposal = lists.rule_serious_repeat_penalties(subject(*old, new, entries=[listed]),
                                                   D(2022, 2, 1))
    assert new.id in proposal.fact_ids


@pytest.mark.parametrize("rule, fact", [
    ("rule_serious_change_revoked", F("basic", "change_revoked", D(2024, 1, 1))),
    ("rule_serious_suspension", F("penalty", "suspension", D(2024, 1, 1))),
    ("rule_serious_dishonest_debtor", F("judicial", "dishonest_debtor", D(2024, 1, 1))),
    ("rule_serious_registration_revoked", F("penalty", "revocation", D(2024, 1, 1))),
    ("rule_serious_registration_revoked", F("basic", "registration_revoked", D(2024, 1, 1))),
])
def test_each_serious_ground_is_proposed_with_its_fact(rule, fact):
    proposal = getattr(lists, rule)(subject(fact), D(2024, 1, 2))
    assert proposal.list_type == "serious" and proposal.fact_ids == (fact.id,)


def test_a_court_listing_lifted_before_the_scan_is_not_proposed():
    listed = F("judicial", "dishonest_debtor", D(2024, 1, 1))
    lifted = F("judicial", "debtor_removed", D(2024, 2, 1))
    assert lists.rule_serious_dishonest_debtor(subject(listed, lifted), D(2024, 3, 1)) is None


@pytest.mark.parametrize("rule, subtype", [
    ("rule_eldercare_beyond_scope", "beyond_scope"), ("rule_eldercare_elder_rights", "elder_abuse"),
    ("rule_eldercare_fraud", "illegal_fundraising"), ("rule_eldercare_fraud", "fraud_sales"),
    ("rule_eldercare_subsidy_fraud", "subsidy_fraud"), ("rule_eldercare_obstruction", "obstruction"),
    ("rule_eldercare_reporting", "disclosure_failure"),
])
def test_each_eldercare_ground_is_proposed_citing_the_2019_measures(rule, subtype):
    fact = F("eldercare", subtype, D(2024, 5, 1))
    proposal = getattr(lists, rule)(subject(fact, social=False, eldercare=True), D(2024, 5, 2))
    assert proposal.list_type == "eldercare" and proposal.fact_ids == (fact.id,)
    assert "养老服务市场失信联合惩戒对象名单管理办法" in proposal.legal_basis


@pytest.mark.parametrize("who, listed", [("main", True), ("direct", True), ("secondary", False)])
def test_safety_accidents_count_only_with_main_or_direct_responsibility(who, listed):
    fact = F("eldercare", "safety_accident", D(2024, 5, 1), responsibility=who)
    proposal = lists.rule_eldercare_safety_accident(subject(fact, eldercare=True), D(2024, 5, 2))
    assert (proposal is not None) is listed


def test_a_fire_hazard_counts_from_the_day_after_its_deadline():
    hazard = F("eldercare", "fire_hazard", D(2024, 5, 1), rectify_deadline=D(2024, 6, 30))
    home = subject(hazard, eldercare=True)
    assert lists.rule_eldercare_fire_hazard(home, D(2024, 6, 30)) is None
    assert lists.rule_eldercare_fire_hazard(home, D(2024, 7, 1)).since == D(2024, 7, 1)


def test_the_court_listing_also_puts_an_eldercare_provider_on_its_list():
    fact = F("judicial", "dishonest_debtor", D(2024, 1, 1))
    proposal = lists.rule_eldercare_dishonest_debtor(subject(fact, eldercare=True), D(2024, 1, 2))
    assert "第六条第二款" in proposal.legal_basis


def _good(today):
    grade = F("grade", "evaluation", D(2021, 1, 1), grade=4, valid_until=D(2025, 12, 31))
    reports = [F("annual_report", "annual_report", D(y + 1, 5, 1), report_year=y,
                 report_status="on_time") for y in (today.year - 2, today.year - 1)]
    return [grade, *reports]


def test_a_clean_4a_subject_with_reports_on_time_is_proposed_for_the_red_list():
    today = D(2024, 7, 15)
    proposal = lists.rule_red_list(subject(*_good(today)), today)
    assert proposal.list_type == "red" and proposal.key_suffix == "y2024"
    assert "评分模块未接入" in proposal.reason


def test_the_red_list_reason_says_a_subject_has_no_score_yet_while_a_model_is_active():
    today = D(2024, 7, 15)
    unscored = subject(*_good(today))
    unscored.scoring_installed = True
    proposal = lists.rule_red_list(unscored, today)
    assert "该主体尚无信用评分" in proposal.reason and "评分模块未接入" not in proposal.reason
    scored = subject(*_good(today), score_grade="A", scoring=True)
    scored.scoring_installed = True
    assert "信用评分在最高档" in lists.rule_red_list(scored, today).reason


@pytest.mark.parametrize("today, eligible", [(D(2024, 5, 9), False), (D(2024, 5, 10), False),
                                             (D(2024, 5, 11), True)])
def test_a_penalty_keeps_the_red_list_closed_until_its_three_years_have_run(today, eligible):
    facts = [*_good(D(2024, 7, 15)), warning(D(2021, 5, 10))]
    # 2024-05-10 is the last day of the 3 years after the warning; 2024-05-11 is clean.
    facts = [f for f in facts if f.kind != "annual_report"] + [
        F("annual_report", "annual_report", D(y + 1, 5, 1), report_year=y, report_status="on_time")
        for y in (2021, 2022)]
    assert (lists.rule_red_list(subject(*facts), today) is not None) is eligible


def test_red_list_needs_a_valid_grade_of_4a_or_more():
    today = D(2024, 7, 15)
    facts = _good(today)
    facts[0] = F("grade", "evaluation", D(2019, 1, 1), grade=5, valid_until=D(2024, 7, 14))
    assert "评估等级" in lists.red_list_failures(subject(*facts), today)[0]
    facts[0] = F("grade", "evaluation", D(2022, 1, 1), grade=3, valid_until=D(2026, 12, 31))
    assert lists.rule_red_list(subject(*facts), today) is None


@pytest.mark.parametrize("valid_until, eligible", [(D(2024, 7, 14), False),
                                                     (D(2024, 7, 15), True)])
def test_a_grade_counts_for_the_red_list_through_its_last_valid_day(valid_until, eligible):
    """A grade valid until a day is still valid on that day (and gone the day after)."""
    today = D(2024, 7, 15)
    facts = _good(today)
    facts[0] = F("grade", "evaluation", D(2019, 7, 16), grade=4, valid_until=valid_until)
    proposal = lists.rule_red_list(subject(*facts), today)
    assert (proposal is not None) is eligible
    if eligible:
        assert "有效期至 2024-07-15" in proposal.reason
    else:
        assert "评估等级" in lists.red_list_failures(subject(*facts), today)[0]


def test_red_list_needs_the_top_score_band_when_scoring_is_present():
    today = D(2024, 7, 15)
    assert lists.rule_red_list(subject(*_good(today), scoring=True, score_grade="B"), today) is None
    assert lists.rule_red_list(subject(*_good(today), scoring=True, score_grade="A"), today)


def test_a_late_report_or_a_recent_punishment_entry_closes_the_red_list():
    today = D(2024, 7, 15)
    facts = _good(today)
    facts[-1] = F("annual_report", "annual_report", D(2024, 7, 3), report_year=2023,
                  report_status="late")
    assert lists.rule_red_list(subject(*facts), today) is None
    gone = E("abnormal", state="removed", removed_on=D(2023, 1, 1))
    assert lists.rule_red_list(subject(*_good(today), entries=[gone]), today) is None


def test_grounds_found_together_make_one_proposal_per_list():
    facts = [_missing(2023), warning(D(2024, 7, 3))]
    found = evaluate(subject(*facts), D(2024, 7, 5))
    assert [p.list_type for p in found] == ["abnormal"]
    assert "第十条第（一）项" in found[0].legal_basis and "第十条第（五）项" in found[0].legal_basis
    assert found[0].needs_rectification


def test_a_subject_on_the_serious_list_is_not_also_put_on_the_directory():
    on_serious = E("serious", fact_ids=[1])
    assert evaluate(subject(warning(D(2024, 1, 1)), entries=[on_serious]), D(2024, 1, 2)) == []


def test_lists_apply_by_kind_of_subject_and_never_to_deregistered_ones():
    fact = warning(D(2024, 1, 1))
    assert evaluate(subject(fact, social=False, eldercare=True), D(2024, 1, 2)) == []
    assert evaluate(subject(fact, status="deregistered"), D(2024, 1, 2)) == []
    revoked = F("penalty", "revocation", D(2024, 1, 1))
    assert [p.list_type for p in evaluate(subject(revoked, status="revoked"), D(2024, 1, 2))] \
        == ["serious"]



@pytest.mark.parametrize("changed, listed", [(D(2024, 3, 9), False), (D(2024, 3, 10), True),
                                             (D(2024, 3, 11), True)])
def test_a_change_of_kind_does_not_take_a_subject_out_of_the_directory_rules(changed, listed):
    """A social organization that became a company (approved on ``changed``) is judged on a
    warning of 10 March as what it was that day; on the day of the change it was both."""
    company = subject(warning(D(2024, 3, 10)), social=False)
    company.history = [(changed, (True, False), (False, False))]
    assert [p.list_type for p in evaluate(company, D(2024, 3, 20))] == \
        (["abnormal"] if listed else [])


@pytest.mark.parametrize("changed, listed", [(D(2024, 3, 9), True), (D(2024, 3, 10), True),
                                             (D(2024, 3, 11), False)])
def test_facts_from_before_a_subject_became_a_social_organization_do_not_list_it(
        changed, listed):
    society = subject(warning(D(2024, 3, 10)))
    society.history = [(changed, (False, False), (True, False))]
    assert [p.list_type for p in evaluate(society, D(2024, 3, 20))] == \
        (["abnormal"] if listed else [])
