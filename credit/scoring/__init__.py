"""Credit scoring: the transparent Scorecard estimator and its quality/stability metrics."""

from credit.scoring.metrics import auc, brier, calibration_table, csi, ks, psi, psi_table
from credit.scoring.scorecard import FORMAT_VERSION, POINTS_STEP, FeatureBins, Scorecard

__all__ = [
    "FORMAT_VERSION",
    "POINTS_STEP",
    "FeatureBins",
    "Scorecard",
    "auc",
    "brier",
    "calibration_table",
    "csi",
    "ks",
    "psi",
    "psi_table",
]
