"""The auction event log in Redis: a stream per auction, appended with an expected version.

`append` writes a batch of events in one Lua call only if the log is at `expected_seq`; stream ids
are `0-<seq>` so the stream itself refuses a duplicate. Each bid event also records its command id
(supplier + ref), so a retry whose first answer was lost can never place a second bid.
"""

from dataclasses import dataclass
from importlib import resources

from redis.asyncio import Redis

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

    async def append(
        self, auction_id: str, expected_seq: int, events: list[Event], status: str, closes_at: int
    ) -> int:
        """Append `events` (whose seqs follow `expected_seq`) and return the new seq; raise
        AppendConflict if the log is not at `expected_seq` or already holds one of the commands."""
        args: list[bytes | str | int] = [expected_seq, status, closes_at, len(events)]
        for event in events:
            args.append(encode(event))
            args.append(command_id(event))
        reply = await self._append(
            keys=[keys.auction_events(auction_id), keys.auction_meta(auction_id), keys.auction_commands(auction_id)],
            args=args,
        )
        verdict = reply[0].decode() if isinstance(reply[0], bytes) else reply[0]
        if verdict != "ok":
            raise AppendConflict(int(reply[1]), duplicate=verdict == "duplicate")
        return int(reply[1])

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
