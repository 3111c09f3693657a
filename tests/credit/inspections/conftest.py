"""Inspection fixtures: a small directory of subjects and inspectors with staff numbers."""

from __future__ import annotations

import pytest

from credit.inspections import directories


@pytest.fixture
def directory(make, regulator):
    """Twelve subjects and four inspectors (staff numbers CZ-0001…), the directory filled."""

    def _build(subjects: int = 12, inspectors: int = 4):
        orgs = [make.org() for _ in range(subjects)]
        people = [make.user("regulator", username=f"insp{n}") for n in range(inspectors)]
        for n, user in enumerate(people, start=1):
            directories.add_inspector(regulator, user, f"CZ-{n:04d}")
        directories.fill_directory(regulator)
        return orgs, people

    return _build
