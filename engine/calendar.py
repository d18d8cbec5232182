"""Working-day arithmetic on the mainland-China official calendar.

Times are integer milliseconds since the Unix epoch (UTC); days are local dates in
Asia/Shanghai. A day is a working day according to, in order of precedence:

1. the operator's extra dates given to :class:`WorkingCalendar` (or loaded with
   :func:`load_calendar_file`);
2. the ``chinesecalendar`` package (weekends, public holidays and make-up working
   days 调休) for the years it covers;
3. Monday to Friday, for any year the package does not cover. Each calendar
   instance logs one warning per such year on the ``mall.calendar`` logger.

Nothing here reads the clock or does I/O, so results depend only on the arguments
and the calendar's configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "DEFAULT_CALENDAR",
    "SHANGHAI",
    "WorkingCalendar",
    "end_of_local_day_ms",
    "load_calendar_file",
    "local_date",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

_log = logging.getLogger("mall.calendar")


def local_date(at_ms: int) -> date:
    """The Asia/Shanghai calendar date of the instant ``at_ms``."""
    # Floor division keeps instants before the epoch on the correct (earlier) second.
    return datetime.fromtimestamp(at_ms // 1000, tz=SHANGHAI).date()


def end_of_local_day_ms(d: date) -> int:
    """The last millisecond (23:59:59.999 Asia/Shanghai) of the local date ``d``."""
    next_midnight = datetime.combine(d + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return int(next_midnight.timestamp()) * 1000 - 1


class WorkingCalendar:
    """Decides which local dates are working days and does deadline arithmetic.

    ``extra_workdays`` and ``extra_holidays`` override everything else; a date may
    not appear in both (``ValueError``). Instances are immutable after construction
    apart from remembering which uncovered years they have already warned about.
    """

    def __init__(self, extra_workdays: Iterable[date] = (), extra_holidays: Iterable[date] = ()) -> None:
        self._extra_workdays = frozenset(extra_workdays)
        self._extra_holidays = frozenset(extra_holidays)
        both = self._extra_workdays & self._extra_holidays
        if both:
            listed = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"dates given both as workday and holiday: {listed}")
        self._warned_years: set[int] = set()

    @property
    def extra_workdays(self) -> frozenset[date]:
        """The operator-supplied working days."""
        return self._extra_workdays

    @property
    def extra_holidays(self) -> frozenset[date]:
        """The operator-supplied non-working days."""
        return self._extra_holidays

    def is_workday(self, d: date) -> bool:
        """Whether the local date ``d`` is a working day."""
        if d in self._extra_workdays:
            return True
        if d in self._extra_holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            if d.year not in self._warned_years:
                self._warned_years.add(d.year)
                _log.warning(
                    "chinesecalendar has no data for %d; treating Monday-Friday as working days "
                    "(load the official holiday dates with load_calendar_file)",
                    d.year,
                )
            return d.weekday() < 5

    def add_working_days(self, at_ms: int, n: int) -> int:
        """The deadline ``n`` working days after the instant ``at_ms``.

        Returns the last millisecond (23:59:59.999 Asia/Shanghai) of the ``n``-th
        working day strictly after the local date of ``at_ms``; the time of day of
        ``at_ms`` and whether its own date is a working day do not matter. ``n == 0``
        gives the end of the local date of ``at_ms``. ``n < 0`` raises ``ValueError``.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = local_date(at_ms)
        remaining = n
        while remaining:
            d += timedelta(days=1)
            if self.is_workday(d):
                remaining -= 1
        return end_of_local_day_ms(d)

    def working_days_between(self, start_ms: int, end_ms: int) -> int:
        """How many working days d satisfy local_date(start) < d <= local_date(end).

        0 when both instants fall on the same local date or ``end_ms`` is earlier.
        """
        d = local_date(start_ms)
        last = local_date(end_ms)
        count = 0
        while d < last:
            d += timedelta(days=1)
            if self.is_workday(d):
                count += 1
        return count


_KINDS = {"workday": True, "holiday": False}


def load_calendar_file(text: str) -> WorkingCalendar:
    """Build a calendar from operator-maintained text.

    One entry per line: ``YYYY-MM-DD workday`` or ``YYYY-MM-DD holiday`` (kind is
    case-insensitive). ``#`` starts a comment anywhere on a line; blank lines are
    ignored. A malformed line, or a date listed twice with different kinds, raises
    ``ValueError`` whose message starts with ``line N:`` (1-based).
    """
    workdays: set[date] = set()
    holidays: set[date] = set()
    seen: dict[date, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"line {lineno}: expected 'YYYY-MM-DD workday|holiday', got {raw.strip()!r}")
        day_text, kind_text = parts
        try:
            d = date.fromisoformat(day_text)
        except ValueError:
            raise ValueError(f"line {lineno}: invalid date {day_text!r}") from None
        kind = _KINDS.get(kind_text.lower())
        if kind is None:
            raise ValueError(f"line {lineno}: kind must be 'workday' or 'holiday', got {kind_text!r}")
        target, other = (workdays, holidays) if kind else (holidays, workdays)
        if d in other:
            raise ValueError(f"line {lineno}: {d.isoformat()} contradicts line {seen[d]}")
        target.add(d)
        seen.setdefault(d, lineno)
    return WorkingCalendar(extra_workdays=workdays, extra_holidays=holidays)


DEFAULT_CALENDAR = WorkingCalendar()
