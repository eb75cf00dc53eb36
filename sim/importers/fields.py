"""Read one mapped field of a chunk: parse its export column(s), report unreadable cells.

Shared by the contact and the agent-state importers. A problem names the export column(s)
and the raw cell, never a derived log field, so the user finds it in the file they have.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.importers import parsing
from sim.importers.mapping import (BOOL_FIELDS, DURATION_FIELDS, NUMBER_FIELDS, STAMP_FIELDS,
                                   Mapping)
from sim.importers.problems import Problems

NO_DATE_YEAR = 1901  # strptime puts a clock time without a date on 1900-01-01
NO_DATE_RULE = ("a date and time: read as 1900-01-01, the format has no date; set "
                "time.date_column (the export's date column) and time.date_format")


def source_columns(mapping: Mapping, name: str) -> list[str]:
    """The export column(s) a field is read from: a clock time may take its date column."""
    columns = [mapping.columns[name]]
    if mapping.date_column and name in STAMP_FIELDS[mapping.kind]:
        columns.insert(0, mapping.date_column)
    return columns


def where(columns: list[str], name: str) -> str:
    return f"column {' + '.join(map(repr, columns))} ({name})"


def raw_cells(frame: pd.DataFrame, columns: list[str], mask: np.ndarray) -> np.ndarray:
    """The raw cells of the masked rows, several columns joined by ' / '."""
    parts = [frame[c].to_numpy(dtype=object)[mask] for c in columns]
    if len(parts) == 1:
        return parts[0]
    return np.array([" / ".join("" if pd.isna(v) else str(v) for v in cells)
                     for cells in zip(*parts)], dtype=object)


def read_field(frame: pd.DataFrame, rows: np.ndarray, mapping: Mapping, name: str,
               problems: Problems) -> parsing.Parsed:
    columns = source_columns(mapping, name)
    cells = frame[columns[-1]]
    if name in STAMP_FIELDS[mapping.kind]:
        parsed = _stamps(frame, cells, mapping)
    elif name in DURATION_FIELDS or name == "duration_s":
        parsed = parsing.parse_duration(cells, mapping.duration_unit, mapping.decimal)
    elif name in NUMBER_FIELDS:
        parsed = parsing.parse_number(cells, mapping.decimal)
    elif name in BOOL_FIELDS:
        parsed = parsing.parse_bool(cells, mapping.true_values, mapping.false_values)
    else:
        parsed = parsing.parse_label(cells)
    report(problems, frame, rows, columns, name, parsed.bad, f"must be {parsed.rule}")
    if name in STAMP_FIELDS[mapping.kind]:
        years = pd.DatetimeIndex(parsed.values).year.to_numpy(float, na_value=np.nan)
        report(problems, frame, rows, columns, name, years < NO_DATE_YEAR,
               f"must be {NO_DATE_RULE}")
    return parsed


def report(problems: Problems, frame: pd.DataFrame, rows: np.ndarray, columns: list[str],
           name: str, bad: np.ndarray, rule: str) -> None:
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        problems.add(where(columns, name), rule, rows[bad], raw_cells(frame, columns, bad))


def _stamps(frame: pd.DataFrame, cells: pd.Series, mapping: Mapping) -> parsing.Parsed:
    if not mapping.date_column:
        return parsing.parse_timestamp(cells, mapping.time_format, mapping.timezone)
    day = frame[mapping.date_column]
    text = day.astype("str").str.strip() + " " + cells.astype("str").str.strip()
    text = text.where(parsing.present(day) & parsing.present(cells))
    return parsing.parse_timestamp(text, f"{mapping.date_format} {mapping.time_format}",
                                   mapping.timezone)
