"""The supplier bidding room (/auctions/{id}) in real headless Chromium against a real `mall serve`:
two suppliers bid against each other live, anti-sniping moves both countdowns, the page refuses what
the server would refuse without sending it, a cut socket reconnects and re-sends the same ref, and the
closed banner names the winner."""

import json
import time
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser.conftest import Site
from tests.browser.proxy import CuttingProxy
from tests.browser.support import Room, axe_violations, new_auction, screenshots, wait_until

CEILING_MESSAGE = "报价高于最高限价（采购预算或全网比价参考价），请降低报价。"
NOT_LOWER_MESSAGE = "报价须比您上一次的报价至少低一个最小降价幅度。"


def bids_sent(room: Room) -> list[dict[str, object]]:
    return [frame for frame in map(json.loads, room.sent) if frame.get("type") == "bid"]


def seconds(clock: str) -> int:
    parts = [int(p) for p in clock.split("（")[0].split(":")]
    return sum(value * 60 ** i for i, value in enumerate(reversed(parts)))


def test_two_suppliers_see_each_other_live(site: Site, browser: Browser, shots: Path, axe_source: str) -> None:
    auction = new_auction(site, duration_s=120, min_bidders=2)
    one = Room(browser, site.base, auction["id"], site.token("supplier", "S1"))
    two = Room(browser, site.base, auction["id"], site.token("supplier", "S2"))
    try:
        assert one.text("#ceiling") == "¥49,000.00" and one.text("#next-max") == "¥49,000.00"
        one.bid("48000")
        one.wait_text("#rank", "第1名")
        two.wait_text("#best", "¥48,000.00")
        two.wait_text("#bidders", "1家")
        assert one.text("#next-max") == "¥47,999.00"  # your last − the minimum decrement (¥1.00)
        two.bid("47,500.50")
        two.wait_text("#rank", "第1名")
        one.wait_text("#best", "¥47,500.50")
        one.wait_text("#rank", "第2名")
        one.wait_text("#bidders", "2家")
        assert one.page.get_attribute("#best", "aria-live") == "polite"
        assert one.page.get_attribute("#rank", "aria-live") == "polite"
        screenshots(one.page, shots, "bidding-room")
        assert axe_violations(one.page, axe_source) == []
    finally:
        one.close()
        two.close()


def test_the_page_refuses_what_the_server_would_refuse(site: Site, browser: Browser) -> None:
    auction = new_auction(site, duration_s=120, min_bidders=2)
    room = Room(browser, site.base, auction["id"], site.token("supplier", "S1"))
    try:
        room.bid("49000.01")
        room.wait_text("#bid-message", CEILING_MESSAGE)
        room.bid("48000")
        room.wait_text("#bid-message", "已被接受")
        room.bid("47999.50")
        room.wait_text("#bid-message", NOT_LOWER_MESSAGE)
        room.page.wait_for_timeout(300)
        assert [b["price_fen"] for b in bids_sent(room)] == [4_800_000], "refused bids must not reach the server"
    finally:
        room.close()


def test_a_server_rejection_reads_as_a_sentence(site: Site, browser: Browser) -> None:
    r = site.http.post("/api/suppliers/S4/credit", json={"kind": "blacklist", "reason": "围标串标"},
                       headers=site.auth("admin", "fin"))
    assert r.status_code == 201, r.text
    auction = new_auction(site, duration_s=120, min_bidders=2)
    room = Room(browser, site.base, auction["id"], site.token("supplier", "S4"))
    try:
        room.bid("48000")
        room.wait_text("#bid-message", "贵单位未入围本品目，或已被列入失信名单，不能参加本次竞价。")
        assert len(bids_sent(room)) == 1
        assert "未被接受" in room.text("#my-bids")
    finally:
        room.close()


