"""Hostile input on the live-bidding websocket of a real `mall serve` process.

One auction holds acknowledged bids of S1 and S2 before the attacks start. Hypothesis throws arbitrary
JSON values, text and bytes at it; frames go over 4 KiB; tokens are forged, tampered with or expired;
a supplier tries to learn who the others are. Every malformed frame gets `BAD_MESSAGE` on a socket
that stays open, the rest get their close code, and the last test sees the auction close by itself
and award the best acknowledged bid. The tests of this module run in order, on one auction.
"""

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection

from mall_api import wire
from tests.conftest import SECRET
from tests.integration.arena import Arena, close_code, headers, mall_process, open_arena, open_socket, recv, token

DURATION_S = 15
FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    # No frame budget here: the fuzzer sends as fast as the server answers (test_hostile_floods has one).
    with mall_process(tmp_path_factory.mktemp("hostile-ws"), MALL_WS_MSG_BUDGET="0") as mall:
        yield open_arena(mall, duration_s=DURATION_S)


@pytest.fixture
def s3(arena: Arena) -> Iterator[ClientConnection]:
    """An admitted supplier that has not bid: every path of the reader is open to it."""
    with open_socket(arena.mall, arena.auction_id, token("supplier", "S3")) as ws:
        snap = recv(ws)
        assert isinstance(snap, wire.Snapshot) and snap.status == "open"
        yield ws
    arena.assert_intact()


def is_bid(frame: str | bytes) -> bool:
    try:
        wire.client_decoder.decode(frame)
    except (ValueError, TypeError):  # msgspec's DecodeError and ValidationError
        return False
    return True


def expect_bad_message(ws: ClientConnection, frame: str | bytes) -> None:
    ws.send(frame)
    while True:
        got = recv(ws, timeout=5)
        if isinstance(got, wire.Error):
            assert got.code == "BAD_MESSAGE" and got.message, got
            return
        assert isinstance(got, wire.Book | wire.Rank), f"{frame!r} -> {got}"


leaves = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
          | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
json_values = st.recursive(
    leaves, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
    max_leaves=16)
# Objects that look like bids: the right tag with wrong, missing, extra or out-of-range fields.
near_bids = st.builds(
    lambda fields, tag: {"type": tag, **fields},
    st.dictionaries(st.sampled_from(["ref", "price_fen", "extra", "type "]),
                    json_values | st.integers(min_value=-5, max_value=10**16) | st.text(min_size=60, max_size=70),
                    max_size=3),
    st.sampled_from(["bid", "Bid", "ask", "", "snapshot"]) | leaves,
)


def test_fuzz_arbitrary_json_values(s3: ClientConnection) -> None:
    @FUZZ
    @given(value=json_values | near_bids)
    def check(value: Any) -> None:
        frame = json.dumps(value, ensure_ascii=False)
        assume(len(frame.encode()) <= wire.MAX_FRAME and not is_bid(frame))
        expect_bad_message(s3, frame)

    check()


def test_fuzz_arbitrary_text_and_bytes(s3: ClientConnection) -> None:
    @FUZZ
    @given(frame=st.text(max_size=300) | st.binary(max_size=300))
    def check(frame: str | bytes) -> None:
        assume(not is_bid(frame))
        expect_bad_message(s3, frame)

    check()


