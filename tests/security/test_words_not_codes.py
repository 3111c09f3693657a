"""People read words, never codes (issue 15): on every page the crawl reaches, as every role,
the visible text holds no dotted or snake_case identifier and no Python dict or list repr.
Code-like text a person does need (a USCC, a number they type) sits in ``<code>`` or in a form
field, which the scan leaves out. Records cite each other by what a person knows them by (a
decision number, a date), never by a bare ``#id``."""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import DEMO_GROUP
from tests.security.site import ROLE_LOGINS

pytestmark = pytest.mark.xdist_group(DEMO_GROUP)

CODE_LIKE = [
    ("snake_case identifier", re.compile(r"(?<![\w/.@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/.@-])")),
    ("dotted code", re.compile(r"(?<![\w/@.-])[a-z][a-z_]*\.[a-z][a-z_]*(?:[.:][a-z0-9_]+)*(?![\w/.@-])")),
    ("bare #id", re.compile(r"(?<![\w&])#\d+\b")),
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


def test_every_audited_action_in_the_demo_has_its_own_words(demo_site):
    """The audit trail reads as sentences: every action the demo city recorded has words of its
    own (not only its group's), and the filter offers them by words."""
    import sqlalchemy as sa

    from core import audit

    actions = set(demo_site.scalars(sa.select(audit.AuditRecord.action).distinct()))
    assert len(actions) > 40  # the demo exercises most of the product
    with demo_site.app.test_request_context():
        words = {action: audit.action_label(action) for action in actions}
        assert not [action for action, label in words.items() if label is None]
        own = {action for action in actions if action in audit._ACTION_WORDS}
        assert actions - own == set(), "actions with only their group's words"
        assert str(words["credit.entry.published"]) == "列入名单并公示"
        assert ("credit.entry", "\u3000名单记录") in audit.action_choices()  # under 信用监管
    audit_pages = [f for f in demo_site.crawl("admin").fetched
                   if f.url.startswith("/admin/audit") and f.status == 200]
    assert audit_pages, "the crawl reaches the audit trail"
    text = " ".join(audit_pages[0].words)
    assert any(str(w) in text for w in words.values() if w)
