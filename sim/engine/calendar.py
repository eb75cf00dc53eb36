"""Opening hours as the engine needs them: when a follow-up contact comes back, and
whether a live contact may be answered now.

Customers who redial or come back about an unresolved issue do so while the center is
open: their delay runs on open time only ("after two business hours"). A follow-up that
would come back after the horizon's last close is not simulated. Live contacts (phone,
chat) are answered only while the center is open.
"""

import math

from sim.scenario import DAY_S, Horizon


class OpenHours:
    def __init__(self, horizon: Horizon):
        self.open_s = horizon.open_s
        self.close_s = horizon.close_s
        self.days = horizon.days

    @property
    def last_close_s(self) -> float:
        return (self.days - 1) * DAY_S + self.close_s

    def is_open(self, t_s: float) -> bool:
        day = t_s // DAY_S
        return 0 <= day < self.days and self.open_s <= t_s - day * DAY_S < self.close_s

    def within(self, start_s: float, end_s: float) -> list[tuple[float, float]]:
        """The open parts of [start_s, end_s), one per day."""
        parts = []
        for day in range(max(int(start_s // DAY_S), 0), min(int(end_s // DAY_S), self.days - 1) + 1):
            part = (max(start_s, day * DAY_S + self.open_s), min(end_s, day * DAY_S + self.close_s))
            if part[0] < part[1]:
                parts.append(part)
        return parts

    def after(self, start_s: float, delay_s: float) -> float | None:
        """The time `delay_s` seconds of open time after `start_s`, or None past the horizon."""
        day = math.floor(start_s / DAY_S)
        t = max(start_s, day * DAY_S + self.open_s)
        remaining = delay_s
        while day < self.days:
            close = day * DAY_S + self.close_s
            if remaining < close - t:
                return t + remaining
            remaining -= max(close - t, 0.0)
            day += 1
            t = day * DAY_S + self.open_s
        return None
