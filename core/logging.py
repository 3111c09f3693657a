"""Logging: readable or JSON lines, request ids, one access line per request, and masking of
personal data in every record that reaches the application's handler.

- ``LOG_FORMAT=json`` writes each record as one JSON object (``time``, ``level``, ``logger``,
  ``message``, ``request_id``; the access line adds ``method``, ``path``, ``status``,
  ``duration_ms``). The default (``text``) is ``time LEVEL [request id] logger: message``.
- ``PersonalDataFilter`` (on the handler) rewrites each record so that anything that looks
  like a resident ID number or a mobile number is masked, in the message, its arguments and a
  formatted traceback. The code should never log such values; this is the second line.
- ``AccessLogMiddleware`` logs one line per request on ``core.access``: method, path (never the
  query string, which may carry ID numbers or names), status, duration, request id. The
  development server's own request lines (which include query strings) are dropped.

This module is ``core.logging``; inside the package, ``import logging`` still means the
standard library (absolute imports).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from werkzeug.wsgi import get_path_info

from core.ids import UNMASKED_ID_PATTERN, mask_id_number, mask_phone

ACCESS_LOGGER = "core.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# Probes that would drown the log; their access lines are DEBUG.
QUIET_PATHS = frozenset({"/healthz", "/readyz"})

# Mainland mobile numbers, bare or with +86 / separators (139 1234 5678, 139-1234-5678).
_MOBILE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![\dA-Za-z])")
# First-generation 15-digit ID numbers (still in old records).
_OLD_ID = re.compile(r"(?<![\dA-Za-z])[1-9]\d{14}(?![\dA-Za-z])")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def mask_personal_data(text: str) -> str:
    """``text`` with resident ID numbers and mobile numbers masked as on the pages."""
    text = UNMASKED_ID_PATTERN.sub(lambda m: mask_id_number(m.group()), text)
    text = _OLD_ID.sub(lambda m: mask_id_number(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)


def request_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a plain token (so it can be logged safely),
    otherwise a new one."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class PersonalDataFilter(logging.Filter):
    """Mask ID numbers and mobile numbers in the record itself (message with its arguments
    merged in, the ``path`` extra, a traceback), so every formatter and every handler that
    sees the record afterwards sees the masked text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_personal_data_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for the handler to report
            return True
        record.msg, record.args = mask_personal_data(message), ()
        path = getattr(record, "path", None)
        if isinstance(path, str):
            record.path = mask_personal_data(path)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        record._personal_data_masked = True
        return True


class RequestIdFilter(logging.Filter):
    """Give every record a ``request_id`` ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current_request_id()
        return True


def _current_request_id() -> str:
    from flask import g, has_request_context

    return g.get("request_id", "-") if has_request_context() else "-"


class JsonFormatter(logging.Formatter):
    """One JSON object per line; non-ASCII text (Chinese) is written as is."""

    EXTRA_FIELDS = ("method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for name in self.EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _DropServerRequestLines(logging.Filter):
    """The development server logs each request with its query string; ours replaces it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith('"%s" %s %s'))


class AccessLogMiddleware:
    """WSGI middleware: one ``core.access`` line per request, after the app has answered."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.log = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen: dict[str, object] = {}

        def _start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            for name, value in headers:
                if name.lower() == "x-request-id":
                    seen["request_id"] = value
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, _start_response)
        except BaseException:
            seen.setdefault("status", 500)
            raise
        finally:
            self._line(environ, seen, time.perf_counter() - started)

    def _line(self, environ, seen, elapsed: float) -> None:
        path = (environ.get("SCRIPT_NAME", "") or "") + get_path_info(environ)
        method = environ.get("REQUEST_METHOD", "-")
        status = seen.get("status", 500)
        duration_ms = round(elapsed * 1000, 1)
        request_id = seen.get("request_id") or "-"
        level = logging.DEBUG if path in QUIET_PATHS and status == 200 else logging.INFO
        self.log.log(level, "%s %s %s %.1fms", method, path, status, duration_ms,
                     extra={"request_id": request_id, "method": method, "path": path,
                            "status": status, "duration_ms": duration_ms})


def _civic_handler() -> logging.Handler | None:
    return next((h for h in logging.getLogger().handlers if getattr(h, "_civic", False)), None)


def configure_logging(app) -> None:
    """Install (once per process) the root handler with its filters; set its format from
    ``LOG_FORMAT``; wrap the app in the access-log middleware."""
    from flask.logging import default_handler

    root = logging.getLogger()
    handler = _civic_handler()
    if handler is None:
        handler = logging.StreamHandler()
        handler._civic = True
        root.addHandler(handler)
    for kind in (RequestIdFilter, PersonalDataFilter):
        if not any(isinstance(f, kind) for f in handler.filters):
            handler.addFilter(kind())
    if str(app.config.get("LOG_FORMAT", "text")).lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.removeHandler(default_handler)  # records reach the root handler instead

    server_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, _DropServerRequestLines) for f in server_log.filters):
        server_log.addFilter(_DropServerRequestLines())
    app.wsgi_app = AccessLogMiddleware(app.wsgi_app)
