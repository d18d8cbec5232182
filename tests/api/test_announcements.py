"""Announcements from real auctions: the deal announcement's national-format fields (JSON), and the
printable page (`/announcements/{id}`) in Chinese, UTF-8, with nothing loaded from elsewhere."""

import re
from typing import Any

from starlette.testclient import TestClient

from engine.calendar import DEFAULT_CALENDAR
from mall_api.clock import from_rfc3339, to_rfc3339
from tests.flow import UNIT_ADDRESS, UNIT_CONTACT, Auth, seed_libraries
from tests.transparency import cancel_auction, run_auction


def test_deal_announcement_carries_every_field(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    auction = run_auction(client, auth, {"S1": 4_800_000, "S2": 4_700_000}, min_bidders=2)
    assert auction["status"] == "awarded"
    deal: dict[str, Any] = client.get(f"/api/announcements/{auction['deal_announcement_id']}").json()
    assert deal["kind"] == "deal" and deal["heading"] == "成交结果公告"
    assert deal["project_no"] == deal["batch_no"] == auction["batch_no"]
    assert deal["project_name"] == deal["title"] == "教学用台式计算机采购"
    assert deal["buyer"] == {"id": "U1", "name": "赤峰第一中学", "department_id": "D1", "address": UNIT_ADDRESS,
                             "contact": UNIT_CONTACT}
    assert deal["supplier"] == {"id": "S2", "name": "供应商2", "address": "赤峰市红山区昭乌达路2号"}
    assert deal["price_fen"] == deal["amount_fen"] == 4_700_000
    assert deal["goods"] == [{"sku": "PC-001", "name": "台式计算机 i5/16G/512G", "spec": {"cpu": "i5"}, "unit": "台",
                              "quantity": 10, "unit_price_fen": 470_000}]
    assert (deal["reference_price_fen"], deal["reference_source"]) == (500_000, "jd.com")
    assert (deal["budget_fen"], deal["savings_fen"]) == (4_900_000, 200_000)
    closed = from_rfc3339(deal["closed_at"])
    assert deal["published_at"] == deal["closed_at"]
    period_end = DEFAULT_CALENDAR.add_working_days(closed, 1)
    assert (deal["period_working_days"], deal["period_ends_at"]) == (1, to_rfc3339(period_end))
    complaints = DEFAULT_CALENDAR.add_working_days(period_end, 7)
    assert (deal["complaint_working_days"], deal["complaint_ends_at"]) == (7, to_rfc3339(complaints))
    assert deal["abnormally_low"] is None
    assert deal["audit"]["seq"] == auction["seq"] and re.fullmatch("[0-9a-f]{64}", deal["audit"]["link"])
    bidding = client.get(f"/api/announcements/{auction['announcement_id']}").json()
    assert bidding["heading"] == "竞价公告" and bidding["buyer"]["address"] == UNIT_ADDRESS


def test_printable_page_is_chinese_utf8_and_self_contained(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    auction = run_auction(client, auth, {"S1": 4_800_000, "S2": 4_700_000}, min_bidders=2)
    r = client.get(f"/announcements/{auction['deal_announcement_id']}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    html = r.content.decode("utf-8")
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    for text in ("教学用台式计算机采购成交结果公告", "项目编号", auction["batch_no"], "供应商2",
                 "赤峰市红山区昭乌达路2号", "¥47,000.00", "台式计算机 i5/16G/512G", "cpu：i5", "¥4,700.00",
                 "¥5,000.00", "jd.com", "¥2,000.00", "节约率4.08%", "公告期限", "自本公告发布之日起1个工作日",
                 "7个工作日内", UNIT_ADDRESS, UNIT_CONTACT):
        assert text in html, text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no CDN, nothing fetched from elsewhere
    assert "<script" not in html
    bidding = client.get(f"/announcements/{auction['announcement_id']}").text
    assert "教学用台式计算机采购竞价公告" in bidding and "竞价截止时间" in bidding and "最高限价" in bidding
    failed = run_auction(client, auth, {"S3": 4_000_000}, min_bidders=3)
    page = client.get(f"/announcements/{failed['failure_announcement_id']}").text
    assert "流标公告" in page and "有效报价供应商不足：有效报价供应商1家，少于要求的3家" in page
    cancelled = cancel_auction(client, auth, reason="预算调整<b>")
    page = client.get(f"/announcements/{cancelled['cancellation_announcement_id']}").text
    assert "终止公告" in page and "项目终止的原因" in page and "预算调整&lt;b&gt;" in page  # escaped
    missing = client.get("/announcements/A-nope-deal")
    assert missing.status_code == 404 and "公告不存在" in missing.text
