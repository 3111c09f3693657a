"""JSON API for random inspections (双随机、一公开). Draws are public with their commitment,
snapshot, secret and result (links to the files anyone can recompute them from); regulators
run the two directories, commit, reveal or withdraw draws, and enter results."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from core.accounts.models import Role
from core.accounts.services import find_user
from core.auth import PUBLIC, roles
from core.errors import NotFound
from core.extensions import db
from core.schemas import SQLPage
from credit.inspections import directories, published
from credit.inspections import schemas as S
from credit.inspections import services as inspections
from credit.inspections.models import DrawAssignment

blp = Blueprint("credit_inspections_api", __name__, url_prefix="/api/v1/credit/inspections",
                description="Random inspections: directories, committed and revealed draws, "
                            "results")
REGULATOR = Role.REGULATOR


def _files(row) -> dict:
    def link(endpoint: str) -> str:
        return url_for(f"credit_public.{endpoint}", draw_id=row.id, _external=True)

    return {"draw_json": link("draw_record"), "snapshot_json": link("draw_snapshot"),
            "subjects_csv": link("draw_subjects_csv"),
            "inspectors_csv": link("draw_inspectors_csv"),
            "recompute_script": link("draw_algorithm")}


def draw_out(row) -> dict:
    out = {k: getattr(row, k) for k in ("id", "title", "state", "algorithm", "mode", "count",
                                         "ratios", "per_subject", "drawn_on", "witnessed")}
    out.update(assignments=row.assignments, reproducible=inspections.reproduces(row))
    if row.is_legacy:
        return {**out, "seed": row.seed, "result": row.result, "revealed_at": row.drawn_at}
    record = published.record(row)
    return {**out, **{k: record[k] for k in ("secret", "seed", "result", "cancel_reason")},
            "commitment": row.commitment, "committed_at": row.committed_at,
            "snapshot_sha256": row.snapshot_hash,
            "earliest_reveal": inspections.earliest_reveal(row), "revealed_at": row.drawn_at,
            "cancelled_at": row.cancelled_at, "files": _files(row)}


# --- draws -----------------------------------------------------------------------------------

@blp.route("/draws")
class Draws(MethodView):
    @roles(PUBLIC)
    @blp.response(200, S.DrawOut(many=True))
    def get(self):
        """Recent draws: commitments, reveals and results (public)"""
        return [draw_out(row) for row in inspections.draws(20)]

    @roles(REGULATOR)
    @blp.arguments(S.DrawIn)
    @blp.response(201, S.DrawOut)
    def post(self, data):
        """Commit to a draw: publish the commitment and freeze both directories"""
        return draw_out(inspections.commit(current_user, data["title"], data["mode"],
                                           data["count"], data["commitment"]))


@blp.route("/draws/<int:draw_id>")
class DrawById(MethodView):
    @roles(PUBLIC)
    @blp.response(200, S.DrawOut)
    def get(self, draw_id):
        """One draw; ``reproducible`` says re-running its seed gives the stored result"""
        return draw_out(inspections.get_draw(draw_id))


@blp.route("/draws/<int:draw_id>/reveal")
class DrawReveal(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.RevealIn)
    @blp.response(200, S.DrawOut)
    def post(self, data, draw_id):
        """Reveal the secret and draw (no earlier than the policy's hours after the commitment)"""
        return draw_out(inspections.reveal(current_user, inspections.get_draw(draw_id),
                                           data["secret"]))


@blp.route("/draws/<int:draw_id>/cancel")
class DrawCancel(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectionReasonIn)
    @blp.response(200, S.DrawOut)
    def post(self, data, draw_id):
        """Withdraw a commitment before its reveal (stays published with the reason)"""
        return draw_out(inspections.cancel(current_user, inspections.get_draw(draw_id),
                                           data["reason"]))


@blp.route("/draws/<int:draw_id>/results")
class DrawResults(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectionResultIn)
    @blp.response(201, S.DrawAssignmentOut)
    def post(self, data, draw_id):
        """Enter the result for one drawn subject; it becomes an inspection fact"""
        inspections.get_draw(draw_id)
        assignment = db.session.execute(sa.select(DrawAssignment).where(
            DrawAssignment.draw_id == draw_id, DrawAssignment.org_id == data.pop("org_id"))
        ).scalar_one_or_none()
        if assignment is None:
            raise NotFound("credit.not_drawn", _l("该主体不在本次抽查结果中。"))
        return inspections.enter_result(current_user, assignment, inspections.ResultIn(**data))


# --- directories -----------------------------------------------------------------------------

@blp.route("/subjects")
class Subjects(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.DirectoryArgs, location="query")
    @blp.response(200, S.DirectorySubjectOut(many=True))
    @blp.paginate(SQLPage)
    def get(self, args):
        """The subject directory (检查对象名录), active members first"""
        return directories.subject_query(args["active"], args["q"])


def _subject_detail(row) -> dict:
    return {"org_id": row.org_id, "organization": row.organization, "active": row.active,
            "history": directories.history(directories.SUBJECTS, row.org_id)}


@blp.route("/subjects/<int:org_id>")
class SubjectById(MethodView):
    @roles(REGULATOR)
    @blp.response(200, S.DirectorySubjectDetailOut)
    def get(self, org_id):
        """One member of the subject directory and every change to it"""
        return _subject_detail(directories.get_directory_subject(org_id))


@blp.route("/subjects/<int:org_id>/deactivate")
class SubjectDeactivate(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectionReasonIn)
    @blp.response(200, S.DirectorySubjectDetailOut)
    def post(self, data, org_id):
        """Take a subject out of future draws, with the reason"""
        return _subject_detail(directories.set_subject_active(current_user, org_id, False,
                                                              data["reason"]))


@blp.route("/subjects/<int:org_id>/reactivate")
class SubjectReactivate(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectionReasonIn)
    @blp.response(200, S.DirectorySubjectDetailOut)
    def post(self, data, org_id):
        """Put a subject back into future draws, with the reason"""
        return _subject_detail(directories.set_subject_active(current_user, org_id, True,
                                                              data["reason"]))


def _inspector_detail(row) -> dict:
    return {"user_id": row.user_id, "user": row.user, "staff_number": row.staff_number,
            "active": row.active,
            "history": directories.history(directories.INSPECTORS, row.user_id)}


@blp.route("/inspectors")
class Inspectors(MethodView):
    @roles(REGULATOR)
    @blp.response(200, S.InspectorOut(many=True))
    def get(self):
        """The inspector directory (执法检查人员名录), active members first"""
        return directories.inspector_list()

    @roles(REGULATOR)
    @blp.arguments(S.InspectorIn)
    @blp.response(201, S.InspectorDetailOut)
    def post(self, data):
        """Add a regulator to the inspector directory under their staff number"""
        user = find_user(data["username"])
        if user is None:
            raise NotFound("credit.user_not_found", _l("找不到该用户。"))
        return _inspector_detail(directories.add_inspector(current_user, user,
                                                           data["staff_number"]))


@blp.route("/inspectors/<int:user_id>")
class InspectorById(MethodView):
    @roles(REGULATOR)
    @blp.response(200, S.InspectorDetailOut)
    def get(self, user_id):
        """One inspector and every change to their membership"""
        return _inspector_detail(directories.get_inspector(user_id))


@blp.route("/inspectors/<int:user_id>/deactivate")
class InspectorDeactivate(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectionReasonIn)
    @blp.response(200, S.InspectorDetailOut)
    def post(self, data, user_id):
        """Take an inspector out of future draws, with the reason"""
        return _inspector_detail(directories.set_inspector_active(current_user, user_id, False,
                                                                  data["reason"]))


@blp.route("/inspectors/<int:user_id>/reactivate")
class InspectorReactivate(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectionReasonIn)
    @blp.response(200, S.InspectorDetailOut)
    def post(self, data, user_id):
        """Put an inspector back into future draws, with the reason"""
        return _inspector_detail(directories.set_inspector_active(current_user, user_id, True,
                                                                  data["reason"]))


@blp.route("/conflicts")
class Conflicts(MethodView):
    @roles(REGULATOR)
    @blp.arguments(S.InspectorConflictIn)
    @blp.response(201, S.InspectorConflictOut)
    def post(self, data):
        """Declare an inspector's conflict of interest with a subject"""
        return directories.declare_conflict(current_user, data["inspector_id"], data["org_id"],
                                            data["reason"])