def test_a_late_bid_extends_both_countdowns_and_the_banner_names_the_winner(
    site: Site, browser: Browser, shots: Path, axe_source: str
) -> None:
    auction = new_auction(site, duration_s=12, extension_s=5, min_bidders=2)
    one = Room(browser, site.base, auction["id"], site.token("supplier", "S1"))
    two = Room(browser, site.base, auction["id"], site.token("supplier", "S2"))
    try:
        one.bid("48000")
        two.wait_text("#best", "¥48,000.00")
        wait_until(lambda: seconds(two.text("#countdown")) <= 3, timeout=15, what="the last 3 seconds")
        before = {room: seconds(room.text("#countdown")) for room in (one, two)}
        two.bid("47000")
        for room in (one, two):
            room.wait_text("#extended", "截止时间延长至")
            wait_until(lambda room=room: seconds(room.text("#countdown")) > before[room], timeout=1,
                       what="the countdown to jump up")
        for room in (one, two):
            room.wait_text("#closed-result", "成交供应商为供应商2", timeout=15)
        assert "（贵单位）" in two.text("#closed-result") and "¥47,000.00" in one.text("#closed-result")
        link = one.page.get_attribute("#closed-link", "href")
        assert link == f"/announcements/{auction['id']}-deal"
        assert one.page.is_hidden("#bid-form")
        screenshots(one.page, shots, "bidding-room-closed")
        assert axe_violations(one.page, axe_source) == []
    finally:
        one.close()
        two.close()


def test_a_cut_socket_reconnects_and_the_bid_is_placed_once(site: Site, browser: Browser) -> None:
    auction = new_auction(site, duration_s=120, min_bidders=2)
    proxy = CuttingProxy(site.mall.port)
    room = Room(browser, proxy.base, auction["id"], site.token("supplier", "S3"))
    try:
        proxy.arm()
        room.bid("48800")
        room.wait_text("#bid-message", "已被接受", timeout=15)
        assert proxy.cuts == 1 and room.sockets == 2, "the socket was cut and the page reconnected"
        sent = bids_sent(room)
        assert len(sent) == 2 and sent[0] == sent[1], "the unanswered bid is re-sent with the same ref"
        assert room.page.locator("#my-bids li").count() == 1
        audit = site.http.get(f"/api/audit/{auction['id']}", headers=site.auth("admin", "fin")).json()
        accepted = [e for e in audit["events"] if "bid_accepted" in json.dumps(e) and "S3" in json.dumps(e)]
        assert len(accepted) == 1, accepted
        time.sleep(0.2)
        assert site.http.get(f"/api/auctions/{auction['id']}").json()["bidders"] == 1
    finally:
        room.close()
        proxy.close()


def test_a_sealed_auction_hides_the_book_and_takes_one_quote(site: Site, browser: Browser) -> None:
    auction = new_auction(site, duration_s=120, min_bidders=2, mode="sealed")
    one = Room(browser, site.base, auction["id"], site.token("supplier", "S1"))
    two = Room(browser, site.base, auction["id"], site.token("supplier", "S2"))
    try:
        one.bid("48000")
        one.wait_text("#bid-message", "已被接受")
        two.wait_text("#bidders", "1家")
        for room in (one, two):
            assert room.text("#best") == "密封报价（截止后公布）"
        assert one.text("#rank") == "密封（截止后公布）" and two.text("#rank") == "未报价"
        assert one.text("#next-max") == "已报价（密封报价只能报一次）"
        one.bid("47000")
        one.wait_text("#bid-message", "密封报价每家供应商只能报价一次，您已经报过价。")
        assert [b["price_fen"] for b in bids_sent(one)] == [4_800_000]
    finally:
        one.close()
        two.close()


def test_a_reload_mid_bid_resends_the_same_ref(site: Site, browser: Browser) -> None:
    auction = new_auction(site, duration_s=120, min_bidders=2)
    proxy = CuttingProxy(site.mall.port)
    room = Room(browser, proxy.base, auction["id"], site.token("supplier", "S2"))
    try:
        proxy.arm(hold=True)
        room.bid("48700")
        wait_until(lambda: proxy.cuts == 1, what="the cut")
        room.page.reload()  # the answer was lost; the page forgets everything but sessionStorage
        room.wait_text("#connection", "正在重新连接")
        proxy.hold = False
        room.wait_text("#bid-message", "已被接受", timeout=15)
        sent = bids_sent(room)
        assert len(sent) == 2 and sent[0] == sent[1], sent
        assert room.page.locator("#my-bids li").count() == 1
        audit = site.http.get(f"/api/audit/{auction['id']}", headers=site.auth("admin", "fin")).json()
        assert len([e for e in audit["events"] if "bid_accepted" in json.dumps(e)]) == 1
        assert room.page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('mall.pending.'))") == []
    finally:
        room.close()
        proxy.close()
