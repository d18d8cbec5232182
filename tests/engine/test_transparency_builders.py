"""Announcement builders in the national format, with the announcement period and the complaint
window on the official calendar; the red-flag rules; OCDS release builders (pure)."""

from datetime import UTC, datetime

from engine import announcements, ocds, redflags
from engine.announcements import Particulars
from engine.events import Awarded, Cancelled, Failed, FinalQuote, Launched


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def utc(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, UTC).isoformat(timespec="milliseconds")


# Wednesday 30 September 2026, 10:00 in Beijing: the National Day holiday (1-7 October) follows, and
# Saturday 10 October is a make-up working day.
PUBLISHED = ms("2026-09-30T10:00:00+08:00")


def terms(**changes: object) -> Launched:
    base = dict(seq=1, at=PUBLISHED - 3_600_000, auction_id="A1", plan_id="P1", batch_no="CF2026000001",
                buyer_id="U1", title="教学用台式计算机采购", category="A02010105", sku="PC-001", quantity=10,
                budget_fen=5_000_000, reference_price_fen=500_000, reference_source="jd.com", ceiling_fen=4_900_000,
                mode="open", opens_at=PUBLISHED - 3_600_000, closes_at=PUBLISHED, min_decrement_fen=100,
                extension_s=0, max_extensions=None, min_bidders=2, plan_deadline=PUBLISHED + 10**9)
    base.update(changes)
    return Launched(**base)  # type: ignore[arg-type]


def quotes(*prices: int) -> list[FinalQuote]:
    return [FinalQuote(rank=i + 1, supplier_id=f"S{i + 1}", price_fen=p, at=PUBLISHED - 1000) for i, p in
            enumerate(sorted(prices))]


PARTS = Particulars(
    buyer={"id": "U1", "name": "赤峰第一中学", "address": "赤峰市松山区全宁街1号", "contact": "王老师 0476-8888888",
           "department_id": "D1"},
    goods={"name": "台式计算机 i5/16G/512G", "spec": {"cpu": "i5"}, "unit": "台"})


def award(*prices: int) -> Awarded:
    bids = quotes(*prices)
    return Awarded(seq=9, at=PUBLISHED, winner_id="S1", price_fen=bids[0].price_fen,
                   unit_price_fen=bids[0].price_fen // 10, savings_fen=5_000_000 - bids[0].price_fen,
                   bidders=len(bids), bids=bids)


def test_deal_announcement_has_every_field_of_the_national_format() -> None:
    body = announcements.deal(terms(), award(4_700_000, 4_800_000), PARTS,
                              {"id": "S1", "name": "供应商1", "address": "赤峰市红山区1号"})
    assert body["heading"] == "成交结果公告" and "2020" in body["format"]
    assert (body["project_no"], body["project_name"]) == ("CF2026000001", "教学用台式计算机采购")
    assert body["buyer"]["name"] == "赤峰第一中学" and body["buyer"]["address"] and body["buyer"]["contact"]
    assert body["supplier"] == {"id": "S1", "name": "供应商1", "address": "赤峰市红山区1号"}
    assert body["amount_fen"] == body["price_fen"] == 4_700_000
    assert body["goods"] == [{"sku": "PC-001", "name": "台式计算机 i5/16G/512G", "spec": {"cpu": "i5"}, "unit": "台",
                              "quantity": 10, "unit_price_fen": 470_000}]
    assert (body["reference_price_fen"], body["reference_source"]) == (500_000, "jd.com")
    assert (body["budget_fen"], body["savings_fen"], body["closed_at"]) == (5_000_000, 300_000, PUBLISHED)
    assert body["abnormally_low"] is None
    # One working day of publicity: the holiday is skipped, so it runs to the end of Thursday 8 October.
    assert body["period_working_days"] == 1
    assert utc(body["period_ends_at"]) == "2026-10-08T15:59:59.999+00:00"
    # Seven working days to question it, counted after the period: 9, 10 (make-up Saturday), 12-16 October.
    assert body["complaint_working_days"] == 7
    assert utc(body["complaint_ends_at"]) == "2026-10-16T15:59:59.999+00:00"


