"""The side-by-side benchmark: the mall against the physical limit of the same machine, same client, same run.

    python -m loadtests.bench                 # full size (several minutes)
    python -m loadtests.bench --size ci       # a quick pass of every phase
    python -m loadtests.bench --only mall,fanout --connections 100 --json out.json

Phases (each reported in the table and in the JSON):

echo     a bare `websockets` echo server (asyncio + uvloop, its own process) driven closed loop by N
         connections, one message in flight each: the physical limit of this machine for this client.
mall     a real `mall serve` process (embedded store with `appendfsync always`, or REDIS_URL) driven by the
         same client: N suppliers, spread over A auctions, each with one bid in flight, each bid 1 fen
         under its last so every bid is accepted; each bidder's socket also watches its auction, so the
         conflated book and rank frames flow too. Counted: durable accepted bids/s, bid->ack percentiles.
open     open loop at fractions of the saturating rate (the `mall` phase's): bids sent on a fixed
         schedule whatever the answers, latency from the scheduled send (no coordinated omission).
fanout   1 bidder at a steady rate, W watchers of the same auction: the delay from sending a bid to each
         watcher's book frame showing that new best price (includes MALL_BOOK_INTERVAL_MS conflation).
idle     RSS per idle websocket: VmRSS of the server process before and after M sockets (snapshot read),
         for a fresh mall and, as a reference, a fresh echo server.
replay   an auction of E events built with the engine, appended through AuctionLog in batches, then
         `read_all` + `Auction.replay` timed.

The client and the servers share this machine's cores: the client's own CPU is part of every number.
The mall runs with MALL_BID_RATE and MALL_WS_MSG_BUDGET lifted (they are per-supplier/per-socket abuse
limits, which a closed-loop client exceeds by design); everything else is the shipped configuration.
"""

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import os
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import uvloop
import websockets
from websockets.asyncio.client import ClientConnection, connect

from loadtests.protocol import ws_url
from loadtests.seed import Identity, Seeder
from loadtests.server import EchoServer, MallServer, rss_kb
from mall_api import wire

# -- sizes ------------------------------------------------------------------------------------------------


@dataclass
class Sizes:
    connections: int = 50
    auctions: int = 5
    duration_s: float = 10.0
    warmup_s: float = 2.0
    repeat: int = 3
    open_s: float = 8.0
    load_points: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)
    watchers: int = 1000
    fanout_rate: float = 20.0
    fanout_s: float = 10.0
    idle: int = 10_000
    replay_events: int = 100_000


SIZES: dict[str, Sizes] = {
    "full": Sizes(),
    "ci": Sizes(connections=20, auctions=2, duration_s=3.0, warmup_s=1.0, repeat=1, open_s=3.0,
                load_points=(0.5,), watchers=100, fanout_s=3.0, idle=500, replay_events=10_000),
}
PHASES = ("echo", "mall", "open", "fanout", "idle", "replay")
SOCKETS_PER_TOKEN = 50  # under the mall's MALL_MAX_CONN_PER_TOKEN (100)
SERVER_ENV = {"MALL_BID_RATE": "1000000000", "MALL_WS_MSG_BUDGET": "0"}
SERVER_PYTHON = sys.executable  # --server-python: the interpreter both servers run under

# -- measurements -------------------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    if not sorted_values:
        return math.nan
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def summary(latencies_ms: list[float]) -> dict[str, float]:
    values = sorted(latencies_ms)
    return {"count": len(values), "p50_ms": percentile(values, 50), "p90_ms": percentile(values, 90),
            "p99_ms": percentile(values, 99), "p999_ms": percentile(values, 99.9),
            "max_ms": values[-1] if values else math.nan}


