"""The audit chain over the store: `GET /api/audit/{id}` and `mall audit verify` name an edited,
dropped or reordered event; `mall audit replay` re-runs the close and reaches the published result;
plans' histories are chained too."""

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import redis
from starlette.testclient import TestClient

from engine.chain import GENESIS, link
from mall_api.cli import main
from mall_api.store import keys
from tests.flow import Auth, seed_libraries
from tests.transparency import run_auction

Entries = list[tuple[bytes, dict[bytes, bytes]]]


@pytest.fixture
def raw(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def awarded(client: TestClient, auth: Auth) -> dict[str, Any]:
    seed_libraries(client, auth)
    return run_auction(client, auth, {"S1": 4_800_000, "S2": 4_700_000, "S3": 4_750_000}, min_bidders=2)


def mall(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], redis_url: str,
         *args: str) -> tuple[int, str]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    code = main(list(args))
    return code, capsys.readouterr().out


def rewrite(store: redis.Redis, auction_id: str, entries: Entries) -> None:
    """What someone with write access to the store could do: replace the stream (entries keep their ids)."""
    key = keys.auction_events(auction_id)
    store.delete(key)
    for entry_id, fields in entries:
        store.xadd(key, fields, id=entry_id)


def test_audit_endpoint_lists_every_event_with_its_link(client: TestClient, auth: Auth,
                                                        awarded: dict[str, Any]) -> None:
    aid = awarded["id"]
    r = client.get(f"/api/audit/{aid}", headers=auth("admin", "fin"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["verification"]["ok"] is True
    types = [e["type"] for e in report["events"]]
    assert types == ["launched", "opened", "bid_accepted", "bid_accepted", "bid_accepted", "closed", "awarded"]
    assert [e["seq"] for e in report["events"]] == list(range(1, 8))
    head = GENESIS
    for event in report["events"]:
        assert event["event"]["seq"] == event["seq"]
        head = link(head, orjson.dumps(event["event"]))  # the stored bytes are the event's JSON
        assert head == event["link"]
    assert report["head"] == {"seq": 7, "link": report["events"][-1]["link"]}
    assert report["anchors"] == [{"seq": 7, "link": report["events"][-1]["link"]}]
    assert client.get(f"/api/audit/{aid}", headers=auth("dept", "D1")).status_code == 200
    client.post("/api/departments", json={"id": "D2", "name": "市卫健委"}, headers=auth("admin", "fin"))
    assert client.get(f"/api/audit/{aid}", headers=auth("dept", "D2")).status_code == 403
    assert client.get(f"/api/audit/{aid}", headers=auth("buyer", "U1")).status_code == 403
    assert client.get(f"/api/audit/{aid}").status_code == 401
    assert client.get("/api/audit/A-nope", headers=auth("admin", "fin")).json()["error"]["code"] == "NOT_FOUND"


def test_tampering_is_named_by_the_endpoint_and_the_command(
        client: TestClient, auth: Auth, awarded: dict[str, Any], raw: redis.Redis, redis_url: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    aid = awarded["id"]
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify")
    assert code == 0 and f"auction {aid}: ok (7 events" in out and "0 broken" in out
    original: Entries = raw.xrange(keys.auction_events(aid))

    # Edited: S1's quote of 48,000 yuan becomes 40,000 in the store.
    assert b"4800000" in original[2][1][b"e"]
    rewrite(raw, aid, [(i, {**f, b"e": f[b"e"].replace(b"4800000", b"4000000")}) for i, f in original])
    verdict = client.get(f"/api/audit/{aid}", headers=auth("admin", "fin")).json()["verification"]
    assert (verdict["ok"], verdict["seq"], verdict["problem"], verdict["event_type"]) == (
        False, 3, "edited", "bid_accepted")
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify", aid)
    assert code == 1 and f"auction {aid}: BROKEN at seq 3: edited" in out

    # Dropped: the second quote is deleted.
    rewrite(raw, aid, original)
    assert mall(monkeypatch, capsys, redis_url, "audit", "verify", aid)[0] == 0
    raw.xdel(keys.auction_events(aid), original[3][0])
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify", aid)
    assert code == 1 and "BROKEN at seq 4: dropped" in out

    # Reordered: two quotes swap places (each keeps its link).
    swapped = [original[0], original[1], (original[2][0], original[3][1]), (original[3][0], original[2][1]),
               *original[4:]]
    rewrite(raw, aid, swapped)
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify")
    assert code == 1 and "BROKEN at seq 3: reordered" in out and "1 broken" in out

    # A forger who recomputes every link after the edit is caught by the link the deal announcement published.
    head, forged = GENESIS, []
    for entry_id, fields in original:
        payload = fields[b"e"].replace(b"4800000", b"4000000")
        head = link(head, payload)
        forged.append((entry_id, {b"e": payload, b"h": head.encode()}))
    rewrite(raw, aid, forged)
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify", aid)
    assert code == 1 and "BROKEN at seq 7: edited" in out and "published link" in out


def test_replay_reaches_the_published_result(
        awarded: dict[str, Any], raw: redis.Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    aid = awarded["id"]
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "replay", aid)
    assert code == 0 and f"auction {aid}: awarded — the close at seq 6 is reproduced" in out
    assert "winner_id='S2'" in out and "price_fen=4700000" in out
    # The award rewritten to S1 (chain recomputed): the engine still reaches S2, and says so.
    original: Entries = raw.xrange(keys.auction_events(aid))
    head, forged = GENESIS, []
    for entry_id, fields in original:
        payload = fields[b"e"]
        if b'"awarded"' in payload:
            award = orjson.loads(payload)
            award.update(winner_id="S1", price_fen=4_800_000)
            payload = orjson.dumps(award)
        head = link(head, payload)
        forged.append((entry_id, {b"e": payload, b"h": head.encode()}))
    rewrite(raw, aid, forged)
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "replay", aid)
    assert code == 1 and "DIFFERS: the engine closes at seq 6 differently from the log" in out
    assert mall(monkeypatch, capsys, redis_url, "audit", "replay", "A-nope")[0] == 2


def test_plan_history_is_chained(
        client: TestClient, auth: Auth, awarded: dict[str, Any], raw: redis.Redis, redis_url: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    plan_id = awarded["plan_id"]
    plan = client.get(f"/api/plans/{plan_id}", headers=auth("admin", "fin")).json()
    assert [row["action"] for row in plan["history"]] == ["submit", "approve", "launch_auction", "announce_result"]
    assert all(len(row["h"]) == 64 for row in plan["history"])
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify", plan_id)
    assert code == 0 and f"plan {plan_id}: ok — all 4 history rows hold" in out
    stored = orjson.loads(raw.hget(keys.documents("plan"), plan_id))
    stored["history"][1]["actor"] = "D9"
    raw.hset(keys.documents("plan"), plan_id, orjson.dumps(stored))
    code, out = mall(monkeypatch, capsys, redis_url, "audit", "verify", plan_id)
    assert code == 1 and f"plan {plan_id}: BROKEN — history row 1 (approve" in out
    assert mall(monkeypatch, capsys, redis_url, "audit", "verify", "nothing-here")[0] == 2
