"""Column parsers for exports: each returns the parsed values and a mask of unreadable rows.

A parser never drops or guesses: an empty cell is missing, a cell it cannot read is marked
bad so the importer can name its row. Timestamps become instants (naive UTC): a naive
stamp is wall clock of the mapping's time zone, so durations measured across a
daylight-saving change stay true; local clock time is shown only at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError

DURATION_UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hms": None}
UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "min": "minutes", "h": "hours"}
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
    later: pd.Series | None = None  # timestamps: the second reading of a repeated DST hour


def present(series: pd.Series) -> np.ndarray:
    """Cells that hold something (not missing, not blank)."""
    text = series.astype("str")
    return (series.notna() & (text.str.strip() != "")).to_numpy(dtype=bool, na_value=False)


def parse_number(series: pd.Series, decimal: str = ".") -> Parsed:
    """Numbers written with `decimal` as the decimal mark ("744,5" with decimal ",")."""
    has = present(series)
    text = series.where(has)
    if decimal != "." and not pd.api.types.is_numeric_dtype(series.dtype):
        text = text.astype("str").str.replace(decimal, ".", regex=False).where(has)
    values = _fast_float(text)
    if values is None:
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = has & np.isnan(values)
    return Parsed(values, bad, "a number" + comma_hint(series, bad, decimal))


def _fast_float(text: pd.Series) -> np.ndarray | None:
    """Arrow's cast reads a clean text column ~20x faster than pd.to_numeric; None when
    some cell is not a plain number (then to_numeric finds which)."""
    if pd.api.types.is_numeric_dtype(text.dtype):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return np.array(pc.cast(pa.array(text, from_pandas=True), pa.float64()).to_numpy(
            zero_copy_only=False))  # a writable copy
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return None


def _fast_int(text: pd.Series) -> np.ndarray | None:
    """Plain integer text as int64 by Arrow's exact cast (0 where missing); else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        ids = pc.cast(pa.array(text, from_pandas=True), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return None
    return np.array(pc.fill_null(ids, 0).to_numpy(zero_copy_only=False))  # writable


def comma_hint(series: pd.Series, bad: np.ndarray, decimal: str) -> str:
    """A hint when unreadable numbers hold a comma: the export writes decimal commas."""
    if decimal == "," or not bad.any():
        return ""
    if series[bad].astype("str").str.contains(",", regex=False).any():
        return " (the value has a comma: a decimal comma? set --decimal ',' or source.decimal)"
    return ""


def parse_duration(series: pd.Series, unit: str, decimal: str = ".") -> Parsed:
    """Seconds from a number in `unit`, or from [h:]mm:ss text when unit is "hms"."""
    if unit not in DURATION_UNITS:
        raise InputError(f"time.duration_unit: {unit!r} must be one of "
                         f"{', '.join(DURATION_UNITS)}")
    if unit != "hms":
        number = parse_number(series, decimal)
        return Parsed(number.values * DURATION_UNITS[unit], number.bad,
                      f"a number of {UNIT_NAMES[unit]}" + comma_hint(series, number.bad, decimal))
    has = present(series)
    text = series.where(has).astype("str").str.strip()
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    parts = text.str.split(":", expand=True)
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
    """Instants as naive UTC datetimes.

    A naive stamp is wall clock of `timezone` (UTC when unset); an aware one (epoch, an
    offset, a %z format) is converted. Naive and aware ISO cells are parsed apart, so a
    mixed column never shifts its naive cells. A naive stamp in the repeated autumn hour
    is read as its first occurrence, its second in `later`; one in the skipped spring
    hour does not exist and is bad.
    """
    has = present(series)
    raw = series.where(has)
    aware = np.zeros(len(series), dtype=bool)
    try:
        if fmt in ("epoch_s", "epoch_ms"):
            number = pd.to_numeric(raw, errors="coerce")
            utc = pd.to_datetime(number, unit=fmt[6:], utc=True)
            naive, aware = utc, np.ones(len(series), dtype=bool)
        elif pd.api.types.is_datetime64_any_dtype(series):
            naive = series
            aware[:] = getattr(series.dt, "tz", None) is not None
        elif fmt == "iso":
            aware = raw.astype("str").str.strip().str.fullmatch(ISO_OFFSET).to_numpy(
                dtype=bool, na_value=False)
            naive = pd.to_datetime(raw.where(~aware), format="ISO8601", errors="coerce")
            if aware.any():
                utc = pd.to_datetime(raw.where(aware), format="ISO8601", errors="coerce",
                                     utc=True)
                naive = naive.astype("datetime64[us]").where(~aware, _naive_utc(utc))
        elif "%z" in fmt or "%Z" in fmt:
            naive = pd.to_datetime(raw, format=fmt, errors="coerce", utc=True)
            aware = np.ones(len(series), dtype=bool)
        else:
            naive = pd.to_datetime(raw, format=fmt, errors="coerce")
    except (ValueError, TypeError) as err:
        raise InputError(f"time.format: {fmt!r} cannot parse this export ({err})") from None
    naive = _naive_utc(naive).astype("datetime64[us]")
    rule = {"iso": "an ISO 8601 timestamp", "epoch_s": "seconds since 1970",
            "epoch_ms": "milliseconds since 1970"}.get(fmt, f"a timestamp in format {fmt!r}")
    unread = has & naive.isna().to_numpy()
    if timezone is None or aware.all():
        return Parsed(naive, unread, rule)
    first, gap = _localize(naive, timezone, True)
    later, _ = _localize(naive, timezone, False)
    first = first.where(~aware, naive)
    later = later.where(~aware, naive)
    if gap.any():
        rule += f" that exists on the clock of {timezone} (not in a skipped DST hour)"
    return Parsed(first, unread | (gap & ~aware), rule, later)


def _naive_utc(stamps: pd.Series) -> pd.Series:
    if getattr(stamps.dt, "tz", None) is None:
        return stamps
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None)


def _localize(local: pd.Series, timezone: str, first: bool) -> tuple[pd.Series, np.ndarray]:
    """Wall clock of `timezone` -> naive UTC; `first` picks the DST reading of a repeated
    hour. Returns the instants and the cells that fall in a skipped hour."""
    flags = np.full(len(local), first)
    aware = local.dt.tz_localize(timezone, ambiguous=flags, nonexistent="NaT")
    gap = (aware.isna() & local.notna()).to_numpy()
    return aware.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]"), gap


def wall_clock(instants: pd.Series, timezone: str | None) -> pd.Series:
    """Naive UTC instants as aware local clock of `timezone` (UTC when unset)."""
    return instants.dt.tz_localize("UTC").dt.tz_convert(timezone or "UTC")


def seconds_since(stamps: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Seconds from `origin`, both naive UTC; NaN where missing."""
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
    fast = _fast_int(series.where(has))
    if fast is not None:
        return fast, None, ~has
    text = series.where(has).astype("str").str.strip()
    if text[has].str.fullmatch(INTEGER_TEXT).all():
        number = pd.to_numeric(text[has].str.replace(r"\.0*$", "", regex=True))
        if number.dtype == np.int64:
            ids = np.zeros(len(series), dtype=np.int64)
            ids[has] = number.to_numpy(np.int64)
            return ids, None, ~has
    codes, _ = pd.factorize(text)
    return (codes + 1).astype(np.int64), series.astype("str"), ~has
