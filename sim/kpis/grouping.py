"""Group codes: which group each contact row and each piece of a time spell belongs to.

Every KPI is computed per group by `np.bincount` over these codes; scoring "overall" is
the one-group case of the same code, so overall and grouped figures cannot disagree.
Contacts belong to the interval / day of their arrival. Time spells (agent states, queue
waits) are clipped at interval or day edges, so each piece counts where it happened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.interaction_log import CHUNK_ROWS
from sim.kpis.keys import AGENT_LABEL_KEYS, KEYS, LABEL_KEYS, TIME_KEYS

if TYPE_CHECKING:
    from sim.kpis.states import StateTotals

DAY_S = 86400.0
NONE_LABEL = "(none)"  # group of rows whose label is missing, e.g. agent_group if abandoned


@dataclass(frozen=True)
class Pieces:
    """Parts of time spells, each inside one group: its group code, length and source row."""

    code: np.ndarray
    seconds: np.ndarray
    row: np.ndarray


@dataclass(frozen=True)
class Grouping:
    """Groups of one scoring run. With a label key, the groups are the combinations of
    labels (and time buckets) that some contact or agent-state spell takes, not every
    combination: 7 days of intervals x 4 label keys would otherwise mean millions of empty
    groups. Time keys alone give every bucket of the log's span, empty ones included."""

    keys: tuple[str, ...]
    index: pd.Index  # one label (tuple for several keys) per group, in code order
    contact_code: np.ndarray  # group of each contact row
    observed_s: np.ndarray  # length of each group's time span (for time averages)
    interval_s: float
    state_pieces: Pieces | None  # agent-state spells clipped to groups; None: not groupable
    _sizes: tuple[int, ...]
    _label_maps: dict  # key -> {table: codes of that table's rows}
    _combos: np.ndarray | None  # sorted combination code of each group; None: all of them

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
        """Per label of `labels` (over rows in `mask`, labels in sorted order): the count per
        group. Counted CHUNK_ROWS rows at a time (counts add up exactly)."""
        label_code, uniques = row_codes(labels, sort=True)
        size = self.n * len(uniques)
        table = np.zeros(size, dtype=np.int64)
        for first in range(0, len(mask), CHUNK_ROWS):
            rows = slice(first, first + CHUNK_ROWS)
            counted = mask[rows] & (label_code[rows] >= 0)
            table += np.bincount(self.contact_code[rows][counted] * len(uniques)
                                 + label_code[rows][counted], minlength=size)
        table = table.reshape(self.n, len(uniques))
        present = table.sum(axis=0) > 0
        return {str(label): table[:, i].astype(float) for i, label in enumerate(uniques)
                if present[i]}

    def groupable(self, table: str) -> bool:
        """Whether rows of `table` ("contacts" or "agent_states") carry every key."""
        return all(table in self._label_maps[k] for k in self.keys if k in LABEL_KEYS)

    def spell_totals(self, start: np.ndarray, end: np.ndarray, table: str,
                     rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per group: the seconds of spells [start, end) of `rows` of `table` inside it, and
        how many pieces (spells clipped at the edges of the time keys) fall in it.

        A piece in a combination no contact or agent spell takes (e.g. a queue wait running
        on into an interval without arrivals) is dropped: that group is not listed. Rows
        are cut CHUNK_ROWS at a time, so the pieces of millions of spells never coexist.
        """
        seconds, pieces = np.zeros(self.n), np.zeros(self.n)
        edge_s = spell_edge_s(self.keys, self.interval_s)
        for first in range(0, len(rows), CHUNK_ROWS):
            part = rows[first:first + CHUNK_ROWS]
            if edge_s is None:
                cut = self.bucket_pieces(None, end[part] - start[part], table, part)
            else:
                bucket, spell_s, spell = clip(start[part], end[part], edge_s)
                cut = self.bucket_pieces(bucket, spell_s, table, part[spell])
            seconds += np.bincount(cut.code, weights=cut.seconds, minlength=self.n)
            pieces += np.bincount(cut.code, minlength=self.n)
        return seconds, pieces

    def bucket_pieces(self, bucket: np.ndarray | None, seconds: np.ndarray, table: str,
                      rows: np.ndarray) -> Pieces:
        """Pieces already clipped at the edges `spell_edge_s` gives: each in time bucket
        `bucket` (None when no key is a time key) and belonging to `rows` of `table`."""
        edge_s = spell_edge_s(self.keys, self.interval_s)
        time_codes = {} if edge_s is None else _time_codes(
            bucket * edge_s, self.interval_s, bucket if edge_s == self.interval_s else None)
        return self._pieces(self._combine(rows, table, time_codes), seconds, rows)

    def _pieces(self, combo: np.ndarray, seconds: np.ndarray, rows: np.ndarray) -> Pieces:
        if self._combos is None:
            return Pieces(combo, seconds, rows)
        code = np.minimum(np.searchsorted(self._combos, combo), max(len(self._combos) - 1, 0))
        kept = self._combos[code] == combo if len(self._combos) else np.zeros(len(code), bool)
        if kept.all():
            return Pieces(code, seconds, rows)
        return Pieces(code[kept], seconds[kept], rows[kept])

    def _combine(self, rows: np.ndarray, table: str, time_codes: dict) -> np.ndarray:
        """Combination code of each row: its key codes in mixed radix (sizes of the keys)."""
        code = np.zeros(len(rows), dtype=np.int64)
        for key, size in zip(self.keys, self._sizes):
            part = time_codes[key] if key in TIME_KEYS else self._label_maps[key][table][rows]
            code = code * size + part
        return code


def row_codes(labels: pd.Series, sort: bool = False) -> tuple[np.ndarray, pd.Index]:
    """(code of each row's label, -1 if missing; the labels). A Categorical's own codes (one
    byte a row, no full-length int64 array; `sort` keeps its categories' order, which
    open_log sorts), else pd.factorize's."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.cat.codes.to_numpy(), labels.cat.categories
    return pd.factorize(labels, sort=sort)


def spell_edge_s(keys: tuple[str, ...], interval_s: float) -> float | None:
    """Where time spells are cut for `keys`: at interval edges, day edges, or nowhere."""
    time_keys = set(keys) & set(TIME_KEYS)
    if not time_keys:
        return None
    return interval_s if {"interval", "interval_of_day"} & time_keys else DAY_S


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


def build(keys: tuple[str, ...], contacts: pd.DataFrame, states: StateTotals,
          interval_s: float, horizon_s: float | None) -> Grouping:
    """Group codes for `keys` (empty: one group named "all"). `states` holds the agent
    time totalled by time bucket (cut at `spell_edge_s(keys, interval_s)`) and labels."""
    unknown = [k for k in keys if k not in KEYS]
    if unknown or len(set(keys)) != len(keys):
        raise InputError(f"by: {', '.join(keys)} is not a list of distinct keys from "
                         f"{', '.join(KEYS)}")
    n_intervals = span_intervals(contacts, states, interval_s, horizon_s)
    per_day = int(DAY_S // interval_s)
    n_days = int(np.ceil(n_intervals / per_day))
    sizes, levels, label_maps = [], [], {}
    for key in keys:
        if key in TIME_KEYS:
            size = {"interval": n_intervals, "day": n_days, "interval_of_day": per_day}[key]
            levels.append(pd.RangeIndex(size, name=key))
        else:
            tables = {"contacts": contacts, **({"agent_states": states.frame}
                                               if key in AGENT_LABEL_KEYS else {})}
            labels, label_maps[key] = _labels(key, tables)
            size = len(labels)
            levels.append(pd.Index(labels, name=key, dtype=object))
        sizes.append(size)
    if math.prod(sizes) >= 2 ** 62:
        raise InputError(f"by: {', '.join(keys)} gives {math.prod(sizes):,} combinations "
                         "of labels, too many to code; group by fewer keys")
    every = Grouping(tuple(keys), pd.Index([]), np.empty(0, np.int64), np.empty(0),
                     float(interval_s), None, tuple(sizes), label_maps, None)
    contact_combo = every._combine(np.arange(len(contacts)), "contacts",
                                   _time_codes(contacts["arrival_s"].to_numpy(float),
                                               interval_s, None))
    state_pieces = None
    if every.groupable("agent_states"):
        totals = states.frame
        state_pieces = every.bucket_pieces(
            totals["bucket"].to_numpy() if spell_edge_s(keys, interval_s) else None,
            totals["seconds"].to_numpy(), "agent_states", np.arange(len(totals)))
    if set(keys) <= set(TIME_KEYS):
        index, positions = _index(keys, levels), _positions(np.arange(math.prod(sizes)), sizes)
        grouping = replace(every, index=index, contact_code=contact_combo,
                           state_pieces=state_pieces)
    else:
        combos = np.unique(np.concatenate(
            [contact_combo, state_pieces.code if state_pieces is not None else []]
        ).astype(np.int64))
        positions = _positions(combos, sizes)
        index = (levels[0].take(positions[0]) if len(keys) == 1 else
                 pd.MultiIndex(levels=levels, codes=positions, names=list(keys)))
        grouping = replace(every, index=index, _combos=combos,
                           contact_code=np.searchsorted(combos, contact_combo))
        if state_pieces is not None:
            grouping = replace(grouping, state_pieces=grouping._pieces(
                state_pieces.code, state_pieces.seconds, state_pieces.row))
    observed = _observed_s(keys, sizes, positions, interval_s, n_intervals)
    return replace(grouping, observed_s=observed)


def span_intervals(contacts: pd.DataFrame, states: StateTotals, interval_s: float,
                   horizon_s: float | None) -> int:
    """Intervals in the log's span: up to the horizon or the last end, whichever is
    later, and past every instant a contact or spell starts at. A row that starts (and
    ends) exactly on the last edge belongs to the interval after it, so that interval is
    in the span too."""
    latest_end = max(horizon_s or 0.0,
                     np.nanmax(contacts["end_s"].to_numpy(float), initial=0.0),
                     states.latest_end_s)
    latest_start = max(np.nanmax(contacts["arrival_s"].to_numpy(float), initial=0.0),
                       np.nanmax(contacts["enqueue_s"].to_numpy(float), initial=0.0),
                       states.latest_start_s)
    return max(int(np.ceil(latest_end / interval_s)), int(latest_start // interval_s) + 1)


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


def _positions(combos: np.ndarray, sizes) -> list[np.ndarray]:
    """Each key's level position in each combination code (the inverse of _combine)."""
    positions, rest = [], combos
    for size in reversed(sizes):
        positions.append(rest % size)
        rest = rest // size
    return positions[::-1]


def _observed_s(keys, sizes, positions, interval_s: float, n_intervals: int) -> np.ndarray:
    """Seconds of the log's span inside each group, for time averages: a day the log only
    partly covers, or a slot of the day some days lack, counts only what the log spans, so
    grouped figures agree with the overall one. Label keys do not narrow the span."""
    codes = _time_codes(np.arange(n_intervals) * interval_s, interval_s, None)
    span_time = np.zeros(n_intervals, dtype=np.int64)
    group_time = np.zeros(len(positions[0]) if positions else 1, dtype=np.int64)
    n_times = 1
    for key, size, position in zip(keys, sizes, positions):
        if key in TIME_KEYS:
            span_time = span_time * size + codes[key]
            group_time = group_time * size + position
            n_times *= size
    per_time = np.bincount(span_time, minlength=n_times) * interval_s
    return per_time[group_time].astype(float)
