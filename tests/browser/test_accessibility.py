"""Accessibility in a real browser: axe-core on every HTML page, as every role, in normal and
elder-friendly mode; and the sign-in page with the keyboard alone.

Pages are discovered, not listed: for each role the test walks the app's GET routes that take
no URL parameters (or only parameters the seeded world has values for, such as the
organization the org_staff user works for), keeps those that answer 200 with text/html, and
runs axe-core (vendored in tests/browser/vendor/axe-core, injected as an init script, so the
pages keep their real Content-Security-Policy). Violations of impact "serious" or "critical"
fail the test, listed with rule id, targets and page. Tests are split by package, so a failure
names the package whose templates need the fix.

One browser and one seeded app per module (a live server on loopback).
"""

from __future__ import annotations

import math
import os
import random
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core import clock
from core.accounts.models import Role
from core.app import PACKAGES, create_app
from core.auth import AUTHENTICATED, LIBRARY_PUBLIC_ENDPOINTS, PUBLIC, endpoint_roles
from core.db import write_intent
from core.demo import _SEEDERS, DEMO_PASSWORD, SeedContext, _seed_core
from core.extensions import db
from tests.browser.conftest import CHROMIUM
from tests.conftest import BASE_CONFIG, _reset

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("accessibility")]

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# Each role signs in as its demo user (core.demo); None is an anonymous visitor.
ROLE_USERS = {None: None, Role.VOLUNTEER: "volunteer", Role.ORG_STAFF: "orgstaff",
              Role.INSTITUTION_STAFF: "counter", Role.REGULATOR: "regulator",
              Role.ADMIN: "admin", Role.FEED: "feed-market"}
MODES = ("normal", "elder")
AREAS = ("core", *PACKAGES)
FULL_SEED = os.environ.get("A11Y_FULL_SEED", "") == "1"
# Of the pages a role may open, the share that must answer 200 with HTML and be scanned (some
# pages refuse the seeded objects, e.g. another organization's; 3 of 4 answer today).
MIN_SCANNED_SHARE = 2 / 3
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
                targets: v.nodes.slice(0, 4).map(n => n.target.join(" "))}));
}"""
FOCUS_INFO = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const box = e.getBoundingClientRect();
  return {id: e.id, tag: e.tagName.toLowerCase(), type: e.getAttribute("type") || "",
          cls: e.className || "", inMain: !!e.closest("main"),
          outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
          left: box.left, top: box.top, width: box.width, height: box.height};
}"""


@dataclass
class World:
    base_url: str
    app: object
    values: dict[str | None, dict[str, int]]  # role → URL parameter values
    scanned: dict[str, int] = field(default_factory=dict)


def _seed(app) -> tuple[dict, list[str]]:
    """A small world: core's demo seed (organizations, persons, a user per role) and rows for
    the core tables. With A11Y_FULL_SEED=1 each package's demo seeder runs too (slower; more
    rows on the packages' pages); every seeder runs, and the tests fail naming each one that
    raised (a page scanned without its rows proves little)."""
    failed = []
    token = write_intent.set(True)
    try:
        ctx = SeedContext(rng=random.Random(app.config["DEMO_SEED"]), today=clock.today())
        _seed_core(ctx)
        db.session.commit()
        seeders = sorted(_SEEDERS, key=lambda item: (item[0], item[1])) if FULL_SEED else []
        for _order, name, func in seeders:
            try:
                func(ctx)
                db.session.commit()
            except Exception as exc:  # collected, so one failure names every broken seeder
                db.session.rollback()
                failed.append(f"{name}: {type(exc).__name__}: {exc}")
        _fill_core_tables(ctx)
    finally:
        write_intent.reset(token)
    charity = ctx.orgs["social_group"][0]
    home = ctx.orgs["eldercare"][0]
    volunteer = ctx.users["volunteer"]
    common = {"user_id": volunteer.id, "person_id": volunteer.person_id, "org_id": charity.id}
    values = {role: dict(common) for role in ROLE_USERS}
    values[Role.INSTITUTION_STAFF]["org_id"] = home.id
    return values, failed


