"""Reference price provenance: the auction keeps which observation set its ceiling (source and time),
and logs written before the time was kept still decode."""

import msgspec

from engine import announcements
from engine.auction import Auction
from engine.events import Launched, decode, encode
from tests.engine.support import launch_cmd

OBSERVED_AT = 1_790_000_000_000


def test_launch_records_the_observation_time() -> None:
    launched = Auction.launch(launch_cmd(reference_source="jd.com", reference_observed_at=OBSERVED_AT))[0]
    assert isinstance(launched, Launched)
    assert (launched.reference_source, launched.reference_observed_at) == ("jd.com", OBSERVED_AT)
    assert decode(encode(launched)) == launched


def test_an_old_launched_event_without_the_time_decodes_as_zero() -> None:
    launched = Auction.launch(launch_cmd())[0]
    old = msgspec.json.decode(encode(launched))
    del old["reference_observed_at"]
    replayed = decode(msgspec.json.encode(old))
    assert isinstance(replayed, Launched) and replayed.reference_observed_at == 0


def test_announcements_show_the_provenance() -> None:
    terms = Auction.launch(launch_cmd(reference_source="jd.com", reference_observed_at=OBSERVED_AT))[0]
    assert isinstance(terms, Launched)
    body = announcements.bidding(terms, announcements.Particulars(buyer={"id": "U1"}))
    assert (body["reference_source"], body["reference_observed_at"]) == ("jd.com", OBSERVED_AT)
    old = Auction.launch(launch_cmd())[0]
    assert isinstance(old, Launched)
    assert announcements.bidding(old, announcements.Particulars(buyer={"id": "U1"}))["reference_observed_at"] is None
