"""Every auction this process serves: launches them, keeps their runners, reloads them on start.

After each commit the registry publishes the new state to the local watchers, tells the scheduler
the next deadline, and runs the projections; at a close it sends the `closed` frame once the
deal or failure announcement is stored.
"""

import logging

from redis.asyncio import Redis

from engine import announcements
from engine.auction import Auction
from engine.commands import Launch
from engine.events import Awarded, BidAccepted, BidRejected, Cancelled, Event, Failed
from mall_api import wire
from mall_api.hub import Hub
from mall_api.projections import Projector
from mall_api.runner import AuctionRunner
from mall_api.scheduler import Scheduler
from mall_api.store import keys
from mall_api.store.log import AuctionLog

log = logging.getLogger("mall.registry")


class Registry:
    def __init__(self, redis: Redis, log_: AuctionLog, hub: Hub, projector: Projector, bid_rate: int) -> None:
        self._redis = redis
        self._log = log_
        self._hub = hub
        self._projector = projector
        self._bid_rate = bid_rate
        self._runners: dict[str, AuctionRunner] = {}
        self.scheduler = Scheduler(self._runners.get)

    def get(self, auction_id: str) -> AuctionRunner | None:
        return self._runners.get(auction_id)

    async def next_id(self) -> str:
        return f"A{await self._redis.incr('mall:seq:auction'):08d}"

    async def launch(self, cmd: Launch) -> AuctionRunner:
        """Append the launch (expected version 0) and start serving the auction."""
        # Registered as live before the append, so a crash in between leaves a trace the start-up repairs.
        await self._redis.sadd(keys.LIVE_AUCTIONS, cmd.auction_id)
        events = Auction.launch(cmd)
        auction = Auction.replay(events)
        await self._log.append(cmd.auction_id, 0, events, auction.status, auction.closes_at)
        runner = self._serve(cmd.auction_id, auction)
        await self._after_commit(runner, events, {})
        return runner

    async def load_live(self) -> int:
        """Rebuild every live auction's book from its log; repair projections; close the overdue."""
        loaded = 0
        for raw in await self._redis.smembers(keys.LIVE_AUCTIONS):
            auction_id = raw.decode()
            events = await self._log.read_all(auction_id)
            if not events:
                await self._redis.srem(keys.LIVE_AUCTIONS, auction_id)
                continue
            auction = Auction.replay(events)
            self._serve(auction_id, auction)
            await self._projector.project(auction, events)
            self.scheduler.schedule(auction_id, auction.next_deadline())
            loaded += 1
        return loaded

    async def load(self, auction_id: str) -> AuctionRunner | None:
        """A finished auction's runner, rebuilt on demand (for its final snapshot)."""
        runner = self._runners.get(auction_id)
        if runner is not None:
            return runner
        events = await self._log.read_all(auction_id)
        if not events:
            return None
        return self._serve(auction_id, Auction.replay(events))

    async def stop(self) -> None:
        await self.scheduler.stop()
        for runner in self._runners.values():
            await runner.stop()

    def _serve(self, auction_id: str, auction: Auction) -> AuctionRunner:
        runner = AuctionRunner(auction_id, auction, self._log, self._hub, self._after_commit, self._bid_rate)
        self._runners[auction_id] = runner
        return runner

    async def _after_commit(self, runner: AuctionRunner, events: list[Event], ranks: dict[str, int]) -> None:
        auction = runner.auction
        runner.publish(ranks)
        # Bids alone change neither the deadlines nor the projections: keep them off the bid path.
        if any(not isinstance(e, BidAccepted | BidRejected) for e in events):
            self.scheduler.schedule(runner.auction_id, auction.next_deadline())
            try:
                await self._projector.project(auction, events)
            except Exception:
                log.exception("auction %s: projection failed; repaired on restart", runner.auction_id)
        if auction.finished:
            self._hub.close(runner.auction_id, closed_frame(auction))


def closed_frame(auction: Auction) -> wire.Closed:
    outcome = auction.outcome
    auction_id = auction.t.auction_id
    if isinstance(outcome, Awarded):
        return wire.Closed(seq=auction.seq, status="awarded", winner_id=outcome.winner_id,
                           price_fen=outcome.price_fen,
                           announcement_id=announcements.announcement_id(auction_id, "deal"))
    kind = "failed" if isinstance(outcome, Failed) else "cancelled"
    assert isinstance(outcome, Failed | Cancelled)
    return wire.Closed(seq=auction.seq, status=kind, winner_id=None, price_fen=None,
                       announcement_id=announcements.announcement_id(auction_id, kind))
