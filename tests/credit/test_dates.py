"""Periods as the Civil Code counts them (credit.dates)."""

from datetime import date

D = date


def test_months_are_calendar_months_clamped_to_the_month_end():
    from credit.dates import add_months, period_complete_on, period_last_day

    assert add_months(D(2024, 1, 15), 6) == D(2024, 7, 15)
    assert add_months(D(2023, 8, 31), 6) == D(2024, 2, 29)
    assert add_months(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert period_last_day(D(2024, 1, 15), months=6) == D(2024, 7, 15)
    assert period_complete_on(D(2024, 1, 15), months=6) == D(2024, 7, 16)

