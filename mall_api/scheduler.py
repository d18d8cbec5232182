"""Wakes auctions at their deadlines: opens at `opens_at`, closes at `closes_at`.

One task per process sleeps until the earliest deadline (or until told a deadline changed), then
sends a `Tick` to the auction's runner. The close itself is an append with expected version, so an
auction closes exactly once however many ticks race. Stale heap entries are skipped: the runner's
own `next_deadline()` is the truth.
"""

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Callable

from engine.commands import Tick
from mall_api.clock import now_ms
from mall_api.runner import AuctionRunner, StoreUnavailable

log = logging.getLogger("mall.scheduler")
RETRY_MS = 500


class Scheduler:
    def __init__(self, runner_of: Callable[[str], AuctionRunner | None], clock: Callable[[], int] = now_ms) -> None:
        self._runner_of = runner_of
        self._clock = clock
        self._heap: list[tuple[int, str]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def schedule(self, auction_id: str, deadline: int | None) -> None:
        if deadline is None:
            return
        heapq.heappush(self._heap, (deadline, auction_id))
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            if not self._heap:
                await self._wake.wait()
                continue
            deadline, auction_id = self._heap[0]
            wait_ms = deadline - self._clock()
            if wait_ms > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait_ms / 1000)
                continue
            heapq.heappop(self._heap)
            runner = self._runner_of(auction_id)
            if runner is None:
                continue
            due = runner.auction.next_deadline()
            if due is None or due > deadline:
                continue  # a fresher entry is in the heap (or the auction is over)
            asyncio.get_running_loop().create_task(self._tick(runner, auction_id))

    async def _tick(self, runner: AuctionRunner, auction_id: str) -> None:
        try:
            await runner.submit(Tick(at=self._clock()))
        except StoreUnavailable as exc:
            log.warning("auction %s: tick failed (%s); retrying", auction_id, exc)
            await asyncio.sleep(RETRY_MS / 1000)
            self.schedule(auction_id, runner.auction.next_deadline())
        else:
            self.schedule(auction_id, runner.auction.next_deadline())
