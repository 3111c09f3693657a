"""Scoring real subjects: stored score, grade, tier and version; the explanation adds up and
reads in plain words; the review queue; the core.scores provider; nothing is ever listed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core import clock, scores
from core.errors import Conflict
from core.extensions import db
from credit.lists import scan
from credit.models import ListEntry
from credit.scoring import explain, grades, jobs, subject_scores
from credit.scoring.models import IntegrityScore
from tests.credit.factories import record


def _late_reports(org, today):
    for year, back in ((today.year - 2, 400), (today.year - 3, 800)):
        record(org, "annual_report", "annual_report", today - timedelta(days=back),
               report_year=year, report_status="late")


def _troubled(org, today):
    for back in (30, 90, 200):
        record(org, "penalty", "warning", today - timedelta(days=back))
    record(org, "penalty", "fine", today - timedelta(days=60), amount_yuan=20000)
    for back in (40, 120, 300):
        record(org, "complaint", "complaint", today - timedelta(days=back), substantiated=True)
    record(org, "inspection", "inspection", today - timedelta(days=150), result="fail",
           rectify_deadline=today - timedelta(days=100))


@pytest.fixture
def subjects(app, writing, make, active_model):
    today = clock.today()
    clean, late, troubled = (make.org("social_group") for _ in range(3))
    _late_reports(late, today)
    _troubled(troubled, today)
    make.org("company")  # not a credit subject: never scored
    db.session.commit()
    return {"clean": clean, "late": late, "troubled": troubled}


def _row(org) -> IntegrityScore:
    return subject_scores.latest_rows([org.id])[org.id]


def test_every_subject_gets_score_grade_tier_and_model_version(subjects, active_model):
    result = subject_scores.score_subjects(None)
    db.session.commit()
    assert result["scored"] == 3 and result["model_version"] == active_model.version
    cuts = active_model.document["grades"]["cutoffs"]
    for org in subjects.values():
        row = _row(org)
        assert 300 <= row.score <= 900 and row.model_version == active_model.version
        assert row.grade == grades.grade_of(row.score, cuts)
        assert row.tier == {"A": "green", "B": "blue", "C": "yellow", "D": "red"}[row.grade]
    assert _row(subjects["clean"]).score > _row(subjects["late"]).score \
        > _row(subjects["troubled"]).score
    assert (_row(subjects["clean"]).grade, _row(subjects["troubled"]).grade) == ("A", "D")


def test_explanation_adds_up_exactly_to_the_score(subjects):
    subject_scores.score_subjects(None)
    for org in subjects.values():
        expl = _row(org).explanation
        assert expl["base"] + sum(expl["points"].values()) == expl["total"]
        assert _row(org).score == int(expl["total"] + 0.5)


def test_explanation_of_a_known_subject_in_plain_chinese_and_english(subjects):
    subject_scores.score_subjects(None)
    row = _row(subjects["late"])
    assert explain.breakdown(row, "zh_CN")["reasons"][0] == "近 3 年逾期报送年度报告 2 次"
    assert explain.breakdown(row, "en")["reasons"][0] == \
        "2 late annual report(s) in the last 3 years"
    assert explain.breakdown(_row(subjects["clean"]), "zh_CN")["reasons"] == []
    troubled = explain.breakdown(_row(subjects["troubled"]), "zh_CN")
    assert len(troubled["reasons"]) == 3
    assert "近 3 年属实投诉 3 次" in troubled["reasons"]


def test_rescoring_the_same_day_replaces_instead_of_duplicating(subjects):
    subject_scores.score_subjects(None)
    before = _row(subjects["clean"]).score
    record(subjects["clean"], "penalty", "warning", clock.today())
    subject_scores.score_subjects(None)
    db.session.commit()
    rows = db.session.execute(sa.select(IntegrityScore).where(
        IntegrityScore.org_id == subjects["clean"].id)).scalars().all()
    assert len(rows) == 1 and rows[0].score < before


def test_review_queue_holds_the_lowest_band_only(subjects):
    subject_scores.score_subjects(None)
    queued = [r.org_id for r in db.session.execute(subject_scores.review_queue()).scalars()]
    assert queued == [subjects["troubled"].id]


def test_scores_reach_inspections_and_the_red_list_through_core(subjects):
    subject_scores.score_subjects(None)
    assert scores.risk_tier(subjects["troubled"].id) == "red"
    assert scores.risk_tier(subjects["clean"].id) == "green"
    assert scores.risk_tier(10**6) == "blue"  # no score yet: the default tier
    view = scores.latest_score(subjects["clean"].id)
    assert isinstance(view.score, int) and view.grade == "A"
    subject = scan.subject_view(subjects["clean"].id, clock.today())
    assert subject.scoring_available and subject.score_grade == "A"


def test_a_score_never_puts_anyone_on_a_list(subjects):
    subject_scores.score_subjects(None)
    scan.run_scan(None, clock.today())
    grounds = db.session.execute(sa.select(ListEntry).where(
        ListEntry.org_id == subjects["troubled"].id)).scalars().all()
    assert all("score" not in e.rule_code and "评分" not in e.reason for e in grounds)


def test_scoring_without_an_active_model_is_refused_and_the_job_skips(app, writing):
    with pytest.raises(Conflict):
        subject_scores.score_subjects(None)
    assert jobs.score_nightly_job() == {"skipped": "no active model"}


def test_nightly_job_scores_everyone(subjects, active_model):
    counts = jobs.score_nightly_job()
    assert counts["scored"] == 3 and counts["model_version"] == active_model.version
    assert counts["grade_A"] >= 1


def test_eldercare_complaints_are_explained_per_hundred_beds(app, writing, make, active_model):
    home = make.org("eldercare", beds=50)
    for back in (20, 60, 90):
        record(home, "complaint", "complaint", clock.today() - timedelta(days=back),
               substantiated=True)
    subject_scores.score_subjects(None)
    reasons = explain.breakdown(_row(home), "zh_CN")["reasons"]
    assert "近 3 年每百张床位属实投诉 6 次" in reasons
