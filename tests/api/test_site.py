"""The site's pages in-process: every page answers in Chinese with its module, the static files are
served with the types browsers need for ES modules, the statistics charts are SVG on the server, and
the demo's simulated bidders only quote what the rules accept."""

import random
import re

import pytest
from starlette.testclient import TestClient

from mall_api import wire
from mall_api.demo.bidders import next_price
from mall_api.web.charts import Bar, bar_chart, histogram
from tests.flow import Auth, filed_plan, launch, seed_libraries


@pytest.mark.parametrize(("path", "module"), [
    ("/", "/static/portal.js"), ("/auctions/{id}", "/static/room.js"), ("/buyer", "/static/buyer.js"),
    ("/review", "/static/review.js"), ("/admin", "/static/admin.js"),
])
def test_every_page_is_chinese_and_loads_its_module(client: TestClient, auth: Auth, path: str, module: str) -> None:
    if "{id}" in path:
        seed_libraries(client, auth)
        path = path.format(id=launch(client, auth, filed_plan(client, auth)["id"])["id"])
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text and f'<script type="module" src="{module}">' in r.text
    assert 'href="/static/site.css"' in r.text and "http://" not in r.text and "https://" not in r.text
    js = client.get(module)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_the_room_of_no_auction_is_a_404_page(client: TestClient) -> None:
    r = client.get("/auctions/%3Cscript%3Ex")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "竞价不存在" in r.text and "<script>x" not in r.text


def test_static_files_are_the_packaged_ones(client: TestClient) -> None:
    assert client.get("/static/site.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


def test_statistics_page_draws_the_figures_of_api_stats(client: TestClient, auth: Auth) -> None:
    empty = client.get("/stats")
    assert empty.status_code == 200 and empty.text.count("<svg") == 4 and "暂无数据" in empty.text
    seed_libraries(client, auth)
    launch(client, auth, filed_plan(client, auth)["id"])
    r = client.get("/stats")
    assert "台式计算机" in r.text and "1场" in r.text
    assert "<svg" in r.text and 'role="img"' in r.text and "<script" not in r.text


def test_cycle_distribution_is_public_too(client: TestClient) -> None:
    r = client.get("/api/stats", params={"by": "cycle"})
    assert r.status_code == 200 and r.json() == {"by": "cycle", "items": []}


def test_bar_chart_scales_to_the_largest_value_and_escapes_labels() -> None:
    svg = str(bar_chart("c", "标题", [Bar("<b>", 50, "50"), Bar("乙", 100, "100")]))
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert widths == [pytest.approx(125.0), pytest.approx(250.0)]  # of the 250 units between label and value
    assert "暂无数据" in str(bar_chart("e", "空", []))


def test_histogram_counts_whole_working_days_with_an_open_top_bucket() -> None:
    counts = dict(histogram([0, 0.5, 1, 3, 6, 9], top_bucket=6))
    assert counts == {"0个工作日": 2, "1个工作日": 1, "2个工作日": 0, "3个工作日": 1, "4个工作日": 0,
                      "5个工作日": 0, "6个工作日及以上": 2}


def snapshot(best: int | None, mine: int | None, ceiling: int = 100_000, step: int = 100) -> wire.Snapshot:
    return wire.Snapshot(auction_id="A1", status="open", mode="open", opens_at="", closes_at="", ceiling_fen=ceiling,
                         min_decrement_fen=step, best_fen=best, bidders=1, seq=1, now="",
                         you=wire.You(best_fen=mine, rank=None))


@pytest.mark.parametrize("seed", range(50))
def test_demo_bidders_quote_what_the_rules_accept(seed: int) -> None:
    rng = random.Random(seed)
    for best, mine in ((None, None), (95_000, None), (95_000, 96_000), (90_000, 90_000)):
        price = next_price(snapshot(best, mine), rng)
        if price is not None:
            assert price <= 100_000 and (mine is None or price <= mine - 100) and price >= 85_000
    assert next_price(snapshot(85_000, 85_000), rng) is None  # at the floor it holds back