@pytest.mark.parametrize(("frame", "code"), [
    ("x" * wire.MAX_FRAME, None),  # exactly 4 KiB: a bad message, the socket stays open
    (b"\x00" * wire.MAX_FRAME, None),
    ("x" * (wire.MAX_FRAME + 1), 1009),
    ("中" * (wire.MAX_FRAME // 3 + 1), 1009),  # 1366 characters, 4098 UTF-8 bytes
    (b"{" * (wire.MAX_FRAME + 1), 1009),
    ('{"type": "bid", "ref": "' + "r" * 5000 + '", "price_fen": 1}', 1009),
])
def test_oversized_frames_close_1009(arena: Arena, frame: str | bytes, code: int | None) -> None:
    with open_socket(arena.mall, arena.auction_id, token("supplier", "S3")) as ws:
        assert isinstance(recv(ws), wire.Snapshot)
        if code is None:
            expect_bad_message(ws, frame)
            ws.send(wire.encode(wire.Bid(ref="", price_fen=1)).decode())  # still read: ref too short
            assert isinstance(recv(ws), wire.Error)
        else:
            ws.send(frame)
            assert close_code(ws) == code
    arena.assert_intact()


def forged_tokens() -> dict[str, str | None]:
    now = int(time.time())
    good = token("supplier", "S3")
    head, body, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    admin_body = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin"}).encode()).rstrip(b"=").decode()
    return {
        "missing": None,
        "garbage": "not-a-token",
        "other secret": jwt.encode({"role": "admin", "sub": "fin", "exp": now + 600}, "another-secret-" * 3, "HS256"),
        "alg none": jwt.encode({"role": "admin", "sub": "fin", "exp": now + 600}, None, "none"),
        "tampered claims": f"{head}.{admin_body}.{signature}",
        "expired": token("supplier", "S3", ttl_s=60, now_s=now - 3600),
        "no expiry": jwt.encode({"role": "admin", "sub": "fin"}, SECRET, "HS256"),
        "unknown role": jwt.encode({"role": "root", "sub": "x", "exp": now + 600}, SECRET, "HS256"),
    }


@pytest.mark.parametrize("kind", list(forged_tokens()))
def test_forged_and_expired_tokens(arena: Arena, kind: str) -> None:
    bad = forged_tokens()[kind]
    with open_socket(arena.mall, arena.auction_id, bad) as ws:
        assert close_code(ws) == 4401
    auth = {} if bad is None else {"Authorization": f"Bearer {bad}"}
    r = arena.http.post(f"/api/auctions/{arena.auction_id}/cancel", json={"reason": "hostile"}, headers=auth)
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED", r.text
    assert arena.http.get("/api/plans", headers=auth).status_code == 401
    arena.assert_intact()


def test_unknown_auction_closes_4404(arena: Arena) -> None:
    for auction_id in ("A99999999", "..", "%00", "x" * 200):
        with open_socket(arena.mall, auction_id, token("supplier", "S3")) as ws:
            assert close_code(ws) == 4404


BIDDERS = ("S1", "S2", "S3", "S4")


def reveals_a_bidder(text: str) -> list[str]:
    names = [f'"{s}"' for s in BIDDERS] + [f"供应商{s[1:]}" for s in BIDDERS]
    return [name for name in names if name in text]


def test_no_identity_of_any_bidder_while_the_auction_runs(arena: Arena) -> None:
    """S4 watches while S1 and S3 bid: nothing it can read names a bidder, its own answers aside."""
    seen: list[str] = []
    with open_socket(arena.mall, arena.auction_id, token("supplier", "S4")) as spy:
        seen.append(str(spy.recv(timeout=5)))
        # S3 re-uses S1's ref: refs are per supplier, so S3 gets an answer of its own, not S1's.
        got = arena.bid("S3", "s1-first", 4_650_000)
        assert isinstance(got, wire.Accepted) and got.price_fen == 4_650_000
        assert isinstance(arena.bid("S1", "s1-second", 4_600_000), wire.Accepted)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            frame = spy.recv(timeout=5)
            seen.append(str(frame))
            book = wire.server_decoder.decode(frame)
            if isinstance(book, wire.Book) and book.best_fen == 4_600_000 and book.bidders == 3:
                break
        else:
            pytest.fail(f"no book frame with the new best: {seen}")
    public = httpx.Client(base_url=arena.mall.base, timeout=10)
    for path in (f"/api/auctions/{arena.auction_id}", "/api/auctions", "/api/auctions?status=open",
                 "/api/announcements", f"/api/announcements/{arena.auction['announcement_id']}", "/api/stats"):
        for auth in ({}, headers("supplier", "S4")):
            r = public.get(path, headers=auth)
            assert r.status_code == 200, (path, r.text)
            seen.append(r.text)
    state = arena.state()
    assert state["result"] is None and state["bidders"] == 3 and state["best_fen"] == 4_600_000
    leaks = [(text, reveals_a_bidder(text)) for text in seen if reveals_a_bidder(text)]
    assert not leaks, leaks


def test_the_auction_closes_and_awards_the_acknowledged_bids(arena: Arena) -> None:
    assert arena.acked == {"S1": 4_600_000, "S2": 4_700_000, "S3": 4_650_000}
    awarded = arena.assert_awarded(timeout=DURATION_S + 30)
    # After close the result names every bidder.
    assert {b["supplier_id"] for b in awarded["result"]["bids"]} == {"S1", "S2", "S3"}
    assert reveals_a_bidder(json.dumps(awarded))
