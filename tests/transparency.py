"""Helpers for the transparency tests: drive real auctions in-process to their end (bids over the
websocket, the close by the scheduler), or write a whole auction's real engine events into the store
and project them, as the registry does, at chosen times."""

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import jsonschema
import orjson
import redis.asyncio as aioredis
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from starlette.testclient import TestClient

from engine.auction import Auction
from engine.commands import Cancel, Launch, PlaceBid, Tick
from engine.events import Event
from mall_api import wire
from mall_api.flags import Supervision
from mall_api.projections import Projector
from mall_api.store.documents import Documents
from mall_api.store.log import AuctionLog
from tests.flow import Auth, filed_plan, launch

DAY_MS = 24 * 3600 * 1000


def place(client: TestClient, auth: Auth, auction_id: str, supplier: str, price_fen: int, ref: str = "r") -> Any:
    """One bid over the websocket; the answer frame (Accepted or Rejected)."""
    token = auth("supplier", supplier)["Authorization"][7:]
    with client.websocket_connect(f"/ws/auctions/{auction_id}?token={token}") as ws:
        ws.receive_text()
        ws.send_text(wire.encode(wire.Bid(ref=ref, price_fen=price_fen)).decode())
        while True:
            frame = wire.server_decoder.decode(ws.receive_text())
            if isinstance(frame, wire.Accepted | wire.Rejected) and frame.ref == ref:
                return frame


def settle(client: TestClient, auth: Auth, plan_id: str, auction_id: str, timeout: float = 15) -> None:
    """Wait until the auction's end is fully projected (its result is the plan's last history step)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        history = client.get(f"/api/plans/{plan_id}", headers=auth("admin", "fin")).json()["history"]
        if any(row.get("action") == "announce_result" and row.get("auction_id") == auction_id for row in history):
            return
        time.sleep(0.05)
    raise AssertionError(f"auction {auction_id} was not projected in {timeout} s")


def run_auction(client: TestClient, auth: Auth, bids: dict[str, int], budget_fen: int = 5_000_000,
                **terms: Any) -> dict[str, Any]:
    """File a plan, launch an auction of 1 s, place `bids` (supplier → total price), wait for its end."""
    plan = filed_plan(client, auth, budget_fen=budget_fen)
    auction = launch(client, auth, plan["id"], duration_s=1, **terms)
    for supplier, price in bids.items():
        assert isinstance(place(client, auth, auction["id"], supplier, price), wire.Accepted)
    settle(client, auth, plan["id"], auction["id"])
    return client.get(f"/api/auctions/{auction['id']}").json()


def cancel_auction(client: TestClient, auth: Auth, reason: str = "采购需求变更") -> dict[str, Any]:
    plan = filed_plan(client, auth)
    auction = launch(client, auth, plan["id"], duration_s=60)
    r = client.post(f"/api/auctions/{auction['id']}/cancel", json={"reason": reason}, headers=auth("buyer", "U1"))
    assert r.status_code == 200, r.text
    settle(client, auth, plan["id"], auction["id"])
    return r.json()


@dataclass
class Lot:
    """An auction written straight into the store as real engine events, at chosen times."""

    auction_id: str
    at: int
    budget_fen: int
    bids: dict[str, int] = field(default_factory=dict)
    category: str = "A02010105"
    buyer_id: str = "U1"
    title: str = "教学用台式计算机采购"
    sku: str = "PC-001"
    min_bidders: int = 1
    plan_id: str | None = None
    filed_days_before: int = 0
    close_after_ms: int = 60_000
    deadline_ms: int | None = None
    cancel: bool = False


def lot_events(lot: Lot) -> list[list[Event]]:
    """The batches of events the registry would append for `lot`: launch, each bid, the end."""
    close_at = lot.at + lot.close_after_ms
    cmd = Launch(at=lot.at, auction_id=lot.auction_id, plan_id=lot.plan_id or f"P-{lot.auction_id}",
                 batch_no=f"CF2026{lot.auction_id[-6:]:0>6}", buyer_id=lot.buyer_id, title=lot.title,
                 category=lot.category, sku=lot.sku, quantity=10, budget_fen=lot.budget_fen,
                 reference_price_fen=lot.budget_fen, reference_source="jd.com", mode="open", opens_at=lot.at,
                 duration_s=lot.close_after_ms // 1000, min_decrement_fen=1, extension_s=0, max_extensions=None,
                 min_bidders=lot.min_bidders, plan_deadline=lot.deadline_ms or close_at + 30 * DAY_MS)
    batches = [Auction.launch(cmd)]
    auction = Auction.replay(batches[0])
    commands: list[PlaceBid | Cancel | Tick] = [
        PlaceBid(at=lot.at + 1000 * (i + 1), supplier_id=s, ref=f"r{i}", price_fen=p, eligible=True)
        for i, (s, p) in enumerate(lot.bids.items())]
    commands.append(Cancel(at=close_at - 1, by="buyer:U1", reason="采购需求变更") if lot.cancel else Tick(at=close_at))
    for command in commands:
        events = auction.decide(command)
        for event in events:
            auction.apply(event)
        batches.append(events)
    return batches


async def _write(url: str, lots: Iterable[Lot], supervision: Supervision) -> None:
    redis = aioredis.from_url(url)
    try:
        docs = Documents(redis)
        log = AuctionLog(redis)
        projector = Projector(redis, docs, supervision)
        for lot in lots:
            plan_id = lot.plan_id or f"P-{lot.auction_id}"
            if await docs.get("plan", plan_id) is None:
                await docs.put("plan", plan_id, {"id": plan_id, "status": "filed", "history": [],
                                                 "filed_at_ms": lot.at - lot.filed_days_before * DAY_MS})
            # One append of the whole auction: its times are past, and a server watching the store
            # would close an open auction that is overdue.
            events = [e for batch in lot_events(lot) for e in batch]
            auction = Auction.replay(events)
            if await log.meta(lot.auction_id) is None:  # written already: only project again
                await log.append(lot.auction_id, 0, events, auction.status, auction.closes_at)
            await projector.project(auction, events)
    finally:
        await redis.aclose()


def write_lots(redis_url: str, lots: Iterable[Lot], supervision: Supervision | None = None) -> None:
    asyncio.run(_write(redis_url, list(lots), supervision or Supervision()))


def ocds_validator() -> jsonschema.Draft4Validator:
    """The official OCDS 1.1 release-package schema (shipped in the package), offline, with formats."""
    folder = resources.files("mall_api") / "data" / "ocds"
    schemas = [orjson.loads((folder / name).read_bytes())
               for name in ("release-package-schema.json", "release-schema.json")]
    registry: Registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4)) for schema in schemas)
    return jsonschema.Draft4Validator(schemas[0], registry=registry,
                                      format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)

