"""Working-day arithmetic on the official calendar, the Mon-Fri fallback and operator dates."""

import logging
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from engine.calendar import (
    DEFAULT_CALENDAR,
    SHANGHAI,
    WorkingCalendar,
    end_of_local_day_ms,
    load_calendar_file,
    local_date,
)


def shanghai_ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).timestamp()) * 1000


def test_national_day_2026_is_seven_days_off() -> None:
    for day in range(1, 8):
        assert not DEFAULT_CALENDAR.is_workday(date(2026, 10, day))
    assert DEFAULT_CALENDAR.is_workday(date(2026, 10, 8))
    assert DEFAULT_CALENDAR.is_workday(date(2026, 9, 30))


def test_2026_make_up_workdays_and_monday_holidays_come_from_the_package() -> None:
    weekend_workdays = [
        d
        for d in chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31), include_weekends=True)
        if d.weekday() >= 5
    ]
    # The State Council schedule for 2026 as shipped by chinesecalendar.
    assert weekend_workdays == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    saturday = date(2026, 10, 10)
    assert saturday.weekday() == 5
    assert DEFAULT_CALENDAR.is_workday(saturday)
    assert not DEFAULT_CALENDAR.is_workday(date(2026, 10, 17))  # an ordinary Saturday

    for monday in (date(2026, 2, 16), date(2026, 4, 6), date(2026, 5, 4), date(2026, 10, 5)):
        assert monday.weekday() == 0
        assert not DEFAULT_CALENDAR.is_workday(monday)


def test_deadline_counts_working_days_strictly_after_the_filing_date() -> None:
    filed = shanghai_ms(2026, 12, 4, 10, 0)  # Friday
    deadline = DEFAULT_CALENDAR.add_working_days(filed, 4)
    # Mon 7, Tue 8, Wed 9, Thu 10 -> end of Thursday 2026-12-10.
    assert deadline == shanghai_ms(2026, 12, 11) - 1
    assert datetime.fromtimestamp(deadline / 1000, tz=SHANGHAI) == datetime(
        2026, 12, 10, 23, 59, 59, 999000, tzinfo=SHANGHAI
    )


def test_deadline_skips_national_day_and_counts_the_make_up_saturday() -> None:
    filed = shanghai_ms(2026, 9, 30, 23, 30)
    # Oct 1-7 off; Thu 8, Fri 9, Sat 10 (make-up) are working days.
    assert DEFAULT_CALENDAR.add_working_days(filed, 3) == end_of_local_day_ms(date(2026, 10, 10))


def test_local_date_uses_shanghai_not_utc() -> None:
    # 2026-12-04 17:00 UTC is already Saturday 01:00 in Shanghai.
    at = int(datetime(2026, 12, 4, 17, 0, tzinfo=UTC).timestamp()) * 1000
    assert local_date(at) == date(2026, 12, 5)
    assert DEFAULT_CALENDAR.add_working_days(at, 1) == end_of_local_day_ms(date(2026, 12, 7))


def test_zero_and_negative_n() -> None:
    filed = shanghai_ms(2026, 12, 5, 9)  # Saturday
    assert DEFAULT_CALENDAR.add_working_days(filed, 0) == end_of_local_day_ms(date(2026, 12, 5))
    with pytest.raises(ValueError):
        DEFAULT_CALENDAR.add_working_days(filed, -1)


def test_working_days_between() -> None:
    friday = shanghai_ms(2026, 12, 4, 10)
    assert DEFAULT_CALENDAR.working_days_between(friday, friday + 3600_000) == 0
    assert DEFAULT_CALENDAR.working_days_between(friday, shanghai_ms(2026, 12, 6, 12)) == 0  # weekend
    assert DEFAULT_CALENDAR.working_days_between(friday, shanghai_ms(2026, 12, 10, 8)) == 4
    assert DEFAULT_CALENDAR.working_days_between(shanghai_ms(2026, 12, 10), friday) == 0
    # Sep 30 -> Oct 10: only Oct 8, 9 and the make-up Saturday Oct 10 count.
    assert DEFAULT_CALENDAR.working_days_between(shanghai_ms(2026, 9, 30), shanghai_ms(2026, 10, 10)) == 3


def test_deadline_and_between_agree() -> None:
    start = shanghai_ms(2026, 1, 1, 12)
    for n in range(0, 40):
        deadline = DEFAULT_CALENDAR.add_working_days(start, n)
        assert DEFAULT_CALENDAR.working_days_between(start, deadline) == n


def test_uncovered_year_falls_back_to_monday_friday_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    cal = WorkingCalendar()
    with caplog.at_level(logging.WARNING, logger="mall.calendar"):
        assert cal.is_workday(date(2027, 1, 1))  # a Friday; really New Year's Day, unknown here
        assert not cal.is_workday(date(2027, 1, 2))
        assert cal.add_working_days(shanghai_ms(2027, 1, 1, 9), 1) == end_of_local_day_ms(date(2027, 1, 4))
    warnings = [r for r in caplog.records if r.name == "mall.calendar" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage()


def test_extra_dates_override_package_and_fallback() -> None:
    cal = WorkingCalendar(
        extra_workdays=[date(2026, 10, 3), date(2027, 1, 2)],
        extra_holidays=[date(2026, 12, 7), date(2027, 1, 1)],
    )
    assert cal.is_workday(date(2026, 10, 3))  # package says National Day
    assert not cal.is_workday(date(2026, 12, 7))  # package says ordinary Monday
    assert not cal.is_workday(date(2027, 1, 1))  # fallback would say Friday
    assert cal.is_workday(date(2027, 1, 2))  # fallback would say Saturday
    assert DEFAULT_CALENDAR.is_workday(date(2026, 12, 7))


def test_conflicting_extra_dates_are_rejected() -> None:
    with pytest.raises(ValueError, match="2026-12-07"):
        WorkingCalendar(extra_workdays=[date(2026, 12, 7)], extra_holidays=[date(2026, 12, 7)])


def test_load_calendar_file() -> None:
    cal = load_calendar_file(
        "# 2027 schedule\n\n2027-01-01 holiday   # New Year\n2027-02-07 workday\n  2027-02-08 HOLIDAY\n"
    )
    assert cal.extra_holidays == {date(2027, 1, 1), date(2027, 2, 8)}
    assert cal.extra_workdays == {date(2027, 2, 7)}
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 2, 7))  # a Sunday
    assert date(2027, 2, 7).weekday() == 6
    # Thu Dec 31 2026 + 1 working day: Jan 1 is off, Jan 2-3 weekend -> Mon Jan 4.
    assert cal.add_working_days(shanghai_ms(2026, 12, 31, 9), 1) == end_of_local_day_ms(date(2027, 1, 4))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("2027-01-01 holiday\n2027-13-01 holiday\n", 2),
        ("# c\n\n2027-01-01 day off\n", 3),
        ("2027-01-01 vacation\n", 1),
        ("2027-01-01\n", 1),
        ("2027-01-01 holiday\n2027-01-02 workday\n2027-01-01 workday\n", 3),
    ],
)
def test_load_calendar_file_errors_name_the_line(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=rf"^line {line}:"):
        load_calendar_file(text)


def test_end_of_local_day_is_last_millisecond() -> None:
    d = date(2026, 6, 1)
    end = end_of_local_day_ms(d)
    assert local_date(end) == d
    assert local_date(end + 1) == d + timedelta(days=1)
