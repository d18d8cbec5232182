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
    # `{kind}` is the hash tag: one kind's documents and index share a slot with its counters
    # (plans and their batch numbers are written by one script).
    return f"mall:doc:{{{kind}}}"


def document_index(kind: str) -> str:
    return f"mall:idx:{{{kind}}}"


LIVE_AUCTIONS = "mall:auctions:live"
ALL_AUCTIONS = "mall:auctions"
# Announcements and their indexes share one slot ({ann}) so that they can be written together.
ANNOUNCEMENTS = "mall:{ann}:doc"
ANNOUNCEMENT_TIMELINE = "mall:{ann}:timeline"
NOTICES = "mall:notices"
STATS_TOTALS = "mall:{stats}:totals"
STATS_SEEN = "mall:{stats}:seen"
STATS_CYCLES = "mall:{stats}:cycles"


def batch_counter(year: int) -> str:
    """The year's last batch sequence; in the plans' slot so that filing and numbering are one script."""
    return f"mall:batch:{{plan}}:{year}"


# batch_no -> plan id, written by the filing script with the number itself.
BATCH_INDEX = "mall:batch:{plan}:index"
