"""The Scorecard estimator, pure scikit-learn (no Flask, no database): ``inputs`` (parameters,
validation, value-to-slot lookups), ``binning`` (cut points, merging, WoE), ``points`` (quarter
points, reasons, the points table), ``estimator`` (the classifier) and ``serialization``
(the JSON form). ``from credit.scoring.scorecard import Scorecard`` is the public import."""

from credit.scoring.scorecard.binning import FeatureBins
from credit.scoring.scorecard.estimator import Scorecard
from credit.scoring.scorecard.points import POINTS_STEP
from credit.scoring.scorecard.serialization import FORMAT_VERSION

__all__ = ["FORMAT_VERSION", "POINTS_STEP", "FeatureBins", "Scorecard"]
