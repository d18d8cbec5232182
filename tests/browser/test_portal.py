"""The public portal (/) and the statistics page (/stats) in real headless Chromium: the list comes
from GET /api/announcements and filters, the charts are SVG drawn on the server (readable with
scripts off), both pages pass axe-core at laptop and phone widths."""

import time
from pathlib import Path

from playwright.sync_api import Browser
from websockets.sync.client import connect

from mall_api import wire
from tests.browser.conftest import Site
from tests.browser.support import DESKTOP, axe_violations, new_auction, screenshots, wait_until


def quote(site: Site, auction_id: str, supplier: str, price_fen: int) -> None:
    token = site.token("supplier", supplier)
    with connect(f"{site.mall.ws_base}/ws/auctions/{auction_id}?token={token}", compression=None,
                 open_timeout=5) as ws:
        ws.recv(timeout=10)
        ws.send(wire.encode(wire.Bid(ref="r", price_fen=price_fen)).decode())
        while not isinstance(frame := wire.server_decoder.decode(ws.recv(timeout=10)), wire.Accepted | wire.Rejected):
            pass
        assert isinstance(frame, wire.Accepted), frame


def awarded_auction(site: Site) -> str:
    auction = new_auction(site, duration_s=2, min_bidders=2)
    quote(site, auction["id"], "S1", 4_800_000)
    quote(site, auction["id"], "S2", 4_650_000)
    wait_until(lambda: site.http.get(f"/api/announcements/{auction['id']}-deal").status_code == 200,
               timeout=20, what="the deal announcement")
    return str(auction["id"])


def test_portal_searches_announcements_and_links_them(
    site: Site, browser: Browser, shots: Path, axe_source: str
) -> None:
    auction_id = awarded_auction(site)
    live = new_auction(site, duration_s=300, min_bidders=2)
    page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    try:
        page.goto(f"{site.base}/")
        assert page.evaluate("[document.documentElement.lang, document.characterSet]") == ["zh-CN", "UTF-8"]
        page.wait_for_selector(f"#live-auctions a[href='/auctions/{live['id']}']")
        page.wait_for_selector(f"#announcements a[href='/announcements/{auction_id}-deal']")
        page.select_option("#kind", "deal")
        page.click("#search button[type=submit]")
        page.wait_for_function("document.querySelector('#search-status').textContent.includes('共显示')")
        kinds = page.locator("#announcements li p").all_inner_texts()
        assert kinds and all(k.startswith("成交结果公告") for k in kinds), kinds
        assert "kind=deal" in page.url
        page.fill("#q", "没有这个项目")
        page.click("#search button[type=submit]")
        page.wait_for_function("document.querySelector('#search-status').textContent.includes('没有符合条件')")
        page.fill("#q", "")
        page.select_option("#kind", "")
        page.click("#search button[type=submit]")
        page.wait_for_function("document.querySelector('#search-status').textContent.includes('共显示')")
        screenshots(page, shots, "portal")
        assert axe_violations(page, axe_source) == []
        page.click(f"#announcements a[href='/announcements/{auction_id}-deal']")
        page.wait_for_load_state()
        assert "成交结果公告" in page.title()
    finally:
        page.close()


def test_statistics_page_draws_svg_charts_without_scripts(
    site: Site, browser: Browser, shots: Path, axe_source: str
) -> None:
    awarded_auction(site)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.base}/stats")
        charts = page.locator("svg.chart")
        assert charts.count() == 4
        titles = page.locator("svg.chart title").all_text_contents()
        assert titles == ["每月节约资金（元）", "每月节约率", "各品目竞价场次",
                          "采购周期分布（备案至成交公告，工作日）"]
        month = time.strftime("%Y年%m月", time.gmtime(time.time() + 8 * 3600))
        savings = page.text_content("#chart-savings") or ""
        assert month in savings and "¥" in savings
        assert "台式计算机" in (page.text_content("#chart-categories") or "")
        assert page.locator("#chart-cycles rect").count() == 7
        cycles = site.http.get("/api/stats", params={"by": "cycle"}).json()["items"]
        deals = sum(row["auctions"] for row in cycles)
        assert deals >= 1 and f"采购周期分布（共{deals}个成交项目）" in page.inner_text("#fig-cycles-caption")
        assert "节约率" in page.inner_text("dl.totals")
        screenshots(page, shots, "statistics")
    finally:
        context.close()
    page = browser.new_page(viewport=DESKTOP)
    try:
        page.goto(f"{site.base}/stats")
        assert axe_violations(page, axe_source) == []
    finally:
        page.close()
