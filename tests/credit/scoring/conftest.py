"""Scoring fixtures: the app with credit.scoring wired, a model fitted once per worker on a
synthetic history, and helpers to install it and to record facts for real subjects."""

from __future__ import annotations

from datetime import date

import pytest

import credit.scoring.models  # noqa: F401  (the schema built per worker must hold our tables)
from core.extensions import db
from credit.scoring.dataset import build_dataset
from credit.scoring.fitting import Fitted, Options, fit
from credit.scoring.matrix import FactTables
from credit.scoring.models import ModelStatus, ScoreModel
from tests.credit.scoring.synth import make_history

HISTORY_END = date(2026, 6, 1)


@pytest.fixture
def app(app):
    """The test app, with ``credit.scoring.register.init_app`` applied if credit's register
    does not call it yet (calling it twice is harmless)."""
    if "credit_scoring" not in app.blueprints:
        from credit.scoring.register import init_app

        init_app(app)
    return app


@pytest.fixture(scope="session")
def history():
    """A synthetic five-year history of 300 subjects (plain rows)."""
    return make_history(300, today=HISTORY_END)


@pytest.fixture(scope="session")
def tables(history) -> FactTables:
    return FactTables.from_rows(history.orgs, history.facts, history.entries)


@pytest.fixture(scope="session")
def dataset(tables):
    return build_dataset(tables, HISTORY_END, 50000)


@pytest.fixture(scope="session")
def fitted(dataset) -> Fitted:
    """A model fitted on the synthetic history with the policy defaults (once per worker)."""
    return fit(dataset, Options())


def install(fitted: Fitted, version: str = "20260101.1", status: str = ModelStatus.ACTIVE,
            auc: float | None = None) -> ScoreModel:
    """Store ``fitted`` as a model version (active by default); flushes."""
    document = {**fitted.document, "version": version,
                "promotion": {"active_version": None, "passes": True}}
    model = ScoreModel(version=version, status=status, document=document,
                       auc=auc if auc is not None else fitted.document["metrics"]["test"]["auc"])
    db.session.add(model)
    db.session.flush()
    return model


@pytest.fixture
def active_model(app, fitted) -> ScoreModel:
    """The synthetic model, stored as the active version."""
    model = install(fitted)
    db.session.commit()
    return model
