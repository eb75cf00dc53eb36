"""Group codes: which group each contact row and each piece of a time spell belongs to.

Every KPI is computed per group by `np.bincount` over these codes; scoring "overall" is
the one-group case of the same code, so overall and grouped figures cannot disagree.
Contacts belong to the interval / day of their arrival. Time spells (agent states, queue
waits) are clipped at interval or day edges, so each piece counts where it happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError

DAY_S = 86400.0
TIME_KEYS = ("interval", "day", "interval_of_day")
LABEL_KEYS = ("queue", "channel", "reason", "agent_group", "partner")
KEYS = TIME_KEYS + LABEL_KEYS
AGENT_LABEL_KEYS = ("agent_group", "partner")  # label keys the agent-state table carries
NONE_LABEL = "(none)"  # group of rows whose label is missing, e.g. agent_group if abandoned


@dataclass(frozen=True)
class Pieces:
    """Parts of time spells, each inside one group: its group code, length and source row."""

    code: np.ndarray
    seconds: np.ndarray
    row: np.ndarray


@dataclass(frozen=True)
class Grouping:
    keys: tuple[str, ...]
    index: pd.Index  # one label (tuple for several keys) per group, in code order
    contact_code: np.ndarray  # group of each contact row
    observed_s: np.ndarray  # length of each group's time span (for time averages)
    interval_s: float
    _sizes: tuple[int, ...]
    _label_maps: dict  # key -> {table: codes of that table's rows}

    @property
    def n(self) -> int:
        return len(self.index)

    def count(self, mask: np.ndarray, code: np.ndarray | None = None) -> np.ndarray:
        code = self.contact_code if code is None else code
        return np.bincount(code[mask], minlength=self.n).astype(float)

    def total(self, values: np.ndarray, mask: np.ndarray, code: np.ndarray | None = None):
        code = self.contact_code if code is None else code
        return np.bincount(code[mask], weights=values[mask], minlength=self.n)

    def maximum(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.full(self.n, np.nan)
        np.fmax.at(out, self.contact_code[mask], values[mask])
        return out

    def count_by_label(self, labels: pd.Series, mask: np.ndarray) -> dict[str, np.ndarray]:
        """Per label of `labels` (over rows in `mask`): the count per group."""
        rows = np.flatnonzero(mask)
        label_code, uniques = pd.factorize(labels.iloc[rows], sort=True)
        known = label_code >= 0
        flat = self.contact_code[rows][known] * len(uniques) + label_code[known]
        table = np.bincount(flat, minlength=self.n * len(uniques)).reshape(self.n, -1)
        return {str(label): table[:, i].astype(float) for i, label in enumerate(uniques)}

    def groupable(self, table: str) -> bool:
        """Whether rows of `table` ("contacts" or "agent_states") carry every key."""
        return all(table in self._label_maps[k] for k in self.keys if k in LABEL_KEYS)

    def spells(self, start: np.ndarray, end: np.ndarray, table: str,
               rows: np.ndarray | None = None) -> Pieces:
        """Clip spells [start, end) at the edges of the time keys.

        The spells belong to `rows` of `table` (default: every row, in order); each piece
        keeps the number of its table row.
        """
        rows = np.arange(len(start)) if rows is None else rows
        time_keys = [k for k in self.keys if k in TIME_KEYS]
        if not time_keys:
            return Pieces(self._combine(rows, table, {}), end - start, rows)
        edge_s = self.interval_s if {"interval", "interval_of_day"} & set(time_keys) else DAY_S
        bucket, seconds, spell = clip(start, end, edge_s)
        interval = bucket if edge_s == self.interval_s else None
        time_codes = _time_codes(bucket * edge_s, self.interval_s, interval)
        return Pieces(self._combine(rows[spell], table, time_codes), seconds, rows[spell])

    def _combine(self, rows: np.ndarray, table: str, time_codes: dict) -> np.ndarray:
        code = np.zeros(len(rows), dtype=np.int64)
        for key, size in zip(self.keys, self._sizes):
            part = time_codes[key] if key in TIME_KEYS else self._label_maps[key][table][rows]
            code = code * size + part
        return code


def clip(start: np.ndarray, end: np.ndarray, edge_s: float):
    """Split each spell at multiples of edge_s: (bucket, seconds, source row) per piece."""
    first = np.floor(start / edge_s).astype(np.int64)
    last = np.maximum(np.ceil(end / edge_s).astype(np.int64) - 1, first)
    single = np.flatnonzero(first == last)  # most spells: one piece, no repeat needed
    multi = np.flatnonzero(first != last)
    count = last[multi] - first[multi] + 1
    rows = np.repeat(multi, count)
    offsets = np.repeat(np.cumsum(count) - count, count)
    bucket = first[rows] + (np.arange(len(rows)) - offsets)
    seconds = (np.minimum(end[rows], (bucket + 1) * edge_s)
               - np.maximum(start[rows], bucket * edge_s))
    return (np.concatenate([first[single], bucket]),
            np.concatenate([end[single] - start[single], seconds]),
            np.concatenate([single, rows]))


def build(keys: tuple[str, ...], contacts: pd.DataFrame, states: pd.DataFrame,
          interval_s: float, horizon_s: float | None) -> Grouping:
    """Group codes for `keys` (empty: one group named "all")."""
    unknown = [k for k in keys if k not in KEYS]
    if unknown or len(set(keys)) != len(keys):
        raise InputError(f"by: {', '.join(keys)} is not a list of distinct keys from "
                         f"{', '.join(KEYS)}")
    if not interval_s > 0 or DAY_S % interval_s:
        raise InputError(f"meta.interval_s: {interval_s!r} must be > 0 and divide a day")
    arrival = contacts["arrival_s"].to_numpy(dtype=float)
    ends = [horizon_s or 0.0, np.nanmax(contacts["end_s"].to_numpy(float), initial=0.0),
            np.max(states["end_s"].to_numpy(float), initial=0.0)]
    n_intervals = max(int(np.ceil(max(ends) / interval_s)), 1)
    per_day = int(DAY_S // interval_s)
    n_days = int(np.ceil(n_intervals / per_day))
    sizes, levels, label_maps = [], [], {}
    for key in keys:
        if key in TIME_KEYS:
            size = {"interval": n_intervals, "day": n_days, "interval_of_day": per_day}[key]
            levels.append(pd.RangeIndex(size, name=key))
        else:
            tables = {"contacts": contacts, **({"agent_states": states}
                                               if key in AGENT_LABEL_KEYS else {})}
            labels, label_maps[key] = _labels(key, tables)
            size = len(labels)
            levels.append(pd.Index(labels, name=key, dtype=object))
        sizes.append(size)
    grouping = Grouping(
        keys=tuple(keys),
        index=_index(keys, levels),
        contact_code=np.zeros(len(contacts), dtype=np.int64),
        observed_s=np.empty(0),
        interval_s=float(interval_s),
        _sizes=tuple(sizes),
        _label_maps=label_maps,
    )
    time_codes = _time_codes(arrival, interval_s, None)
    code = grouping._combine(np.arange(len(contacts)), "contacts", time_codes)
    observed = _observed_s(keys, sizes, interval_s, n_intervals)
    object.__setattr__(grouping, "contact_code", code)
    object.__setattr__(grouping, "observed_s", observed)
    return grouping


def _time_codes(times: np.ndarray, interval_s: float, interval: np.ndarray | None) -> dict:
    interval = np.floor(times / interval_s).astype(np.int64) if interval is None else interval
    per_day = int(DAY_S // interval_s)
    return {"interval": interval, "day": interval // per_day,
            "interval_of_day": interval % per_day}


def _labels(key: str, tables: dict[str, pd.DataFrame]):
    """Sorted labels over all tables (NONE_LABEL last if any missing), and codes per table."""
    factorized = {name: pd.factorize(frame[key]) for name, frame in tables.items()}
    present = sorted({str(u) for _, uniques in factorized.values() for u in uniques})
    has_none = any((codes < 0).any() for codes, _ in factorized.values())
    labels = present + [NONE_LABEL] * has_none
    position = {label: i for i, label in enumerate(labels)}
    maps = {}
    for name, (codes, uniques) in factorized.items():
        lookup = np.array([position[str(u)] for u in uniques] + [len(labels) - 1],
                          dtype=np.int64)
        maps[name] = lookup[codes]  # code -1 (missing) takes the last entry: NONE_LABEL
    return labels, maps


def _index(keys, levels) -> pd.Index:
    if not keys:
        return pd.Index(["all"], name="group")
    if len(keys) == 1:
        return levels[0]
    return pd.MultiIndex.from_product(levels, names=list(keys))


def _observed_s(keys, sizes, interval_s: float, n_intervals: int) -> np.ndarray:
    """Seconds of the log's span inside each group, for time averages: a day the log only
    partly covers, or a slot of the day some days lack, counts only what the log spans, so
    grouped figures agree with the overall one. Label keys do not narrow the span."""
    codes = _time_codes(np.arange(n_intervals) * interval_s, interval_s, None)
    flat = np.zeros(n_intervals, dtype=np.int64)
    for key, size in zip(keys, sizes):
        if key in TIME_KEYS:
            flat = flat * size + codes[key]
    shape = [size if key in TIME_KEYS else 1 for key, size in zip(keys, sizes)]
    per_time = np.bincount(flat, minlength=int(np.prod(shape))) * interval_s
    return np.broadcast_to(per_time.reshape(shape), sizes).ravel().astype(float)
