"""Column parsers for exports: each returns the parsed values and a mask of unreadable rows.

A parser never drops or guesses: an empty cell is missing, a cell it cannot read is marked
bad so the importer can name its row. Times become local wall-clock seconds from the
origin's midnight, so interval 16 is 08:00 local on every day, DST days included (a
contact spanning the night-time DST change is off by the shift: not handled, see docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

DURATION_UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hms": None}
HMS_RULE = ("a duration h:mm:ss or mm:ss (parts >= 0, whole numbers but the last, minutes and "
            "seconds below 60 after a higher part)")
# An ISO stamp carries its own offset when a time is followed by Z, +hh, +hhmm or +hh:mm.
ISO_OFFSET = r"(?i).*\d[T ]\d.*(?:Z|[+-]\d{2}(?::?\d{2})?)"
INTEGER_TEXT = r"[+-]?\d+(?:\.0*)?"  # "1234" or "1234.0" (a spreadsheet's float)


@dataclass(frozen=True)
class Parsed:
    values: pd.Series | np.ndarray
    bad: np.ndarray  # cell present but unreadable
    rule: str  # what a readable cell looks like, for the error message


def read_table(path: str | Path, fmt: str | None = None, delimiter: str = ",",
               encoding: str = "utf-8") -> pd.DataFrame:
    """Read a CSV (every cell as text, empty as missing) or Parquet export."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in ("csv", "parquet"):
        raise InputError(f"source.format: {fmt!r} must be csv or parquet")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                                sep=delimiter, encoding=encoding, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty (expected a header row and data rows)"
                         ) from None
    except (OSError, ValueError, LookupError) as err:
        raise InputError(f"{path}: cannot be read as {fmt} ({err})") from None
    if frame.empty:
        raise InputError(f"{path}: no data rows (only a header: {', '.join(frame.columns)})")
    return frame


def present(series: pd.Series) -> np.ndarray:
    """Cells that hold something (not missing, not blank)."""
    text = series.astype("str")
    return (series.notna() & (text.str.strip() != "")).to_numpy(dtype=bool, na_value=False)


def parse_number(series: pd.Series) -> Parsed:
    values = pd.to_numeric(series.where(present(series)), errors="coerce")
    values = values.to_numpy(dtype=float, na_value=np.nan)
    return Parsed(values, present(series) & np.isnan(values), "a number")


def parse_duration(series: pd.Series, unit: str) -> Parsed:
    """Seconds from a number in `unit`, or from [h:]mm:ss text when unit is "hms"."""
    if unit not in DURATION_UNITS:
        raise InputError(f"time.duration_unit: {unit!r} must be one of "
                         f"{', '.join(DURATION_UNITS)}")
    if unit != "hms":
        number = parse_number(series)
        return Parsed(number.values * DURATION_UNITS[unit], number.bad, f"a number of {unit}")
    has = present(series)
    parts = series.where(has).astype("str").str.strip().str.split(":", expand=True)
    n_parts = parts.notna().sum(axis=1).to_numpy()
    parts = parts.reindex(columns=range(3))
    numbers = [pd.to_numeric(parts[i], errors="coerce").to_numpy(float, na_value=np.nan)
               for i in range(3)]
    h_m_s = n_parts == 3
    # the last part may have a fraction, a part after a higher one must lie below 60
    last = np.where(h_m_s, numbers[2], numbers[1])
    head = [numbers[0], np.where(h_m_s, numbers[1], 0.0)]
    readable = (np.isin(n_parts, (2, 3)) & np.isfinite(last) & (last >= 0) & (last < 60)
                & np.logical_and.reduce([np.isfinite(v) & (v >= 0) & (v == np.round(v))
                                         for v in head])
                & ~(h_m_s & (head[1] >= 60)))
    seconds = np.where(h_m_s, numbers[0] * 3600 + numbers[1] * 60 + numbers[2],
                       numbers[0] * 60 + numbers[1])
    seconds = np.where(has & readable, seconds, np.nan)
    return Parsed(seconds, has & ~readable, HMS_RULE)


