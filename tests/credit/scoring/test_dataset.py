"""Training snapshots: the 12-month label of DOMAIN.md at its edges, dropped unobserved
windows, subjects only while they exist, and the time split with its purge gap."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from credit.dates import add_months
from credit.scoring.dataset import build_dataset, labels, snapshot_dates, time_split
from credit.scoring.matrix import FactTables

D = date(2024, 3, 31)
ORGS = [{"id": 1, "registration_date": date(2015, 1, 1), "is_eldercare": True, "beds": 80},
        {"id": 2, "registration_date": date(2023, 1, 1), "is_eldercare": False}]


def label_for(facts=(), entries=()) -> int:
    tables = FactTables.from_rows(ORGS, facts, entries)
    return int(labels(tables, [1], [D], 50000)[0])


def f(kind, subtype, on, **fields):
    return {"id": hash((kind, subtype, on)) % 10**9, "org_id": 1, "kind": kind,
            "subtype": subtype, "occurred_on": on, **fields}


@pytest.mark.parametrize(("fact", "serious"), [
    (f("penalty", "fine", date(2024, 6, 1), amount_yuan=50000), 1),
    (f("penalty", "fine", date(2024, 6, 1), amount_yuan=49999), 0),
    (f("penalty", "suspension", date(2024, 6, 1)), 1),
    (f("penalty", "revocation", date(2024, 6, 1)), 1),
    (f("basic", "registration_revoked", date(2024, 6, 1)), 1),
    (f("eldercare", "safety_accident", date(2024, 6, 1), responsibility="secondary"), 1),
    (f("penalty", "warning", date(2024, 6, 1)), 0),
    (f("eldercare", "fire_hazard", date(2024, 6, 1)), 0),
])
def test_label_is_a_serious_fact_of_domain_md(fact, serious):
    assert label_for([fact]) == serious


def test_label_window_is_the_twelve_months_after_the_as_of_date():
    last = add_months(D, 12)
    assert label_for([f("penalty", "suspension", last)]) == 1
    assert label_for([f("penalty", "suspension", last + timedelta(days=1))]) == 0
    assert label_for([f("penalty", "suspension", D)]) == 0  # already known: a feature
    assert label_for([f("penalty", "suspension", D + timedelta(days=1))]) == 1


def test_label_counts_serious_and_eldercare_list_publications_only():
    def entry(list_type, on):
        return {"org_id": 1, "list_type": list_type, "published_on": on, "removed_on": None}

    assert label_for(entries=[entry("serious", date(2024, 9, 1))]) == 1
    assert label_for(entries=[entry("eldercare", date(2024, 9, 1))]) == 1
    assert label_for(entries=[entry("abnormal", date(2024, 9, 1))]) == 0
    assert label_for(entries=[entry("serious", date(2025, 9, 1))]) == 0


def test_snapshot_dates_stop_where_the_label_window_is_no_longer_observed():
    dates = snapshot_dates(date(2020, 1, 15), date(2025, 6, 30))
    assert dates[-1] == date(2024, 6, 30)
    assert dates[0] >= date(2021, 1, 15)
    assert all(add_months(a, 3) == b for a, b in itertools.pairwise(dates))


def test_subjects_are_snapshotted_only_while_they_exist():
    facts = [f("penalty", "revocation", date(2022, 5, 1)),
             {"id": 9, "org_id": 2, "kind": "penalty", "subtype": "warning",
              "occurred_on": date(2020, 1, 1)}]
    tables = FactTables.from_rows(ORGS, facts)
    data = build_dataset(tables, date(2025, 6, 30), 50000)
    as_of = pd.to_datetime(data.as_of)
    assert as_of[data.org_id == 1].max() < pd.Timestamp("2022-05-01")
    assert as_of[data.org_id == 2].min() >= pd.Timestamp("2023-01-01")


def test_time_split_tests_on_the_newest_year_and_purges_overlapping_labels(dataset):
    train, test = time_split(dataset)
    assert not (train & test).any()
    train_days = sorted({pd.Timestamp(d).date() for d in dataset.as_of[train]})
    test_days = sorted({pd.Timestamp(d).date() for d in dataset.as_of[test]})
    assert test_days[-1] == pd.Timestamp(dataset.as_of.max()).date()
    assert add_months(test_days[-1], -12) < test_days[0]
    assert add_months(train_days[-1], 12) <= test_days[0]  # no label window overlaps the test
    loose, _ = time_split(dataset, purge=False)
    assert loose.sum() > train.sum()


def test_dataset_has_features_labels_and_both_classes(dataset):
    assert len(dataset.X) == len(dataset.y) == len(dataset.org_id) > 1000
    assert 0.02 < dataset.y.mean() < 0.3
    assert np.isin(dataset.y, (0, 1)).all()
