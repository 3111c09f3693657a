"""``flask credit train|score|promote`` as ``make run`` uses them."""

from __future__ import annotations

import pytest

from core.extensions import db
from credit.scoring import registry, sources
from credit.scoring.models import ModelStatus
from tests.credit.scoring.conftest import HISTORY_END, install


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_train_then_score_from_the_command_line(runner, app, make, monkeypatch, tables):
    monkeypatch.setattr(sources, "load_tables", lambda until=None: tables)
    trained = runner.invoke(args=["credit", "train", "--date", HISTORY_END.isoformat()])
    assert trained.exit_code == 0, trained.output
    assert "active; held-out AUC 0." in trained.output
    again = runner.invoke(args=["credit", "train", "--if-none"])
    assert again.exit_code == 0 and "already active" in again.output
    monkeypatch.undo()
    make.org("social_group")
    db.session.commit()
    scored = runner.invoke(args=["credit", "score"])
    assert scored.exit_code == 0, scored.output
    assert "scored 1 subjects" in scored.output


def test_score_without_a_model_fails_with_a_message(runner):
    result = runner.invoke(args=["credit", "score"])
    assert result.exit_code == 1 and "还没有启用的评分模型" in result.output


def test_promote_from_the_command_line(runner, app, fitted, active_model):
    candidate = install(fitted, version="20260102.1", status=ModelStatus.CANDIDATE)
    db.session.commit()
    result = runner.invoke(args=["credit", "promote", candidate.version, "--reason", "复核"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert registry.active_model().version == candidate.version
    bad = runner.invoke(args=["credit", "promote", "nope", "--reason", "x"])
    assert bad.exit_code == 1
