"""Working days: weekends and public holidays are not working days; 调休 make-up days are.

Deadlines of due process (objection windows, 5 working days to enter a fact or to remove a
repaired entry) count working days. Each year's State Council schedule is imported whole
(CSV, ``import_csv``; the years we can cite ship in ``core/data/holidays``), and a year counts
as known only once imported: ``require_years`` refuses to compute a window in an unknown year,
and the regulators' home page warns when next year is missing.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from core import audit, clock
from core.config import policy
from core.db import UTCDateTime
from core.errors import Conflict, ValidationFailed
from core.extensions import db

SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "holidays"


class CalendarDay(db.Model):
    """An exception to the Monday–Friday rule: a holiday, or a weekend make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    is_working_day: Mapped[bool] = mapped_column(default=False)


class CalendarYear(db.Model):
    """A year whose holiday schedule has been imported, with the notice it comes from."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(300))
    days: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))


def _exceptions(start: date, end: date) -> dict[date, bool]:
    rows = db.session.execute(
        sa.select(CalendarDay.day, CalendarDay.is_working_day)
        .where(CalendarDay.day.between(start, end))
    ).all()
    return {row.day: row.is_working_day for row in rows}


def is_working_day(day: date, exceptions: dict[date, bool] | None = None) -> bool:
    exceptions = _exceptions(day, day) if exceptions is None else exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    horizon = start + timedelta(days=days * 3 + 30)  # generous: covers the longest holidays
    exceptions = _exceptions(start, horizon)
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if current > horizon:
            horizon = current + timedelta(days=60)
            exceptions.update(_exceptions(current, horizon))
        if is_working_day(current, exceptions):
            counted += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    if end <= start:
        return 0
    exceptions = _exceptions(start, end)
    return sum(
        1 for n in range(1, (end - start).days + 1)
        if is_working_day(start + timedelta(days=n), exceptions)
    )


def calendar_days() -> list[CalendarDay]:
    """The admin-edited exceptions (holidays and make-up working days), latest first."""
    return list(db.session.execute(sa.select(CalendarDay).order_by(CalendarDay.day.desc()))
                .scalars())


def set_day(day: date, name: str, is_working: bool) -> CalendarDay:
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.name, row.is_working_day = name, is_working
    db.session.add(row)
    db.session.flush()
    return row


def remove_day(day: date) -> None:
    row = db.session.get(CalendarDay, day)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


# --- years: import, check, warn ------------------------------------------------------------

KINDS = {"holiday": False, "放假": False, "workday": True, "上班": True, "调休上班": True}


def parse_csv(text: str) -> tuple[int, str, list[tuple[date, str, bool]]]:
    """Read one year's schedule: ``date,name,kind`` rows (kind holiday/workday or 放假/上班),
    "#" lines are comments and "# source: …" names the notice. Every problem is reported."""
    source, rows, errors = "", [], []
    lines, origin = [], []  # origin: each kept line's number in the file, for messages
    for number, line in enumerate((text or "").lstrip("\ufeff").splitlines(), start=1):
        if line.startswith("#"):
            if line[1:].strip().lower().startswith("source:"):
                source = line[1:].strip()[7:].strip()
            continue
        lines.append(line)
        origin.append(number)
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if not {"date", "name", "kind"} <= set(reader.fieldnames or []):
        raise ValidationFailed("calendar.bad_header", _l("CSV 需要表头 date,name,kind。"),
                               errors={"file": [str(_l("CSV 需要表头 date,name,kind。"))]})
    for row in reader:
        number = origin[reader.line_num - 1]
        try:
            day = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            errors.append(str(_l("第 %(n)s 行：日期无效。", n=number)))
            continue
        kind = (row["kind"] or "").strip().lower()
        name = (row["name"] or "").strip()[:50]
        if kind not in KINDS or not name:
            errors.append(str(_l("第 %(n)s 行：类型须为 holiday 或 workday，名称必填。", n=number)))
            continue
        if KINDS[kind] and day.weekday() < 5:
            errors.append(str(_l("第 %(n)s 行：调休上班日应为周末。", n=number)))
            continue
        rows.append((day, name, KINDS[kind]))
    years = {day.year for day, _, _ in rows}
    if not errors and len(years) != 1:
        errors.append(str(_l("一个文件只能包含一个年度的安排。")))
    if len({day for day, _, _ in rows}) != len(rows):
        errors.append(str(_l("同一日期出现多次。")))
    if errors:
        raise ValidationFailed("calendar.bad_csv", _l("节假日文件有误，未导入。"),
                               errors={"file": errors})
    return years.pop(), source, rows


def import_csv(actor, text: str, source: str | None = None) -> CalendarYear:
    """Replace one year's holidays and make-up days with the schedule in ``text``; the year
    counts as known from now on. All or nothing."""
    year, file_source, rows = parse_csv(text)
    source = (source or file_source or "").strip()
    if not source:
        raise ValidationFailed("calendar.source_required", _l("请注明安排的来源（通知名称、文号）。"),
                               errors={"source": [str(_l("必填。"))]})
    db.session.execute(sa.delete(CalendarDay).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    db.session.add_all([CalendarDay(day=d, name=n, is_working_day=w) for d, n, w in rows])
    entry = db.session.get(CalendarYear, year) or CalendarYear(year=year)
    entry.source, entry.days = source[:300], len(rows)
    entry.imported_at, entry.imported_by_id = clock.now(), getattr(actor, "id", None)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "calendar.import", "calendar_year", year,
                 after={"source": entry.source, "days": len(rows)})
    return entry


def shipped_years() -> list[int]:
    return sorted(int(p.stem) for p in SHIPPED_DIR.glob("*.csv"))


def load_shipped(actor=None) -> list[int]:
    """Import the shipped State Council schedules for the years not imported yet."""
    done = known_years()
    loaded = []
    for year in shipped_years():
        if year not in done:
            import_csv(actor, (SHIPPED_DIR / f"{year}.csv").read_text(encoding="utf-8"))
            loaded.append(year)
    return loaded


def known_years() -> set[int]:
    return set(db.session.execute(sa.select(CalendarYear.year)).scalars())


def missing_years(start: date, end: date) -> list[int]:
    return sorted(set(range(start.year, end.year + 1)) - known_years())


class CalendarYearMissing(Conflict):
    """A window would be counted in a year whose State Council schedule is not imported."""


def require_years(start: date, end: date) -> None:
    """Refuse to count working days in a year whose holiday schedule is not imported."""
    if missing := missing_years(start, end):
        raise CalendarYearMissing(
            "calendar.year_missing", _l("尚未导入 %(y)s 年的节假日安排，无法计算工作日期限。"
                                        "请管理员在“节假日”页面导入。"),
            y="、".join(str(y) for y in missing))


def calendar_warning(today: date | None = None) -> list[int]:
    """Years the regulators should import now: this year if missing, and next year once the
    State Council usually publishes it (``calendar_next_year_warning_from``, MM-DD)."""
    today = today or clock.today()
    month, day = (int(x) for x in policy("calendar_next_year_warning_from").split("-"))
    horizon = today.year + 1 if (today.month, today.day) >= (month, day) else today.year
    return missing_years(today, date(horizon, 1, 1))


calendar_cli = AppGroup("calendar", help="The holiday calendar (State Council schedules).")


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", default=None, help="the notice's title and number")
def import_command(path, source):
    """Import one year's schedule from a CSV file (date,name,kind)."""
    from core.errors import DomainError

    try:
        entry = import_csv(None, Path(path).read_text(encoding="utf-8-sig"), source)
    except DomainError as error:
        raise click.ClickException(f"{error.text} {error.errors}") from error
    db.session.commit()
    click.echo(f"{entry.year}: {entry.days} days from {entry.source}")


@calendar_cli.command("load-shipped")
def load_shipped_command():
    """Import the shipped State Council schedules for years not imported yet."""
    loaded = load_shipped()
    db.session.commit()
    click.echo(f"imported: {loaded or 'nothing (all shipped years present)'}")
