"""The published lists for download (credit.lists.exports): published entries only, the
published columns only, CSV that Excel opens."""

from __future__ import annotations

from datetime import date

import pytest

from core.errors import NotFound
from core.extensions import db
from credit.lists import entries, exports, scan
from tests.credit.factories import notified, record

D = date


def test_only_published_entries_are_exported_with_no_personal_data(app, society, regulator):
    record(society, "penalty", "warning", D(2024, 3, 1))
    (entry,) = scan.run_scan(None, D(2024, 3, 1), ("abnormal",))
    assert db.session.scalars(exports.published_query("abnormal")).all() == []
    notified(regulator, entry, D(2024, 3, 1))
    entries.publish(regulator, entry, "常民决〔2024〕1号", D(2024, 3, 20))
    rows = db.session.scalars(exports.published_query("abnormal")).all()
    assert rows == [entry]
    body = exports.to_csv(rows)
    assert body.startswith("\ufeff".encode()) and society.uscc.encode() in body
    assert society.legal_representative.encode() in body


def test_an_unknown_list_is_not_found(app):
    with pytest.raises(NotFound):
        exports.check_list_type("blue")
