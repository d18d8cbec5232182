"""Every Redis key of the mall, in one place.

Per-auction keys share the hash tag `{auc:ID}` so that Redis Cluster keeps them in one slot and one
script can touch them all. Global keys live outside any auction's slot.
"""


def auction_events(auction_id: str) -> str:
    return f"mall:{{auc:{auction_id}}}:events"


def auction_meta(auction_id: str) -> str:
    return f"mall:{{auc:{auction_id}}}:meta"


def auction_commands(auction_id: str) -> str:
    return f"mall:{{auc:{auction_id}}}:cmds"


def documents(kind: str) -> str:
    return f"mall:doc:{kind}"


def document_index(kind: str) -> str:
    return f"mall:idx:{kind}"


LIVE_AUCTIONS = "mall:auctions:live"
ALL_AUCTIONS = "mall:auctions"
ANNOUNCEMENTS = "mall:doc:announcement"
ANNOUNCEMENT_TIMELINE = "mall:idx:announcement"
STATS_TOTALS = "mall:{stats}:totals"
STATS_SEEN = "mall:{stats}:seen"
STATS_CYCLES = "mall:{stats}:cycles"


def batch_counter(year: int) -> str:
    return f"mall:batch:{year}"
