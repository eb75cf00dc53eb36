"""Every problem of an import, gathered chunk by chunk, named by export column and raw value.

An import lists all its problems (not only the first): one line per broken rule with the
first raw value, the first row numbers and the count of rows, plus one record per bad
cell for `--rejects`. Row numbers are data rows from 1, header excluded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.kpis.validate import MAX_ROWS_SHOWN, show_value


class Problems:
    def __init__(self):
        self._groups: dict[tuple[str, str], tuple[list, list]] = {}

    def add(self, where: str, rule: str, rows: np.ndarray, values) -> None:
        """Rows (file numbers) that break `rule` in `where`, with their raw values."""
        rows = np.asarray(rows)
        if not len(rows):
            return
        numbers, cells = self._groups.setdefault((where, rule), ([], []))
        numbers.append(rows)
        cells.append(np.asarray(values, dtype=object))

    def __bool__(self) -> bool:
        return bool(self._groups)

    def bad_rows(self) -> np.ndarray:
        parts = [np.concatenate(numbers) for numbers, _ in self._groups.values()]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.int64)

    def lines(self) -> list[str]:
        """`column 'x' (field): 'raw' at row 3, 7 and 2 more (4 row(s)): rule`, by first row."""
        out = []
        for (where, rule), (numbers, cells) in self._groups.items():
            rows, values = np.concatenate(numbers), np.concatenate(cells)
            order = np.argsort(rows, kind="stable")
            rows, values = rows[order], values[order]
            listing = ", ".join(str(int(r)) for r in rows[:MAX_ROWS_SHOWN])
            more = (f" and {len(rows) - MAX_ROWS_SHOWN} more"
                    if len(rows) > MAX_ROWS_SHOWN else "")
            out.append((int(rows[0]), f"{where}: {show_value(values[0])} at row {listing}"
                                      f"{more} ({len(rows)} row(s)): {rule}"))
        return [line for _, line in sorted(out, key=lambda item: item[0])]

    def rejected(self) -> pd.DataFrame:
        """One record per problem cell: row, column, value, reason."""
        parts = [pd.DataFrame({"row": np.concatenate(numbers).astype(np.int64),
                               "column": where,
                               "value": [show_value(v) for v in np.concatenate(cells)],
                               "reason": rule})
                 for (where, rule), (numbers, cells) in self._groups.items()]
        if not parts:
            return pd.DataFrame(columns=["row", "column", "value", "reason"])
        return pd.concat(parts, ignore_index=True).sort_values(
            "row", kind="stable", ignore_index=True)

    def raise_all(self) -> None:
        """One InputError: the first problem in the message, all of them in `problems`."""
        lines = self.lines()
        if lines:
            more = f" (and {len(lines) - 1} more problem(s))" if len(lines) > 1 else ""
            raise InputError(lines[0] + more, lines)

    def add_malformed(self, table) -> None:
        """Rows of `table` (an ExportTable) with fewer or more fields than its header."""
        width = len(table.columns)
        for bad in table.malformed:
            kind = "short" if bad.fields < width else "long"
            self.add("row", f"{kind} row: {bad.fields} field(s) where the header has {width}",
                     [bad.row], [bad.text])

    def refuse_share(self, source: str, rows_read: int, max_share: float) -> None:
        """One line, exit 2 in the CLI: too many rows rejected to trust the rest."""
        n_bad = len(self.bad_rows())
        if rows_read and n_bad / rows_read > max_share:
            raise InputError(f"{source}: {n_bad:,} of {rows_read:,} rows rejected "
                             f"({n_bad / rows_read:.1%}), more than --max-bad-share "
                             f"{max_share:.1%}; first: {self.lines()[0]}")

    def merge(self, other: "Problems") -> None:
        for key, (numbers, cells) in other._groups.items():
            mine = self._groups.setdefault(key, ([], []))
            mine[0].extend(numbers)
            mine[1].extend(cells)
