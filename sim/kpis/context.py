"""The log as numpy arrays, read once per scoring run and shared by every KPI family.

Each boolean mask (offered, live, answered, ...) is defined here and only here, so two KPIs
cannot disagree on what "offered" means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.interaction_log import CHUNK_ROWS
from sim.kpis.catalogue import OPTIONAL_CONTACT_COLUMNS
from sim.kpis.grouping import Grouping, Pieces, row_codes
from sim.kpis.issues import IssueTable
from sim.kpis.settings import KpiSettings
from sim.kpis.validate import direction
from sim.log_schema import AGENT_STATES


def floats(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def flags(series: pd.Series) -> np.ndarray:
    """A boolean column as a numpy mask, missing as False."""
    return series.to_numpy(dtype=bool, na_value=False)


def per_label(labels: pd.Series, value_of: Callable[[str | None], float]) -> np.ndarray:
    """`value_of(label)` for each row's label (None for a missing label), one call per
    distinct label."""
    codes, uniques = row_codes(labels)
    values = [value_of(str(u)) for u in uniques] + [value_of(None)]
    return np.asarray(values, dtype=float)[codes]


def by_chunks(n_rows: int, values_of: Callable[[slice], np.ndarray]) -> np.ndarray:
    """A per-row array made CHUNK_ROWS rows at a time (`values_of(rows)`), so that the
    temporaries of a long formula over millions of rows never coexist; elementwise, so
    each value is the one the formula gives over the whole column."""
    out = np.empty(n_rows)
    for first in range(0, n_rows, CHUNK_ROWS):
        rows = slice(first, first + CHUNK_ROWS)
        out[rows] = values_of(rows)
    return out


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 (no data, not zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / denominator, np.nan)


class ContactArrays:
    """Columns and masks of the contacts table. Outbound rows only feed outbound KPIs."""

    def __init__(self, frame: pd.DataFrame, settings: KpiSettings):
        self.frame = frame
        self.arrival, self.enqueue = floats(frame, "arrival_s"), floats(frame, "enqueue_s")
        self.answer, self.end = floats(frame, "answer_s"), floats(frame, "end_s")
        self.handle, self.wrap = floats(frame, "handle_s"), floats(frame, "wrap_s")
        outcome = frame["outcome"]
        self.outbound = (direction(frame["direction"]) == "outbound"
                         if "direction" in frame.columns else np.zeros(len(frame), bool))
        inbound = ~self.outbound
        self.inbound = inbound
        self.segment = frame["segment"].to_numpy()  # int64 by contract; no copy
        self.contact = inbound & (self.segment == 1)
        self.answered = inbound & flags(outcome == "answered")
        self.abandoned = inbound & flags(outcome == "abandoned")
        self.self_served = inbound & flags(outcome == "self_served")
        # no_answer: a callback none of whose tries reached the customer; it queued, so it
        # is offered, but neither answered (no handled contact) nor abandoned
        self.no_answer = inbound & flags(outcome == "no_answer")
        self.offered = (self.answered | self.abandoned | self.no_answer
                        | (inbound & flags(outcome == "unserved")))
        is_async = flags(frame["channel"].isin(list(settings.async_channels)))
        self.live, self.async_ = self.offered & ~is_async, self.offered & is_async
        self.abandon = floats(frame, "abandon_s")
        self.resolved = self.answered & flags(frame["resolved"])
        # Answered with no resolution recorded (e.g. a queue whose reasons model none).
        self.resolution_unknown = self.answered & frame["resolved"].isna().to_numpy()
        self.transferred = self.answered & flags(frame["transferred_to"].notna())
        self.callback = flags(frame["callback"])
        self.issue_id = frame["issue_id"].to_numpy(np.int64)
        self.customer_id = frame["customer_id"].to_numpy(np.int64)

    def leave_s(self) -> np.ndarray:
        """The time each queued row left the queue: answered, abandoned, else its end (the
        run's end if unserved, the last try's if no_answer). Made on demand, as `wait_s`:
        full-length arrays only the queue KPIs read are not kept through the other families."""
        return np.where(self.answered, self.answer,
                        np.where(self.abandoned, self.abandon, self.end))

    def wait_s(self, leave_s: np.ndarray) -> np.ndarray:
        """Seconds each offered row waited in the queue (NaN if not offered)."""
        return np.where(self.offered, leave_s - self.enqueue, np.nan)

    def optional(self, name: str) -> pd.Series | None:
        """An optional column (see OPTIONAL_CONTACT_COLUMNS) cast to its type, or None."""
        if name not in self.frame.columns:
            return None
        column = next(c for c in OPTIONAL_CONTACT_COLUMNS if c.name == name)
        try:
            return self.frame[name].astype(column.dtype)
        except (TypeError, ValueError) as err:
            raise InputError(f"contacts.{name}: cannot be read as {column.dtype} ({err})"
                             ) from None


class StateArrays:
    """Labels of the agent-time totals (states.StateTotals.frame), one row per total."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.state_code = pd.Categorical(frame["state"], categories=list(AGENT_STATES)).codes
        self.state = {name: self.state_code == i for i, name in enumerate(AGENT_STATES)}


@dataclass
class Context:
    """What every KPI family receives; derived tables are built once, on first use."""

    contacts: ContactArrays
    states: StateArrays
    grouping: Grouping
    settings: KpiSettings

    @property
    def state_pieces(self) -> Pieces | None:
        """Agent-state spells clipped to groups; None if the grouping needs a queue key."""
        return self.grouping.state_pieces

    @cached_property
    def agent_seconds(self) -> dict[str, np.ndarray]:
        """Agent time per state per group (zeros when the states cannot be grouped)."""
        pieces, n, k = self.state_pieces, self.grouping.n, len(AGENT_STATES)
        if pieces is None:
            return {name: np.zeros(n) for name in AGENT_STATES}
        flat = pieces.code * k + self.states.state_code[pieces.row]
        table = np.bincount(flat, weights=pieces.seconds, minlength=n * k).reshape(n, k)
        return {name: table[:, i] for i, name in enumerate(AGENT_STATES)}

    @cached_property
    def staffed_hours(self) -> np.ndarray:
        """On-duty (paid, logged-in) agent hours: every state but offline."""
        seconds = self.agent_seconds
        return sum(seconds[s] for s in AGENT_STATES if s != "offline") / 3600.0

    @cached_property
    def issues(self) -> IssueTable:
        return IssueTable(self.contacts, self.grouping, self.settings.recontact_window_s)
