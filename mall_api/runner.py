"""The single writer of one auction in this process: queue, group commit, acknowledge, fan out.

Commands queue up while an append is in flight; the runner then decides every queued command against
the in-memory auction, appends all their events in one script call with the expected version, and
only after the append returned answers the callers (acknowledged means durable) and publishes the
new state. If the append fails, the in-memory state is rebuilt from the log before the next batch;
a conflict (another process wrote first) is re-decided on the fresh state.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from engine.auction import Answer, Auction, Rejected
from engine.codes import BidCode
from engine.commands import AuctionCommand, PlaceBid
from engine.events import BidAccepted, Event
from engine.ratelimit import BidRate
from mall_api.hub import BookView, Hub
from mall_api.store.log import AppendConflict, AuctionLog

log = logging.getLogger("mall.runner")

MAX_ATTEMPTS = 5
Outcome = Answer | list[Event]
# (runner, the events just committed, written by this process?)
AfterCommit = Callable[["AuctionRunner", list[Event], bool], Awaitable[None]]


class StoreUnavailable(Exception):
    """The store did not take the command; nothing was decided."""


class AuctionRunner:
    def __init__(
        self, auction_id: str, auction: Auction, log_: AuctionLog, hub: Hub, after_commit: AfterCommit, bid_rate: int
    ) -> None:
        self.auction_id = auction_id
        self.auction = auction
        self.rate = BidRate(bid_rate)
        self._log = log_
        self._hub = hub
        self._after_commit = after_commit
        self._pending: list[tuple[AuctionCommand, asyncio.Future[Outcome]]] = []
        self._wake = asyncio.Event()
        # Held from the first decision of a batch until its append returned. asyncio.Lock is fair,
        # so a reader waiting for committed state gets it between two batches even under load.
        self._batch = asyncio.Lock()
        self._stale = False
        self._remote_seq = auction.seq
        self._committed_seq = auction.seq  # what the log is known to hold (the state may run ahead mid-batch)
        self._changed = asyncio.Event()
        self._published: BookView | None = self.view()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"auction-{auction_id}")

    # -- what callers use ---------------------------------------------------------------------

    def submit(self, cmd: AuctionCommand) -> "asyncio.Future[Outcome]":
        """Queue a command; the future resolves once its events are durable (or it was refused).
        A bid resolves to its Answer; a Tick or Cancel to the events it caused; a store failure
        raises StoreUnavailable from the future."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.append((cmd, future))
        self._wake.set()
        return future

    async def committed(self) -> Auction:
        """The auction between two batches, when its state is exactly what the log holds. Use it
        before the next await: the next batch may start deciding then."""
        async with self._batch:
            return self.auction

    def view(self) -> BookView | None:
        if self.auction.terms is None:
            return None
        return BookView(
            seq=self.auction.seq, best_fen=self.auction.best_fen(), bidders=self.auction.book.bidders,
            closes_at=self.auction.closes_at, sealed=self.auction.sealed,
        )

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task

    def follow(self, seq: int) -> None:
        """Another process appended up to `seq` (a notice, or a version check): catch up soon."""
        if seq > self._remote_seq:
            self._remote_seq = seq
            self._wake.set()

    async def changed(self, after_seq: int) -> None:
        """Return once the committed log is past `after_seq` (for followers such as the audit feed)."""
        while self._committed_seq <= after_seq:
            await self._changed.wait()

    @property
    def committed_seq(self) -> int:
        return self._committed_seq

    # -- the loop -----------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending or self._remote_seq > self.auction.seq:
                async with self._batch:
                    try:
                        if self._remote_seq > self.auction.seq:
                            await self._sync()
                        if self._pending:
                            batch, self._pending = self._pending, []
                            try:
                                await self._commit(batch)
                            except Exception as exc:
                                _fail(batch, exc)
                                raise
                    except StoreUnavailable as exc:
                        log.warning("auction %s: store unavailable: %s", self.auction_id, exc)
                        await asyncio.sleep(0.05)  # let the store come back before the next try
                    except Exception:
                        log.exception("auction %s: batch failed", self.auction_id)
                        self._stale = True

    async def _commit(self, batch: list[tuple[AuctionCommand, "asyncio.Future[Outcome]"]]) -> None:
        for _ in range(MAX_ATTEMPTS):
            if self._stale:
                await self._sync()
            base = self.auction.seq
            events: list[Event] = []
            outcomes: list[list[Event]] = []
            for cmd, _future in batch:
                decided = self.auction.decide(cmd)
                for event in decided:
                    self.auction.apply(event)
                events.extend(decided)
                outcomes.append(decided)
            if not events:
                break
            try:
                await self._log.append(self.auction_id, base, events, self.auction.status, self.auction.closes_at)
                break
            except AppendConflict as conflict:
                # Another process wrote first: our optimistic state is wrong; rebuild it and decide again.
                log.info("auction %s: %s; re-deciding", self.auction_id, conflict)
                self._stale = True
            except (RedisError, OSError) as exc:
                self._stale = True  # outcome unknown: the next batch starts from what the log holds
                raise StoreUnavailable(str(exc)) from exc
        else:
            raise StoreUnavailable(f"auction {self.auction_id} kept conflicting")
        for (cmd, future), decided in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(cmd, PlaceBid):
                answer = self.auction.answer_for(cmd.supplier_id, cmd.ref)
                future.set_result(answer if answer is not None else Rejected(cmd.ref, BidCode.UNAVAILABLE))
            else:
                future.set_result(decided)
        if events:
            self._committed_seq = self.auction.seq
            self._remote_seq = max(self._remote_seq, self._committed_seq)  # our own notice needs no catch-up
            self._signal_change()
            await self._after_commit(self, events, True)

    async def _sync(self) -> None:
        """Bring the state up to the log: read what others appended, or rebuild after a failed batch."""
        try:
            if self._stale:
                events = await self._log.read_all(self.auction_id)
                self.auction = Auction.replay(events)
                self._stale = False
                fresh = events[self._committed_seq:]
            else:
                fresh = await self._log.read(self.auction_id, self.auction.seq)
                for event in fresh:
                    self.auction.apply(event)
        except (RedisError, OSError) as exc:
            raise StoreUnavailable(str(exc)) from exc
        self._remote_seq = max(self._remote_seq, self.auction.seq)
        self._committed_seq = self.auction.seq
        if fresh:
            self._signal_change()
            await self._after_commit(self, fresh, False)

    def _signal_change(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def publish(self, events: list[Event]) -> None:
        """Hand the committed state to the local watchers: the book if it changed, and the rank of
        every supplier watching here (the hub sends only the ranks that moved)."""
        view = self.view()
        changed = view is not None and not view.same_state(self._published)
        if changed:
            self._published = view
        ranks: dict[str, int] = {}
        if not self.auction.sealed and any(isinstance(e, BidAccepted) for e in events):
            book = self.auction.book
            ranks = {s: rank for s in self._hub.suppliers(self.auction_id) if (rank := book.rank(s)) is not None}
        if changed or ranks:
            self._hub.publish(self.auction_id, view if changed else None, ranks, self.auction.seq)


def _fail(batch: list[tuple[AuctionCommand, "asyncio.Future[Outcome]"]], exc: Exception) -> None:
    for _cmd, future in batch:
        if not future.done():
            future.set_exception(exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(str(exc)))
