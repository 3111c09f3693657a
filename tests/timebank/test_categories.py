"""Service categories are the bureau's catalogue: renaming keeps the name earlier sessions were
recorded under; retiring hides a category from new sessions only."""

from datetime import timedelta

import pytest

from core import catalogues
from core.errors import ValidationFailed
from tests.helpers import form_post
from timebank.sessions import log_session
from timebank.vocabulary import CATEGORY_CATALOGUE


def test_rename_on_the_admin_page_keeps_history(tb, client, login_as, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    volunteer = tb.volunteer()
    before = tb.session(volunteer)
    assert before.category_label == "助餐"
    frozen_clock.local(2026, 6, 12, 9, 0)
    login_as("admin")
    page = form_post(client, f"/admin/catalogues/{CATEGORY_CATALOGUE}/save",
                     {"code": "meal", "label": "老年助餐（含送餐）", "effective_from": "2026-06-12"},
                     page=f"/admin/catalogues/{CATEGORY_CATALOGUE}", follow_redirects=True)
    assert "第 1 版" in page.get_data(as_text=True)
    after = tb.session(volunteer, hours_ago=2)
    assert after.category_label == "老年助餐（含送餐）"
    assert before.category_label == "助餐"  # recorded under the old name, shown so
    assert catalogues.version(CATEGORY_CATALOGUE) == 1


def test_retired_category_refuses_new_sessions_but_old_ones_keep_it(tb, api_as, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    volunteer = tb.volunteer()
    old = tb.session(volunteer, category="bathing")
    catalogues.retire(None, CATEGORY_CATALOGUE, "bathing")
    assert "bathing" not in {i.code for i in catalogues.all_items(CATEGORY_CATALOGUE)}
    with pytest.raises(ValidationFailed):
        log_session(volunteer, tb.data(volunteer.person, category="bathing", hours_ago=3))
    assert old.category_label == "助浴"
    api = api_as(user=volunteer)
    data = tb.data(volunteer.person, category="bathing", hours_ago=5)
    response = api.post("/api/v1/timebank/sessions", json={
        **{k: v for k, v in data.items() if k not in ("start", "end")},
        "start": data["start"].isoformat(), "end": data["end"].isoformat()})
    assert response.status_code == 422 and "category" in response.get_json()["errors"]


def test_a_change_dated_tomorrow_is_not_in_force_today(tb, frozen_clock):
    frozen_clock.local(2026, 6, 10, 15, 0)
    today = frozen_clock.local(2026, 6, 10, 15, 0).date()
    catalogues.save(None, CATEGORY_CATALOGUE, "meal", "明日助餐", {}, today + timedelta(days=1))
    assert catalogues.label(CATEGORY_CATALOGUE, "meal") == "助餐"
    assert catalogues.label(CATEGORY_CATALOGUE, "meal", today + timedelta(days=1)) == "明日助餐"
    with pytest.raises(ValidationFailed):  # the past cannot be rewritten
        catalogues.save(None, CATEGORY_CATALOGUE, "meal", "昨日助餐", {}, today - timedelta(days=1))
