"""Real-browser fixtures: the app served on a loopback port, and headless Chromium
through Playwright (Debian's /usr/bin/chromium; the tests skip, saying so, without it)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(config, items):
    if HAVE_CHROMIUM:
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: browser test skipped")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def live_server(app):
    """The test app served over real HTTP on 127.0.0.1 (a thread in this process)."""
    app.config["RATELIMIT_ENABLED"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    """Headless Chromium, one per test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser page (phone-sized viewport: most volunteers are on phones)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def exchange(app, make):
    """A charity with a staff member (charitystaff), and a company whose staff member
    (donorstaff) already offers rice; ids of the charity and of rice, committed and closed so
    the browser's requests see them."""
    from datetime import timedelta

    from charity import items, posting
    from core import clock
    from core.db import write_intent
    from core.extensions import db
    from core.orgs.models import OrgKind

    token = write_intent.set(True)
    try:
        items.seed_items(None)
        charity = make.org(OrgKind.SOCIAL_GROUP, name="常州市天宁区志愿者协会")
        make.user("org_staff", org=charity, username="charitystaff")
        company = make.org(OrgKind.COMPANY, name="常州青果食品有限公司")
        donor = make.user("org_staff", org=company, username="donorstaff")
        rice = items.find_item("rice")
        posting.create_offer(donor, company.id, {
            "item_id": rice.id, "quantity": 200, "district_id": make.district().id,
            "address": "天宁区青果巷 8 号", "available_until": clock.now() + timedelta(days=20)})
        ids = {"charity": charity.id, "rice": rice.id}
        db.session.commit()
        db.session.close()
        return ids
    finally:
        write_intent.reset(token)
