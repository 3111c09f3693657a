"""The flask-smorest ``Api`` (``api``, bound in ``create_app``) with this project's error format
``{code, message, errors}``, and the error responses every operation documents. It sits on top
of the kernel, beside ``core.auth``, whose role declarations it reads."""

from __future__ import annotations

import http

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api as SmorestApi
from flask_smorest.pagination import PaginationMetadataSchema

from core.auth import PUBLIC, declared_roles

# Every operation can answer these: a malformed request or a broken rule (400), something
# it refers to does not exist (404), input that fails validation (422).
EVERY_OPERATION = (400, 404, 422)
# Operations that are not PUBLIC also answer: not signed in (401), role or object refused
# (403), a conflict with the current state, e.g. an Idempotency-Key reused (409).
SIGNED_IN_OPERATIONS = (401, 403, 409)


class ErrorOut(ma.Schema):
    """Every 4xx/5xx body of the JSON API."""

    code = ma.fields.String(required=True, metadata={"description": "stable error code"})
    message = ma.fields.String(required=True, metadata={"description": "human-readable text"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "field name → list of messages (may be empty)"},
    )


class ErrorResponses(BasePlugin):
    """apispec plugin: document the error statuses of every operation explicitly (instead of
    one catch-all ``default``), from the roles its route declares (``core.auth.roles``), so
    that a client, and the schema fuzzer's status-code check, know every status it may see."""

    def __init__(self, api: Api):
        self.api = api

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        app = getattr(self.api, "_app", None)
        if rule is None or app is None:
            return
        view = app.view_functions.get(rule.endpoint)
        for method, operation in (operations or {}).items():
            admitted = declared_roles(view, method.upper()) or frozenset()
            statuses = EVERY_OPERATION if PUBLIC in admitted else \
                EVERY_OPERATION + SIGNED_IN_OPERATIONS
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), http.HTTPStatus(status).name)


class Api(SmorestApi):
    """flask-smorest Api whose errors are answered by ``core.errors`` (JSON for /api, HTML
    for pages), so the whole app speaks one error format."""

    ERROR_SCHEMA = ErrorOut
    DEFAULT_ERROR_RESPONSE_NAME = None  # ErrorResponses documents each status instead

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        plugins = [*(extra_plugins or ()), ErrorResponses(self)]
        super()._init_spec(extra_plugins=plugins, **kwargs)

    def _register_pagination_header(self):
        # X-Pagination carries JSON: OpenAPI 3 describes that with ``content``; a ``schema``
        # would say the header is a "simple"-style object (``total,57,page,1``).
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata (JSON)",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)

    def _register_error_handlers(self):
        # core.errors.register_error_handlers handles HTTPException for the whole app.
        return None


api = Api()