def _fill_core_tables(ctx: SeedContext) -> None:
    """Rows for the core pages whose tables the demo seed leaves empty: API tokens, a pending
    family link, a holiday, a job run."""
    from core import jobs, workdays
    from core.accounts import services as accounts

    for user in ctx.users.values():
        accounts.create_token(None, user, "accessibility")
    volunteer = ctx.users["volunteer"]
    linked = {link.relative_id for link in accounts.family_links(volunteer.person)}
    elder = next(p for p in ctx.elders if p.id not in linked)
    accounts.declare_family_link(volunteer, volunteer.person, elder.id_number, elder.name,
                                 "grandparent")
    workdays.set_day(date(2026, 10, 1), "国庆节", False)
    workdays.set_day(date(2026, 9, 27), "国庆调休", True)
    db.session.commit()
    if jobs.registered_jobs():
        jobs.run_job(jobs.registered_jobs()[0].id, trigger="manual")


@pytest.fixture(scope="module")
def world(database):
    url, template = database
    _reset(url, template)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        values, failed = _seed(app)
        db.session.remove()
        if failed:
            db.engine.dispose()
            pytest.fail("demo seeders failed: " + "; ".join(failed), pytrace=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    built = World(f"http://127.0.0.1:{server.server_port}", app, values)
    yield built
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()
    if built.scanned:
        total = sum(built.scanned.values())
        print(f"\naccessibility: {total} page scans: " + ", ".join(
            f"{key} {n}" for key, n in sorted(built.scanned.items())))


PHONE_WIDTH = 390


@pytest.fixture(scope="module")
def a11y_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


def _context(browser, world: World, mode: str):
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844}, locale="zh-CN")
    context.add_init_script(script=AXE_SOURCE)  # init scripts are not subject to the CSP
    if mode == "elder":
        context.add_cookies([{"name": "elder", "value": "1", "url": world.base_url}])
    context.set_default_timeout(15000)
    return context


