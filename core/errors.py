"""Domain errors with stable codes, and the one place that turns errors into responses.

A service raises ``DomainError("timebank.daily_cap_exceeded", _l("…%(hours)s…"), hours=12)``.
The API answers ``{"code", "message", "errors"}`` with the error's 4xx status; a page shows the
message as a flash and goes back. Anything unexpected is a 500, logged with the request id.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from core.extensions import db

log = logging.getLogger(__name__)

# HTTP status → stable code for the JSON body.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
}

HTTP_MESSAGES = {
    400: _l("请求有误。"),
    401: _l("请先登录。"),
    403: _l("您没有权限执行此操作。"),
    404: _l("找不到您要的内容。"),
    405: _l("不支持此请求方式。"),
    409: _l("操作与当前状态冲突。"),
    413: _l("上传的文件太大。"),
    415: _l("不支持的内容类型。"),
    422: _l("提交的内容有误，请检查标出的项目。"),
    428: _l("缺少必要的前提条件。"),
    429: _l("操作太频繁，请稍后再试。"),
    500: _l("系统出现问题，我们已记录。请稍后再试。"),
}

LOCATIONS = {"json", "query", "form", "headers", "files", "view_args", "cookies", "json_or_form"}

# What a person can do about a refusal, by its code: (endpoint, words). A package registers its
# own (``register_next_step``) so a page that refuses also shows the way forward.
NEXT_STEPS: dict[str, tuple[str, object]] = {}


def register_next_step(code: str, endpoint: str, label) -> None:
    NEXT_STEPS[code] = (endpoint, label)


class DomainError(Exception):
    """A broken rule, with a stable code, a translatable message and optional field errors."""

    status = 400

    def __init__(self, code: str, message, *, http_status: int | None = None,
                 errors: dict | None = None, **params):
        # ``http_status`` (not ``status``) so a message parameter named "status" stays a
        # message parameter.
        super().__init__(code)
        self.code = code
        self.message = message
        self.params = params
        self.errors = errors or {}
        if http_status is not None:
            self.status = int(http_status)

    @property
    def text(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def __str__(self) -> str:  # readable in logs and test failures
        return f"{self.code}: {self.text}"


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class ValidationFailed(DomainError):
    """Bad input found by a service (not by a schema); ``errors`` maps field → messages."""

    status = 422


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def _flatten_locations(messages: dict) -> dict:
    """webargs nests field errors under the request location; callers want them by field."""
    if messages and set(messages) <= LOCATIONS:
        flat: dict = {}
        for by_field in messages.values():
            if isinstance(by_field, dict):
                flat.update(by_field)
        return flat
    return messages or {}


def _safe_back_url() -> str:
    ref = request.referrer
    if ref and urlsplit(ref).netloc == request.host:
        return ref
    return url_for("web.home")


def handle_domain_error(error: DomainError):
    db.session.rollback()
    if is_api_request():
        body = error_body(error.code, error.text, error.errors)
        return jsonify(body), error.status
    flash(error.text, "error")
    if request.method == "GET":
        return render_template("errors/error.html", status=error.status, message=error.text,
                               next_step=NEXT_STEPS.get(error.code)), error.status
    return redirect(_safe_back_url())


def handle_http_exception(error: HTTPException):
    if error.code and error.code >= 400:
        db.session.rollback()
    if error.code is None or error.code < 400:
        return error
    data = getattr(error, "data", None) or {}
    errors = _flatten_locations(data.get("errors") or data.get("messages") or {})
    default = HTTP_MESSAGES.get(error.code)
    message = str(data.get("message") or (default if default else error.description))
    if is_api_request():
        response = jsonify(error_body(HTTP_CODES.get(error.code, "error"), message, errors))
        response.status_code = error.code
        for key, value in (data.get("headers") or {}).items():
            response.headers[key] = value
        if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
    return render_template("errors/error.html", status=error.code, message=message,
                           errors=errors), error.code


def handle_unexpected(error: Exception):
    db.session.rollback()
    request_id = getattr(g, "request_id", "-")
    log.exception("unhandled error on %s %s (request %s)", request.method, request.path,
                  request_id)
    message = gettext("系统出现问题，我们已记录。请稍后再试。")
    if is_api_request():
        body = error_body("internal_error", message, {"request_id": [request_id]})
        return jsonify(body), 500
    return render_template("errors/error.html", status=500, message=message,
                           request_id=request_id), 500


def register_error_handlers(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
