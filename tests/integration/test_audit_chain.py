"""The stored audit chain of an auction's log: intact after a run, broken where an event is edited."""

import asyncio

import redis.asyncio as aioredis

from engine.auction import Auction
from engine.chain import GENESIS, link, verify
from engine.commands import Launch, PlaceBid
from engine.events import encode
from mall_api.store import keys
from mall_api.store.log import AuctionLog


def launch_cmd() -> Launch:
    return Launch(at=1_000, auction_id="A1", plan_id="P1", batch_no="CF2026000001", buyer_id="U1", title="t",
                  category="A02010105", sku="PC", quantity=1, budget_fen=10_000, reference_price_fen=10_000,
                  reference_source="jd", mode="open", opens_at=1_000, duration_s=60, min_decrement_fen=1,
                  extension_s=0, max_extensions=None, min_bidders=1, plan_deadline=10**12)


async def write_and_verify(url: str) -> None:
    redis = aioredis.from_url(url)
    log = AuctionLog(redis)
    auction = Auction.replay([])
    events = Auction.launch(launch_cmd())
    for e in events:
        auction.apply(e)
    await log.append("A1", 0, events, auction.status, auction.closes_at)
    for n in range(5):
        bid = auction.decide(PlaceBid(at=2_000 + n, supplier_id=f"S{n}", ref="r", price_fen=9_000 - n, eligible=True))
        for e in bid:
            auction.apply(e)
        # A fresh log object (another process) must continue the same chain from the store.
        await AuctionLog(redis).append("A1", auction.seq - len(bid), bid, auction.status, auction.closes_at)
    stored = await log.read_links("A1")
    assert [s for s, _, _ in stored] == list(range(1, 8))
    assert verify(stored) is None
    assert stored[0][2] == link(GENESIS, encode(events[0]))
    # Rewrite the stream with the fourth event's price edited (a stream entry cannot be edited in
    # place): the chain names seq 4.
    assert b"8999" in stored[3][1]
    await redis.delete(keys.auction_events("A1"))
    for seq, payload, stored_link in stored:
        edited = payload.replace(b"8999", b"1000") if seq == 4 else payload
        await redis.xadd(keys.auction_events("A1"), {"e": edited, "h": stored_link}, id=f"0-{seq}")
    assert verify(await log.read_links("A1")) == 4
    # Dropping an event, or swapping two, is named too.
    assert verify([e for e in stored if e[0] != 6]) == 7
    assert verify([stored[0], stored[2], stored[1], *stored[3:]]) == 3
    await redis.aclose()


def test_chain_is_stored_and_detects_tampering(redis_url: str) -> None:
    asyncio.run(write_and_verify(redis_url))
