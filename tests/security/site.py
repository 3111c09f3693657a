"""The seeded demo city the security tests walk, and the crawler that walks it.

``DemoSite`` holds an app over its own database (SQLite file, or a PostgreSQL database of its
own next to the worker's test database) with the full demo seeded once, the ID numbers and
phones of every person in it (read back through the ORM, i.e. decrypted), an API token for
each demo login, and ``crawl(role)``: every page reachable by links from the home page as that
role (bounded), every GET API endpoint, every export and certificate PDF met on the way, and
the log output of all of it. What a crawl finds is kept, so the leak test and the CSRF test
share one seed and one crawl per role.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import sqlalchemy as sa

from core.ids import UNMASKED_ID_PATTERN, is_valid_id_number
from tests.conftest import DEMO_LOGINS

MAX_PAGES = 300  # per role
MAX_VARIANTS = 3  # URLs per path that differ only in their query string (pagers, filters)
MAX_PER_TEMPLATE = 12  # URLs per path shape (/credit/public/subjects/<n>…): breadth first
API_SAMPLES = 3  # ids tried per id-bearing GET API route

# Demo logins for each role (core/demo.py); None is the anonymous visitor.
ROLE_LOGINS = {None: None, **DEMO_LOGINS}  # None: anonymous

_NUMBERS = re.compile(r"\d+")
_DIGIT_RUN = re.compile(r"\d{11,}[Xx]?")
_MOBILE = re.compile(r"(?<![\dA-Za-z])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![\dA-Za-z])")
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- finding personal data in text ---------------------------------------------------------

@dataclass
class Secrets:
    """The demo's personal data, as the application knows it (decrypted)."""

    id_numbers: set[str]
    phones: set[str]

    def find(self, text: str) -> list[str]:
        """What in ``text`` is a full ID number or phone (a known one, or anything shaped and
        checksummed like an ID number, or shaped like a mainland mobile number)."""
        found = []
        for run in _DIGIT_RUN.findall(text):
            run = run.upper()
            for i in range(len(run) - 17):
                if run[i:i + 18] in self.id_numbers:
                    found.append(f"ID number {run[i:i + 18]}")
            digits = run.rstrip("X")
            for i in range(len(digits) - 10):
                if digits[i:i + 11] in self.phones:
                    found.append(f"phone {digits[i:i + 11]}")
        for match in UNMASKED_ID_PATTERN.finditer(text):
            value = match.group().upper()
            if is_valid_id_number(value) and f"ID number {value}" not in found:
                found.append(f"ID-shaped number {value}")
        for match in _MOBILE.finditer(text):
            digits = re.sub(r"\D", "", match.group())[-11:]
            if f"phone {digits}" not in found:
                found.append(f"mobile-shaped number {match.group()}")
        return found


def raw_select(table):
    """Every row of ``table`` as stored: untyped columns, so encrypted ones stay tokens."""
    return sa.select(*(sa.column(c.name) for c in table.columns)).select_from(
        sa.table(table.name))


# --- reading responses ---------------------------------------------------------------------

class PageParser(HTMLParser):
    """Links, forms (method, action, input names and values) and visible words of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self.words: list[str] = []  # visible text, outside _HIDDEN_TEXT elements
        self._form = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _HIDDEN_TEXT:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(),
                          "action": attrs.get("action") or "", "inputs": {}}
            self.forms.append(self._form)
        elif tag in ("input", "button", "select", "textarea") and self._form is not None \
                and attrs.get("name"):
            self._form["inputs"].setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag in _HIDDEN_TEXT and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.words.append(data.strip())


# Elements whose text a reader never sees as words (code, machine data, editable values).
_HIDDEN_TEXT = {"script", "style", "code", "textarea", "title", "option"}


def response_text(response) -> str:
    """Everything a reader of the response could see, as text (HTML and JSON raw, CSV decoded,
    XLSX cells, PDF text with and without whitespace)."""
    mime = response.mimetype or ""
    body = response.get_data()
    if mime == _XLSX:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
        cells = [str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                 for value in row if value is not None]
        return "\n".join(cells)
    if mime == "application/pdf":
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
        return text + "\n" + re.sub(r"\s+", "", text)
    return body.decode("utf-8-sig", errors="replace")


def local_url(href: str) -> str | None:
    """A same-site path (with its query) to follow, or None."""
    href = urldefrag(href.strip())[0]
    parts = urlsplit(href)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc not in ("localhost", "127.0.0.1"):
        return None
    path = parts.path or ""
    if not path.startswith("/") or path.startswith("//") or path.startswith("/static/"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


# --- log capture ---------------------------------------------------------------------------

class RecordCollector(logging.Handler):
    """What pytest's caplog does: keep every record that reaches the root logger, unformatted
    and unfiltered (the raw message, its arguments merged in, any traceback)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.texts.append(f"{record.name}: {text} {getattr(record, 'path', '')}")


class CapturedLogs:
    """Both views of the log while a block runs: every raw record (caplog-style) and the
    output of the application's own handler (core.logging, masking filter included)."""

    def __enter__(self):
        from core.logging import _civic_handler

        self.root = logging.getLogger()
        self.level = self.root.level
        self.collector = RecordCollector()
        self.root.addHandler(self.collector)
        self.root.setLevel(logging.DEBUG)
        self.output = io.StringIO()
        self.handler = _civic_handler()
        self.stream = self.handler.setStream(self.output) if self.handler else None
        return self

    def __exit__(self, *exc):
        self.root.removeHandler(self.collector)
        self.root.setLevel(self.level)
        if self.handler is not None:
            self.handler.setStream(self.stream)
        self.records = self.collector.texts
        self.text = self.output.getvalue()
        return False


