"""Scoring tables: versioned score models (a JSON document each, never a pickle) and the
integrity scores computed with them, one per subject, scoring day and model version."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.db import UTCDateTime
from core.extensions import db
from core.orgs.models import Organization


class ModelStatus:
    CANDIDATE = "candidate"  # trained, not (yet) used for scoring
    ACTIVE = "active"  # the one model new scores are computed with
    RETIRED = "retired"  # was active; replaced by a newer one

    ALL = (CANDIDATE, ACTIVE, RETIRED)


class ScoreModel(db.Model):
    """One trained scorecard. ``document`` is the whole model as data: the points table and
    bins (``Scorecard.to_dict``), feature definitions, training window, sizes, base rate,
    held-out metrics, calibration, the HGB comparison, grade cut-offs and the training score
    distribution. It is written once; only the status columns change on promotion."""

    __tablename__ = "credit_score_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default=ModelStatus.CANDIDATE,
                                        index=True)
    auc: Mapped[float]  # held-out AUC, also in the document (for lists and the promotion rule)
    document: Mapped[dict] = mapped_column(sa.JSON)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User", foreign_keys=[created_by_id])
    promoted_by = relationship("User", foreign_keys=[promoted_by_id])

    @property
    def is_active(self) -> bool:
        return self.status == ModelStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<ScoreModel {self.version} {self.status}>"


class IntegrityScore(db.Model):
    """A subject's score on a day with one model version, and its explanation (base points,
    each feature's value and points, the reasons). Re-scoring the same day with the same
    version replaces the row's numbers (facts entered later that day count)."""

    __tablename__ = "credit_integrity_score"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "scored_on", "model_version",
                            name="uq_credit_integrity_score"),
        sa.Index("ix_credit_integrity_score_org_day", "org_id", "scored_on"),
        sa.Index("ix_credit_integrity_score_version_day", "model_version", "scored_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"))
    scored_on: Mapped[date] = mapped_column(sa.Date)
    score: Mapped[int]  # 300–900, higher is more trustworthy
    grade: Mapped[str] = mapped_column(sa.String(1))  # A (best) … D
    tier: Mapped[str] = mapped_column(sa.String(6))  # red / yellow / blue / green
    model_version: Mapped[str] = mapped_column(sa.ForeignKey("credit_score_model.version"))
    explanation: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    organization: Mapped[Organization] = relationship()

    def __repr__(self) -> str:
        return f"<IntegrityScore org={self.org_id} {self.scored_on} {self.score}{self.grade}>"


class ScoreRun(db.Model):
    """One scoring run: a model version on a day, how many subjects it scored, and how far
    the scores (PSI) and each input (CSI) have drifted from the model's training sample. The
    regulators' home page reads the latest run of the active model; re-scoring the same day
    with the same version replaces the row's numbers, like the scores themselves."""

    __tablename__ = "credit_score_run"
    __table_args__ = (
        sa.UniqueConstraint("model_version", "scored_on", name="uq_credit_score_run"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_version: Mapped[str] = mapped_column(sa.ForeignKey("credit_score_model.version"))
    scored_on: Mapped[date] = mapped_column(sa.Date)
    scored: Mapped[int]
    by_grade: Mapped[dict] = mapped_column(sa.JSON)
    score_psi: Mapped[float | None]  # None when nobody was scored
    input_csi: Mapped[list] = mapped_column(sa.JSON)  # [{"feature", "csi"}], largest first
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    def __repr__(self) -> str:
        return f"<ScoreRun {self.model_version} {self.scored_on} psi={self.score_psi}>"
