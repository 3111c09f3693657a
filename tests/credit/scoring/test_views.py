"""Score pages: the public model card with an admin-only promote button, a subject's score
history (its own staff, regulators), the review queue, and the profile partial."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template_string
from flask_login import login_user

from core import clock
from core.extensions import db
from credit.scoring import registry, subject_scores
from credit.scoring.models import ModelStatus
from tests.credit.factories import record
from tests.credit.scoring.conftest import install
from tests.helpers import form_post

CARD = "/credit/score/model"
PARTIAL = '{% with org = org %}{% include "scoring/_profile_score.html" %}{% endwith %}'


@pytest.fixture
def scored(app, writing, make, active_model):
    """A subject with two late annual reports and another one, both scored."""
    today = clock.today()
    late, other = make.org("social_group"), make.org("eldercare")
    for year, back in ((today.year - 2, 400), (today.year - 3, 800)):
        record(late, "annual_report", "annual_report", today - timedelta(days=back),
               report_year=year, report_status="late")
    subject_scores.score_subjects(None)
    db.session.commit()
    return late, other


def test_model_card_page_is_public_without_inline_styles(client, active_model):
    page = client.get("/credit/score/model")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert active_model.version in html and "AUC" in html and "逾期报送年报（近 3 年）" in html
    assert "HistGradientBoosting" not in html or "梯度提升树" in html
    assert 'style="' not in html and "<script>" not in html
    assert "启用此版本" not in html


def test_model_card_page_without_a_model(client):
    assert "还没有启用的评分模型" in client.get("/credit/score/model").get_data(as_text=True)


def test_admin_promotes_a_candidate_from_the_model_card(client, login_as, app, fitted,
                                                       active_model):
    candidate = install(fitted, version="20260102.1", status=ModelStatus.CANDIDATE)
    db.session.commit()
    login_as("admin")
    assert "启用此版本" in client.get("/credit/score/model").get_data(as_text=True)
    url = f"/credit/score/model/{candidate.version}/promote"
    refused = form_post(client, url, {"reason": " ", "_idem": "p-0"}, page=CARD)
    assert refused.status_code == 302
    assert registry.active_model().version == active_model.version
    done = form_post(client, url, {"reason": "复核通过", "_idem": "p-1"}, page=CARD,
                     follow_redirects=True)
    assert done.status_code == 200 and "已启用" in done.get_data(as_text=True)
    assert registry.active_model().version == candidate.version


def test_promoting_is_refused_to_regulators(client, login_as, active_model):
    login_as("regulator")
    response = form_post(client, f"/credit/score/model/{active_model.version}/promote",
                         {"reason": "x"}, page=CARD)
    assert response.status_code == 403


def test_history_page_for_own_staff_and_regulators_only(client, login_as, make, scored):
    late, other = scored
    login_as("org_staff", org=late)
    page = client.get(f"/credit/score/subjects/{late.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "近 3 年逾期报送年度报告 2 次" in html and "<svg" in html and 'style="' not in html
    assert client.get(f"/credit/score/subjects/{other.id}").status_code == 403
    login_as("regulator")
    assert client.get(f"/credit/score/subjects/{other.id}").status_code == 200


def test_history_page_in_english(client, login_as, scored):
    login_as("regulator")
    client.set_cookie("lang", "en")
    html = client.get(f"/credit/score/subjects/{scored[0].id}").get_data(as_text=True)
    assert "2 late annual report(s) in the last 3 years" in html


def test_review_queue_page_is_for_regulators(client, login_as, scored):
    login_as("regulator")
    assert client.get("/credit/score/review").status_code == 200
    login_as("org_staff")
    assert client.get("/credit/score/review").status_code == 403


def test_profile_partial_shows_score_and_reasons_to_those_allowed(app, make, scored):
    late, _other = scored
    regulator, outsider = make.user("regulator"), make.user("org_staff")
    db.session.commit()
    with app.test_request_context("/"):
        login_user(regulator)
        html = render_template_string(PARTIAL, org=late)
        assert "近 3 年逾期报送年度报告 2 次" in html and "分数构成" in html
        assert 'style="' not in html
    with app.test_request_context("/"):
        login_user(outsider)
        html = render_template_string(PARTIAL, org=late)
        assert "仅向监管部门和本组织公开" in html and "逾期" not in html


def test_regulators_see_subjects_by_tier_with_a_chart_and_staff_do_not(client, login_as, scored):
    late, _other = scored
    counts = subject_scores.tier_counts()
    assert sum(counts.values()) == 2 and list(counts) == ["green", "blue", "yellow", "red"]
    tier_of_late = subject_scores.latest_rows([late.id])[late.id].tier
    login_as("regulator")
    page = client.get(f"/credit/score/tiers?tier={tier_of_late}").get_data(as_text=True)
    assert late.name in page and 'data-chart="' in page and "echarts.min.js" in page
    assert client.get("/credit/score/tiers?tier=purple").status_code == 200  # red by default
    login_as("org_staff", org=late)
    assert client.get("/credit/score/tiers").status_code == 403


def test_the_public_reads_how_scores_work_in_words(client, active_model):
    page = client.get("/credit/score/how").get_data(as_text=True)
    assert "信用评分怎么算" in page and "逾期报送年报（近 3 年）" in page
    assert "org_age_years" not in page and "AUC" not in page  # no codes, no model figures
    assert "信用评分说明" in client.get("/").get_data(as_text=True)
