"""Simulated suppliers: each turn one of them opens the auction's websocket with its own token,
reads the snapshot and quotes a little lower than its last quote (API.md "Live bidding")."""

import random
import uuid

import msgspec
from websockets.sync.client import connect

from mall_api import wire


def next_price(snapshot: wire.Snapshot, rng: random.Random, floor_pct: int = 85) -> int | None:
    """A price the rules accept (≤ ceiling, ≥ one decrement under the supplier's last quote) that closes
    in on the best; None once the supplier would go under `floor_pct`% of the ceiling."""
    step = snapshot.min_decrement_fen
    mine = snapshot.you.best_fen if snapshot.you else None
    highest = snapshot.ceiling_fen if mine is None else mine - step
    target = highest if snapshot.best_fen is None else min(highest, snapshot.best_fen - step * rng.randint(0, 3))
    price = target - step * rng.randint(0, 4)
    if price < snapshot.ceiling_fen * floor_pct // 100 or price < 1:
        return None
    return price


def quote(ws_base: str, auction_id: str, token: str, rng: random.Random) -> str | None:
    """One bid by one supplier; the answer's type (`accepted`/`rejected`), or None if it held back."""
    with connect(f"{ws_base}/ws/auctions/{auction_id}?token={token}", compression=None, open_timeout=5) as ws:
        first = wire.server_decoder.decode(ws.recv(timeout=5))
        if not isinstance(first, wire.Snapshot) or first.status != "open":
            return None
        price = next_price(first, rng)
        if price is None:
            return None
        ref = uuid.uuid4().hex
        ws.send(wire.encode(wire.Bid(ref=ref, price_fen=price)).decode())
        while True:
            try:
                frame = wire.server_decoder.decode(ws.recv(timeout=5))
            except msgspec.ValidationError:
                continue
            if isinstance(frame, wire.Accepted | wire.Rejected) and frame.ref == ref:
                return "accepted" if isinstance(frame, wire.Accepted) else "rejected"
            if isinstance(frame, wire.Closed):
                return None