def _sign_in(page, world: World, role) -> None:
    username = ROLE_USERS[role]
    if username is None:
        return
    page.goto(f"{world.base_url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state("load")
    assert page.url.rstrip("/") == world.base_url, f"{username} could not sign in"


def _area(view) -> str:
    return view.__module__.split(".")[0]


def discover(app, role, area: str, values: dict[str, int]) -> list[str]:
    """Paths of the GET pages of ``area`` this role may open."""
    paths = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in LIBRARY_PUBLIC_ENDPOINTS:
                continue
            if rule.rule.startswith("/api/") or rule.endpoint == "static":
                continue
            if _area(app.view_functions[rule.endpoint]) != area:
                continue
            if not set(rule.arguments) <= values.keys():
                continue
            declared = endpoint_roles(rule.endpoint, "GET") or frozenset()
            if not (PUBLIC in declared or (role is not None and (
                    AUTHENTICATED in declared or role in declared))):
                continue
            paths.add(rule.build({a: values[a] for a in rule.arguments},
                                 append_unknown=False)[1])
    return sorted(paths)


def scan(page, url: str | None = None) -> list[str]:
    """axe's serious and critical violations on ``url`` (or on the page as it is)."""
    if url is not None:
        page.goto(url, wait_until="load")
    found = page.evaluate(RUN_AXE)
    return [f"{v['id']} ({v['impact']}, {v['count']}×) {v['help']} → {'; '.join(v['targets'])}"
            for v in found]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", list(ROLE_USERS), ids=lambda r: r or "anonymous")
@pytest.mark.parametrize("area", AREAS)
def test_pages_have_no_serious_accessibility_violations(world, a11y_browser, area, role, mode):
    paths = discover(world.app, role, area, world.values[role])
    extra = area == "core" and role is None  # the error page and forms showing errors
    if not paths and not extra:
        pytest.skip(f"{area} has no pages for {role or 'anonymous'}")
    context = _context(a11y_browser, world, mode)
    page = context.new_page()
    try:
        _sign_in(page, world, role)
        problems, scanned = [], 0
        for path in paths:
            url = world.base_url + path
            answer = context.request.get(url, max_redirects=0)
            kind = answer.headers.get("content-type", "")
            if answer.status >= 500:  # a page nobody can use
                problems.append(f"{path}: HTTP {answer.status} "
                                f"(request {answer.headers.get('x-request-id')})")
                continue
            if answer.status != 200 or not kind.startswith("text/html"):
                continue  # refused for this object, a redirect, a download, JSON
            scanned += 1
            problems += [f"{path}: {v}" for v in scan(page, url)]
            # A phone page never scrolls sideways (issue 15), in either mode.
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE_WIDTH:
                problems.append(f"{path}: scrolls sideways ({width} px on a {PHONE_WIDTH} px phone)")
        if extra:
            scanned += 3
            problems += [f"404 page: {v}" for v in scan(page, world.base_url + "/no-such")]
            for path in ("/login", "/register"):
                page.goto(world.base_url + path)
                page.click("main form button[type=submit]")
                page.wait_for_load_state("load")
                problems += [f"{path} (with errors): {v}" for v in scan(page)]
    finally:
        context.close()
    world.scanned[f"{area}/{role or 'anonymous'}/{mode}"] = scanned
    assert not problems, (f"{len(problems)} serious/critical axe violations or sideways "
                          f"scrolling on {area} pages "
                          f"as {role or 'anonymous'} in {mode} mode:\n" + "\n".join(problems))
    # A scan that reaches few pages proves little: a broken sign-in or a seed that lacks the
    # rows the pages need turns them into redirects and 404s, which are not scanned.
    least = max(1, math.ceil(len(paths) * MIN_SCANNED_SHARE))
    assert scanned >= least, (f"only {scanned} of {len(paths)} {area} pages answered 200 with "
                              f"HTML as {role or 'anonymous'}: at least {least} expected")


def test_axe_is_injected_and_finds_a_known_violation(world, a11y_browser):
    """The harness itself: on a real page with the real CSP, axe runs and reports a button
    without a name and an image without alt text."""
    context = _context(a11y_browser, world, "normal")
    page = context.new_page()
    try:
        page.goto(f"{world.base_url}/login")
        assert scan(page) == []
        page.evaluate("""() => {
          const main = document.querySelector("main");
          main.insertAdjacentHTML("beforeend", '<button type="button"></button><img src="/x.png">');
        }""")
        found = " ".join(scan(page))
        assert "button-name (critical" in found and "image-alt (critical" in found, found
    finally:
        context.close()


def test_sign_in_with_the_keyboard_alone(world, a11y_browser):
    context = _context(a11y_browser, world, "normal")
    page = context.new_page()
    try:
        page.goto(f"{world.base_url}/login")
        # The first Tab lands on the skip link, which shows itself and moves focus to main.
        page.keyboard.press("Tab")
        skip = page.evaluate(FOCUS_INFO)
        assert "skip-link" in skip["cls"], skip
        assert skip["left"] >= 0 and skip["top"] >= 0 and skip["width"] > 0, skip
        assert skip["outline"] != "none" and skip["outlineWidth"] >= 2, skip
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        page.goto(f"{world.base_url}/login")
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            info = page.evaluate(FOCUS_INFO)
            seen.append(info)
            assert info["outline"] != "none" and info["outlineWidth"] >= 2, (
                f"focus not visible on {info}")
            if info["id"] == "username":
                break
        assert seen[-1]["id"] == "username", [s["id"] or s["tag"] for s in seen]
        page.keyboard.type("volunteer")
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_INFO)["id"] == "password"
        page.keyboard.type(DEMO_PASSWORD)
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_INFO)["id"] == "remember"
        page.keyboard.press("Tab")
        button = page.evaluate(FOCUS_INFO)
        assert (button["tag"], button["type"], button["inMain"]) == ("button", "submit", True)
        assert button["outline"] != "none" and button["outlineWidth"] >= 2, button
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUS_INFO)["id"] == "password"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.rstrip("/") == world.base_url
        assert page.locator("h1").first.inner_text().startswith("您好")
    finally:
        context.close()
