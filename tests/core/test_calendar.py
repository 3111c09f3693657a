"""The holiday calendar: State Council schedules imported whole (CSV), shipped years, the
check that a year is known before a window is computed in it, and the regulators' warning."""

import io
from datetime import date

import pytest

from core import workdays
from core.errors import ValidationFailed
from core.extensions import db
from tests.helpers import form_post

CSV_2027 = """# source: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
date,name,kind
2027-01-01,元旦,holiday
2027-02-06,春节,holiday
2027-02-07,春节调休上班,workday
"""


def test_window_across_national_day_and_its_make_up_saturday(app, writing, client, login_as):
    """From an uploaded schedule: 2026-10-01..07 off, Saturday 10-10 worked (国务院办公厅
    2025年11月4日通知). Ten working days from Monday 28 September end on 16 October."""
    login_as("admin")
    text = (workdays.SHIPPED_DIR / "2026.csv").read_bytes()
    response = form_post(client, "/admin/holidays/import",
                         {"file": (io.BytesIO(text), "2026.csv")}, page="/admin/holidays",
                         content_type="multipart/form-data", follow_redirects=True)
    assert "已导入 2026 年的节假日安排" in response.get_data(as_text=True)
    assert workdays.add_working_days(date(2026, 9, 28), 10) == date(2026, 10, 16)
    assert workdays.is_working_day(date(2026, 10, 10)) and not workdays.is_working_day(
        date(2026, 10, 8 - 1))
    assert workdays.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_shipped_years_carry_their_source_and_load_once(app, writing):
    assert workdays.load_shipped() == [2021, 2022, 2023, 2024, 2025, 2026]
    assert workdays.load_shipped() == []
    year = db.session.get(workdays.CalendarYear, 2025)
    assert "国办发明电〔2024〕12号" in year.source
    assert not workdays.is_working_day(date(2025, 10, 8))  # 国庆中秋 8 days
    assert workdays.is_working_day(date(2025, 9, 28))  # a Sunday worked
    assert workdays.is_working_day(date(2024, 2, 18))
    assert not workdays.is_working_day(date(2023, 10, 6))  # 2023: 中秋国庆 29 Sept - 6 Oct
    assert workdays.is_working_day(date(2023, 10, 7))  # a Saturday worked


def test_a_bad_file_imports_nothing_and_says_why(app, writing):
    workdays.import_csv(None, CSV_2027)
    bad = CSV_2027.replace("2027-02-07,春节调休上班,workday", "2027-02-08,春节调休上班,workday") \
        + "2027-13-01,错日,holiday\n"
    with pytest.raises(ValidationFailed) as error:
        workdays.import_csv(None, bad)
    problems = " ".join(error.value.errors["file"])
    assert "第 5 行" in problems and "第 6 行" in problems
    assert workdays.is_working_day(date(2027, 2, 7))  # the earlier import stands
    with pytest.raises(ValidationFailed):
        workdays.import_csv(None, CSV_2027.replace("# source:", "#"))  # no source given
    with pytest.raises(ValidationFailed):
        workdays.import_csv(None, CSV_2027 + "2028-01-01,元旦,holiday\n")  # two years


def test_windows_are_refused_in_a_year_not_imported(app, writing):
    workdays.load_shipped()
    workdays.require_years(date(2026, 12, 1), date(2026, 12, 30))
    with pytest.raises(workdays.CalendarYearMissing) as error:
        workdays.require_years(date(2026, 12, 20), date(2027, 1, 10))
    assert "2027" in error.value.text
    workdays.import_csv(None, CSV_2027)
    workdays.require_years(date(2026, 12, 20), date(2027, 1, 10))


@pytest.mark.parametrize("day, warned", [((2026, 10, 31), False), ((2026, 11, 1), True),
                                         ((2026, 12, 31), True)])
def test_regulator_home_warns_when_next_year_is_missing(app, writing, client, login_as,
                                                       frozen_clock, day, warned):
    workdays.load_shipped()
    frozen_clock.local(*day, 10, 0)
    login_as("regulator")
    assert ("尚未导入 2027 年" in client.get("/").get_data(as_text=True)) is warned
    workdays.import_csv(None, CSV_2027)
    assert "尚未导入" not in client.get("/").get_data(as_text=True)