# --- the crawl -----------------------------------------------------------------------------

@dataclass
class Fetched:
    url: str
    status: int
    mimetype: str
    forms: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # the page's visible text, piece by piece


@dataclass
class CrawlResult:
    role: str | None
    fetched: list[Fetched] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)  # "<url>: <what>"
    log_leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # 5xx responses met on the way
    log_records: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for f in self.fetched if kind in f.mimetype)


class Crawler:
    """Walks the site as one role through an IsolatedClient, scanning every response."""

    def __init__(self, site, role: str | None):
        self.site, self.role = site, role
        self.client = site.app.test_client()
        self.result = CrawlResult(role)
        self.seen: set[str] = set()
        self.variants: Counter = Counter()
        self.templates: Counter = Counter()
        self.token = site.tokens.get(role)
        if role is not None:
            user = site.users[ROLE_LOGINS[role]]
            with self.client.session_transaction() as session:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True

    def fetch(self, url: str, *, api: bool = False, method: str = "GET", **kwargs):
        headers = kwargs.pop("headers", {})
        if api and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        client = self.site.app.test_client() if api else self.client  # API: token, no cookie
        response = client.open(url, method=method, headers=headers, **kwargs)
        fetched = Fetched(url, response.status_code, response.mimetype or "")
        if response.status_code >= 500:
            self.result.errors.append(f"{method} {url}: {response.status_code}")
        if response.status_code < 300 or response.status_code >= 400:
            text = response_text(response)
            self.result.leaks += [f"{url}: {what}" for what in self.site.secrets.find(text)]
            if fetched.mimetype == "text/html":
                parser = PageParser()
                parser.feed(text)
                fetched.forms = parser.forms
                fetched.links = parser.links
                fetched.words = parser.words
        self.result.fetched.append(fetched)
        return response, fetched

    def pages(self) -> None:
        queue = deque(["/"])
        while queue and len(self.seen) < MAX_PAGES:
            url = queue.popleft()
            if url in self.seen:
                continue
            self.seen.add(url)
            _response, fetched = self.fetch(url)
            for href in fetched.links:
                target = local_url(href)
                if target is None or target in self.seen:
                    continue
                path = target.split("?")[0]
                template = _NUMBERS.sub("#", path)
                if self.templates[template] >= MAX_PER_TEMPLATE or (
                        "?" in target and self.variants[path] >= MAX_VARIANTS):
                    continue
                self.templates[template] += 1
                self.variants[path] += "?" in target
                queue.append(target)

    def api(self) -> None:
        from tests.security.routes import sample_ids

        with self.site.app.test_request_context():
            rules = [r for r in self.site.app.url_map.iter_rules()
                     if r.rule.startswith("/api/v1/") and "GET" in r.methods]
        for rule in sorted(rules, key=lambda r: r.rule):
            if not rule.arguments:
                self.fetch(rule.rule, api=True)
                self.fetch(f"{rule.rule}?page_size=100", api=True)
                continue
            for values in sample_ids(self.site, rule, API_SAMPLES):
                self.fetch(rule.build(values, append_unknown=False)[1], api=True)

    def typed_lookups(self) -> None:
        """Flows where someone types a full ID number: the counter's member look-up (a POSTed
        form, never a URL) and the look-up APIs (the number in the query string)."""
        person_number = sorted(self.site.secrets.id_numbers)[0]
        if self.role == "institution_staff":
            page = self.client.get("/timebank/counter")
            token = _csrf(page.get_data(as_text=True))
            response, _ = self.fetch("/timebank/counter", method="POST",
                                     data={"csrf_token": token, "q": person_number})
            if response.status_code == 302:
                self.fetch(local_url(response.headers["Location"]))
        if self.role in ("institution_staff", "regulator", "admin", "org_staff"):
            self.fetch(f"/api/v1/accounts/persons/lookup?id_number={person_number}", api=True)
        if self.role in ("regulator", "admin"):
            self.fetch(f"/api/v1/timebank/members/lookup?q={person_number}", api=True)
        if self.role == "institution_staff":  # the member shows the card (a POSTed number)
            self.fetch("/api/v1/timebank/counter/presentations", method="POST", api=True,
                       json={"id_number": person_number})

    def certificates(self) -> None:
        from timebank.models import Certificate

        numbers = self.site.scalars(sa.select(Certificate.number))
        for number in numbers:
            self.fetch(f"/timebank/certificates/{number}.pdf")
            self.fetch(f"/verify/{number}")

    def run(self) -> CrawlResult:
        with CapturedLogs() as logs:
            self.pages()
            self.api()
            self.typed_lookups()
            if self.role in ("volunteer", "regulator", "admin"):
                self.certificates()
        for text in logs.records:
            self.result.log_leaks += [f"log record: {what} in {text[:200]!r}"
                                      for what in self.site.secrets.find(text)]
        self.result.log_leaks += [f"app log handler: {what}"
                                  for what in self.site.secrets.find(logs.text)]
        self.result.log_records = len(logs.records)
        return self.result


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    return match.group(1) if match else ""
