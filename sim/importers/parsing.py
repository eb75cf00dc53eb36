"""Column parsers for exports: each returns the parsed values and a mask of unreadable rows.

A parser never drops or guesses: an empty cell is missing, a cell it cannot read is marked
bad so the importer can name its row. Times become local wall-clock seconds from the
origin's midnight, so interval 16 is 08:00 local on every day, DST days included (a
contact spanning the DST change at night is off by the shift).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

DURATION_UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hms": None}
TIME_FORMATS_SPECIAL = ("iso", "epoch_s", "epoch_ms")


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
    except (OSError, ValueError, UnicodeDecodeError) as err:
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
    parts = parts.reindex(columns=range(3))
    numbers = [pd.to_numeric(parts[i], errors="coerce").to_numpy(float, na_value=np.nan)
               for i in range(3)]
    n_parts = parts.notna().sum(axis=1).to_numpy()
    seconds = np.where(n_parts == 3, numbers[0] * 3600 + numbers[1] * 60 + numbers[2],
                       np.where(n_parts == 2, numbers[0] * 60 + numbers[1], np.nan))
    seconds = np.where(has, seconds, np.nan)
    return Parsed(seconds, has & np.isnan(seconds), "a duration h:mm:ss or mm:ss")


def parse_timestamp(series: pd.Series, fmt: str, timezone: str | None) -> Parsed:
    """Local wall-clock datetimes (naive). Aware values are converted to `timezone`."""
    has = present(series)
    raw = series.where(has)
    try:
        if fmt in ("epoch_s", "epoch_ms"):
            number = pd.to_numeric(raw, errors="coerce")
            stamps = pd.to_datetime(number, unit=fmt[6:], utc=True)
        elif pd.api.types.is_datetime64_any_dtype(series):
            stamps = series
        else:
            stamps = _to_datetime(raw, "ISO8601" if fmt == "iso" else fmt)
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_convert(timezone or "UTC").dt.tz_localize(None)
    except (ValueError, TypeError) as err:
        raise InputError(f"time.format: {fmt!r} cannot parse this export ({err})") from None
    rule = {"iso": "an ISO 8601 timestamp", "epoch_s": "seconds since 1970",
            "epoch_ms": "milliseconds since 1970"}.get(fmt, f"a timestamp in format {fmt!r}")
    return Parsed(stamps, has & stamps.isna().to_numpy(), rule)


def _to_datetime(raw: pd.Series, fmt: str) -> pd.Series:
    try:
        return pd.to_datetime(raw, format=fmt, errors="coerce")
    except ValueError as err:
        if "timezone" not in str(err).lower():
            raise
        return pd.to_datetime(raw, format=fmt, errors="coerce", utc=True)  # mixed offsets


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

    Returns (ids, the original text when it had to be numbered else None, missing mask).
    """
    has = present(series)
    number = pd.to_numeric(series.where(has), errors="coerce").to_numpy(float, na_value=np.nan)
    if np.all(np.isnan(number) == ~has) and np.all(number[has] == np.round(number[has])):
        return np.where(has, number, 0).astype(np.int64), None, ~has
    codes, _ = pd.factorize(series.where(has).astype("str").str.strip())
    return (codes + 1).astype(np.int64), series.astype("str"), ~has
