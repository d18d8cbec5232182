"""Red flags for supervisors (`GET /api/supervision/flags`): abnormally low price (also shown on the
deal announcement), single bidder, identical quotes, the same supplier winning the same unit again
and again, and cycles that missed the 4-working-day deadline."""

from typing import Any

from starlette.testclient import TestClient

from mall_api.flags import Supervision
from mall_api.settings import Settings
from tests.engine.test_transparency_builders import ms
from tests.flow import Auth, seed_libraries
from tests.transparency import DAY_MS, Lot, run_auction, write_lots


def flags(client: TestClient, auth: Auth, who: tuple[str, str] = ("admin", "fin"), **params: Any) -> list[dict]:
    r = client.get("/api/supervision/flags", params=params, headers=auth(*who))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_flags_from_real_auctions(client: TestClient, auth: Auth) -> None:
    seed_libraries(client, auth)
    low = run_auction(client, auth, {"S1": 3_000_000, "S2": 4_700_000, "S3": 4_800_000}, min_bidders=2)
    alone = run_auction(client, auth, {"S1": 4_500_000}, min_bidders=1)
    tied = run_auction(client, auth, {"S1": 4_600_000, "S2": 4_600_000}, min_bidders=2)
    assert [a["result"]["winner_id"] for a in (low, alone, tied)] == ["S1", "S1", "S1"]

    found = flags(client, auth)
    assert [(f["kind"], f["auction_id"]) for f in found] == [
        ("repeat_winner", tied["id"]), ("identical_quotes", tied["id"]), ("single_bidder", alone["id"]),
        ("abnormally_low", low["id"])]
    repeat, identical, single, abnormal = found
    assert abnormal["detail"]["quotes"] == [{"supplier_id": "S1", "price_fen": 3_000_000, "others_mean_fen": 4_750_000,
                                             "threshold_pct": 20, "below_pct": 36.84}]
    assert abnormal["batch_no"] == low["batch_no"] and abnormal["department_id"] == "D1"
    assert single["detail"] == {"supplier_id": "S1"}
    assert identical["detail"]["groups"] == [{"price_fen": 4_600_000, "supplier_ids": ["S1", "S2"]}]
    assert repeat["supplier_id"] == "S1" and repeat["detail"] == {"wins": 3, "min_wins": 3}
    assert repeat["auction_ids"] == sorted([low["id"], alone["id"], tied["id"]])

    # The abnormal-low flag is on the deal announcement, JSON and printable page.
    deal = client.get(f"/api/announcements/{low['deal_announcement_id']}").json()
    assert deal["abnormally_low"]["supplier_id"] == "S1" and deal["abnormally_low"]["below_pct"] == 36.84
    page = client.get(f"/announcements/{low['deal_announcement_id']}").text
    assert "财政部令第87号" in page and "36.84%" in page
    assert client.get(f"/api/announcements/{tied['deal_announcement_id']}").json()["abnormally_low"] is None

    # Filters, pages, and who may look.
    assert [f["kind"] for f in flags(client, auth, kind="single_bidder")] == ["single_bidder"]
    assert {f["kind"] for f in flags(client, auth, auction_id=tied["id"])} == {"repeat_winner", "identical_quotes"}
    assert len(flags(client, auth, unit="U1")) == 4 and flags(client, auth, unit="U2") == []
    assert len(flags(client, auth, ("dept", "D1"))) == 4
    assert flags(client, auth, ("dept", "D2")) == []
    first = client.get("/api/supervision/flags", params={"limit": 3}, headers=auth("admin", "fin")).json()
    rest = client.get("/api/supervision/flags", params={"limit": 3, "cursor": first["next_cursor"]},
                      headers=auth("admin", "fin")).json()
    assert [f["id"] for f in first["items"] + rest["items"]] == [f["id"] for f in found]
    assert rest["next_cursor"] is None
    assert client.get("/api/supervision/flags", headers=auth("buyer", "U1")).status_code == 403
    assert client.get("/api/supervision/flags", headers=auth("supplier", "S1")).status_code == 403
    assert client.get("/api/supervision/flags").status_code == 401
    bad = client.get("/api/supervision/flags", params={"kind": "deal"}, headers=auth("admin", "fin"))
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "kind"


def test_missed_deadline_and_a_configurable_threshold(client: TestClient, auth: Auth, redis_url: str) -> None:
    seed_libraries(client, auth)
    at = ms("2026-06-01T10:00:00+08:00")
    # Announced a day after the plan's deadline (the server was down at the close, say).
    late = Lot("L000001", at, 5_000_000, {"S2": 4_000_000, "S1": 4_100_000}, deadline_ms=at + 60_000 - DAY_MS)
    # 25% under the others' mean: flagged at the default 20%, not at 30%.
    cheap = [Lot(f"L00000{n}", at + n * DAY_MS, 5_000_000, {"S1": 3_000_000, "S2": 4_000_000}) for n in (2, 3)]
    write_lots(redis_url, [late, cheap[0]])
    write_lots(redis_url, [cheap[1]], Supervision(abnormal_low_pct=30))
    found = {(f["auction_id"], f["kind"]) for f in flags(client, auth)}
    assert found == {("L000001", "missed_deadline"), ("L000002", "abnormally_low")}
    missed = flags(client, auth, kind="missed_deadline")[0]
    assert missed["detail"] == {"announced_at": "2026-06-01T02:01:00.000Z", "deadline": "2026-05-31T02:01:00.000Z"}
    assert Settings.from_env({"MALL_ABNORMAL_LOW_PCT": "30"}).abnormal_low_pct == 30
    assert Settings.from_env({}).abnormal_low_pct == 20