class CpuMeter:
    """CPU seconds used by processes over a phase, from /proc (utime + stime)."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start = {name: self._cpu(pid) for name, pid in pids.items()}
        self.busy0 = self._busy()
        self.t0 = time.perf_counter()

    @classmethod
    def _cpu(cls, pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / cls.TICK

    @classmethod
    def _busy(cls) -> tuple[float, float, float]:
        """CPU seconds of the whole machine (all cores, /proc/stat): in processes (user, nice, system),
        in interrupts (irq, softirq: loopback traffic lands here too), and stolen by the hypervisor."""
        t = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(t[0:3]) / cls.TICK, sum(t[5:7]) / cls.TICK, t[7] / cls.TICK

    def stop(self) -> dict[str, float]:
        """Each process's share of one core over the phase (1.0 = one core busy); `others`: processes
        not in this benchmark meanwhile (anything else running skews the numbers); `irq`, `steal`."""
        wall = time.perf_counter() - self.t0
        shares = {name: round((self._cpu(pid) - self.start[name]) / wall, 2) for name, pid in self.pids.items()}
        procs, irq, steal = (round((b - a) / wall, 2) for a, b in zip(self.busy0, self._busy(), strict=True))
        shares["others"] = round(max(0.0, procs - sum(shares.values())), 2)
        shares["irq"], shares["steal"] = irq, steal
        return shares


QUIET_WAIT_S = 0.0  # --wait-quiet: before each measured run, wait up to this long for an idle machine


def wait_quiet(max_wait_s: float | None = None, below_cores: float = 0.15) -> bool:
    """On a shared machine, wait (up to `max_wait_s`) until processes use less than `below_cores` over 2 s.
    Blocking on purpose: it runs between measured runs, when the client has nothing in flight."""
    limit = QUIET_WAIT_S if max_wait_s is None else max_wait_s
    deadline = time.monotonic() + limit
    while limit > 0:
        before, t0 = CpuMeter._busy()[0], time.perf_counter()
        time.sleep(2.0)
        if (CpuMeter._busy()[0] - before) / (time.perf_counter() - t0) < below_cores:
            return True
        if time.monotonic() > deadline:
            print(f"warning: the machine stayed busy for {limit:g} s; measuring anyway", file=sys.stderr)
            return False
    return True


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


# -- the client ---------------------------------------------------------------------------------------------


async def open_socket(url: str) -> ClientConnection:
    return await connect(url, compression=None, max_size=2**16, open_timeout=30, ping_interval=None,
                         close_timeout=2)


async def open_many(urls: Sequence[str], concurrency: int = 100) -> list[ClientConnection]:
    gate = asyncio.Semaphore(concurrency)

    async def one(url: str) -> ClientConnection:
        async with gate:
            return await open_socket(url)

    return list(await asyncio.gather(*(one(u) for u in urls)))


async def close_all(sockets: Sequence[ClientConnection]) -> None:
    gate = asyncio.Semaphore(200)

    async def one(ws: ClientConnection) -> None:
        async with gate:
            with contextlib.suppress(Exception):
                await ws.close()

    await asyncio.gather(*(one(ws) for ws in sockets))


@dataclass
class Bidder:
    """One supplier's socket: a quote ladder 1 fen down per bid, unique refs across phases."""

    ws: ClientConnection
    price: int
    refs: int = 0
    frames: int = 0

    def next_bid(self) -> tuple[str, bytes]:
        self.refs += 1
        self.price -= 1
        ref = str(self.refs)
        return ref, wire.encode(wire.Bid(ref=ref, price_fen=self.price))

    async def answer(self, ref: str) -> wire.Accepted | wire.Rejected:
        """Read until the answer to `ref`, counting the book and rank frames on the way."""
        decode = wire.server_decoder.decode
        while True:
            frame = decode(await self.ws.recv(decode=False))
            if isinstance(frame, wire.Accepted | wire.Rejected):
                if frame.ref == ref:
                    return frame
            elif isinstance(frame, wire.Error):
                raise RuntimeError(f"error frame: {frame.code}: {frame.message}")
            else:
                self.frames += 1


