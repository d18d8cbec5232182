"""Every auction this process serves: launches them, keeps their runners, reloads them on start.

After each commit the registry publishes the new state to the local watchers, tells the scheduler
the next deadline, and runs the projections; at a close it sends the `closed` frame once the
deal or failure announcement is stored.
"""

import asyncio
import contextlib
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError

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
        self._loading: dict[str, asyncio.Future[AuctionRunner | None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
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
        runner = self._runners.get(cmd.auction_id) or self._serve(cmd.auction_id, auction)
        await self._after_commit(runner, events, True)
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
        """The auction's runner, rebuilt from its log if this process does not serve it yet
        (launched by another process, or finished before this one started). None if unknown."""
        runner = self._runners.get(auction_id)
        if runner is not None:
            return runner
        pending = self._loading.get(auction_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[AuctionRunner | None] = asyncio.get_running_loop().create_future()
        self._loading[auction_id] = future
        try:
            events = await self._log.read_all(auction_id)
            runner = self._runners.get(auction_id)
            if runner is None and events:
                runner = self._serve(auction_id, Auction.replay(events))
                self.scheduler.schedule(auction_id, runner.auction.next_deadline())
            future.set_result(runner)
            return runner
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: the caller re-raises it
            raise
        finally:
            del self._loading[auction_id]

    def start(self) -> None:
        self.scheduler.start()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._listen(), name="notices"),
                       loop.create_task(self._check_versions(), name="version-check")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.scheduler.stop()
        for runner in self._runners.values():
            await runner.stop()

    async def follow(self, auction_id: str, seq: int) -> None:
        runner = self._runners.get(auction_id) or await self.load(auction_id)
        if runner is not None:
            runner.follow(seq)

    async def _listen(self) -> None:
        """Notices `<auction_id> <seq>` published by every append, from any process."""
        delay = 0.1
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(keys.NOTICES)
                delay = 0.1
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    auction_id, _, seq = message["data"].decode().partition(" ")
                    await self.follow(auction_id, int(seq))
            except (RedisError, OSError) as exc:
                log.warning("notices: %s; resubscribing in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()

    async def _check_versions(self, every_s: float = 1.0) -> None:
        """A lost notice must not leave a replica behind: compare every live replica with its log."""
        while True:
            await asyncio.sleep(every_s)
            live = [r for r in self._runners.values() if not r.auction.finished]
            if not live:
                continue
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for runner in live:
                        pipe.hget(keys.auction_meta(runner.auction_id), "seq")
                    seqs = await pipe.execute()
            except (RedisError, OSError) as exc:
                log.warning("version check: %s", exc)
                continue
            for runner, seq in zip(live, seqs, strict=True):
                if seq is not None:
                    runner.follow(int(seq))

    def _serve(self, auction_id: str, auction: Auction) -> AuctionRunner:
        runner = AuctionRunner(auction_id, auction, self._log, self._hub, self._after_commit, self._bid_rate)
        self._runners[auction_id] = runner
        return runner

    async def _after_commit(self, runner: AuctionRunner, events: list[Event], local: bool) -> None:
        auction = runner.auction
        runner.publish(events)
        # Bids alone change neither the deadlines nor the projections: keep them off the bid path.
        if any(not isinstance(e, BidAccepted | BidRejected) for e in events):
            self.scheduler.schedule(runner.auction_id, auction.next_deadline())
            if local:
                try:
                    await self._projector.project(auction, events)
                except Exception:
                    log.exception("auction %s: projection failed; repaired on restart", runner.auction_id)
        if auction.finished:
            if not local:
                await self._await_announcement(auction)
            self._hub.close(runner.auction_id, closed_frame(auction))

    async def _await_announcement(self, auction: Auction, seconds: float = 2.0) -> None:
        """The writer projects the result announcement right after its append; let a closed frame sent
        from this process name an announcement that can already be read."""
        frame = closed_frame(auction)
        for _ in range(int(seconds / 0.05)):
            with contextlib.suppress(RedisError, OSError):
                if frame.announcement_id and await self._redis.hexists(keys.ANNOUNCEMENTS, frame.announcement_id):
                    return
            await asyncio.sleep(0.05)


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
