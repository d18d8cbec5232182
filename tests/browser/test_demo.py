"""`mall serve --demo`: a fresh data directory becomes a living demo city (seeded and bid on through
the public API, every record marked as demo), and a directory holding real data is refused."""

import subprocess
import time
from pathlib import Path

import httpx
from playwright.sync_api import Browser

from tests.browser.conftest import Site
from tests.browser.support import DESKTOP, screenshots, wait_until
from tests.integration.server import MALL, MallProcess


def test_demo_city_keeps_auctions_running(tmp_path: Path, browser: Browser, shots: Path) -> None:
    mall = MallProcess(tmp_path / "demo", extra_args=["--demo"])
    (tmp_path / "demo").mkdir()
    mall.start()
    try:
        http = httpx.Client(base_url=mall.base, timeout=10)

        def live() -> list[dict[str, object]]:
            items: list[dict[str, object]] = http.get("/api/auctions?status=open").json()["items"]
            return items

        wait_until(lambda: len(live()) >= 3 and all(int(str(a["bidders"])) >= 1 for a in live()), timeout=60,
                   what="three demo auctions with bids")
        assert all(str(a["title"]).endswith("（演示）") for a in live())
        departments = http.get("/api/departments").json()["items"]
        assert departments and all(d["id"].startswith("DEMO-") and d["name"].endswith("（演示）") for d in departments)
        assert http.get("/api/catalog/items/DEMO-PC-01").json()["reference"]["source"] == "jd.com"
        assert (tmp_path / "demo" / "DEMO").exists()
        page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
        try:
            page.goto(f"{mall.base}/")
            page.wait_for_selector("#live-auctions a[href^='/auctions/']")
            assert page.locator("#live-auctions li").count() >= 3
            screenshots(page, shots, "demo-portal")
        finally:
            page.close()
    finally:
        mall.stop()


def test_demo_refuses_a_data_directory_with_real_data(tmp_path: Path, site: Site) -> None:
    real = MallProcess(tmp_path).start()
    try:
        r = httpx.post(f"{real.base}/api/departments", json={"id": "D1", "name": "市教育局"},
                       headers=site.auth("admin", "fin"))
        assert r.status_code == 201
    finally:
        real.stop()
    started = time.monotonic()
    refused = subprocess.run([MALL, "serve", "--demo", "--port", "0"], env={"MALL_DATA_DIR": str(tmp_path),
                             "PATH": str(Path(MALL).parent)}, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0
    assert "not demo data" in refused.stderr
    assert time.monotonic() - started < 20
    assert not (tmp_path / "DEMO").exists()
