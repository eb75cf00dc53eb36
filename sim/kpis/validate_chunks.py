"""The log's row rules (validate.py) checked chunk by chunk, for logs too big to hold whole.

A `Tally` merges the rules broken in each chunk into the problems `validate.raise_if_any`
would give for the whole table: the same lines, rows numbered from the table's first
row. The overlap rule of agent-state spells spans chunks; `OverlapCheck` carries each
agent's last spell from one chunk to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from sim.kpis.grouping import row_codes
from sim.kpis.validate import (MAX_ROWS_SHOWN, OVERLAP_RULE, OVERLAP_TOLERANCE_S,
                               overlap_rule, overlapping_spells, problem_line,
                               raise_problems, spell_times, value_at)

TABLE_ORDER = ("contacts", "agent_states")  # the contacts' problems are listed first


class Tally:
    """Broken rules of chunked tables: per rule, how many rows, the first rows and value."""

    def __init__(self):
        # (table, rule number) -> [where, rule text, rows broken, first rows, first value]
        self._found: dict[tuple[int, int], list] = {}

    def add(self, table: str, rules: list[tuple], first_row: int = 0,
            first_index: int = 0) -> None:
        """`rules` as validate.contact_rules gives them (the rule numbered `first_index`
        first), over rows numbered from `first_row` (0-based)."""
        for index, (column, bad, values, rule) in enumerate(rules, start=first_index):
            rows = np.flatnonzero(np.asarray(bad, dtype=bool))
            if not len(rows):
                continue
            key = (TABLE_ORDER.index(table), index)
            if key not in self._found:
                self._found[key] = [f"{table}.{column}", rule, 0, [], value_at(values, rows[0])]
            entry = self._found[key]
            entry[2] += len(rows)
            room = MAX_ROWS_SHOWN - len(entry[3])
            entry[3] += [int(r) + first_row + 1 for r in rows[:room]]

    def forget(self, table: str, index: int) -> None:
        """Drop what rule `index` of `table` found (to check it again another way)."""
        self._found.pop((TABLE_ORDER.index(table), index), None)

    def raise_if_any(self) -> None:
        raise_problems([problem_line(where, rows, n, value, rule)
                        for where, rule, n, rows, value in
                        (self._found[key] for key in sorted(self._found))])


class OverlapCheck:
    """Spells of one agent that overlap, found chunk by chunk.

    Holds each agent's last spell (start, end, row). Exact when every agent's spells come in
    (start, end) order, as the simulator and the usual exports write them (each agent's
    spells together, or all spells in time order). Otherwise `in_order` turns False and
    `whole_table_rule` sorts the spells of the whole table instead.
    """

    def __init__(self):
        self._code: dict = {}  # agent id -> code, in order of first appearance
        self._last_start, self._last_end = np.empty(0), np.empty(0)  # per agent code
        self._last_row = np.empty(0, dtype=np.int64)  # -1: no spell yet
        self.in_order = True

    def rule(self, agent_id: pd.Series, start: np.ndarray, end: np.ndarray,
             first_row: int) -> tuple:
        """The overlap rule over one chunk whose first row is row `first_row` of the table."""
        agent = self._codes(agent_id)
        if not len(agent):
            return ("start_s", np.zeros(0, dtype=bool), start, OVERLAP_RULE)
        contiguous = np.all(agent[1:] >= agent[:-1])  # each agent's spells together: no sort
        order = np.arange(len(agent)) if contiguous else np.argsort(agent, kind="stable")
        code, s, e, row = agent[order], start[order], end[order], order + first_row
        same = np.zeros(len(code), dtype=bool)  # the previous spell is in this chunk
        same[1:] = code[1:] == code[:-1]
        prev_s, prev_e, prev_row = np.roll(s, 1), np.roll(e, 1), np.roll(row, 1)
        carried = (code >= 0) & ~same  # the previous spell, if any, in an earlier chunk
        prev_s[carried] = self._last_start[code[carried]]
        prev_e[carried] = self._last_end[code[carried]]
        prev_row[carried] = self._last_row[code[carried]]
        has_prev = (code >= 0) & (same | (prev_row >= 0))
        # not after the previous spell in (start, end) order; a NaN time counts as out of
        # order, so the whole-table sort decides, as it always did
        backwards = has_prev & ~((s > prev_s) | ((s == prev_s) & (e >= prev_e)))
        self.in_order &= not backwards.any()
        clash = has_prev & (s < prev_e - OVERLAP_TOLERANCE_S)
        bad = np.zeros(len(code), dtype=bool)
        bad[order[clash]] = True
        rule = OVERLAP_RULE
        if clash.any():  # the first bad row of the table is in the first chunk with one
            k = np.argmin(row[clash])
            rule = overlap_rule(agent_id.iloc[order[clash][k]], int(row[clash][k]),
                                int(prev_row[clash][k]), prev_e[clash][k])
        last = (code >= 0) & np.append(code[1:] != code[:-1], True)
        self._last_start[code[last]] = s[last]
        self._last_end[code[last]] = e[last]
        self._last_row[code[last]] = row[last]
        return ("start_s", bad, start, rule)

    def _codes(self, agent_id: pd.Series) -> np.ndarray:
        codes = label_codes(agent_id, self._code)
        grow = len(self._code) - len(self._last_row)
        if grow > 0:
            self._last_start = np.append(self._last_start, np.full(grow, np.nan))
            self._last_end = np.append(self._last_end, np.full(grow, np.nan))
            self._last_row = np.append(self._last_row, np.full(grow, -1, dtype=np.int64))
        return codes


def label_codes(labels: pd.Series, code_of: dict, missing: int = -1) -> np.ndarray:
    """Each row's label as a code that holds across chunks (`code_of` grows: label ->
    code, from len(code_of) on); `missing` for a missing label. A Categorical's own codes
    are used, so no chunk's labels are hashed row by row."""
    local, uniques = row_codes(labels)
    lookup = [code_of.setdefault(u, len(code_of)) for u in uniques]
    return np.array(lookup + [missing], dtype=np.int64)[local]


def whole_table_rule(chunks: Callable[[], Iterable[pd.DataFrame]]) -> tuple:
    """The overlap rule over every spell at once (the sort validate.overlapping_spells does), for
    spells out of order; reads the agent ids as codes and the two times only."""
    codes, starts, ends, labels = [], [], [], {}
    for chunk in chunks():
        codes.append(label_codes(chunk["agent_id"], labels).astype(np.int32))
        start, end = spell_times(chunk)
        starts.append(start)
        ends.append(end)
    agent = np.concatenate(codes) if codes else np.empty(0, np.int32)
    return overlapping_spells(agent, list(labels), np.concatenate(starts or [np.empty(0)]),
                     np.concatenate(ends or [np.empty(0)]))
