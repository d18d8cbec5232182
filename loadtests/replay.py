"""Replay time of a long auction: build E events with the engine, append them through `AuctionLog` (the
server's own append script, in batches), then time `read_all` + `Auction.replay` as a restart does."""

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop
from redis.asyncio import Redis

from engine.auction import Accepted, Auction
from engine.commands import Launch, PlaceBid
from engine.events import BidAccepted, Event
from mall_api.embedded import EmbeddedStore
from mall_api.store.log import AuctionLog

BATCH = 1_000
SUPPLIERS = 200


def build_events(count: int, auction_id: str, start_ms: int) -> list[Event]:
    """`count` events of one open auction: the launch, then bids of SUPPLIERS suppliers, each 1-50 fen
    under its last, with one in ten quoting too high (a `bid_rejected` NOT_LOWER), as a busy auction has."""
    launch = Launch(
        at=start_ms, auction_id=auction_id, plan_id="P-BENCH", batch_no="CF2026999999", buyer_id="U-BENCH",
        title="replay benchmark", category="A02010105", sku="PC-BENCH", quantity=100, budget_fen=199_000_000,
        reference_price_fen=2_000_000, reference_source="bench", mode="open", opens_at=start_ms,
        duration_s=30 * 24 * 3600, min_decrement_fen=1, extension_s=0, max_extensions=None, min_bidders=3,
        plan_deadline=start_ms + 31 * 24 * 3600 * 1000,
    )
    events = Auction.launch(launch)
    auction = Auction.replay(events)
    prices = {f"S{k}": 199_000_000 - k for k in range(SUPPLIERS)}
    n = 0
    while len(events) < count:
        n += 1
        supplier = f"S{n % SUPPLIERS}"
        step = (n * 7919) % 50 + 1
        price = prices[supplier] + (10 if n % 10 == 0 else -step)
        decided = auction.decide(PlaceBid(at=start_ms + n, supplier_id=supplier, ref=str(n), price_fen=price,
                                          eligible=True))
        for event in decided:
            auction.apply(event)
        if isinstance(auction.answer_for(supplier, str(n)), Accepted):
            prices[supplier] = price
        events.extend(decided)
    return events[:count]


async def _measure(redis_url: str, count: int, repeat: int) -> dict[str, Any]:
    redis = Redis.from_url(redis_url)
    log = AuctionLog(redis)
    auction_id = f"BENCH-REPLAY-{time.time_ns()}"
    t0 = time.perf_counter()
    events = build_events(count, auction_id, int(time.time() * 1000))
    built = time.perf_counter() - t0
    final = Auction.replay(events)
    t0 = time.perf_counter()
    for i in range(0, len(events), BATCH):
        await log.append(auction_id, i, events[i:i + BATCH], final.status, final.closes_at)
    appended = time.perf_counter() - t0
    reads, replays = [], []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        stored = await log.read_all(auction_id)
        t1 = time.perf_counter()
        rebuilt = Auction.replay(stored)
        t2 = time.perf_counter()
        assert rebuilt.seq == final.seq == count and rebuilt.book.bidders == final.book.bidders
        reads.append(t1 - t0)
        replays.append(t2 - t1)
    await redis.aclose()
    k = sorted(range(len(reads)), key=lambda i: reads[i] + replays[i])[len(reads) // 2]
    return {"events": count, "bids_accepted": sum(1 for e in events if isinstance(e, BidAccepted)),
            "build_s": round(built, 3), "append_s": round(appended, 3), "read_s": round(reads[k], 3),
            "replay_s": round(replays[k], 3), "total_s": round(reads[k] + replays[k], 3),
            "runs_total_s": [round(a + b, 3) for a, b in zip(reads, replays, strict=True)]}


def measure_replay(count: int, redis_url: str | None = None, repeat: int = 3) -> dict[str, Any]:
    """On `redis_url`, or on a fresh embedded store (append-only file, fsync always) in a temp dir."""
    if redis_url is not None:
        return dict(uvloop.run(_measure(redis_url, count, repeat)))
    data_dir = Path(tempfile.mkdtemp(prefix="mall-replay-"))
    store = EmbeddedStore(data_dir)
    try:
        url = store.start()
        return dict(uvloop.run(_measure(url, count, repeat)))
    finally:
        store.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    print(measure_replay(100_000))
