"""What the browser tests do again and again: open a page as someone, bid, screenshot, check axe."""

import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, WebSocket

from tests.browser.conftest import Site
from tests.flow import filed_plan, launch

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def new_auction(site: Site, **terms: Any) -> dict[str, Any]:
    plan = filed_plan(site.http, site.auth)
    return launch(site.http, site.auth, plan["id"], **terms)


class Room:
    """A supplier's bidding room in its own browser context, recording every frame the page sends."""

    def __init__(self, browser: Browser, base: str, auction_id: str, token: str) -> None:
        self.context: BrowserContext = browser.new_context(viewport=DESKTOP, locale="zh-CN",
                                                           timezone_id="Asia/Shanghai")
        self.page: Page = self.context.new_page()
        self.sent: list[str] = []
        self.sockets = 0
        self.page.on("websocket", self._watch)
        self.page.goto(f"{base}/auctions/{auction_id}")
        self.page.fill("#token", token)
        self.page.click("text=登录并进入竞价室")
        self.page.wait_for_selector("#connection:has-text('已连接')")

    def _watch(self, socket: WebSocket) -> None:
        self.sockets += 1
        socket.on("framesent", lambda payload: self.sent.append(str(payload)))

    def bid(self, yuan: str) -> None:
        self.page.fill("#price", yuan)
        self.page.click("#bid-submit")

    def text(self, selector: str) -> str:
        return self.page.inner_text(selector)

    def wait_text(self, selector: str, expected: str, timeout: float = 10) -> None:
        self.page.wait_for_function(
            "([s, t]) => document.querySelector(s) && document.querySelector(s).textContent.includes(t)",
            arg=[selector, expected], timeout=timeout * 1000)

    def close(self) -> None:
        self.context.close()


def screenshots(page: Page, folder: Path, name: str) -> list[Path]:
    """The page at laptop and phone widths, whole, kept under the test's tmp dir."""
    taken = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)
        path = folder / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000
        taken.append(path)
    page.set_viewport_size(DESKTOP)
    print(f"screenshots: {', '.join(map(str, taken))}")
    return taken


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(content=axe_source)
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
    return found


def wait_until(predicate: Any, timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
