"""Drift of the active model: each scoring run keeps the PSI of the scores and the CSI of the
inputs; the regulators' home page shows the level in words (watch from 0.10, alarm from
0.25) and the inputs that moved, by their labels; other roles do not see the panel."""

from __future__ import annotations

import pytest

from core.extensions import db
from credit.scoring import drift, subject_scores
from credit.scoring.features import BY_NAME, NAMES


def test_levels_follow_the_policy_thresholds(app):
    assert [drift.level(v) for v in (None, 0.0, 0.0999, 0.10, 0.2499, 0.25, 3.0)] == [
        None, "stable", "stable", "watch", "watch", "alarm", "alarm"]
    app.config["POLICY_SCORE_PSI_WATCH"] = 0.05
    assert drift.level(0.06) == "watch"


@pytest.fixture
def drifted(app, writing, make, active_model):
    """Six young, clean subjects scored today: nothing like the training population."""
    for _ in range(6):
        make.org("social_group")
    result = subject_scores.score_subjects(None)
    db.session.commit()
    return result


def test_each_scoring_run_keeps_its_drift(drifted, active_model):
    run = drift.latest_run(active_model)
    assert run.scored == drifted["scored"] == 6 and run.score_psi == drifted["score_psi"]
    assert run.score_psi >= 0.25  # six identical newcomers against a five-year population
    assert [r["feature"] for r in run.input_csi][:1] and len(run.input_csi) == len(NAMES)
    assert run.input_csi == sorted(run.input_csi, key=lambda r: -r["csi"])
    subject_scores.score_subjects(None)  # the same day again: the same row, not a second one
    db.session.commit()
    assert drift.latest_run(active_model).id == run.id


def test_drift_alarm_is_shown_on_the_regulators_home_page_in_words(client, login_as, drifted,
                                                                   active_model):
    login_as("regulator")
    html = client.get("/").get_data(as_text=True)
    panel = html.split('id="panel-score-drift"')[1].split("</section>")[0]
    assert "明显漂移" in panel and "分数分布已明显偏离训练样本" in panel
    top = drift.latest_run(active_model).input_csi[0]["feature"]
    assert "变化最大的输入" in panel and BY_NAME[top].label_zh in panel
    for code in (top, "alarm", "csi", active_model.version):  # words, not codes
        assert code not in panel


def test_other_roles_do_not_see_the_drift_panel(client, login_as, drifted):
    login_as("org_staff")
    assert "信用评分稳定性" not in client.get("/").get_data(as_text=True)


def test_regulator_home_page_before_any_scoring(client, login_as, active_model):
    login_as("regulator")
    html = client.get("/").get_data(as_text=True)
    assert "信用评分稳定性" in html and "还没有给任何主体评分" in html
