"""The auction event log in Redis: a stream per auction, appended with an expected version.

`append` writes a batch of events in one Lua call only if the log is at `expected_seq`; stream ids
are `0-<seq>` so the stream itself refuses a duplicate. Each bid event also records its command id
(supplier + ref), so a retry whose first answer was lost can never place a second bid. Each entry
carries its audit-chain link (`h`, engine.chain) next to the event (`e`).
"""

from dataclasses import dataclass
from importlib import resources

from redis.asyncio import Redis

from engine.chain import GENESIS, link
from engine.events import BidAccepted, BidRejected, Event, decode, encode
from mall_api.store import keys

_APPEND = resources.files("mall_api.store").joinpath("append.lua").read_text()


class AppendConflict(Exception):
    """The log moved on (another writer) or already holds one of the commands."""

    def __init__(self, current_seq: int, duplicate: bool) -> None:
        super().__init__(f"log is at seq {current_seq}" + (" (duplicate command)" if duplicate else ""))
        self.current_seq = current_seq
        self.duplicate = duplicate


def command_id(event: Event) -> str:
    if isinstance(event, BidAccepted | BidRejected):
        return f"{event.supplier_id}\x1f{event.ref}"
    return ""


@dataclass(frozen=True, slots=True)
class AuctionMeta:
    seq: int
    status: str
    closes_at: int


class AuctionLog:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._append = redis.register_script(_APPEND)
        # The chain head after the last append this process made, per auction: (seq, link).
        self._heads: dict[str, tuple[int, str]] = {}

    async def append(
        self, auction_id: str, expected_seq: int, events: list[Event], status: str, closes_at: int
    ) -> int:
        """Append `events` (whose seqs follow `expected_seq`) and return the new seq; raise
        AppendConflict if the log is not at `expected_seq` or already holds one of the commands."""
        head = await self._head(auction_id, expected_seq)
        args: list[bytes | str | int] = [expected_seq, status, closes_at, len(events), keys.NOTICES, auction_id]
        for event in events:
            payload = encode(event)
            head = link(head, payload)
            args += [payload, command_id(event), head]
        reply = await self._append(
            keys=[keys.auction_events(auction_id), keys.auction_meta(auction_id), keys.auction_commands(auction_id)],
            args=args,
        )
        verdict = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
        if verdict != "ok":
            self._heads.pop(auction_id, None)
            raise AppendConflict(int(reply[1]), duplicate=verdict == "duplicate")
        self._heads[auction_id] = (int(reply[1]), head)
        return int(reply[1])

    async def _head(self, auction_id: str, seq: int) -> str:
        cached = self._heads.get(auction_id)
        if cached is not None and cached[0] == seq:
            return cached[1]
        if seq == 0:
            return GENESIS
        entries = await self._redis.xrange(keys.auction_events(auction_id), min=f"0-{seq}", max=f"0-{seq}")
        if not entries:
            return GENESIS  # the append will conflict: the log is not at `seq`
        return entries[0][1][b"h"].decode()

    async def read_links(
        self, auction_id: str, after_seq: int = 0, count: int | None = None
    ) -> list[tuple[int, bytes, str]]:
        """The entries after `after_seq` as stored, `(seq, payload, link)`, for the audit chain."""
        entries = await self._redis.xrange(keys.auction_events(auction_id), min=f"(0-{after_seq}", count=count)
        return [(int(entry_id.split(b"-")[1]), fields[b"e"], fields.get(b"h", b"").decode())
                for entry_id, fields in entries]

    async def read(self, auction_id: str, after_seq: int = 0, count: int | None = None) -> list[Event]:
        """The events with seq > after_seq, in order."""
        entries = await self._redis.xrange(keys.auction_events(auction_id), min=f"(0-{after_seq}", count=count)
        return [decode(fields[b"e"]) for _, fields in entries]

    async def read_all(self, auction_id: str, page: int = 10_000) -> list[Event]:
        events: list[Event] = []
        while True:
            chunk = await self.read(auction_id, events[-1].seq if events else 0, count=page)
            events.extend(chunk)
            if len(chunk) < page:
                return events

    async def meta(self, auction_id: str) -> AuctionMeta | None:
        raw = await self._redis.hgetall(keys.auction_meta(auction_id))
        if not raw:
            return None
        return AuctionMeta(int(raw[b"seq"]), raw[b"status"].decode(), int(raw[b"closes_at"]))
