"""Searching the announcements through the index kept from events: Chinese substrings, batch
numbers, buyers, suppliers, category subtrees, date ranges, and a cursor that never repeats or skips
while new announcements are published."""

from typing import Any

from starlette.testclient import TestClient

from mall_api.clock import from_rfc3339
from mall_api.search_index import contains, grams, query_grams
from tests.engine.test_transparency_builders import ms
from tests.flow import Auth, seed_libraries
from tests.transparency import Lot, write_lots


def ids(client: TestClient, **params: Any) -> list[str]:
    r = client.get("/api/announcements", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return [a["id"] for a in r.json()["items"]]


def lots() -> list[Lot]:
    return [
        Lot("A000001", ms("2026-03-02T10:00:00+08:00"), 5_000_000, {"S1": 4_800_000, "S2": 4_700_000}),
        Lot("A000002", ms("2026-03-10T10:00:00+08:00"), 3_000_000, {"S1": 2_900_000}, title="办公用打印机采购",
            category="A02021001", buyer_id="U2", sku="PRN-1"),
        Lot("A000003", ms("2026-04-05T10:00:00+08:00"), 9_000_000, {"S3": 8_000_000}, title="便携式计算机采购",
            category="A02010108", sku="NB-1", min_bidders=3),
        Lot("A000004", ms("2026-04-06T10:00:00+08:00"), 1_000_000, title="计算器和打算机柜", category="A02021001",
            sku="CAB-1", cancel=True),
    ]


def test_search_by_text_facets_and_dates(client: TestClient, auth: Auth, redis_url: str) -> None:
    seed_libraries(client, auth)
    write_lots(redis_url, lots())
    # 计算机 is found inside 台式计算机 and 便携式计算机, never in 计算器和打算机柜 (both bigrams, apart).
    assert ids(client, q="计算机") == ["A000003-failed", "A000003-bidding", "A000001-deal", "A000001-bidding"]
    assert ids(client, q="计算机", kind="deal") == ["A000001-deal"]
    assert ids(client, q="台式 采购") == ["A000001-deal", "A000001-bidding"]
    assert ids(client, q="打算机") == ["A000004-cancelled", "A000004-bidding"]
    assert ids(client, q="cf2026000002") == ["A000002-deal", "A000002-bidding"]  # batch number, any case
    assert ids(client, q="供应商2") == ["A000001-deal"]  # the winning supplier's name
    assert ids(client, q="赤峰第一中学", kind="failed") == ["A000003-failed"]  # the buyer's name
    assert ids(client, q="无此项目") == []
    assert ids(client, supplier="S2") == ["A000001-deal"]
    assert ids(client, supplier="S1") == ["A000002-deal"]
    assert ids(client, buyer="U2") == ["A000002-deal", "A000002-bidding"]
    # A category finds its whole subtree, in either catalogue spelling.
    under_computers = ["A000003-failed", "A000003-bidding", "A000001-deal", "A000001-bidding"]
    assert ids(client, category="A02010100") == ids(client, category="A020101") == under_computers
    assert ids(client, category="A02010105") == ["A000001-deal", "A000001-bidding"]
    assert ids(client, category="A02000000", kind="cancelled") == ["A000004-cancelled"]
    assert ids(client, since="2026-03-05T00:00:00+08:00", until="2026-03-31T23:59:59+08:00") == [
        "A000002-deal", "A000002-bidding"]
    assert ids(client, until="2026-03-02T02:00:00Z") == ["A000001-bidding"]  # until is inclusive
    assert ids(client, since="2026-04-05T02:01:00Z") == ["A000004-cancelled", "A000004-bidding", "A000003-failed"]
    one = client.get("/api/announcements/A000001-deal").json()
    assert one["published_at"] == "2026-03-02T02:01:00.000Z" and one["supplier"]["name"] == "供应商2"


def test_bad_search_parameters_are_400(client: TestClient) -> None:
    for params in ({"kind": "award"}, {"category": "computers"}, {"cursor": "nope"}, {"since": "yesterday"},
                   {"until": "2026-03-01"}, {"limit": 0}):
        r = client.get("/api/announcements", params=params)
        assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID", params


def test_cursor_never_repeats_or_skips_while_new_announcements_arrive(
        client: TestClient, auth: Auth, redis_url: str) -> None:
    seed_libraries(client, auth)
    base = ms("2026-05-04T09:00:00+08:00")
    # 20 auctions, two announcements each; some share a publication time to the millisecond.
    write_lots(redis_url, [Lot(f"B{n:06d}", base + (n // 3) * 60_000, 1_000_000, {"S1": 900_000})
                           for n in range(20)])
    before = ids(client)
    assert len(before) == 40 and len(set(before)) == 40
    seen: list[str] = []
    cursor = None
    newer = 0
    while True:
        r = client.get("/api/announcements", params={"limit": 7, **({"cursor": cursor} if cursor else {})})
        body = r.json()
        seen += [a["id"] for a in body["items"]]
        # Publish between pages: a later auction, and one launched at the very millisecond of the
        # page's last item (now, to the server, that is the same instant).
        last_at = client.get(f"/api/announcements/{seen[-1]}").json()["published_at"]
        write_lots(redis_url, [Lot(f"C{newer:06d}", base + 86_400_000 + newer, 1_000_000, cancel=True),
                               Lot(f"D{newer:06d}", from_rfc3339(last_at), 1_000_000, cancel=True)])
        newer += 2
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == before  # the same entries, in the same order, each once
    assert len(ids(client)) == 40 + 2 * newer


def test_text_index_grams() -> None:
    assert {"计", "计算", "算机", "台式"} <= grams("教学用台式计算机采购")
    assert query_grams("计算机") == {"计算", "算机"}
    assert query_grams("机") == {"机"}
    assert query_grams("ＣＦ2026 台式") == {"cf", "f2", "20", "02", "26", "台式"}
    assert contains("台式计算机", "计算机") and not contains("计算器和打算机柜", "计算机")
