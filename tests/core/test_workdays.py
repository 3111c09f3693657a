"""Working days (core.workdays): weekends, holidays and make-up working days."""

from datetime import date

from core import workdays


def test_working_days_skip_weekends_and_holidays_but_count_makeup_days(app):
    friday = date(2026, 9, 25)
    assert workdays.add_working_days(friday, 1) == date(2026, 9, 28)  # over the weekend
    workdays.set_day(date(2026, 10, 1), "国庆节", False)
    workdays.set_day(date(2026, 10, 2), "国庆节", False)
    workdays.set_day(date(2026, 9, 27), "国庆调休", True)  # a Sunday made a working day
    assert workdays.add_working_days(friday, 1) == date(2026, 9, 27)
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 5)
    assert workdays.working_days_between(date(2026, 9, 25), date(2026, 10, 5)) == 5