def test_bidding_failure_and_cancellation_announcements_carry_the_same_frame() -> None:
    failed = Failed(seq=5, at=PUBLISHED, reason="TOO_FEW_BIDDERS", bidders=1, bids=quotes(4_000_000))
    cancelled = Cancelled(seq=3, at=PUBLISHED, by="buyer:U1", reason="采购需求变更")
    bodies = [announcements.bidding(terms(at=PUBLISHED), PARTS), announcements.failed(terms(), failed, PARTS),
              announcements.cancelled(terms(), cancelled, PARTS)]
    assert [b["heading"] for b in bodies] == ["竞价公告", "流标公告", "终止公告"]
    for body in bodies:
        assert body["project_no"] == "CF2026000001" and body["buyer"]["contact"] and body["goods"][0]["name"]
        assert utc(body["period_ends_at"]) == "2026-10-08T15:59:59.999+00:00"
        assert utc(body["complaint_ends_at"]) == "2026-10-16T15:59:59.999+00:00"
    assert bodies[1]["reason"] == "TOO_FEW_BIDDERS" and bodies[2]["reason"] == "采购需求变更"


def test_abnormally_low_is_measured_against_the_mean_of_the_other_quotes() -> None:
    # Others' mean 1,000,000: 800,000 is exactly 20% under (not flagged), 799,999 is flagged.
    assert redflags.abnormally_low(quotes(800_000, 900_000, 1_100_000), 20) == []
    low = redflags.abnormally_low(quotes(799_999, 900_000, 1_100_000), 20)
    assert [(f["supplier_id"], f["others_mean_fen"]) for f in low] == [("S1", 1_000_000)]
    assert redflags.abnormally_low(quotes(799_999, 900_000, 1_100_000), 30) == []  # the threshold is configurable
    assert redflags.abnormally_low(quotes(1), 20) == []  # nobody to compare with
    winner = redflags.winner_abnormally_low(award(700_000, 1_000_000, 1_000_000), 20)
    assert winner is not None and winner["below_pct"] == 30.0


def test_auction_flags() -> None:
    kinds = lambda flags: sorted(f["kind"] for f in flags)  # noqa: E731
    assert kinds(redflags.auction_flags(terms(), award(4_000_000), 20)) == ["single_bidder"]
    assert kinds(redflags.auction_flags(terms(), award(4_000_000, 4_000_000, 4_500_000), 20)) == ["identical_quotes"]
    same = redflags.auction_flags(terms(), award(4_000_000, 4_000_000, 4_500_000), 20)[0]["detail"]["groups"]
    assert same == [{"price_fen": 4_000_000, "supplier_ids": ["S1", "S2"]}]
    assert kinds(redflags.auction_flags(terms(plan_deadline=PUBLISHED - 1), award(4_000_000, 4_100_000), 20)) == [
        "missed_deadline"]
    assert redflags.auction_flags(terms(), award(4_000_000, 4_100_000), 20) == []
    late_cancel = Cancelled(seq=3, at=PUBLISHED, by="admin:fin", reason="x")
    assert kinds(redflags.auction_flags(terms(plan_deadline=PUBLISHED - 1), late_cancel, 20)) == ["missed_deadline"]
    assert not redflags.repeat_winner(2, 3) and redflags.repeat_winner(3, 3)


def test_ocds_values_are_yuan_in_cny() -> None:
    assert ocds.value(123_456) == {"amount": 1234.56, "currency": "CNY"}
    assert ocds.value(2_185_140_000) == {"amount": 21_851_400, "currency": "CNY"}
    parties = ocds.Parties(buyer=PARTS.buyer, suppliers={"S1": {"name": "供应商1", "credit_code": "X" * 18}})
    tender, outcome = ocds.releases("ocds-test", terms(), award(4_700_000, 4_800_000), parties)
    assert tender["ocid"] == outcome["ocid"] == "ocds-test-CF2026000001"
    assert tender["tender"]["submissionMethod"] == ["electronicAuction"]
    assert tender["tender"]["awardCriteria"] == "priceOnly"
    assert outcome["awards"][0]["value"] == {"amount": 47_000, "currency": "CNY"}
    roles = {p["id"]: p["roles"] for p in outcome["parties"]}
    assert roles == {"unit-U1": ["buyer", "procuringEntity"], "supplier-S1": ["tenderer", "supplier"],
                     "supplier-S2": ["tenderer"]}
