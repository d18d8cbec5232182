"""The auction's state machine: one table, the only place a status changes.

    state       event          new state
    ----------  -------------  ----------
    (none)      launched       scheduled
    scheduled   opened         open
    scheduled   bid_rejected   scheduled
    scheduled   cancelled      cancelled
    open        bid_accepted   open
    open        bid_rejected   open
    open        extended       open
    open        closed         closed
    open        cancelled      cancelled
    closed      awarded        awarded
    closed      failed         failed
    awarded     bid_rejected   awarded
    failed      bid_rejected   failed
    cancelled   bid_rejected   cancelled

`closed` is passed through in one step: the close appends `closed` and the award (`awarded` or
`failed`) in the same write. A bid sent to a finished auction is still recorded (rejected): every
attempt leaves a trace. Any (state, event) pair not in the table is illegal: `next_status` raises
`IllegalTransition` and nothing changes.
"""

from typing import Literal

Status = Literal["scheduled", "open", "closed", "awarded", "failed", "cancelled"]

NONE = "(none)"

TRANSITIONS: dict[tuple[str, str], Status] = {
    (NONE, "launched"): "scheduled",
    ("scheduled", "opened"): "open",
    ("scheduled", "bid_rejected"): "scheduled",
    ("scheduled", "cancelled"): "cancelled",
    ("open", "bid_accepted"): "open",
    ("open", "bid_rejected"): "open",
    ("open", "extended"): "open",
    ("open", "closed"): "closed",
    ("open", "cancelled"): "cancelled",
    ("closed", "awarded"): "awarded",
    ("closed", "failed"): "failed",
    ("awarded", "bid_rejected"): "awarded",
    ("failed", "bid_rejected"): "failed",
    ("cancelled", "bid_rejected"): "cancelled",
}

STATES: tuple[str, ...] = (NONE, "scheduled", "open", "closed", "awarded", "failed", "cancelled")
TERMINAL: frozenset[str] = frozenset({"awarded", "failed", "cancelled"})


class IllegalTransition(Exception):
    """The shell fed the core an event that cannot happen in this state: a bug, not a rule."""


def next_status(state: str, event_type: str) -> Status:
    try:
        return TRANSITIONS[(state, event_type)]
    except KeyError:
        raise IllegalTransition(f"{event_type!r} cannot happen in state {state!r}") from None
