"""The filing deadline over HTTP: `deadline` = the end (23:59:59.999 Asia/Shanghai) of the 4th working
day after the local date of `filed_at`, on the official calendar; and the batch number's year is
the Asia/Shanghai year of filing. The server's clock is fixed per test (the one place plans read it)."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from mall_api.clock import from_rfc3339
from mall_api.routes import plans
from tests.flow import Auth, filed_plan, seed_libraries

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(local: str) -> int:
    """`2026-09-30 10:00` in Asia/Shanghai, as ms since the epoch."""
    return int(datetime.fromisoformat(local).replace(tzinfo=SHANGHAI).timestamp() * 1000)


def file_at(client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch, local: str) -> dict[str, Any]:
    monkeypatch.setattr(plans, "now_ms", lambda: at(local))
    return filed_plan(client, auth)


@pytest.mark.parametrize(("filed", "deadline"), [
    # An ordinary week: Mon 2026-11-16 → Thu, Fri, Mon, Tue.
    ("2026-11-16 09:00", "2026-11-20 23:59:59.999"),
    ("2026-11-19 15:00", "2026-11-25 23:59:59.999"),
    # National Day 2026 (Oct 1–7 off) with its make-up working day Sat Oct 10:
    # Wed Sep 30 → Thu Oct 8, Fri Oct 9, Sat Oct 10 (调休), Mon Oct 12.
    ("2026-09-30 10:00", "2026-10-12 23:59:59.999"),
    # Filed on the holiday itself: the same four working days.
    ("2026-10-03 11:00", "2026-10-12 23:59:59.999"),
    # Just after midnight Shanghai time is already Sep 30 there (still Sep 29 in UTC).
    ("2026-09-30 00:30", "2026-10-12 23:59:59.999"),
    # The other make-up working day, Sun Sep 20, counts; Mid-Autumn (Sep 25–27) does not:
    # Fri Sep 18 → Sun Sep 20, Mon 21, Tue 22, Wed 23.
    ("2026-09-18 16:00", "2026-09-23 23:59:59.999"),
    # Thu Sep 24 → Mon 28, Tue 29, Wed 30, Thu Oct 8.
    ("2026-09-24 10:00", "2026-10-08 23:59:59.999"),
])
def test_deadline_is_four_working_days_on_the_official_calendar(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch, filed: str, deadline: str
) -> None:
    seed_libraries(client, auth, suppliers=0)
    plan = file_at(client, auth, monkeypatch, filed)
    assert from_rfc3339(plan["filed_at"]) == at(filed)
    assert plan["deadline_ms"] == at(deadline) and from_rfc3339(plan["deadline"]) == at(deadline)


def test_across_the_year_end_2027_falls_back_to_monday_to_friday(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The installed calendar has no 2027 data: 2027 days count Monday to Friday, so New Year's Day
    (Fri 2027-01-01) counts as a working day. Tue Dec 29 → Wed 30, Thu 31, Fri Jan 1, Mon Jan 4."""
    seed_libraries(client, auth, suppliers=0)
    plan = file_at(client, auth, monkeypatch, "2026-12-29 10:00")
    assert plan["deadline"] == "2027-01-04T15:59:59.999Z"
    assert plan["batch_no"] == "CF2026000001"


def test_batch_year_is_the_shanghai_year_and_each_year_starts_at_one(
    client: TestClient, auth: Auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_libraries(client, auth, suppliers=0)
    numbers = [file_at(client, auth, monkeypatch, "2026-12-31 23:00")["batch_no"],
               file_at(client, auth, monkeypatch, "2026-12-31 23:59")["batch_no"],
               # 2027-01-01 00:30 in Shanghai is still 2026-12-31 in UTC.
               file_at(client, auth, monkeypatch, "2027-01-01 00:30")["batch_no"],
               file_at(client, auth, monkeypatch, "2027-01-04 09:00")["batch_no"]]
    assert numbers == ["CF2026000001", "CF2026000002", "CF2027000001", "CF2027000002"]
    last = file_at(client, auth, monkeypatch, "2027-01-01 00:30")
    # Filed on (Shanghai) Fri Jan 1: Mon 4, Tue 5, Wed 6, Thu 7 are the next 4 working days.
    assert last["deadline"] == "2027-01-07T15:59:59.999Z"
