"""Conditions of outcome rules: `q_time == 0`, `server is empty`, `Queue != "VIP"`.

One label of an export can mean two things told apart by another column (`HANG` is a
hang-up in the IVR when the queue time is 0, else an abandonment in the queue). A
condition names an export column, compares it with a number (read with the export's
decimal mark) or a text (stripped, case-insensitive), and is true or false on every row;
an empty or unreadable cell makes a numeric comparison false.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError

OPERATORS = {"==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge,
             "<": operator.lt, ">": operator.gt}
_COMPARE = re.compile(r"^\s*(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$")
_EMPTY = re.compile(r"^\s*(.+?)\s+is\s+(not\s+)?empty\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    column: str  # the export column it reads
    op: str  # one of OPERATORS, "empty" or "not empty"
    value: float | str | None

    def evaluate(self, cells: pd.Series, decimal: str = ".") -> np.ndarray:
        text = cells.astype("str").str.strip().where(cells.notna(), "")
        if self.op in ("empty", "not empty"):
            empty = (text == "").to_numpy(dtype=bool)
            return empty if self.op == "empty" else ~empty
        compare = OPERATORS[self.op]
        if isinstance(self.value, float):
            if decimal != ".":
                text = text.str.replace(decimal, ".", regex=False)
            number = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(float)
            with np.errstate(invalid="ignore"):
                return compare(number, self.value) & ~np.isnan(number)
        return compare(text.str.casefold(), self.value.casefold()).to_numpy(dtype=bool)


def parse_condition(text: str) -> Condition:
    """`COLUMN OP VALUE` or `COLUMN is [not] empty`; quotes mark a text value."""
    empty = _EMPTY.match(text)
    if empty:
        return Condition(_unquote(empty[1]), "not empty" if empty[2] else "empty", None)
    match = _COMPARE.match(text)
    if not match:
        raise InputError(f"{text!r} must look like 'COLUMN == 0', 'COLUMN != \"X\"' or "
                         f"'COLUMN is empty' (operators {', '.join(OPERATORS)})")
    column, op, raw = _unquote(match[1]), match[2], match[3]
    if raw[:1] in "\"'" and raw[-1:] == raw[:1] and len(raw) >= 2:
        return Condition(column, op, raw[1:-1])
    try:
        return Condition(column, op, float(raw.replace(",", ".")))
    except ValueError:
        if op not in ("==", "!="):
            raise InputError(f"{text!r}: {op} needs a number, not {raw!r}") from None
        return Condition(column, op, raw)


def _unquote(name: str) -> str:
    name = name.strip()
    if name[:1] in "\"'" and name[-1:] == name[:1] and len(name) >= 2:
        return name[1:-1]
    return name
