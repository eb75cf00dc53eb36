"""The Scenario: one validated description of a contact center to plan or simulate.

Field names carry their unit (`_s`, `_min`, `_pct`…). Per-interval lists cover the open
intervals of one day (repeated every day) or of every day of the horizon, day after day.
Rules that involve several fields are checked in `Scenario` so every message can name the
full path of the field at fault.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.distributions import Deterministic, NoAbandonment, PatienceDistribution, TimeDistribution

DAY_S = 86_400.0
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

NonNegative = Annotated[float, Field(ge=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Horizon(_Model):
    """How long to simulate and how the day is cut into planning intervals."""

    days: int = Field(1, ge=1, le=366)
    interval_min: Literal[15, 30] = 30
    open_time: str = "08:00"  # HH:MM, local clock; arrivals and staffing start here
    close_time: str = "20:00"  # HH:MM, up to 24:00; arrivals stop, agents finish the contact in hand
    start_date: str | None = None  # ISO date of day 1, for calendar display only

    @field_validator("open_time", "close_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        match = _CLOCK.match(value)
        if not match or (match.group(1) == "24" and match.group(2) != "00"):
            raise ValueError(f"{value!r} is not a clock time HH:MM between 00:00 and 24:00")
        return value

    @property
    def interval_s(self) -> float:
        return self.interval_min * 60.0

    @property
    def open_s(self) -> float:
        return _clock_s(self.open_time)

    @property
    def close_s(self) -> float:
        return _clock_s(self.close_time)

    @property
    def intervals_per_day(self) -> int:
        return int((self.close_s - self.open_s) // self.interval_s)

    def interval_starts_s(self) -> np.ndarray:
        """Start of every open interval, shape (days, intervals_per_day), seconds from day 1 00:00."""
        days = np.arange(self.days)[:, None] * DAY_S
        return days + self.open_s + np.arange(self.intervals_per_day)[None, :] * self.interval_s


class Arrivals(_Model):
    """Expected contacts: a daily volume spread by an intraday profile, or an explicit table.

    Arrivals are a non-homogeneous Poisson process, constant within an interval. With
    `day_to_day_cv` > 0 each day's volume is first multiplied by a Gamma factor of mean 1
    and that CV, the usual way to model forecast error across days (negative binomial counts).
    """

    daily_volume: NonNegative | list[NonNegative] | None = None  # contacts per day (one or one per day)
    profile: list[NonNegative] | None = None  # relative weights per open interval; default flat
    interval_volumes: list[NonNegative] | None = None  # expected contacts per open interval
    day_to_day_cv: float = Field(0.0, ge=0, le=2)


class Queue(_Model):
    """One contact type: its arrivals, handle and after-contact work, and customers' patience."""

    name: str = Field(min_length=1)
    channel: Literal["phone"] = "phone"
    reason: str = "general"  # contact reason written in the log
    arrivals: Arrivals
    handle: TimeDistribution  # talk + hold, seconds
    wrap: TimeDistribution = Deterministic(dist="deterministic", mean_s=0)  # after-contact work
    patience: PatienceDistribution = NoAbandonment(dist="none")  # time a caller will wait
    short_abandon_s: float = Field(5.0, ge=0)  # hang-ups quicker than this are "short abandons"


class AgentGroup(_Model):
    """Agents with the same skills and schedule; `serves` lists queues in priority order."""

    name: str = Field(min_length=1)
    serves: list[str] = Field(min_length=1)
    staffing: NonNegativeInt | list[NonNegativeInt]  # agents on duty per open interval


