"""The statistics as the reference city reports them, reproduced from real engine events: budget
21,851,400 yuan, deal 20,636,700 yuan, savings 1,214,700 yuan, a saving rate of 5.56%; and the same
figures per category, per purchasing unit and per month, with median cycle times in working days."""

from typing import Any

from starlette.testclient import TestClient

from tests.engine.test_transparency_builders import ms
from tests.flow import Auth, seed_libraries
from tests.transparency import Lot, write_lots

YUAN = 100
PRINTERS = "A02021001"


def reference_city() -> list[Lot]:
    """Four awarded auctions, one failed, one cancelled, over two categories, two units, two months.
    Each plan was filed some working days before its deal: the cycles are 1, 2, 3 and 4 working days."""
    return [
        # Monday 9 March 2026 (filed Friday 6 March: 1 working day before).
        Lot("R000001", ms("2026-03-09T10:00:00+08:00"), 5_000_000 * YUAN, {"S1": 4_700_000 * YUAN},
            filed_days_before=3),
        # Thursday 26 March (filed Tuesday 24 March: 2 working days).
        Lot("R000002", ms("2026-03-26T10:00:00+08:00"), 2_851_400 * YUAN, {"S2": 2_636_700 * YUAN},
            category=PRINTERS, buyer_id="U2", filed_days_before=2),
        # Friday 10 April (filed Tuesday 7 April: 3 working days).
        Lot("R000003", ms("2026-04-10T10:00:00+08:00"), 8_000_000 * YUAN, {"S1": 7_600_000 * YUAN},
            buyer_id="U2", filed_days_before=3),
        # Thursday 16 April (filed Friday 10 April: 4 working days).
        Lot("R000004", ms("2026-04-16T10:00:00+08:00"), 6_000_000 * YUAN, {"S3": 5_700_000 * YUAN},
            category=PRINTERS, filed_days_before=6),
        Lot("R000005", ms("2026-04-20T10:00:00+08:00"), 1_000_000 * YUAN, {"S4": 900_000 * YUAN}, min_bidders=3),
        Lot("R000006", ms("2026-04-21T10:00:00+08:00"), 1_000_000 * YUAN, cancel=True),
    ]


def by(client: TestClient, dimension: str) -> dict[str, dict[str, Any]]:
    r = client.get("/api/stats", params={"by": dimension})
    assert r.status_code == 200, r.text
    assert r.json()["by"] == dimension
    return {item["key"]: item for item in r.json()["items"]}


def test_reference_city_figures_from_events(client: TestClient, auth: Auth, redis_url: str) -> None:
    seed_libraries(client, auth)
    admin = auth("admin", "fin")
    client.post("/api/units", json={"id": "U2", "name": "赤峰市第二医院", "department_id": "D1"}, headers=admin)
    client.post("/api/catalog/categories", json={"code": PRINTERS, "name": "激光打印机", "mall": True}, headers=admin)
    write_lots(redis_url, reference_city())
    write_lots(redis_url, reference_city())  # projecting twice counts once
    stats = client.get("/api/stats").json()
    assert stats == {
        "suppliers": 4, "bidding_announcements": 6, "deal_announcements": 4, "failed": 1,
        "budget_fen": 21_851_400 * YUAN, "deal_fen": 20_636_700 * YUAN, "savings_fen": 1_214_700 * YUAN,
        "saving_rate": 0.0556, "median_cycle_working_days": 2.5,
    }
    assert f"{stats['saving_rate']:.2%}" == "5.56%"

    categories = by(client, "category")
    assert set(categories) == {"A02010105", PRINTERS}
    desktops, printers = categories["A02010105"], categories[PRINTERS]
    assert desktops["name"] == "台式计算机" and printers["name"] == "激光打印机"
    assert (desktops["budget_fen"], desktops["deal_fen"], desktops["savings_fen"]) == (
        13_000_000 * YUAN, 12_300_000 * YUAN, 700_000 * YUAN)
    assert (desktops["deal_announcements"], desktops["failed"], desktops["bidding_announcements"]) == (2, 1, 4)
    assert desktops["saving_rate"] == 0.0538 and desktops["median_cycle_working_days"] == 2.0
    assert desktops["bidding_suppliers"] == 2  # S1 twice, and S4 in the failed one
    assert (printers["budget_fen"], printers["savings_fen"], printers["saving_rate"]) == (
        8_851_400 * YUAN, 514_700 * YUAN, 0.0581)
    assert printers["median_cycle_working_days"] == 3.0

    months = by(client, "month")
    assert set(months) == {"2026-03", "2026-04"}
    assert (months["2026-03"]["budget_fen"], months["2026-03"]["deal_fen"]) == (7_851_400 * YUAN, 7_336_700 * YUAN)
    assert (months["2026-04"]["budget_fen"], months["2026-04"]["deal_fen"]) == (14_000_000 * YUAN, 13_300_000 * YUAN)
    assert (months["2026-04"]["failed"], months["2026-04"]["bidding_announcements"]) == (1, 4)
    assert months["2026-03"]["median_cycle_working_days"] == 1.5

    units = by(client, "unit")
    assert units["U2"]["name"] == "赤峰市第二医院" and units["U1"]["name"] == "赤峰第一中学"
    assert units["U2"]["deal_fen"] == 10_236_700 * YUAN and units["U1"]["deal_fen"] == 10_400_000 * YUAN
    assert sum(u["savings_fen"] for u in units.values()) == 1_214_700 * YUAN

    r = client.get("/api/stats", params={"by": "supplier"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "by"
