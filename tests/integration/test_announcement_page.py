"""The printable deal announcement of a real `mall serve` process, opened in a real headless browser
(Debian's chromium, driven by Playwright): the Chinese text is intact, and a screenshot is kept."""

import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright
from websockets.sync.client import connect

from mall_api import wire
from tests.flow import UNIT_ADDRESS, Auth, filed_plan, launch, seed_libraries
from tests.integration.server import MallProcess

CHROMIUM = "/usr/bin/chromium"  # installed by .ci/run (apt-get install chromium fonts-noto-cjk)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def quote(mall: MallProcess, auth: Auth, auction_id: str, supplier: str, price_fen: int) -> None:
    token = auth("supplier", supplier)["Authorization"][7:]
    with connect(f"{mall.ws_base}/ws/auctions/{auction_id}?token={token}", compression=None, open_timeout=5) as ws:
        ws.recv(timeout=10)
        ws.send(wire.encode(wire.Bid(ref="r", price_fen=price_fen)).decode())
        while not isinstance(frame := wire.server_decoder.decode(ws.recv(timeout=10)), wire.Accepted | wire.Rejected):
            pass
        assert isinstance(frame, wire.Accepted), frame


def deal_announcement(mall: MallProcess, auth: Auth) -> dict[str, Any]:
    http = httpx.Client(base_url=mall.base, timeout=10)
    seed_libraries(http, auth)
    plan = filed_plan(http, auth)
    auction = launch(http, auth, plan["id"], duration_s=2, min_bidders=2)
    quote(mall, auth, auction["id"], "S1", 4_800_000)
    quote(mall, auth, auction["id"], "S2", 4_650_000)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        r = http.get(f"/api/announcements/{auction['id']}-deal")
        if r.status_code == 200:
            return dict(r.json())
        time.sleep(0.1)
    raise AssertionError("no deal announcement")


def test_deal_announcement_renders_in_chromium(tmp_path: Path, auth: Auth) -> None:
    mall = MallProcess(tmp_path).start()
    try:
        deal = deal_announcement(mall, auth)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 900, "height": 1200})
                response = page.goto(f"{mall.base}/announcements/{deal['id']}")
                assert response is not None and response.status == 200
                assert page.evaluate("[document.documentElement.lang, document.characterSet]") == ["zh-CN", "UTF-8"]
                assert page.title() == "教学用台式计算机采购成交结果公告 — 政府采购网上商城"
                text = page.inner_text("body")
                for expected in ("教学用台式计算机采购成交结果公告", "一、项目编号", deal["batch_no"], "三、成交信息",
                                 "供应商名称", "供应商2", "成交金额", "¥46,500.00", "四、主要标的信息",
                                 "台式计算机 i5/16G/512G", "六、公告期限", "自本公告发布之日起1个工作日", "质疑",
                                 "7个工作日内", UNIT_ADDRESS, "赤峰第一中学"):
                    assert expected in text, expected
                shot = tmp_path / "deal-announcement.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                print(f"screenshot: {shot}")
            finally:
                browser.close()
    finally:
        mall.stop()
