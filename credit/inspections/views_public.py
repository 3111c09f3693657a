"""Public pages of random inspections (一公开): every draw with its commitment, reveal and
result in words, and the files anyone can download to recompute it offline."""

from __future__ import annotations

from flask import Response, render_template

from core.auth import PUBLIC, roles
from credit.inspections import published
from credit.inspections import services as inspections
from credit.views_public import public_bp


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@public_bp.get("/inspections")
@roles(PUBLIC)
def public_draws():
    return render_template("credit/public_draws.html", draws=inspections.draws(50))


@public_bp.get("/inspections/<int:draw_id>")
@roles(PUBLIC)
def public_draw(draw_id: int):
    row = inspections.get_draw(draw_id)
    return render_template(
        "credit/public_draw.html", draw=row, reproducible=inspections.reproduces(row),
        names=inspections.inspector_names(row),
        snapshot=None if row.is_legacy else published.snapshot(row),
        earliest=None if row.is_legacy else inspections.earliest_reveal(row))


@public_bp.get("/inspections/<int:draw_id>/draw.json")
@roles(PUBLIC)
def draw_record(draw_id: int):
    row = inspections.get_draw(draw_id)
    return _file(published.record_bytes(row), "application/json", "draw.json")


@public_bp.get("/inspections/<int:draw_id>/snapshot.json")
@roles(PUBLIC)
def draw_snapshot(draw_id: int):
    row = inspections.get_draw(draw_id)
    return _file(published.snapshot_bytes(row), "application/json", "snapshot.json")


@public_bp.get("/inspections/<int:draw_id>/subjects.csv")
@roles(PUBLIC)
def draw_subjects_csv(draw_id: int):
    row = inspections.get_draw(draw_id)
    return _file(published.subjects_csv(row), "text/csv", f"draw-{draw_id}-subjects.csv")


@public_bp.get("/inspections/<int:draw_id>/inspectors.csv")
@roles(PUBLIC)
def draw_inspectors_csv(draw_id: int):
    row = inspections.get_draw(draw_id)
    return _file(published.inspectors_csv(row), "text/csv", f"draw-{draw_id}-inspectors.csv")


@public_bp.get("/inspections/<int:draw_id>/recompute_draw.py")
@roles(PUBLIC)
def draw_algorithm(draw_id: int):
    row = inspections.get_draw(draw_id)
    return _file(published.algorithm_source(row), "text/x-python", "recompute_draw.py")
