"""Calendar labels for people. Inside the model a time is seconds from day 1, 00:00; only
tables and charts turn it into a clock time, a day number or a dated weekday.

One convention everywhere (summary, kpi, staff, the app): days are numbered from 1
("day 1") unless the calendar date of day 1 is known, and then shown as "Mon 2026-11-23".
"""

from __future__ import annotations

import re
from datetime import date, timedelta

DAY_S = 86_400
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# What time_label writes: "08:30", "day 2 08:30" or "Tue 2026-11-24 08:30".
LABEL = re.compile(r"^(?:day (?P<day>\d+) |(?:" + "|".join(WEEKDAY_NAMES)
                   + r") (?P<date>\d{4}-\d{2}-\d{2}) )?(?P<hour>\d{1,2}):(?P<minute>\d{2})$")


def clock(seconds_of_day: float) -> str:
    """'08:30' for 30,600 s; rounded to the minute."""
    minutes = int(round(seconds_of_day / 60.0))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_label(day_index: int, start_date: str | None = None) -> str:
    """'day 1' for index 0, or 'Mon 2026-11-23' when day 1's date is known."""
    if start_date is None:
        return f"day {day_index + 1}"
    day = date.fromisoformat(start_date) + timedelta(days=int(day_index))
    return f"{day:%a} {day.isoformat()}"


def time_label(time_s: float, start_date: str | None = None, with_day: bool = True) -> str:
    """'day 2 08:30' / 'Tue 2026-11-24 08:30' for a time in seconds from day 1, 00:00;
    only the clock time when `with_day` is False (a one-day table)."""
    day, second = divmod(float(time_s), DAY_S)
    text = clock(second)
    return f"{day_label(int(day), start_date)} {text}" if with_day else text
