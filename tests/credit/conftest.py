"""Credit fixtures: an app context without a database for the pure rules; subjects and users."""

from __future__ import annotations

import pytest

from core.app import create_app
from tests.conftest import BASE_CONFIG


@pytest.fixture(scope="session")
def rules_app():
    """An app context (policy numbers, no tables) for the pure rule functions."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        yield app


@pytest.fixture
def regulator(make):
    """A regulator user."""
    return make.user("regulator")


@pytest.fixture
def society(make):
    """A social organization (社会团体) that is a credit subject."""
    return make.org("social_group")


@pytest.fixture
def home(make):
    """An eldercare institution (养老机构)."""
    return make.org("eldercare")