@dataclass
class LoopResult:
    ops: int
    seconds: float
    latencies_ms: list[float]
    rejected: dict[str, int] = field(default_factory=dict)
    frames: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    slow: list[tuple[float, float]] = field(default_factory=list)  # (s into the measurement, ms) over SLOW_MS

    @property
    def rate(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0

    def report(self) -> dict[str, Any]:
        return {"rate_per_s": round(self.rate, 1), "ops": self.ops, "seconds": round(self.seconds, 3),
                **{k: round(v, 3) for k, v in summary(self.latencies_ms).items()},
                "rejected": self.rejected, "watch_frames_per_s": round(self.frames / self.seconds, 1),
                "cpu_cores": self.cpu, **stalls(self.slow)}


SLOW_MS = 50.0


def stalls(slow: list[tuple[float, float]], threshold_ms: float = SLOW_MS) -> dict[str, Any]:
    """When the slow answers came (0.1 s windows into the measurement): a few windows full of them
    point at a pause (GC, a store fsync stall, an AOF rewrite), spread-out ones at plain queueing."""
    windows: dict[float, float] = {}
    for at, ms in slow:
        key = round(at, 1)
        windows[key] = max(windows.get(key, 0.0), ms)
    worst = sorted(windows.items(), key=lambda kv: -kv[1])[:10]
    return {f"over_{threshold_ms:g}ms": len(slow),
            "slow_windows": [{"at_s": k, "max_ms": round(v, 1)} for k, v in worst]}


async def closed_loop_echo(sockets: Sequence[ClientConnection], duration: float, warmup: float) -> LoopResult:
    """Each socket: send a bid frame, await its echo, again; the same bytes and decoding as the mall."""
    t_start = time.perf_counter()
    t_measure, t_stop = t_start + warmup, t_start + warmup + duration
    latencies: list[float] = []
    counted = [0]

    async def run(ws: ClientConnection, k: int) -> None:
        price, n = 199_000_000 - k, 0
        decode = wire.client_decoder.decode
        while (t0 := time.perf_counter()) < t_stop:
            n += 1
            price -= 1
            await ws.send(wire.encode(wire.Bid(ref=str(n), price_fen=price)).decode())
            decode(await ws.recv(decode=False))
            t1 = time.perf_counter()
            if t0 >= t_measure:
                counted[0] += 1
                latencies.append((t1 - t0) * 1000)

    await asyncio.gather(*(run(ws, k) for k, ws in enumerate(sockets)))
    return LoopResult(counted[0], duration, latencies)


async def closed_loop_mall(bidders: Sequence[Bidder], duration: float, warmup: float) -> LoopResult:
    """Each bidder: one bid in flight, the next as soon as the answer came (book/rank frames read too)."""
    t_start = time.perf_counter()
    t_measure, t_stop = t_start + warmup, t_start + warmup + duration
    latencies: list[float] = []
    slow: list[tuple[float, float]] = []
    rejected: dict[str, int] = {}
    counted = [0]
    frames_at_measure = [0]

    async def run(b: Bidder) -> None:
        measuring = False
        while (t0 := time.perf_counter()) < t_stop:
            if not measuring and t0 >= t_measure:
                measuring = True
                frames_at_measure[0] += b.frames
            ref, frame = b.next_bid()
            await b.ws.send(frame.decode())
            answer = await b.answer(ref)
            t1 = time.perf_counter()
            if isinstance(answer, wire.Rejected):
                b.price += 1  # not placed: the ladder stays where it was
                if measuring:
                    rejected[answer.code] = rejected.get(answer.code, 0) + 1
            elif measuring:
                counted[0] += 1
                latencies.append(ms := (t1 - t0) * 1000)
                if ms > SLOW_MS:
                    slow.append((t1 - t_measure, ms))

    frames_before = sum(b.frames for b in bidders)
    await asyncio.gather(*(run(b) for b in bidders))
    frames = sum(b.frames for b in bidders) - max(frames_before, frames_at_measure[0])
    return LoopResult(counted[0], duration, latencies, rejected, frames, slow=slow)


async def open_loop_mall(bidders: Sequence[Bidder], rate: float, duration: float, warmup: float) -> LoopResult:
    """Bids on a fixed schedule (rate in total, spread evenly over the bidders, random phases), answers
    read by a separate task per socket; latency counted from the scheduled send time."""
    per = rate / len(bidders)
    t_start = time.perf_counter() + 0.05
    t_measure, t_stop = t_start + warmup, t_start + warmup + duration
    latencies: list[float] = []
    slow: list[tuple[float, float]] = []
    rejected: dict[str, int] = {}
    counted = [0]

    async def run(b: Bidder) -> None:
        sent: dict[str, float] = {}
        done = asyncio.Event()
        last_ref: list[str] = [""]

        async def reader() -> None:
            decode = wire.server_decoder.decode
            while True:
                frame = decode(await b.ws.recv(decode=False))
                if isinstance(frame, wire.Accepted | wire.Rejected):
                    scheduled = sent.pop(frame.ref, None)
                    if scheduled is not None and scheduled >= t_measure:
                        if isinstance(frame, wire.Accepted):
                            counted[0] += 1
                            now = time.perf_counter()
                            latencies.append(ms := (now - scheduled) * 1000)
                            if ms > SLOW_MS:
                                slow.append((now - t_measure, ms))
                        else:
                            rejected[frame.code] = rejected.get(frame.code, 0) + 1
                    if done.is_set() and frame.ref == last_ref[0]:
                        return
                else:
                    b.frames += 1

        task = asyncio.create_task(reader())
        k = 0
        phase = random.random() / per
        while (scheduled := t_start + phase + k / per) < t_stop:
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            ref, frame = b.next_bid()
            sent[ref] = scheduled
            last_ref[0] = ref
            await b.ws.send(frame.decode())
            k += 1
        done.set()
        if last_ref[0] and last_ref[0] in sent:
            await asyncio.wait_for(task, 30)
        else:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    await asyncio.gather(*(run(b) for b in bidders))
    return LoopResult(counted[0], duration, latencies, rejected, slow=slow)


async def fan_out(bidder: Bidder, watchers: Sequence[ClientConnection], rate: float, duration: float,
                  warmup: float) -> dict[str, Any]:
    """One bidder at `rate` bids/s; every watcher timestamps each book frame's best price."""
    sent_at: dict[int, float] = {}
    delays: list[float] = []
    slow: list[tuple[float, float]] = []
    t_start = time.perf_counter()
    t_measure, t_stop = t_start + warmup, t_start + warmup + duration
    final_price = [0]
    last_seen: list[int] = [0] * len(watchers)
    frames = [0]

    async def watch(k: int, ws: ClientConnection) -> None:
        decode = wire.server_decoder.decode
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                frame = decode(await ws.recv(decode=False))
                if isinstance(frame, wire.Book) and isinstance(frame.best_fen, int):
                    now = time.perf_counter()
                    frames[0] += 1
                    last_seen[k] = frame.best_fen
                    sent = sent_at.get(frame.best_fen)
                    if sent is not None and sent >= t_measure:
                        delays.append(ms := (now - sent) * 1000)
                        if ms > 100:
                            slow.append((now - t_measure, ms))

    tasks = [asyncio.create_task(watch(k, ws)) for k, ws in enumerate(watchers)]
    n = 0
    acks: list[float] = []
    while (scheduled := t_start + n / rate) < t_stop:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        ref, frame = bidder.next_bid()
        t0 = time.perf_counter()
        sent_at[bidder.price] = t0
        await bidder.ws.send(frame.decode())
        answer = await bidder.answer(ref)
        if isinstance(answer, wire.Accepted):
            final_price[0] = answer.price_fen
            acks.append((time.perf_counter() - t0) * 1000)
        n += 1
    await asyncio.sleep(1.0)  # the last flush
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks)
    got_final = sum(1 for seen in last_seen if seen == final_price[0])
    return {"watchers": len(watchers), "bid_rate_per_s": rate, "bids": n,
            **{f"delivery_{k}": round(v, 3) for k, v in summary(delays).items()},
            "book_frames": frames[0], "deliveries_per_s": round(frames[0] / (duration + warmup), 1),
            "watchers_with_final_price": got_final, "bid_ack_p50_ms": round(percentile(sorted(acks), 50), 3),
            "bid_ack_max_ms": round(max(acks, default=math.nan), 3), **stalls(slow, 100)}


