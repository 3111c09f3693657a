"""The flask-smorest ``Api`` with this project's error format ``{code, message, errors}``."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Api as SmorestApi


class ErrorOut(ma.Schema):
    """Every 4xx/5xx body of the JSON API."""

    code = ma.fields.String(required=True, metadata={"description": "stable error code"})
    message = ma.fields.String(required=True, metadata={"description": "human-readable text"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "field name → list of messages (may be empty)"},
    )


class Api(SmorestApi):
    """flask-smorest Api whose errors are answered by ``core.errors`` (JSON for /api, HTML
    for pages), so the whole app speaks one error format."""

    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self):
        # core.errors.register_error_handlers handles HTTPException for the whole app.
        return None

