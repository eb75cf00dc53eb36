"""Agent-state spells reduced, chunk by chunk, to seconds per time bucket and labels.

Every agent-time KPI (occupancy, utilization, staffed hours, labour cost) is a sum of
spell seconds over spells that share a group, a state, an agent group and a partner. So
the spells are read in chunks, checked (validate.py's rules), cut at the edges of the
grouping's time keys and summed per (bucket, state, agent_group, partner): tens of
millions of spells never sit in memory at once, and the KPI families read the small
table of totals as they would read spells already cut to the groups.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.kpis.grouping import clip
from sim.kpis.validate import spell_times, state_rules
from sim.kpis.validate_chunks import OverlapCheck, Tally, label_codes, whole_table_rule

LABELS = ("state", "agent_group", "partner")
OVERLAP_RULE_INDEX = 4  # after the four rules of state_rules


@dataclass(frozen=True)
class StateTotals:
    """Agent time of a log: one row per (bucket, state, agent_group, partner) with the
    seconds spent there; a label is None where the spells had none."""

    frame: pd.DataFrame  # columns bucket, state, agent_group, partner, seconds
    n_spells: int
    latest_start_s: float  # 0 without spells, as the span of an empty table
    latest_end_s: float


def total_states(chunks: Callable[[], Iterable[pd.DataFrame]], edge_s: float | None,
                 tally: Tally) -> StateTotals:
    """Check and total the spells `chunks()` yields; cut them every `edge_s` seconds (None:
    not at all, one bucket). Broken rules go to `tally`; totals of broken rows are left out
    (the caller raises before using them)."""
    codes: dict[str, dict] = {name: {None: 0} for name in LABELS}  # label -> code; 0: none
    overlaps = OverlapCheck()
    totals = ([np.empty(0, np.int64)] * (1 + len(LABELS)), np.empty(0))  # key columns, s
    n_spells, latest_start, latest_end = 0, 0.0, 0.0
    for chunk in chunks():
        start, end = spell_times(chunk)
        rules = state_rules(chunk, start, end)
        tally.add("agent_states", [*rules, overlaps.rule(chunk["agent_id"], start, end,
                                                         n_spells)], n_spells)
        good = np.flatnonzero(~functools.reduce(np.logical_or, [bad for _, bad, _, _ in rules]))
        if len(good):
            latest_start = max(latest_start, float(start[good].max()))
            latest_end = max(latest_end, float(end[good].max()))
        labels = [label_codes(chunk[name], codes[name], missing=0)[good] for name in LABELS]
        if edge_s is None:  # one bucket: whole spells
            piece_row = np.arange(len(good))
            bucket, seconds = np.zeros(len(good), np.int64), (end - start)[good]
        else:
            bucket, seconds, piece_row = clip(start[good], end[good], edge_s)
        keys = [bucket, *(label[piece_row] for label in labels)]
        totals = _sum_by_key([np.concatenate(pair) for pair in zip(totals[0], keys)],
                             np.concatenate([totals[1], seconds]))
        n_spells += len(chunk)
    if not overlaps.in_order:
        tally.forget("agent_states", OVERLAP_RULE_INDEX)
        tally.add("agent_states", [whole_table_rule(chunks)], 0, OVERLAP_RULE_INDEX)
    (bucket, *labels), seconds = totals
    frame = pd.DataFrame({"bucket": bucket, "seconds": seconds})
    for name, label in zip(LABELS, labels):
        frame[name] = np.array(list(codes[name]), dtype=object)[label]
    return StateTotals(frame, n_spells, latest_start, latest_end)


def _sum_by_key(keys: list[np.ndarray], seconds: np.ndarray):
    """Rows of equal keys (columns of non-negative integers) merged, their seconds summed:
    (key columns, seconds) of the merged rows."""
    radix = [int(column.max(initial=0)) + 1 for column in keys]
    packed = np.zeros(len(seconds), dtype=np.int64)
    for column, size in zip(keys, radix):
        packed *= size
        packed += column
    if math.prod(radix) <= max(4 * len(seconds), 1 << 20):  # few possible keys: dense count
        present = np.flatnonzero(np.bincount(packed, minlength=math.prod(radix)))
        sums = np.bincount(packed, weights=seconds)[present]
    else:
        group, present = pd.factorize(packed)
        sums = np.bincount(group, weights=seconds, minlength=len(present))
    merged = []
    for size in reversed(radix):
        present, column = np.divmod(present, size)
        merged.append(column)
    return merged[::-1], sums