# -- setting up the mall ------------------------------------------------------------------------------------


@dataclass
class MallFixture:
    server: MallServer
    seeder: Seeder
    auctions: list[dict[str, Any]]
    suppliers: list[Identity]

    @classmethod
    def start(cls, suppliers: int, auctions: int, redis_url: str | None, duration_s: int = 3600) -> "MallFixture":
        server = MallServer(env=SERVER_ENV, redis_url=redis_url, python=SERVER_PYTHON).start()
        seeder = Seeder(server.base, server.admin_token())
        seeder.catalog()
        buyer, dept = seeder.buyer(), seeder.dept()
        made = [seeder.auction(buyer, dept, duration_s) for _ in range(auctions)]
        people = [seeder.supplier() for _ in range(suppliers)]
        return cls(server, seeder, made, people)

    def tokens(self, count: int) -> list[str]:
        """Watching tokens, each shared by at most SOCKETS_PER_TOKEN sockets."""
        issued = [self.seeder.token("dept", f"{self.seeder.prefix}-W{k}").token
                  for k in range(math.ceil(count / SOCKETS_PER_TOKEN))]
        return [issued[i // SOCKETS_PER_TOKEN] for i in range(count)]

    def stop(self) -> None:
        self.seeder.close()
        self.server.stop()


async def connect_bidders(mall: MallFixture, suppliers: Sequence[Identity], auctions: Sequence[dict[str, Any]],
                          ) -> list[Bidder]:
    urls = [ws_url(mall.server.base, auctions[k % len(auctions)]["id"], s.token) for k, s in enumerate(suppliers)]
    sockets = await open_many(urls)
    bidders = []
    for k, ws in enumerate(sockets):
        snap = wire.server_decoder.decode(await ws.recv(decode=False))
        assert isinstance(snap, wire.Snapshot), snap
        bidders.append(Bidder(ws, snap.ceiling_fen - k))
    return bidders


# -- phases ---------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(os.sysconf("SC_PAGE_SIZE")
            * os.sysconf("SC_PHYS_PAGES") / 2**30, 1), "kernel": platform.release(),
            "python": platform.python_version(), "websockets": websockets.__version__,
            "uvloop": uvloop.__version__, "msgspec": msgspec.__version__}


