"""Shift rules of a roster, read from TOML and validated (pydantic, like `sim.scenario`).

A rules file names the shift types a planner may use (length, allowed start times, breaks
with the window each may start in, working days per week, head-count bounds, cost) and a
few roster-wide settings (the planning week, the time grid, what to cover, an optional
penalty for under-coverage). Every error is one line naming the field and the rule.
Times are clock times ("HH:MM") or hours/minutes with the unit in the field name.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import InputError
from sim.scenario.clock import Clock, clock_s


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakRule(_Model):
    """One break of a shift: its length and the window (hours after the shift start) in
    which it may start. The roster chooses where each agent's break falls."""

    name: str = "break"
    length_min: float = Field(gt=0)
    paid: bool = True
    earliest_after_h: float = Field(gt=0)
    latest_after_h: float = Field(ge=0)

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest_after_h < self.earliest_after_h:
            raise ValueError(f"latest_after_h: {self.latest_after_h:g} is before earliest_after_h "
                             f"{self.earliest_after_h:g}")
        return self


class Starts(_Model):
    """Start times every `every_min` minutes from `first` to `last` (both included)."""

    first: Clock
    last: Clock
    every_min: float = Field(gt=0)

    @model_validator(mode="after")
    def _order(self) -> Starts:
        if clock_s(self.last) < clock_s(self.first):
            raise ValueError(f"last: {self.last} is before first {self.first}")
        return self

    def clock_s(self) -> list[float]:
        first, last, step = clock_s(self.first), clock_s(self.last), self.every_min * 60.0
        return [first + i * step for i in range(int((last - first) // step) + 1)]


class ShiftType(_Model):
    """A kind of shift: every agent of this type works `length_h` from an allowed start,
    takes every listed break once, on `days_per_week` days (one number, or [min, max])."""

    name: str = Field(min_length=1)
    length_h: float = Field(gt=0, le=24)
    starts: Starts | Annotated[list[Clock], Field(min_length=1)]
    breaks: list[BreakRule] = []
    days_per_week: int | list[int] | None = None  # default: every day of the week
    consecutive_days_off: bool = False  # days off as one block (wrapping round the week)
    min_agents: int = Field(0, ge=0)  # head count of this type over the week
    max_agents: int | None = Field(None, ge=0)
    cost_per_paid_hour: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> ShiftType:
        if isinstance(self.days_per_week, list):
            if len(self.days_per_week) != 2 or not 1 <= self.days_per_week[0] <= self.days_per_week[1]:
                raise ValueError(f"days_per_week: {self.days_per_week} is not [min, max] with "
                                 "1 <= min <= max")
        elif self.days_per_week is not None and self.days_per_week < 1:
            raise ValueError(f"days_per_week: {self.days_per_week} is not >= 1")
        if self.max_agents is not None and self.max_agents < self.min_agents:
            raise ValueError(f"max_agents: {self.max_agents} is below min_agents {self.min_agents}")
        previous_end_h = 0.0
        for i, pause in enumerate(self.breaks):
            end_h = pause.latest_after_h + pause.length_min / 60.0
            if end_h > self.length_h:
                raise ValueError(f"breaks[{i}].latest_after_h: a break starting "
                                 f"{pause.latest_after_h:g} h in ends after the {self.length_h:g}-h shift")
            if pause.earliest_after_h < previous_end_h:
                raise ValueError(f"breaks[{i}].earliest_after_h: {pause.earliest_after_h:g} h "
                                 "overlaps the window of the break before; list breaks in order "
                                 "with windows that do not overlap")
            previous_end_h = end_h
        return self

    @property
    def paid_h(self) -> float:
        return self.length_h - sum(p.length_min for p in self.breaks if not p.paid) / 60.0

    def start_clock_s(self) -> list[float]:
        if isinstance(self.starts, Starts):
            return self.starts.clock_s()
        return sorted({clock_s(start) for start in self.starts})

    def days_range(self, week_days: int) -> tuple[int, int]:
        if self.days_per_week is None:
            return week_days, week_days
        if isinstance(self.days_per_week, int):
            return self.days_per_week, self.days_per_week
        return self.days_per_week[0], self.days_per_week[1]


class Week(_Model):
    """The planning week: its length and day names. Days beyond the requirement's are
    closed (nothing required), e.g. the weekend of a Monday-to-Friday line."""

    days: int | None = Field(None, ge=1, le=7)  # default: the requirement's days
    day_names: list[str] | None = None


class RosterRules(_Model):
    """Roster-wide settings and the shift types."""

    slot_min: float | None = Field(None, gt=0)  # time grid; default: the requirement's interval
    cover: Literal["agents", "scheduled_fte"] = "agents"
    shrinkage: float = Field(0.0, ge=0, lt=1)  # time lost outside breaks: cover required / (1 - s)
    under_coverage_penalty: float | None = Field(None, gt=0)  # cost per agent-hour short; None: none allowed
    fte_paid_hours: float | None = Field(None, gt=0)  # one FTE over the week; default 8 h a day, <= 40
    time_limit_s: float = Field(60.0, gt=0)  # MILP solver time limit
    week: Week = Week()
    shifts: list[ShiftType] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RosterRules:
        names = [s.name for s in self.shifts]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ValueError(f"shifts[{i}].name: {name!r} is used twice")
        if self.week.day_names is not None and self.week.days is not None \
                and len(self.week.day_names) != self.week.days:
            raise ValueError(f"week.day_names: {len(self.week.day_names)} names for "
                             f"{self.week.days} days")
        return self


def load_rules(path: str | Path) -> RosterRules:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: is not valid TOML ({err})") from None
    return parse_rules(data, str(path))


def parse_rules(data: dict, source: str = "rules") -> RosterRules:
    try:
        return RosterRules.model_validate(data)
    except ValidationError as err:
        problems = []
        errors = err.errors()
        # A field given as a table or a list (`starts`) fails on both branches: show the
        # list's own problem, not "should be a table".
        specific = [e for e in errors if e["type"] != "model_type"] or errors
        for error in specific:
            line = _describe(error)
            if line not in problems:
                problems.append(line)
        raise InputError(f"{source}: invalid rules: " + problems[0] if len(problems) == 1 else
                         f"{source}: invalid rules\n  " + "\n  ".join(problems), problems) from None


def _describe(error: dict) -> str:
    """`shifts[0].length_h: 30 is not <= 24`: the field as written in the file, then the rule."""
    where = ""
    for part in error["loc"]:
        if isinstance(part, int):
            where += f"[{part}]"
        elif part[0].isalpha() and not any(c in part for c in "[-("):  # skip union branch tags
            where += f".{part}" if where else part
    value = error.get("input")
    ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v  # 24.0 -> 24, as in the docs
           for k, v in error.get("ctx", {}).items()}
    kind = error["type"]
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        if not where:
            return message
        return f"{where}.{message}" if re.match(r"^[\w\[\]\.]+: ", message) else f"{where}: {message}"
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(error["loc"][-1]), _FIELD_NAMES, n=1)
        return f"{where}: is not a known field" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind == "missing":
        return f"{where}: is required"
    if kind in ("too_short", "string_too_short"):
        return f"{where}: must not be empty"
    rules = {"greater_than": "is not > {gt}", "greater_than_equal": "is not >= {ge}",
             "less_than": "is not < {lt}", "less_than_equal": "is not <= {le}",
             "literal_error": "is not one of {expected}"}
    if kind in rules:
        return f"{where}: {value!r} " + rules[kind].format(**ctx)
    return f"{where}: {value!r} is invalid ({error['msg'].lower()})"


_FIELD_NAMES = sorted({name for model in (BreakRule, Starts, ShiftType, Week, RosterRules)
                       for name in model.model_fields})
