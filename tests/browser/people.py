"""How a person sees a page, for the journey tests (issue 15): a browser context per screen
(phone, desktop, phone in elder mode), and what every page of a journey must give them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    name: str
    width: int
    height: int
    elder: bool = False


SCREENS = [Screen("phone", 390, 844), Screen("desktop", 1280, 900),
           Screen("elder-phone", 390, 844, elder=True)]


def open_screen(browser, base_url: str, screen: Screen):
    """A fresh context and page at ``screen``'s size, in elder mode when it says so."""
    context = browser.new_context(viewport={"width": screen.width, "height": screen.height},
                                  locale="zh-CN")
    if screen.elder:
        host = base_url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "elder", "value": "1", "domain": host, "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def reads_well(page, screen: Screen) -> str:
    """What every page of a journey owes its person: no sideways scrolling, the page's own
    heading on the first screen (the menu folds in elder mode), elder mode really on; returns
    the visible text for the journey's own assertions."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen.width, f"{page.url}: scrolls sideways ({width} > {screen.width})"
    heading_top = page.evaluate(
        "document.querySelector('main h1').getBoundingClientRect().top + window.scrollY")
    assert heading_top < screen.height, f"{page.url}: first heading at {heading_top}px"
    assert (page.locator("html.elder").count() == 1) == screen.elder
    return page.inner_text("main")
