"""The README's screenshots (docs/screenshots): each role's home and main job on the demo data,
first screen only, on a 1280×900 desktop and a 390×844 phone, in Chromium.

    make run                      # in one terminal: the demo on http://127.0.0.1:5000
    .venv/bin/python tools/screenshots.py [--base http://127.0.0.1:5000] [name ...]

Names are the file stems below without the size ("counter-flow"); none: all of them. Pages
that need a step first (a member presenting at the counter) take it through the demo's own
accounts, as a person would.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PASSWORD = "demo12345"  # noqa: S105 (the demo's published password, docs/demo-data.md)
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _counter_member(page, base, size):
    """A member shows a pay code; the clerk types it at the counter (the member's page). Each
    size asks another demo member: pay codes are rate-limited per person."""
    context = page.context.browser.new_context()
    phone = context.new_page()
    _sign_in(phone, base, "volunteer" if size == "desktop" else "volunteer2")
    phone.goto(f"{base}/timebank/pay")
    with phone.expect_navigation():
        phone.click("main form button[type=submit]")
    if not phone.locator("#pay-code").count():
        raise SystemExit(f"no pay code for the demo member: {phone.inner_text('main')[:300]}")
    code = phone.inner_text("#pay-code").strip()
    context.close()
    page.goto(f"{base}/timebank/counter")
    page.fill("#q", code)
    with page.expect_navigation():
        page.click("button[type=submit].primary")


# stem: (who signs in, path, a step to take first instead of opening the path)
SHOTS = {
    "public-home": (None, "/", None),
    "public-verify": (None, "/verify", None),
    "public-red-list": (None, "/credit/public/lists/red", None),
    "volunteer-home": ("volunteer", "/", None),
    "volunteer-log-session": ("volunteer", "/timebank/sessions/new", None),
    "orgstaff-home": ("orgstaff", "/", None),
    "orgstaff-volunteers": ("orgstaff", "/timebank/org/volunteers", None),
    "counter-home": ("counter", "/timebank/counter", None),
    "counter-member": ("counter", None, _counter_member),
    "regulator-credit": ("regulator", "/credit/", None),
    "regulator-timebank-stats": ("regulator", "/timebank/stats", None),
    "regulator-charity-dashboard": ("regulator", "/charity/dashboard", None),
}


def _sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    wanted = args.names or list(SHOTS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        # One sign-in per person (sign-ins are rate-limited), both sizes from it.
        for user in dict.fromkeys(SHOTS[name][0] for name in wanted):
            context = browser.new_context(locale="zh-CN")
            page = context.new_page()
            if user:
                _sign_in(page, args.base, user)
            for name in (n for n in wanted if SHOTS[n][0] == user):
                _user, path, step = SHOTS[name]
                for size, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    if step:
                        step(page, args.base, size)
                    else:
                        page.goto(f"{args.base}{path}")
                    page.wait_for_timeout(800)  # charts draw after load
                    picture = Image.open(io.BytesIO(page.screenshot()))
                    target = OUT / f"{name}-{size}.jpg"
                    picture.convert("RGB").save(target, quality=70, optimize=True)
                    print(target.relative_to(OUT.parent.parent))
            context.close()
        browser.close()

if __name__ == "__main__":
    main()