def parse_timestamp(series: pd.Series, fmt: str, timezone: str | None) -> Parsed:
    """Local wall-clock datetimes (naive).

    A naive stamp is already wall clock of `timezone`; an aware one (epoch, an offset, a
    %z format) is converted to it (to UTC without `timezone`). Naive and aware ISO cells
    are parsed apart, so a mixed column never shifts its naive cells.
    """
    has = present(series)
    raw = series.where(has)
    try:
        if fmt in ("epoch_s", "epoch_ms"):
            number = pd.to_numeric(raw, errors="coerce")
            stamps = _wall_clock(pd.to_datetime(number, unit=fmt[6:], utc=True), timezone)
        elif pd.api.types.is_datetime64_any_dtype(series):
            stamps = _wall_clock(series, timezone)
        elif fmt == "iso":
            aware = raw.astype("str").str.strip().str.fullmatch(ISO_OFFSET).to_numpy(
                dtype=bool, na_value=False)
            naive = pd.to_datetime(raw.where(~aware), format="ISO8601", errors="coerce")
            offset = _wall_clock(pd.to_datetime(raw.where(aware), format="ISO8601",
                                                errors="coerce", utc=True), timezone)
            stamps = naive.astype("datetime64[us]").where(~aware,
                                                          offset.astype("datetime64[us]"))
        elif "%z" in fmt or "%Z" in fmt:
            stamps = _wall_clock(pd.to_datetime(raw, format=fmt, errors="coerce", utc=True),
                                 timezone)
        else:
            stamps = pd.to_datetime(raw, format=fmt, errors="coerce")
    except (ValueError, TypeError) as err:
        raise InputError(f"time.format: {fmt!r} cannot parse this export ({err})") from None
    rule = {"iso": "an ISO 8601 timestamp", "epoch_s": "seconds since 1970",
            "epoch_ms": "milliseconds since 1970"}.get(fmt, f"a timestamp in format {fmt!r}")
    return Parsed(stamps, has & stamps.isna().to_numpy(), rule)


def _wall_clock(stamps: pd.Series, timezone: str | None) -> pd.Series:
    """Aware stamps as naive wall clock of `timezone` (UTC when unset); naive ones as they are."""
    if getattr(stamps.dt, "tz", None) is None:
        return stamps
    return stamps.dt.tz_convert(timezone or "UTC").dt.tz_localize(None)


def seconds_since(stamps: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Wall-clock seconds from `origin` (naive local midnight); NaN where missing."""
    delta = (stamps - origin).dt.total_seconds()
    return delta.to_numpy(dtype=float, na_value=np.nan)


def parse_bool(series: pd.Series, true: tuple[str, ...], false: tuple[str, ...]) -> Parsed:
    has = present(series)
    text = series.where(has).astype("str").str.strip().str.lower()
    is_true = text.isin([t.lower() for t in true]).to_numpy(dtype=bool, na_value=False)
    is_false = text.isin([f.lower() for f in false]).to_numpy(dtype=bool, na_value=False)
    values = pd.array(np.where(is_true, True, False), dtype="boolean")
    values[~(is_true | is_false)] = pd.NA
    return Parsed(values, has & ~(is_true | is_false),
                  f"one of {', '.join(true)} (true) or {', '.join(false)} (false)")


def parse_label(series: pd.Series) -> Parsed:
    text = series.where(present(series)).astype("str").str.strip()
    return Parsed(text, np.zeros(len(series), dtype=bool), "text")


def parse_id(series: pd.Series) -> tuple[np.ndarray, pd.Series | None, np.ndarray]:
    """int64 ids: integers as they are, other text numbered in order of appearance.

    Integer text is read exactly (never through float64, which merges ids above 2**53);
    a column with any other cell, or an integer outside int64, is numbered as text.
    Returns (ids, the original text when it had to be numbered else None, missing mask).
    """
    has = present(series)
    if pd.api.types.is_integer_dtype(series.dtype):
        return series.fillna(0).to_numpy(np.int64), None, ~has
    text = series.where(has).astype("str").str.strip()
    if text[has].str.fullmatch(INTEGER_TEXT).all():
        number = pd.to_numeric(text[has].str.replace(r"\.0*$", "", regex=True))
        if number.dtype == np.int64:
            ids = np.zeros(len(series), dtype=np.int64)
            ids[has] = number.to_numpy(np.int64)
            return ids, None, ~has
    codes, _ = pd.factorize(text)
    return (codes + 1).astype(np.int64), series.astype("str"), ~has
