"""JSON API for random inspections (双随机、一公开): draws are public with their seed and
snapshots so anyone can re-run them; regulators draw, declare conflicts and enter results."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from core.accounts.models import Role
from core.auth import PUBLIC, roles
from core.errors import NotFound
from core.extensions import db
from credit import schemas
from credit.inspections import services as inspections
from credit.inspections.models import DrawAssignment

blp = Blueprint("credit_inspections_api", __name__, url_prefix="/api/v1/credit/inspections",
                description="Random inspections: reproducible draws and their results")


def draw_out(row) -> dict:
    return {**{k: getattr(row, k) for k in ("id", "title", "seed", "drawn_on", "ratios",
                                             "per_subject", "subjects_snapshot",
                                             "inspectors_snapshot", "result")},
            "assignments": row.assignments,
            "reproducible": inspections.rerun(row) == row.result}


@blp.route("/draws")
class Draws(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.InspectionDrawOut(many=True))
    def get(self):
        """Recent draws with their seeds, snapshots and results (public)"""
        return [draw_out(row) for row in inspections.draws(20)]

    @roles(Role.REGULATOR)
    @blp.arguments(schemas.InspectionDrawIn)
    @blp.response(201, schemas.InspectionDrawOut)
    def post(self, data):
        """Draw subjects by risk tier and two non-conflicted inspectors each"""
        return draw_out(inspections.make_draw(current_user, data["title"], data["seed"]))


@blp.route("/draws/<int:draw_id>")
class DrawById(MethodView):
    @roles(PUBLIC)
    @blp.response(200, schemas.InspectionDrawOut)
    def get(self, draw_id):
        """One draw; ``reproducible`` says re-running its seed gives the stored result"""
        return draw_out(inspections.get_draw(draw_id))


@blp.route("/draws/<int:draw_id>/results")
class DrawResults(MethodView):
    @roles(Role.REGULATOR)
    @blp.arguments(schemas.InspectionResultIn)
    @blp.response(201, schemas.DrawAssignmentOut)
    def post(self, data, draw_id):
        """Enter the result for one drawn subject; it becomes an inspection fact"""
        inspections.get_draw(draw_id)
        assignment = db.session.execute(sa.select(DrawAssignment).where(
            DrawAssignment.draw_id == draw_id, DrawAssignment.org_id == data.pop("org_id"))
        ).scalar_one_or_none()
        if assignment is None:
            raise NotFound("credit.not_drawn", _l("该主体不在本次抽查结果中。"))
        return inspections.enter_result(current_user, assignment, inspections.ResultIn(**data))


@blp.route("/conflicts")
class Conflicts(MethodView):
    @roles(Role.REGULATOR)
    @blp.arguments(schemas.InspectorConflictIn)
    @blp.response(201, schemas.InspectorConflictIn)
    def post(self, data):
        """Declare an inspector's conflict of interest with a subject"""
        row = inspections.declare_conflict(current_user, data["inspector_id"], data["org_id"],
                                           data["reason"])
        return {"inspector_id": row.inspector_id, "org_id": row.org_id, "reason": row.reason}