class Scenario(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(0, ge=0)
    horizon: Horizon = Horizon()
    queues: list[Queue] = Field(min_length=1)
    agent_groups: list[AgentGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = _horizon_problems(self.horizon)
        if not problems:
            problems += _queue_problems(self)
            problems += _group_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def queue_names(self) -> list[str]:
        return [q.name for q in self.queues]

    def expected_arrivals(self, queue: Queue) -> np.ndarray:
        """Expected contacts per open interval, shape (days, intervals_per_day)."""
        days, width = self.horizon.days, self.horizon.intervals_per_day
        arrivals = queue.arrivals
        if arrivals.interval_volumes is not None:
            return _per_day_table(arrivals.interval_volumes, days, width).astype(float)
        weights = np.asarray(arrivals.profile if arrivals.profile is not None else [1.0] * width)
        daily = np.broadcast_to(np.asarray(arrivals.daily_volume, dtype=float), (days,))
        return daily[:, None] * (weights / weights.sum())[None, :]

    def staffing(self, group: AgentGroup) -> np.ndarray:
        """Agents on duty per open interval, shape (days, intervals_per_day)."""
        days, width = self.horizon.days, self.horizon.intervals_per_day
        if isinstance(group.staffing, int):
            return np.full((days, width), group.staffing, dtype=np.int64)
        return _per_day_table(group.staffing, days, width).astype(np.int64)


def _clock_s(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def _per_day_table(values: list, days: int, width: int) -> np.ndarray:
    array = np.asarray(values)
    return np.tile(array, (days, 1)) if len(array) == width else array.reshape(days, width)


def _table_length_problem(path: str, values: list, horizon: Horizon) -> list[str]:
    width = horizon.intervals_per_day
    if len(values) in (width, width * horizon.days):
        return []
    allowed = f"{width}" if horizon.days == 1 else f"{width} (one day) or {width * horizon.days}"
    return [
        f"{path}: has {len(values)} values; needs {allowed}, one per "
        f"{horizon.interval_min}-min interval from {horizon.open_time} to {horizon.close_time}"
    ]


def _horizon_problems(horizon: Horizon) -> list[str]:
    span_s = horizon.close_s - horizon.open_s
    if span_s <= 0:
        return [f"horizon.close_time: {horizon.close_time!r} is not after open_time {horizon.open_time!r}"]
    if span_s % horizon.interval_s:
        return [
            f"horizon: opening hours {horizon.open_time}-{horizon.close_time} are not a whole "
            f"number of {horizon.interval_min}-min intervals"
        ]
    return []


def _queue_problems(scenario: Scenario) -> list[str]:
    problems = []
    seen = set()
    for i, queue in enumerate(scenario.queues):
        path = f"queues[{i}]"
        if queue.name in seen:
            problems.append(f"{path}.name: {queue.name!r} is used by another queue; names must be unique")
        seen.add(queue.name)
        problems += _arrival_problems(f"{path}.arrivals", queue.arrivals, scenario.horizon)
        if not any(queue.name in g.serves for g in scenario.agent_groups):
            problems.append(f"{path}.name: {queue.name!r} is served by no agent group")
    return problems


def _arrival_problems(path: str, arrivals: Arrivals, horizon: Horizon) -> list[str]:
    by_volume = arrivals.daily_volume is not None
    by_table = arrivals.interval_volumes is not None
    if by_volume == by_table:
        return [f"{path}: give either daily_volume (with an optional profile) or interval_volumes, not {'both' if by_volume else 'neither'}"]
    if by_table:
        if arrivals.profile is not None:
            return [f"{path}.profile: applies to daily_volume only; interval_volumes are already per interval"]
        return _table_length_problem(f"{path}.interval_volumes", arrivals.interval_volumes, horizon)
    problems = []
    if isinstance(arrivals.daily_volume, list) and len(arrivals.daily_volume) != horizon.days:
        problems.append(
            f"{path}.daily_volume: has {len(arrivals.daily_volume)} values; needs one number "
            f"or {horizon.days} (one per day)"
        )
    if arrivals.profile is not None:
        if len(arrivals.profile) != horizon.intervals_per_day:
            problems.append(
                f"{path}.profile: has {len(arrivals.profile)} values; needs {horizon.intervals_per_day}, "
                f"one per {horizon.interval_min}-min interval from {horizon.open_time} to {horizon.close_time}"
            )
        elif sum(arrivals.profile) <= 0:
            problems.append(f"{path}.profile: all weights are 0; at least one must be > 0")
    return problems


def _group_problems(scenario: Scenario) -> list[str]:
    problems = []
    names = scenario.queue_names
    seen = set()
    for i, group in enumerate(scenario.agent_groups):
        path = f"agent_groups[{i}]"
        if group.name in seen:
            problems.append(f"{path}.name: {group.name!r} is used by another group; names must be unique")
        seen.add(group.name)
        for j, queue in enumerate(group.serves):
            if queue not in names:
                problems.append(f"{path}.serves[{j}]: {queue!r} is not a queue (queues: {', '.join(names)})")
        if len(set(group.serves)) != len(group.serves):
            problems.append(f"{path}.serves: lists a queue twice")
        if isinstance(group.staffing, list):
            problems += _table_length_problem(f"{path}.staffing", group.staffing, scenario.horizon)
    return problems