def run_async(coro: Callable[[], Awaitable[Any]]) -> Any:
    return uvloop.run(coro())


def median_run(runs: list[LoopResult]) -> LoopResult:
    ordered = sorted(runs, key=lambda r: r.rate)
    return ordered[len(ordered) // 2]


def phase_echo(s: Sizes) -> dict[str, Any]:
    with EchoServer(python=SERVER_PYTHON).start() as echo:
        async def go() -> list[LoopResult]:
            sockets = await open_many([f"{echo.ws_base}/"] * s.connections)
            runs = []
            for _ in range(s.repeat):
                wait_quiet()
                meter = CpuMeter({"server": echo.pid, "client": os.getpid()})
                result = await closed_loop_echo(sockets, s.duration_s, s.warmup_s)
                result.cpu = meter.stop()
                runs.append(result)
            await close_all(sockets)
            return runs

        runs = run_async(go)
    best = median_run(runs)
    return {**best.report(), "runs_per_s": [round(r.rate, 1) for r in runs], "connections": s.connections}


def phase_mall(s: Sizes, phases: set[str], redis_url: str | None, saturating: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mall = MallFixture.start(s.connections + 1, s.auctions + 1, redis_url)
    try:
        pids = {"server": mall.server.pid, "client": os.getpid()}
        if redis_url is None:
            store = children(mall.server.pid)
            if store:
                pids["store"] = store[0]

        async def go() -> None:
            bidders = await connect_bidders(mall, mall.suppliers[:-1], mall.auctions[:-1])
            rate = saturating
            if "mall" in phases:
                runs = []
                for _ in range(s.repeat):
                    wait_quiet()
                    meter = CpuMeter(pids)
                    result = await closed_loop_mall(bidders, s.duration_s, s.warmup_s)
                    result.cpu = meter.stop()
                    runs.append(result)
                best = median_run(runs)
                out["mall"] = {**best.report(), "runs_per_s": [round(r.rate, 1) for r in runs],
                               "connections": s.connections, "auctions": s.auctions}
                rate = best.rate
            if "open" in phases and rate:
                points = []
                for fraction in s.load_points:
                    wait_quiet()
                    meter = CpuMeter(pids)
                    result = await open_loop_mall(bidders, rate * fraction, s.open_s, min(1.0, s.warmup_s))
                    result.cpu = meter.stop()
                    points.append({"fraction": fraction, "offered_per_s": round(rate * fraction, 1),
                                   **result.report()})
                out["open"] = {"saturating_per_s": round(rate, 1), "points": points}
            await close_all([b.ws for b in bidders])
            if "fanout" in phases:
                aid = mall.auctions[-1]["id"]
                tokens = mall.tokens(s.watchers)
                watchers = await open_many([ws_url(mall.server.base, aid, t) for t in tokens])
                for ws in watchers:
                    await ws.recv(decode=False)  # the snapshot
                [bidder] = await connect_bidders(mall, mall.suppliers[-1:], mall.auctions[-1:])
                wait_quiet()
                meter = CpuMeter(pids)
                result = await fan_out(bidder, watchers, s.fanout_rate, s.fanout_s, min(1.0, s.warmup_s))
                out["fanout"] = {**result, "cpu_cores": meter.stop()}
                await close_all([*watchers, bidder.ws])

        run_async(go)
    finally:
        mall.stop()
    return out


def idle_rss(server_pid: int, urls: Sequence[str], first_frame: bool) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        warm = await open_many(urls[:50])
        if first_frame:
            for ws in warm:
                await ws.recv(decode=False)
        await close_all(warm)
        await asyncio.sleep(1.0)
        before = rss_kb(server_pid)
        t0 = time.perf_counter()
        sockets = await open_many(urls)
        if first_frame:
            for ws in sockets:
                await ws.recv(decode=False)
        opened = time.perf_counter() - t0
        await asyncio.sleep(2.0)
        after = rss_kb(server_pid)
        await close_all(sockets)
        return {"sockets": len(urls), "rss_before_kib": before, "rss_after_kib": after,
                "per_socket_kib": round((after - before) / len(urls), 2), "connect_s": round(opened, 2)}

    return dict(run_async(go))


def phase_idle(s: Sizes, redis_url: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with EchoServer(python=SERVER_PYTHON).start() as echo:
        out["echo"] = idle_rss(echo.pid, [f"{echo.ws_base}/"] * s.idle, first_frame=False)
    mall = MallFixture.start(0, 1, redis_url)
    try:
        aid = mall.auctions[0]["id"]
        out["mall"] = idle_rss(mall.server.pid, [ws_url(mall.server.base, aid, t) for t in mall.tokens(s.idle)],
                               first_frame=True)
    finally:
        mall.stop()
    return out


def phase_replay(s: Sizes, redis_url: str | None) -> dict[str, Any]:
    from loadtests.replay import measure_replay

    return measure_replay(s.replay_events, redis_url, s.repeat)


# -- the report -------------------------------------------------------------------------------------------------


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    if "echo" in r and "mall" in r:
        ratio = r["mall"]["rate_per_s"] / r["echo"]["rate_per_s"]
        r["ratio"] = round(ratio, 3)
        rows.append({"target": "durable bids/s >= 0.5 x echo msgs/s", "measured": f"{ratio:.2f} x",
                     "met": ratio >= 0.5})
    if "open" in r:
        half = min(r["open"]["points"], key=lambda p: abs(p["fraction"] - 0.5))
        rows.append({"target": "p99 bid->ack <= 10 ms at half load",
                     "measured": f"{half['p99_ms']:.2f} ms at {half['offered_per_s']:.0f}/s",
                     "met": half["p99_ms"] <= 10})
    if "fanout" in r:
        f = r["fanout"]
        rows.append({"target": f"fan-out p99 <= 100 ms to {f['watchers']} watchers",
                     "measured": f"{f['delivery_p99_ms']:.1f} ms", "met": f["delivery_p99_ms"] <= 100})
    if "idle" in r:
        m = r["idle"]["mall"]
        rows.append({"target": f"<= 30 KB RSS per idle socket ({m['sockets']} sockets)",
                     "measured": f"{m['per_socket_kib']:.1f} KiB", "met": m["per_socket_kib"] <= 30})
    if "replay" in r:
        rp = r["replay"]
        rows.append({"target": f"replay of {rp['events']} events < 1 s",
                     "measured": f"{rp['total_s']:.3f} s", "met": rp["total_s"] < 1})
    return rows


def table(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Python {m['python']} "
             f"(servers: {m['server_python']}), websockets {m['websockets']}, uvloop {m['uvloop']}; "
             f"size {r['size']}", ""]

    def row(name: str, d: dict[str, Any], unit: str = "/s") -> str:
        return (f"{name:<34} {d['rate_per_s']:>10,.0f}{unit:<3} p50 {d['p50_ms']:7.2f}  p99 {d['p99_ms']:7.2f}  "
                f"p999 {d['p999_ms']:7.2f} ms   cpu {d.get('cpu_cores', {})}")

    if "echo" in r:
        lines.append(row(f"echo, {r['echo']['connections']} conns, closed loop", r["echo"]))
    if "mall" in r:
        m = r["mall"]
        lines.append(row(f"mall, {m['connections']} bidders/{m['auctions']} auctions", m))
        lines.append(f"{'':<34} book+rank frames to the bidders: {m['watch_frames_per_s']:,.0f}/s; "
                     f"rejected: {m['rejected'] or 'none'}; runs: {m['runs_per_s']}")
    if "ratio" in r:
        lines.append(f"{'durable bids/s ÷ echo msgs/s':<34} {r['ratio']:.2f}")
    if "open" in r:
        for p in r["open"]["points"]:
            lines.append(row(f"open loop at {p['fraction']:.0%} ({p['offered_per_s']:,.0f}/s)", p))
    if "fanout" in r:
        f = r["fanout"]
        lines.append(f"{'fan-out, 1 bidder -> ' + str(f['watchers']) + ' watchers':<34} "
                     f"{f['bid_rate_per_s']:.0f} bids/s, delivery p50 {f['delivery_p50_ms']:.1f} "
                     f"p99 {f['delivery_p99_ms']:.1f} max {f['delivery_max_ms']:.1f} ms; "
                     f"{f['deliveries_per_s']:,.0f} frames/s; final price seen by "
                     f"{f['watchers_with_final_price']}/{f['watchers']}; cpu {f['cpu_cores']}")
    if "idle" in r:
        for name, d in r["idle"].items():
            lines.append(f"{'idle sockets, ' + name:<34} {d['sockets']:,} sockets: {d['per_socket_kib']:.1f} KiB each "
                         f"(VmRSS {d['rss_before_kib']:,} -> {d['rss_after_kib']:,} KiB)")
    if "replay" in r:
        rp = r["replay"]
        lines.append(f"{'replay ' + format(rp['events'], ',') + ' events':<34} read_all {rp['read_s']:.3f} s + "
                     f"Auction.replay {rp['replay_s']:.3f} s = {rp['total_s']:.3f} s")
    noisy = sorted({f"{name} {cpu['others']}" for name, cpu in _cpu_by_phase(r) if cpu.get("others", 0) > NOISY})
    if noisy:
        lines += ["", f"(!) other processes used > {NOISY} core during: {'; '.join(noisy)} - those numbers are skewed"]
    if r.get("targets"):
        lines += ["", "targets:"]
        for t in r["targets"]:
            lines.append(f"  [{'met' if t['met'] else 'MISSED'}] {t['target']}: {t['measured']}")
    return "\n".join(lines)


NOISY = 0.25


def _cpu_by_phase(r: dict[str, Any]) -> list[tuple[str, dict[str, float]]]:
    found = [(name, r[name].get("cpu_cores", {})) for name in ("echo", "mall", "fanout") if name in r]
    found += [(f"open {p['fraction']:.0%}", p.get("cpu_cores", {})) for p in r.get("open", {}).get("points", [])]
    return found


def plot(r: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    points = r["open"]["points"]
    x = [p["offered_per_s"] for p in points]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99"), ("p999_ms", "p99.9")):
        ax.plot(x, [p[key] for p in points], marker="o", label=label)
    ax.axhline(10, color="grey", linestyle="--", linewidth=1, label="target p99 at half load")
    ax.axvline(r["open"]["saturating_per_s"] / 2, color="grey", linestyle=":", linewidth=1, label="half load")
    ax.set_xlabel("offered load (bids/s, open loop)")
    ax.set_ylabel("bid -> ack (ms)")
    ax.set_yscale("log")
    ax.set_title(f"mall bid->ack latency vs offered load ({r['machine']['cores']} cores, client on the same box)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, needed)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < needed:
        print(f"warning: RLIMIT_NOFILE hard limit {hard} < {needed} sockets + headroom", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--only", default=",".join(PHASES), help=f"comma-separated phases of {','.join(PHASES)}")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL"),
                        help="drive a mall on this Redis instead of its embedded store (default: $REDIS_URL)")
    for f in dataclasses.fields(Sizes):
        if f.name != "load_points":
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=None)
    parser.add_argument("--load-points", default=None, help="fractions of the saturating rate, e.g. 0.25,0.5,0.9")
    parser.add_argument("--saturating", type=float, default=None,
                        help="bids/s to base the open-loop points on when the mall phase is not run")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="on a shared machine: before each measured run, wait up to this long for other "
                             "processes to go idle")
    parser.add_argument("--server-python", default=sys.executable,
                        help="interpreter for the mall and the echo server (it must import the project)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"))
    parser.add_argument("--plot", type=Path, default=Path("bench-latency.png"))
    args = parser.parse_args(argv)
    s = dataclasses.replace(SIZES[args.size], **{
        f.name: getattr(args, f.name) for f in dataclasses.fields(Sizes)
        if f.name != "load_points" and getattr(args, f.name) is not None})
    if args.load_points:
        s.load_points = tuple(float(x) for x in args.load_points.split(","))
    global SERVER_PYTHON, QUIET_WAIT_S
    SERVER_PYTHON, QUIET_WAIT_S = args.server_python, args.wait_quiet
    phases = {p.strip() for p in args.only.split(",") if p.strip()}
    unknown = phases - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    raise_fd_limit(max(s.idle, s.watchers) + 1000)

    server_python = subprocess.run([SERVER_PYTHON, "-c", "import platform; print(platform.python_version())"],
                                   capture_output=True, text=True, check=True).stdout.strip()
    result: dict[str, Any] = {"machine": {**machine(), "server_python": server_python},
                              "size": args.size, "sizes": dataclasses.asdict(s),
                              "redis_url": bool(args.redis_url), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    t0 = time.perf_counter()
    if "echo" in phases:
        print("echo ...", file=sys.stderr, flush=True)
        result["echo"] = phase_echo(s)
    if phases & {"mall", "open", "fanout"}:
        print("mall (closed loop, open loop, fan-out) ...", file=sys.stderr, flush=True)
        result.update(phase_mall(s, phases, args.redis_url, args.saturating))
    if "idle" in phases:
        print("idle sockets ...", file=sys.stderr, flush=True)
        result["idle"] = phase_idle(s, args.redis_url)
    if "replay" in phases:
        print("replay ...", file=sys.stderr, flush=True)
        wait_quiet()
        result["replay"] = phase_replay(s, args.redis_url)
    result["targets"] = targets(result)
    result["elapsed_s"] = round(time.perf_counter() - t0, 1)
    print(table(result))
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\nJSON: {args.json}")
    if "open" in result and plot(result, args.plot):
        print(f"plot: {args.plot}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
