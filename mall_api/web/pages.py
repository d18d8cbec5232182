"""The site's pages. Each is a shell its ES module fills through the public API, except the
statistics page, which is whole on arrival (charts drawn here, as SVG)."""

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mall_api.context import mall
from mall_api.printable import yuan
from mall_api.web.charts import Bar, bar_chart, histogram
from mall_api.web.templating import render

STATIC_PATH = "/static"


async def portal(_request: Request) -> Response:
    return HTMLResponse(render("site_portal.html", "/"))


async def auction_room(request: Request) -> Response:
    """The room's shell; 404 for an id that names no auction (the module reads the rest live)."""
    m = mall(request)
    auction_id = request.path_params["auction_id"]
    if m.registry.get(auction_id) is None and await m.log.meta(auction_id) is None:
        return HTMLResponse(render("site_missing.html", "", what="竞价"), status_code=404)
    return HTMLResponse(render("site_room.html", "", auction_id=auction_id))


async def buyer_console(_request: Request) -> Response:
    return HTMLResponse(render("site_buyer.html", "/buyer"))


async def review_queue(_request: Request) -> Response:
    return HTMLResponse(render("site_review.html", "/review"))


async def admin_console(_request: Request) -> Response:
    return HTMLResponse(render("site_admin.html", "/admin"))


def _month(key: str) -> str:
    year, _, month = key.partition("-")
    return f"{year}年{month}月" if month else key


async def statistics(request: Request) -> Response:
    """The figures of `GET /api/stats` (totals, `by=month`, `by=category`, `by=cycle`) with four charts."""
    m = mall(request)
    totals: dict[str, Any] = {"suppliers": await m.docs.count("supplier"), **await m.projector.stats.totals()}
    months = await m.projector.stats.groups("month")
    categories = await m.projector.stats.groups("category")
    docs = await m.docs.get_many("category", [c["key"] for c in categories])
    for category, doc in zip(categories, docs, strict=True):
        category["name"] = (doc or {}).get("name") or category["key"]
    distribution = await m.projector.stats.cycle_distribution()
    cycles = [float(row["working_days"]) for row in distribution for _ in range(row["auctions"])]
    for month in months:
        month["label"] = _month(month["key"])
    charts = {
        "savings": bar_chart("chart-savings", "每月节约资金（元）",
                             [Bar(x["label"], x["savings_fen"], yuan(x["savings_fen"])) for x in months]),
        "rate": bar_chart("chart-rate", "每月节约率",
                          [Bar(x["label"], x["saving_rate"], f"{x['saving_rate']:.2%}") for x in months],
                          colour="#1d5fa8"),
        "categories": bar_chart("chart-categories", "各品目竞价场次",
                                [Bar(x["name"], x["bidding_announcements"], f"{x['bidding_announcements']}场")
                                 for x in categories], colour="#2e7d32"),
        "cycles": bar_chart("chart-cycles", "采购周期分布（备案至成交公告，工作日）",
                            [Bar(label, n, f"{n}个项目") for label, n in histogram(cycles)], colour="#6a4c93"),
    }
    return HTMLResponse(render("site_stats.html", "/stats", totals=totals, months=months,
                               categories=categories, charts=charts, cycles=len(cycles)))


routes = [
    Route("/", portal, methods=["GET"]),
    Route("/stats", statistics, methods=["GET"]),
    Route("/auctions/{auction_id}", auction_room, methods=["GET"]),
    Route("/buyer", buyer_console, methods=["GET"]),
    Route("/review", review_queue, methods=["GET"]),
    Route("/admin", admin_console, methods=["GET"]),
    Mount(STATIC_PATH, StaticFiles(packages=[("mall_api", "static")]), name="static"),
]
