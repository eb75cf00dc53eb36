"""The requirement to roster: agents per interval, read from a `ccplan staff --csv` table.

Columns used: `interval_start` (the labels `ccplan staff` writes: `HH:MM` for one day,
`day N HH:MM` with days numbered from 1, `Mon 2026-11-23 08:30` when dated; or an ISO
datetime), the covered column (`agents`, or
`scheduled_fte` for a requirement already grossed up for shrinkage) and, optionally,
`queue`. Other columns are ignored. Rows are numbered as in a spreadsheet (header = row 1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.staffing.forecast import parse_interval_starts, read_text_csv
from sim.timefmt import DAY_S, clock as clock_label


@dataclass(frozen=True)
class Requirement:
    """`table`: queue, day (0-based), start_s (seconds after midnight), required; one row per
    interval. `queues` in file order; `day_labels` names each day (a date when known)."""

    table: pd.DataFrame
    queues: list[str]
    interval_s: float
    day_labels: list[str]

    @property
    def days(self) -> int:
        return len(self.day_labels)


def read_requirement(path: str | os.PathLike, cover: str = "agents", interval_min: float | None = None,
                     queue: str | None = None, combine_queues: bool = False) -> Requirement:
    """The checked requirement in `path`. `queue` keeps one queue; `combine_queues` adds all
    queues into one requirement (one multi-skilled team)."""
    source = f"requirement {path}"
    raw = read_text_csv(path, f"{source}:")
    missing = [c for c in ("interval_start", cover) if c not in raw.columns]
    if missing:
        raise InputError(f"{source}: lacks column(s) {', '.join(missing)}; a `ccplan staff --csv` "
                         f"table has interval_start, {cover} and optionally queue "
                         f"(found: {', '.join(raw.columns)})")
    if raw.empty:
        raise InputError(f"{source}: has no rows")
    problems: list[str] = []
    day, start_s, day_labels = _parse_starts(raw["interval_start"].str.strip(), problems)
    required = pd.to_numeric(raw[cover].str.strip(), errors="coerce").to_numpy(float)
    for i in np.flatnonzero(~(np.isfinite(required) & (required >= 0))):
        problems.append(f"row {i + 2}: {cover}: {raw[cover].iloc[i]!r} is not a number >= 0")
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems[:20]),
                         problems)
    names = raw["queue"].str.strip() if "queue" in raw.columns else pd.Series("", index=raw.index)
    table = pd.DataFrame({"queue": names, "day": day, "start_s": start_s, "required": required})
    if queue is not None:
        if queue not in set(names):
            raise InputError(f"queue: {queue!r} is not in {source} (queues: "
                             f"{', '.join(repr(q) for q in names.unique())})")
        table = table[table["queue"] == queue]
    duplicated = table.duplicated(["queue", "day", "start_s"])
    if duplicated.any():
        i = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise InputError(f"{source}: row {table.index[i] + 2}: interval_start: "
                         f"{raw['interval_start'].iloc[table.index[i]]!r} repeats an earlier row"
                         + (f" of queue {table['queue'].iloc[i]!r}" if table['queue'].iloc[i] else ""))
    if combine_queues:
        table = table.groupby(["day", "start_s"], as_index=False)["required"].sum()
        table.insert(0, "queue", "all queues")
    interval_s = _interval_s(table, interval_min, source)
    queues = list(dict.fromkeys(table["queue"]))
    table = table.sort_values(["queue", "day", "start_s"], key=lambda c: c.map(queues.index)
                              if c.name == "queue" else c, kind="stable").reset_index(drop=True)
    return Requirement(table, queues, interval_s, day_labels)


def _parse_starts(values: pd.Series, problems: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Day index, seconds after midnight and a label per day (a date when known)."""
    rows = [f"row {i + 2}" for i in range(len(values))]
    seconds, _, day0 = parse_interval_starts(values, rows, problems)
    seconds = np.nan_to_num(seconds)
    day = (seconds // DAY_S).astype(int)
    days = range(int(day.max(initial=0)) + 1)
    if day0 is None:
        labels = [f"day {d + 1}" for d in days]
    else:
        labels = [(pd.Timestamp(day0) + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in days]
    return day, seconds % DAY_S, labels


def _interval_s(table: pd.DataFrame, interval_min: float | None, source: str) -> float:
    """Given, or the smallest spacing within a queue and day; every start on its grid."""
    if interval_min is not None:
        if not (np.isfinite(interval_min) and interval_min > 0):
            raise InputError(f"interval_min: {interval_min:g} is not a number > 0")
        interval_s = interval_min * 60.0
    else:
        gaps = table.sort_values("start_s").groupby(["queue", "day"])["start_s"].diff()
        gaps = gaps[gaps > 0]
        if gaps.empty:
            raise InputError(f"{source}: cannot infer the interval length from one row per day; "
                             "give it (--interval-min)")
        interval_s = float(gaps.min())
    off_grid = (table["start_s"] % interval_s) != 0
    if off_grid.any():
        row = table[off_grid].iloc[0]
        raise InputError(f"{source}: interval_start: {clock_label(row['start_s'])} (day {row['day']}) is "
                         f"not on the {interval_s / 60:g}-min grid of the other rows")
    return interval_s
