"""Training data: (subject, as-of date) snapshots with the 12-month label of DOMAIN.md, and the
time split. Pure (numpy/pandas) over ``FactTables``.

Label (DOMAIN.md "Integrity score"): 1 when a *serious fact* forms in the 12 months after the
as-of date, i.e. on a day in ``(d, d + 12 months]``: a fine of ``serious_fine_yuan`` (50,000
yuan) or more, an order to suspend activities, a revocation (of the registration certificate,
or of the registration itself), a safety accident, or a published entry on the
serious-dishonesty list or the eldercare joint-punishment list (counted on its decision day).
Snapshots whose label window is not fully observed (it ends after ``observed_until``) are
dropped, as are subjects not yet registered or already gone (deregistered or revoked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from credit.dates import add_months
from credit.scoring.matrix import EPOCH, Events, FactTables, day_number, feature_matrix

HORIZON_MONTHS = 12
SERIOUS_LISTS = ("serious", "eldercare")
ENDINGS = (("basic", ("deregistration", "registration_revoked")), ("penalty", ("revocation",)))


@dataclass
class Dataset:
    X: pd.DataFrame
    y: np.ndarray
    org_id: np.ndarray
    as_of: np.ndarray  # datetime64[D]
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, mask) -> Dataset:
        mask = np.asarray(mask, dtype=bool)
        return Dataset(self.X[mask].reset_index(drop=True), self.y[mask], self.org_id[mask],
                       self.as_of[mask], dict(self.info))


def serious_events(tables: FactTables, serious_fine_yuan: int) -> Events:
    """Every serious fact and serious/eldercare list publication, by subject and day."""
    f = tables.facts
    amount = f["amount_yuan"].to_numpy(dtype=np.float64, na_value=0.0)
    serious = (f["pos"] >= 0) & (
        ((f["kind"] == "penalty") & (f["subtype"] == "fine") & (amount >= serious_fine_yuan))
        | ((f["kind"] == "penalty") & f["subtype"].isin(("suspension", "revocation")))
        | ((f["kind"] == "basic") & (f["subtype"] == "registration_revoked"))
        | ((f["kind"] == "eldercare") & (f["subtype"] == "safety_accident")))
    e = tables.entries
    listed = e[e["list_type"].isin(SERIOUS_LISTS) & (e["pos"] >= 0)]
    return Events(np.r_[f["pos"].to_numpy()[serious], listed["pos"].to_numpy()],
                  np.r_[f["day"].to_numpy()[serious], listed["start_day"].to_numpy()])


def labels(tables: FactTables, org_ids, as_of: list[date], serious_fine_yuan: int,
           horizon_months: int = HORIZON_MONTHS) -> np.ndarray:
    """1 when a serious fact forms in (as_of, as_of + horizon], else 0."""
    events = serious_events(tables, serious_fine_yuan)
    pos = tables.positions(org_ids)
    lo = np.array([day_number(d) for d in as_of], dtype=float)
    hi = np.array([day_number(add_months(d, horizon_months)) for d in as_of], dtype=float)
    return (events.total(pos, lo, hi) > 0).astype(np.int64)


def end_days(tables: FactTables) -> np.ndarray:
    """Per subject (in ``tables.orgs`` order) the first day it no longer exists; NaN if none."""
    f = tables.facts
    mask = np.zeros(len(f), dtype=bool)
    for kind, subtypes in ENDINGS:
        mask |= ((f["kind"] == kind) & f["subtype"].isin(subtypes)).to_numpy()
    gone = f[mask & (f["pos"] >= 0).to_numpy()].groupby("pos")["day"].min()
    out = np.full(len(tables.orgs), np.nan)
    out[gone.index.to_numpy(dtype=np.int64)] = gone.to_numpy()
    return out


def snapshot_dates(history_from: date, observed_until: date, every_months: int = 3,
                   warmup_months: int = 12, horizon_months: int = HORIZON_MONTHS) -> list[date]:
    """As-of dates every ``every_months``, counted back from the last date whose label window
    is fully observed, and starting ``warmup_months`` after the history begins (so the first
    snapshots already have a year of facts behind them)."""
    last = add_months(observed_until, -horizon_months)
    first = add_months(history_from, warmup_months)
    dates, step = [], 0
    while (d := add_months(last, -every_months * step)) >= first:
        dates.append(d)
        step += 1
    return sorted(dates)


def history_start(tables: FactTables) -> date | None:
    days = tables.facts["day"].dropna()
    return None if days.empty else date.fromordinal(EPOCH.toordinal() + int(days.min()))


def build_dataset(tables: FactTables, observed_until: date, serious_fine_yuan: int, *,
                  history_from: date | None = None, every_months: int = 3,
                  warmup_months: int = 12, horizon_months: int = HORIZON_MONTHS) -> Dataset:
    """Every (subject, as-of date) snapshot of the history with its features and label."""
    history_from = history_from or history_start(tables) or observed_until
    dates = snapshot_dates(history_from, observed_until, every_months, warmup_months,
                           horizon_months)
    reg = tables.orgs["reg_day"].to_numpy()
    gone = end_days(tables)
    ids = tables.orgs.index.to_numpy(dtype=np.int64)
    rows_org, rows_day = [], []
    for d in dates:
        n = day_number(d)
        alive = (reg <= n) & ~(gone <= n)
        rows_org.append(ids[alive])
        rows_day.extend([d] * int(alive.sum()))
    org_ids = np.concatenate(rows_org) if rows_org else np.empty(0, dtype=np.int64)
    X = feature_matrix(tables, org_ids, rows_day)
    y = labels(tables, org_ids, rows_day, serious_fine_yuan, horizon_months)
    info = {"history_from": history_from.isoformat(), "observed_until": observed_until.isoformat(),
            "every_months": every_months, "warmup_months": warmup_months,
            "horizon_months": horizon_months, "snapshot_dates": len(dates),
            "serious_fine_yuan": serious_fine_yuan,
            "subjects": int(np.unique(org_ids).size)}
    return Dataset(X, y, org_ids, np.array(rows_day, dtype="datetime64[D]"), info)


def time_split(data: Dataset, test_months: int = 12, purge: bool = True,
               horizon_months: int = HORIZON_MONTHS) -> tuple[np.ndarray, np.ndarray]:
    """(train mask, test mask): test = the snapshots of the newest ``test_months``; train =
    older ones. With ``purge``, a training snapshot's label window must end on or before the
    first test date, so no training label looks into the test period."""
    if not len(data):
        raise ValueError("no snapshots to split")
    dates = sorted({pd.Timestamp(d).date() for d in np.unique(data.as_of)})
    cut = add_months(dates[-1], -test_months)
    test_dates = [d for d in dates if d > cut] or dates[-1:]
    first_test = test_dates[0]
    if purge:
        train_dates = [d for d in dates if add_months(d, horizon_months) <= first_test]
    else:
        train_dates = [d for d in dates if d < first_test]
    as_of = data.as_of.astype("datetime64[D]")
    test = np.isin(as_of, np.array(test_dates, dtype="datetime64[D]"))
    train = np.isin(as_of, np.array(train_dates, dtype="datetime64[D]"))
    return train, test
