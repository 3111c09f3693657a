"""The feature matrix: every feature of ``credit.scoring.features`` for many (subject, as-of
date) pairs at once, from plain fact rows. Pure (numpy/pandas), no Flask, no database.

Facts are loaded once into ``FactTables``; each kind of event becomes a sorted array of
``(subject, day)`` keys, so "how many warnings in the year up to date d" for thousands of
snapshots is two binary searches and a difference of cumulative sums. A fact counts from the
day it formed (``occurred_on``) and only when that day is on or before the as-of date: a
fact dated later changes no feature (no leakage). Windows are calendar windows
``(d - n years, d]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from credit.dates import add_years
from credit.scoring.features import NAMES, YEARS_SINCE_CAP

EPOCH = date(1970, 1, 1)
DAY_OFFSET = 1_000_000  # keeps (offset) day numbers positive for any plausible date
STRIDE = 4_000_000  # > every offset day number: key = subject position * STRIDE + day
YEAR_DAYS = 365.25

PUNISHMENT_LISTS = ("abnormal", "serious", "eldercare")
ELDERCARE_HAZARDS = ("beyond_scope", "elder_abuse", "illegal_fundraising", "fraud_sales",
                     "fire_hazard", "subsidy_fraud", "obstruction", "disclosure_failure")
SEVERE_PENALTIES = ("confiscation", "suspension", "revocation")
FACT_COLUMNS = ("id", "org_id", "kind", "subtype", "occurred_on", "amount_yuan", "result",
                "rectify_deadline", "grade", "valid_until", "substantiated", "report_status",
                "responsibility", "related_fact_id")


def day_number(value: date) -> int:
    return (value - EPOCH).days


def days_of(values) -> np.ndarray:
    """Day numbers (days since 1970-01-01) as float64; NaN for a missing date."""
    series = pd.to_datetime(pd.Series(list(values), dtype=object), errors="coerce")
    missing = series.isna().to_numpy()
    out = np.zeros(len(series))
    if (~missing).any():
        out[~missing] = series[~missing].to_numpy().astype("datetime64[D]").astype(np.int64)
    out[missing] = np.nan
    return out


@dataclass
class FactTables:
    """Subjects, their effective facts and their list entries, as plain columns."""

    orgs: pd.DataFrame  # index org_id: reg_day, is_eldercare, beds
    facts: pd.DataFrame  # FACT_COLUMNS + day, deadline_day, valid_day, pos
    entries: pd.DataFrame  # org_id, list_type, start_day, end_day, pos

    @classmethod
    def from_rows(cls, orgs: Iterable[dict], facts: Iterable[dict] = (),
                  entries: Iterable[dict] = ()) -> FactTables:
        """``orgs``: dicts with id, registration_date, is_eldercare, beds. ``facts``: dicts
        with the FACT_COLUMNS (missing keys are None). ``entries``: dicts with org_id,
        list_type, published_on, removed_on (None while in force)."""
        org_rows = list(orgs)
        o = pd.DataFrame({
            "reg_day": days_of(r["registration_date"] for r in org_rows),
            "is_eldercare": np.array([bool(r.get("is_eldercare")) for r in org_rows], dtype=bool),
            "beds": np.array([float(r["beds"]) if r.get("beds") else np.nan for r in org_rows],
                             dtype=np.float64),
        }, index=pd.Index([int(r["id"]) for r in org_rows], name="org_id"))
        f = pd.DataFrame([{k: r.get(k) for k in FACT_COLUMNS} for r in facts],
                         columns=list(FACT_COLUMNS))
        f["day"] = days_of(f["occurred_on"])
        f["deadline_day"] = days_of(f["rectify_deadline"])
        f["valid_day"] = days_of(f["valid_until"])
        e = pd.DataFrame([{k: r.get(k) for k in ("org_id", "list_type", "published_on",
                                                  "removed_on")} for r in entries],
                         columns=["org_id", "list_type", "published_on", "removed_on"])
        e["start_day"] = days_of(e["published_on"])
        e["end_day"] = days_of(e["removed_on"])
        tables = cls(o, f, e)
        tables.facts["pos"] = tables.positions(f["org_id"], strict=False)
        tables.entries["pos"] = tables.positions(e["org_id"], strict=False)
        return tables

    def positions(self, org_ids, strict: bool = True) -> np.ndarray:
        """Row position of each org id in ``orgs`` (-1 for unknown ones unless strict)."""
        pos = self.orgs.index.get_indexer(pd.Index(np.asarray(org_ids, dtype=np.int64)))
        if strict and (pos < 0).any():
            raise KeyError("unknown subject ids in feature request")
        return pos

    def of(self, kind: str | tuple[str, ...], *subtypes: str) -> pd.DataFrame:
        """Facts of known subjects of one kind (or several), optionally of some subtypes."""
        f = self.facts
        kinds = (kind,) if isinstance(kind, str) else kind
        mask = f["kind"].isin(kinds) & (f["pos"] >= 0)
        if subtypes:
            mask &= f["subtype"].isin(subtypes)
        return f[mask]


class Events:
    """Days of one kind of event per subject, for totals over windows at many dates."""

    def __init__(self, pos, days, weights=None):
        pos, days = np.asarray(pos, dtype=np.int64), np.asarray(days, dtype=np.float64)
        ok = ~np.isnan(days) & (pos >= 0)
        keys = pos[ok] * STRIDE + (days[ok].astype(np.int64) + DAY_OFFSET)
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        w = np.ones(ok.sum()) if weights is None else \
            np.nan_to_num(np.asarray(weights, dtype=np.float64)[ok])
        self.cum = np.r_[0.0, np.cumsum(w[order])]
        self.rows = np.flatnonzero(ok)[order]  # source row of each sorted event

    @classmethod
    def of(cls, frame: pd.DataFrame, day_column: str = "day", weights=None) -> Events:
        return cls(frame["pos"].to_numpy(), frame[day_column].to_numpy(), weights)

    def _upto(self, pos, day) -> np.ndarray:
        """How many events sort at or before (pos, day)."""
        return np.searchsorted(self.keys, pos * STRIDE + (day.astype(np.int64) + DAY_OFFSET),
                               side="right")

    def total(self, pos, lo, hi) -> np.ndarray:
        """Sum of weights of the subject's events with lo < day <= hi."""
        return self.cum[self._upto(pos, hi)] - self.cum[self._upto(pos, lo)]

    def upto(self, pos, hi) -> np.ndarray:
        """Sum of weights of the subject's events on or before ``hi``."""
        return self.total(pos, np.full(len(hi), float(-DAY_OFFSET)), hi)

    def last(self, pos, hi) -> np.ndarray:
        """Source row of the subject's latest event on or before ``hi``; -1 when none."""
        i = self._upto(pos, hi) - 1
        if not self.keys.size:
            return np.full(len(pos), -1)
        safe = np.maximum(i, 0)
        found = (i >= 0) & (self.keys[safe] // STRIDE == pos)
        return np.where(found, self.rows[safe], -1)


@dataclass
class _At:
    """The snapshots being computed: subject positions, as-of days and window starts."""

    pos: np.ndarray
    day: np.ndarray
    lo1: np.ndarray
    lo3: np.ndarray
    lo5: np.ndarray

    def in_window(self, events: Events, years: int) -> np.ndarray:
        return events.total(self.pos, {1: self.lo1, 3: self.lo3, 5: self.lo5}[years], self.day)


def _window_starts(as_of: list[date], years: int) -> np.ndarray:
    unique = {d: day_number(add_years(d, -years)) for d in set(as_of)}
    return np.array([unique[d] for d in as_of], dtype=np.float64)


def _as_dates(values) -> list[date]:
    return [v if type(v) is date else pd.Timestamp(v).date() for v in values]


def feature_matrix(tables: FactTables, org_ids, as_of) -> pd.DataFrame:
    """One row per (org_ids[i], as_of[i]) (as_of may be one date for all), columns NAMES."""
    org_ids = np.asarray(list(org_ids), dtype=np.int64)
    dates = [as_of] * len(org_ids) if isinstance(as_of, date) else _as_dates(as_of)
    if len(dates) != len(org_ids):
        raise ValueError("org_ids and as_of must have the same length")
    at = _At(tables.positions(org_ids), np.array([day_number(d) for d in dates], dtype=float),
             _window_starts(dates, 1), _window_starts(dates, 3), _window_starts(dates, 5))
    cols: dict[str, np.ndarray] = {}
    for part in (_basic, _reports_and_inspections, _penalties, _lists, _platform, _eldercare):
        cols.update(part(tables, at))
    return pd.DataFrame({name: np.asarray(cols[name], dtype=np.float64) for name in NAMES})


def _basic(t: FactTables, at: _At) -> dict:
    age = (at.day - t.orgs["reg_day"].to_numpy()[at.pos]) / YEAR_DAYS
    return {"org_age_years": np.round(np.maximum(age, 0.0), 2),
            "evaluation_grade": _valid_grade(t, at),
            "rewards_3y": at.in_window(Events.of(t.of(("reward", "purchase"))), 3),
            "unreachable_1y": at.in_window(Events.of(t.of("contact", "letter_unsigned")), 1)}


def _valid_grade(t: FactTables, at: _At) -> np.ndarray:
    """The latest evaluation grade formed by the day, if still valid that day; else NaN."""
    grades = t.of("grade")
    if grades.empty:
        return np.full(len(at.pos), np.nan)
    row = Events.of(grades).last(at.pos, at.day)
    safe = np.maximum(row, 0)
    value = grades["grade"].to_numpy(dtype=np.float64, na_value=np.nan)[safe]
    valid_until = grades["valid_day"].to_numpy()[safe]
    return np.where((row >= 0) & ~(valid_until < at.day), value, np.nan)


def _overdue_intervals(t: FactTables) -> tuple[Events, Events]:
    """Rectifications ordered with a deadline: overdue from the day after the deadline until a
    'rectified' certificate (never, when it was certified by the deadline)."""
    f = t.facts
    ordered = f[(f["pos"] >= 0) & f["deadline_day"].notna() & (
        ((f["kind"] == "inspection") & f["result"].isin(("rectify", "fail")))
        | ((f["kind"] == "eldercare") & (f["subtype"] == "fire_hazard")))]
    certs = t.of("certificate", "rectified")
    done = certs.groupby("related_fact_id")["day"].min()
    cert_day = ordered["id"].map(done).to_numpy(dtype=np.float64, na_value=np.nan)
    deadline = ordered["deadline_day"].to_numpy()
    late = ~(cert_day <= deadline)  # NaN (never certified) counts as late
    pos = ordered["pos"].to_numpy()[late]
    return Events(pos, deadline[late] + 1), Events(pos, cert_day[late])


def _reports_and_inspections(t: FactTables, at: _At) -> dict:
    reports = t.of("annual_report")
    inspections = t.of("inspection")
    starts, ends = _overdue_intervals(t)
    return {
        "reports_late_3y": at.in_window(Events.of(reports[reports["report_status"] == "late"]), 3),
        "reports_missing_3y": at.in_window(
            Events.of(reports[reports["report_status"] == "missing"]), 3),
        "inspections_passed_3y": at.in_window(
            Events.of(inspections[inspections["result"] == "pass"]), 3),
        "inspections_failed_3y": at.in_window(
            Events.of(inspections[inspections["result"].isin(("rectify", "fail"))]), 3),
        "rectifications_overdue": np.maximum(
            starts.upto(at.pos, at.day) - ends.upto(at.pos, at.day), 0),
    }


def _penalties(t: FactTables, at: _At) -> dict:
    warnings = Events.of(t.of("penalty", "warning"))
    fines = t.of("penalty", "fine")
    amounts = Events.of(fines, weights=fines["amount_yuan"].to_numpy(dtype=np.float64,
                                                                      na_value=0.0))
    penalties = t.of("penalty")
    row = Events.of(penalties).last(at.pos, at.day)
    last_day = penalties["day"].to_numpy()[np.maximum(row, 0)] if len(penalties) else at.day
    since = np.where(row >= 0, (at.day - last_day) / YEAR_DAYS, YEARS_SINCE_CAP)
    return {
        "warnings_1y": at.in_window(warnings, 1), "warnings_3y": at.in_window(warnings, 3),
        "fines_yuan_1y": at.in_window(amounts, 1), "fines_yuan_3y": at.in_window(amounts, 3),
        "severe_penalties_3y": at.in_window(Events.of(t.of("penalty", *SEVERE_PENALTIES)), 3),
        "years_since_penalty": np.round(np.minimum(since, YEARS_SINCE_CAP), 2),
    }


def _lists(t: FactTables, at: _At) -> dict:
    e = t.entries
    punish = e[e["list_type"].isin(PUNISHMENT_LISTS)]
    red = e[e["list_type"] == "red"]

    def in_force(rows):
        return Events.of(rows, "start_day").upto(at.pos, at.day) - \
            Events.of(rows, "end_day").upto(at.pos, at.day)

    debtor = Events.of(t.of("judicial", "dishonest_debtor")).upto(at.pos, at.day) - \
        Events.of(t.of("judicial", "debtor_removed")).upto(at.pos, at.day)
    return {"listed_now": np.maximum(in_force(punish), 0),
            "listings_5y": at.in_window(Events.of(punish, "start_day"), 5),
            "red_listed": np.clip(in_force(red), 0, 1),
            "dishonest_debtor": np.clip(debtor, 0, 1)}


def _platform(t: FactTables, at: _At) -> dict:
    abandoned = at.in_window(Events.of(t.of("platform", "match_abandoned")), 3)
    fulfilled = at.in_window(Events.of(t.of("platform", "match_fulfilled")), 3)
    matches = abandoned + fulfilled
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(matches > 0, fulfilled / np.maximum(matches, 1), np.nan)
    return {"false_hours_3y": at.in_window(Events.of(t.of("platform", "false_hours")), 3),
            "matches_abandoned_3y": abandoned, "fulfilment_rate_3y": np.round(rate, 3)}


def _eldercare(t: FactTables, at: _At) -> dict:
    complaints = t.of("complaint")
    complaints = complaints[np.array([v is not None and v == v and bool(v)
                                      for v in complaints["substantiated"]], dtype=bool)]
    count = at.in_window(Events.of(complaints), 3)
    beds = t.orgs["beds"].to_numpy()[at.pos]
    per_beds = t.orgs["is_eldercare"].to_numpy()[at.pos] & (beds > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(per_beds, count * 100.0 / np.where(per_beds, beds, 1.0), count)
    return {"complaints_3y": np.round(rate, 2),
            "eldercare_hazards_3y": at.in_window(
                Events.of(t.of("eldercare", *ELDERCARE_HAZARDS)), 3),
            "safety_accidents_3y": at.in_window(
                Events.of(t.of("eldercare", "safety_accident")), 3)}
