"""What a request may carry before any view sees it: a body size limit (uploads declare their
own), and JSON and text the database and the response can hold.

- ``MAX_CONTENT_LENGTH`` bounds every request body (413 past it). A view that takes a file
  declares its own limit with ``@upload_limit(bytes)``; ``Request.max_content_length`` reads
  it, so the limit holds from the first byte read, whoever reads the body first (CSRF, this
  module, the view).
- JSON nested deeper than ``MAX_JSON_DEPTH`` is a 400 (Python's parser would otherwise raise
  RecursionError, a 500, or hand the schemas a structure nobody sends).
- A lone UTF-16 surrogate (``"\\ud800"`` is valid JSON) cannot be encoded as UTF-8: the
  database driver and the JSON response fail on it (500). A 400.
- A NUL character (U+0000) in the path, the query, a form field or a JSON string is a 400:
  no real text holds one, and PostgreSQL cannot store or even compare it. Uploaded files are
  bytes and are not looked at.
"""

from __future__ import annotations

import json
import re

from flask import Request, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 32  # the deepest schema (a roster: body → volunteers → item) is 3
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the other fields of an upload form
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def upload_limit(max_bytes: int):
    """Declare that a view (function, MethodView class or method) accepts a body of up to
    ``max_bytes`` (the file) plus the form around it, instead of ``MAX_CONTENT_LENGTH``."""

    def mark(target):
        target.__upload_limit__ = int(max_bytes) + FORM_OVERHEAD
        return target

    return mark


def _declared_limit(endpoint: str | None, method: str) -> int | None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        found = getattr(handler, "__upload_limit__", None)
        return found if found is not None else getattr(view_class, "__upload_limit__", None)
    return getattr(view, "__upload_limit__", None)


class BoundedRequest(Request):
    """A request whose body limit is the view's upload limit, else MAX_CONTENT_LENGTH."""

    @property
    def max_content_length(self) -> int | None:
        if self._max_content_length is None and current_app:
            declared = _declared_limit(self.endpoint, self.method)
            if declared is not None:
                return declared
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        Request.max_content_length.fset(self, value)


def refuse_bad_input():
    """before_request: 400 for NUL characters anywhere, lone surrogates and deep nesting in
    JSON. Runs after routing (404/405 first) and before the role check reads the session."""
    if "\x00" in request.path or _holds_bad_text(request.args) or _holds_bad_text(request.form):
        raise BadRequest()
    if request.is_json and request.content_length != 0:
        raw = request.get_data(cache=True)
        if not raw.strip():
            return
        try:
            value = json.loads(raw)
        except RecursionError:
            raise BadRequest(f"JSON nested too deeply (at most {MAX_JSON_DEPTH} levels)") \
                from None
        except ValueError:
            return  # not JSON at all: the schema's parser answers, as before
        if _too_deep_or_bad(value):
            raise BadRequest(f"JSON nested deeper than {MAX_JSON_DEPTH} levels, or holding "
                             "a NUL character or a lone surrogate")


def _holds_bad_text(values: MultiDict) -> bool:
    return any(_BAD_TEXT.search(k) or (isinstance(v, str) and _BAD_TEXT.search(v))
               for k, v in values.items(multi=True))


def _too_deep_or_bad(value) -> bool:
    """Walk the parsed JSON without recursion (the depth is what is being checked)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _BAD_TEXT.search(item):
                return True
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                return True
            children = item.items() if isinstance(item, dict) else ((None, v) for v in item)
            for key, child in children:
                if key is not None and _BAD_TEXT.search(key):
                    return True
                stack.append((child, depth + 1))
    return False
