"""The Scenario: one validated description of a contact center to plan or simulate.

Field names carry their unit (`_s`, `_min`, `_pct`…). Per-interval lists cover the open
intervals of one day (repeated every day) or of every day of the horizon, day after day.
Rules that involve several fields are checked in `Scenario` so every message can name the
full path of the field at fault.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.distributions import Deterministic, NoAbandonment, PatienceDistribution, TimeDistribution
from sim.scenario.clock import Clock, clock_s
from sim.scenario.rules import scenario_problems
from sim.scenario.behaviours import (Callback, Costs, Ivr, Overflow, Pricing, Reason, Recontact,
                                     Redial, Shift, Survey)

DAY_S = 86_400.0

NonNegative = Annotated[float, Field(ge=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Horizon(_Model):
    """How long to simulate and how the day is cut into planning intervals."""

    days: int = Field(1, ge=1, le=366)
    interval_min: Literal[15, 30] = 30
    open_time: Clock = "08:00"  # local clock; arrivals and staffing start here
    close_time: Clock = "20:00"  # up to 24:00; arrivals stop, agents finish the contact in hand
    start_date: str | None = None  # ISO date of day 1, for calendar display only

    @property
    def interval_s(self) -> float:
        return self.interval_min * 60.0

    @property
    def open_s(self) -> float:
        return clock_s(self.open_time)

    @property
    def close_s(self) -> float:
        return clock_s(self.close_time)

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
    """One contact type: its arrivals, handle and after-contact work, and customers' patience.

    `phone` and `chat` are real time (customers abandon); `email` is deferred: nobody
    abandons, agents work the backlog in order, and the wait is the first response time.
    """

    name: str = Field(min_length=1)
    channel: Literal["phone", "chat", "email"] = "phone"
    reason: str = "general"  # contact reason written in the log when `reasons` is not given
    reasons: list[Reason] | None = None  # contact reasons with their shares and outcomes
    arrivals: Arrivals
    handle: TimeDistribution  # talk + hold, seconds
    wrap: TimeDistribution = Deterministic(dist="deterministic", mean_s=0)  # after-contact work
    patience: PatienceDistribution = NoAbandonment(dist="none")  # time a caller will wait
    short_abandon_s: float = Field(5.0, ge=0)  # hang-ups quicker than this are "short abandons"
    ivr: Ivr = Ivr()
    redial: Redial = Redial()
    recontact: Recontact = Recontact()
    callback: Callback | None = None
    overflow: Overflow | None = None
    # Trainers' trade-off: handle times cut by `handle_cut` (a share) multiply resolution
    # probabilities by 1 - resolution_loss x handle_cut.
    handle_cut: float = Field(0.0, ge=0, lt=1)
    resolution_loss: float = Field(0.0, ge=0)

    @property
    def mean_handle_s(self) -> float:
        """Mean talk + hold time over the reason mix (a reason may have its own handle)."""
        if self.reasons is None:
            return self.handle.mean_s
        shares = sum(r.share for r in self.reasons)
        return sum(r.share * (r.handle or self.handle).mean_s for r in self.reasons) / shares


class AgentGroup(_Model):
    """Agents with the same skills and schedule; `serves` lists queues in priority order.

    Staffing is either `staffing` (agents on duty per open interval) or `shifts`. The
    proficiency factors multiply the handle time, resolution and transfer probabilities
    of the contacts this group handles (1 = as the queue's figures say).
    """

    name: str = Field(min_length=1)
    serves: list[str] = []
    staffing: NonNegativeInt | list[NonNegativeInt] | None = None  # agents on duty per open interval
    shifts: list[Shift] | None = None
    absenteeism: float = Field(0.0, ge=0, lt=1)  # share of agent-days lost to absence
    partner: str = "in-house"  # or the outsourcing vendor's name
    handle_factor: float = Field(1.0, gt=0)
    resolution_factor: float = Field(1.0, ge=0)
    transfer_factor: float = Field(1.0, ge=0)
    max_chats: int = Field(1, ge=1)  # chats one agent holds at once
    chat_slowdown: float = Field(0.0, ge=0)  # each extra chat held stretches handle by this share
    hourly_cost: float | None = Field(None, ge=0)  # loaded cost per paid hour (in-house)
    pricing: Pricing | None = None  # what a partner charges

    @property
    def is_partner(self) -> bool:
        return self.partner != "in-house"


class Scenario(_Model):
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(0, ge=0)
    horizon: Horizon = Horizon()
    queues: list[Queue] = Field(min_length=1)
    agent_groups: list[AgentGroup] = Field(min_length=1)
    survey: Survey = Survey()
    costs: Costs = Costs()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        problems = scenario_problems(self)
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
            return per_day_table(arrivals.interval_volumes, days, width).astype(float)
        weights = np.asarray(arrivals.profile if arrivals.profile is not None else [1.0] * width)
        daily = np.broadcast_to(np.asarray(arrivals.daily_volume, dtype=float), (days,))
        return daily[:, None] * (weights / weights.sum())[None, :]

    def staffing(self, group: AgentGroup) -> np.ndarray:
        """Agents rostered per open interval, shape (days, intervals_per_day).

        For a group given by shifts: agents whose shift covers the interval's middle,
        counting a shift that runs past midnight on the next morning too, day 1 included
        (breaks and absence not deducted).
        """
        days, width = self.horizon.days, self.horizon.intervals_per_day
        if group.shifts is not None:
            middle_s = (self.horizon.interval_starts_s()[0] + self.horizon.interval_s / 2)
            counts = sum(
                shift.count * ((middle_s - clock_s(shift.start)) % DAY_S < shift.length_h * 3600)
                for shift in group.shifts
            )
            return np.tile(np.asarray(counts, dtype=np.int64), (days, 1))
        if isinstance(group.staffing, int):
            return np.full((days, width), group.staffing, dtype=np.int64)
        return per_day_table(group.staffing, days, width).astype(np.int64)


def per_day_table(values: list, days: int, width: int) -> np.ndarray:
    array = np.asarray(values)
    return np.tile(array, (days, 1)) if len(array) == width else array.reshape(days, width)
