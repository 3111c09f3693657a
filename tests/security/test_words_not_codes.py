"""People read words, never codes (issue 15): on every page the crawl reaches, as every role,
the visible text holds no dotted or snake_case identifier and no Python dict or list repr.
Code-like text a person does need (a USCC, a number they type) sits in ``<code>`` or in a form
field, which the scan leaves out. (Bare ``#id`` references are not checked yet: reasons and
decisions stored by credit/lists still cite other records as "记录 #326"; the pages' own ids
are gone.)"""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import DEMO_GROUP
from tests.security.site import ROLE_LOGINS

pytestmark = pytest.mark.xdist_group(DEMO_GROUP)

CODE_LIKE = [
    ("snake_case identifier", re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.@-])")),
    ("dotted code", re.compile(r"(?<![\w/@.-])[a-z][a-z_]*\.[a-z][a-z_]*(?:[.:][a-z0-9_]+)*(?![\w/.@-])")),
    ("Python repr", re.compile(r"\{'[^']*':|\['[^']*'[,\]]|\b(?:None|True|False)\b")),
]
# Text that looks like a code but is what a person expects to read: file names they download.
ALLOWED = re.compile(r"^[\w-]+\.(?:json|py|csv|xlsx|pdf|txt)$")


@pytest.mark.parametrize("role", list(ROLE_LOGINS), ids=lambda r: r or "anonymous")
def test_no_page_shows_a_code_instead_of_words(demo_site, role):
    crawl = demo_site.crawl(role)
    found: dict[str, set] = {}
    for fetched in crawl.fetched:
        if fetched.mimetype != "text/html" or fetched.status >= 400:
            continue
        for piece in fetched.words:
            for what, pattern in CODE_LIKE:
                for match in pattern.findall(piece):
                    if not ALLOWED.match(match):
                        found.setdefault(f"{what}: {match!r}", set()).add(fetched.url)
    assert not found, "\n".join(f"{k} on {sorted(v)[:3]}" for k, v in sorted(found.items()))
