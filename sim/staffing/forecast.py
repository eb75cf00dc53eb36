"""Read and check an interval forecast: offered contacts and handle time per interval.

CSV contract (header row first, one row per interval, any order):
- `interval_start`: ISO 8601 datetime (`2026-01-05T08:00`) or `HH:MM` for a single day;
- `calls`: contacts offered in the interval, >= 0;
- `aht_s`: mean handle time in seconds, after-contact work included; > 0 where calls > 0
  (may be blank where calls = 0);
- `queue` (optional): one table per queue.
The interval length is the spacing of `interval_start` (the smallest gap within a queue)
unless given. Rows are numbered as in a spreadsheet (header = row 1), and every bad row
is reported with its number and the rule it breaks.

Both readers return the same frame: `queue`, `interval_start` (label), `start_s` (seconds
from midnight of the first day), `interval_s`, `calls`, `aht_s`, sorted by queue and time.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.timefmt import DAY_S, LABEL, time_label

REQUIRED = ("interval_start", "calls", "aht_s")


def read_forecast(path: str | os.PathLike, interval_min: float | None = None) -> pd.DataFrame:
    """The checked forecast in `path`; `interval_min` overrides the inferred spacing."""
    raw = read_text_csv(path, f"forecast: {path}")
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"forecast: {path} lacks column(s) {', '.join(missing)}; "
                         f"needs {', '.join(REQUIRED)} and optionally queue")
    rows = [f"row {i + 2}" for i in range(len(raw))]
    problems: list[str] = []
    start_s, labels, _ = parse_interval_starts(raw["interval_start"].str.strip(), rows, problems)
    calls = _parse_numbers(raw["calls"], "calls", rows, problems, required=True)
    aht = _parse_numbers(raw["aht_s"], "aht_s", rows, problems, required=False)
    queue = raw["queue"].str.strip() if "queue" in raw.columns else pd.Series("", index=raw.index)
    frame = pd.DataFrame({"queue": queue, "interval_start": labels, "start_s": start_s,
                          "calls": calls, "aht_s": aht})
    return _checked(frame, interval_min, rows, problems, str(path))


def read_text_csv(path: str | os.PathLike, source: str) -> pd.DataFrame:
    """A planner's CSV with every cell as text (numbers are checked row by row later);
    `source` starts each message: '<source> does not exist'."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise InputError(f"{source} does not exist") from None
    except OSError as err:
        raise InputError(f"{source} cannot be read ({err.strerror})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"{source} is not a readable CSV ({err})") from None


def forecast_from_arrays(start_s, calls, aht_s, interval_s, queue: str = "",
                         start_date: str | None = None) -> pd.DataFrame:
    """The same checked frame from arrays (e.g. a scenario), one element per interval.

    Labels are clock times, with the day (numbered from 1, or dated from `start_date`)
    when the intervals span more than one day."""
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (start_s, calls, aht_s)))
    start, n_calls, aht = (a.ravel() for a in arrays)
    rows = [f"interval {i}" for i in range(start.size)]
    problems = [f"{rows[i]}: start_s: {start[i]:g} is not a finite number >= 0"
                for i in np.flatnonzero(~(np.isfinite(start) & (start >= 0)))]
    problems += [f"{rows[i]}: calls: nan is not a number" for i in np.flatnonzero(np.isnan(n_calls))]
    finite = np.where(np.isfinite(start), start, 0.0)
    multi_day = finite.max(initial=0) >= DAY_S
    labels = [time_label(t, start_date, multi_day) for t in finite]
    frame = pd.DataFrame({"queue": queue, "interval_start": labels,
                          "start_s": start, "calls": n_calls, "aht_s": aht})
    return _checked(frame, float(interval_s) / 60.0, rows, problems, "forecast")


def forecast_from_scenario(scenario, interval_min: float | None = None) -> pd.DataFrame:
    """A scenario's own forecast: expected arrivals, mean handle + wrap time and mean
    patience (`patience_s`, inf where callers never hang up) per queue and interval.

    `interval_min` re-cuts the scenario's intervals: a multiple of them adds up their
    arrivals, a divisor spreads each one evenly (arrivals are uniform within an interval).
    Each queue is sized on its own, as if served by a dedicated team; agents shared across
    queues in the scenario are not pooled here (the simulator shows what pooling buys).
    """
    horizon = scenario.horizon
    starts, width_s = _recut(horizon.interval_starts_s(), horizon, interval_min)
    frames = []
    for queue in scenario.queues:
        calls, _ = _recut(scenario.expected_arrivals(queue), horizon, interval_min, spread=True)
        frame = forecast_from_arrays(starts, calls, queue.mean_handle_s + queue.wrap.mean_s,
                                     width_s, queue=queue.name, start_date=horizon.start_date)
        frames.append(frame.assign(patience_s=queue.patience.mean_s))
    return pd.concat(frames, ignore_index=True)


def _recut(table: np.ndarray, horizon, interval_min: float | None,
           spread: bool = False) -> tuple[np.ndarray, float]:
    """A (days, intervals) table of interval starts (or of counts, `spread`) re-cut into
    intervals of `interval_min`; returns it and the new interval length in seconds."""
    interval_s = horizon.interval_s
    if interval_min is None or interval_min * 60.0 == interval_s:
        return table, interval_s
    width_s = interval_min * 60.0
    span_s = horizon.close_s - horizon.open_s
    if width_s > interval_s and width_s % interval_s == 0 and span_s % width_s == 0:
        group = int(width_s // interval_s)
        days, width = table.shape
        if spread:
            return table.reshape(days, width // group, group).sum(axis=2), width_s
        return table[:, ::group], width_s
    if width_s < interval_s and interval_s % width_s == 0:
        parts = int(interval_s // width_s)
        if spread:
            return np.repeat(table / parts, parts, axis=1), width_s
        return (np.repeat(table, parts, axis=1)
                + np.tile(np.arange(parts) * width_s, table.shape[1])), width_s
    raise InputError(f"interval_min: {interval_min:g} neither divides the scenario's "
                     f"{horizon.interval_min}-min intervals nor groups them into whole "
                     f"intervals of its opening hours {horizon.open_time}-{horizon.close_time}")


def parse_interval_starts(values: pd.Series, rows, problems) -> tuple[np.ndarray, list[str], str | None]:
    """Seconds from day 0's midnight of each `interval_start`, the labels to show, and day
    0's ISO date when the values carry dates. Reads what `ccplan staff` writes (`08:30`,
    `day 2 08:30`, `Tue 2026-11-24 08:30`) and ISO datetimes; bad values go to `problems`."""
    parts = values.str.extract(LABEL)
    if parts["hour"].notna().all() and parts["date"].isna().all():
        day = parts["day"].fillna("1").astype(int).to_numpy() - 1  # "day 1" is the first
        hours, minutes = parts["hour"].astype(int).to_numpy(), parts["minute"].astype(int).to_numpy()
        for i in np.flatnonzero((hours > 23) | (minutes > 59) | (day < 0)):
            problems.append(f"{rows[i]}: interval_start: {values.iloc[i]!r} is not a time of day "
                            "HH:MM" + (" (days are numbered from 1)" if day[i] < 0 else ""))
        return np.maximum(day, 0) * DAY_S + hours * 3600.0 + minutes * 60.0, list(values), None
    dated = parts["date"].notna()  # "Mon 2026-11-23 08:30": the ISO part after the weekday
    iso = values.where(~dated, parts["date"] + "T" + parts["hour"].str.zfill(2) + ":"
                       + parts["minute"])
    try:
        stamps = pd.to_datetime(iso, format="ISO8601", errors="coerce")
    except (ValueError, TypeError) as err:  # e.g. mixed time zones
        raise InputError(f"interval_start: {err}") from None
    for i in np.flatnonzero(stamps.isna().to_numpy()):
        problems.append(f"{rows[i]}: interval_start: {values.iloc[i]!r} is not an ISO 8601 "
                        "datetime (2026-01-05T08:00), HH:MM, 'day N HH:MM' or "
                        "'Mon 2026-11-23 08:30'")
    day0 = stamps.min().normalize() if stamps.notna().any() else pd.Timestamp(0)
    seconds = (stamps - day0).dt.total_seconds().to_numpy()
    labels = list(stamps.dt.strftime("%Y-%m-%dT%H:%M").fillna(""))
    return seconds, labels, day0.date().isoformat() if stamps.notna().any() else None


def _parse_numbers(values: pd.Series, name: str, rows, problems, required: bool):
    text = values.str.strip()
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(float)
    blank = (text == "").to_numpy()
    for i in np.flatnonzero(np.isnan(numbers) & (~blank | required)):
        what = "missing" if blank[i] else f"{text.iloc[i]!r} is not a number"
        problems.append(f"{rows[i]}: {name}: {what}")
    return numbers


def _checked(frame: pd.DataFrame, interval_min, rows, problems, source) -> pd.DataFrame:
    """Apply the value rules and spacing rules, raise with every problem, else sort."""
    calls, aht = frame["calls"].to_numpy(), frame["aht_s"].to_numpy()
    for i in np.flatnonzero((calls < 0) | np.isinf(calls)):
        problems.append(f"{rows[i]}: calls: {calls[i]:g} is not a finite number >= 0")
    for i in np.flatnonzero((calls > 0) & ~((aht > 0) & np.isfinite(aht))):
        value = "missing" if np.isnan(aht[i]) else f"{aht[i]:g}"
        problems.append(f"{rows[i]}: aht_s: {value} is not > 0 (calls > 0)")
    interval_s = _interval_s(frame, interval_min, rows, problems)
    if problems:
        raise InputError(f"{source}: {len(problems)} problem(s)\n  " + "\n  ".join(problems),
                         problems)
    out = frame.assign(interval_s=interval_s)
    out["order"] = pd.Categorical(out["queue"], categories=out["queue"].unique())
    out = out.sort_values(["order", "start_s"], kind="stable").drop(columns="order")
    return out[["queue", "interval_start", "start_s", "interval_s", "calls", "aht_s"]] \
        .reset_index(drop=True)


def _interval_s(frame: pd.DataFrame, interval_min, rows, problems) -> float:
    """The interval length: given, or the smallest spacing, which must agree across queues."""
    if interval_min is not None:
        if not (np.isfinite(interval_min) and interval_min > 0):
            raise InputError(f"interval_min: {interval_min:g} is not > 0")
    spacings = {}
    for queue, group in frame[np.isfinite(frame["start_s"])].groupby("queue", sort=False):
        order = group["start_s"].sort_values(kind="stable")
        gaps = np.diff(order.to_numpy())
        for j in np.flatnonzero(gaps == 0):
            first, second = order.index[j], order.index[j + 1]
            problems.append(f"{rows[second]}: interval_start: repeats {rows[first]}"
                            + (f" in queue {queue!r}" if queue else ""))
        positive = gaps[gaps > 0]
        if positive.size:
            spacings[queue] = positive.min()
            length_s = interval_min * 60.0 if interval_min is not None else positive.min()
            # Every row is sized as one interval: a gap may skip whole intervals (rows left
            # out), never cut one (08:00, 08:30, 09:00, 09:15 mixes 30 and 15 min).
            multiples = gaps[gaps > 0] / length_s
            values, counts = np.unique(positive, return_counts=True)
            if (np.abs(multiples - np.round(multiples)) > 1e-9).any() or (
                    interval_min is None and values[counts.argmax()] != length_s):
                problems.append("interval_start: rows are "
                                + ", ".join(f"{v / 60:g}" for v in values) + " min apart"
                                + (f" in queue {queue!r}" if queue else "")
                                + "; every row must be one interval of a single length "
                                "(give --interval-min if rows were left out)")
    if interval_min is not None:
        interval_s = interval_min * 60.0
        for queue, spacing in spacings.items():
            if spacing < interval_s:
                problems.append(f"interval_start: rows {spacing / 60:g} min apart overlap "
                                f"{interval_min:g}-min intervals"
                                + (f" in queue {queue!r}" if queue else ""))
        return interval_s
    if not spacings:
        problems.append("interval_min: cannot infer the interval length from fewer than two "
                        "rows per queue; give it (--interval-min)")
    elif len(set(spacings.values())) > 1:
        problems.append("interval_start: queues are spaced differently ("
                        + ", ".join(f"{q}: {s / 60:g} min" for q, s in spacings.items())
                        + "); give the interval length (--interval-min)")
    return float(min(spacings.values(), default=np.nan))


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def select_days(forecast: pd.DataFrame, dates: list[str] | None = None,
                weekdays: list[str] | None = None) -> pd.DataFrame:
    """Rows of the given ISO dates and/or weekdays (`mon`..`sun`) of a dated forecast."""
    if not dates and not weekdays:
        return forecast
    stamps = pd.to_datetime(forecast["interval_start"], format="%Y-%m-%dT%H:%M", errors="coerce")
    if stamps.isna().any():
        raise InputError("date/weekday: the forecast's interval_start has no dates (HH:MM "
                         "only); filtering by date needs ISO datetimes such as 2026-01-05T08:00")
    keep = np.ones(len(forecast), dtype=bool)
    if dates:
        try:
            wanted = {pd.Timestamp(d).date() for d in dates}
        except ValueError as err:
            raise InputError(f"date: {err}; give ISO dates such as 2026-01-05") from None
        keep &= stamps.dt.date.isin(wanted).to_numpy()
    if weekdays:
        bad = [d for d in weekdays if d.lower()[:3] not in WEEKDAYS]
        if bad:
            raise InputError(f"weekday: {bad[0]!r} is not one of {', '.join(WEEKDAYS)}")
        keep &= stamps.dt.day_of_week.isin([WEEKDAYS.index(d.lower()[:3]) for d in weekdays]).to_numpy()
    if not keep.any():
        raise InputError("date/weekday: no interval of the forecast falls on the days asked for")
    return forecast[keep].reset_index(drop=True)


def total_over_queues(forecast: pd.DataFrame) -> pd.DataFrame:
    """One pooled queue ("all queues"): calls added per interval, AHT weighted by calls.

    Patience is kept only when every queue has the same (pooling callers of different
    patience into one Erlang A queue would need a mixture, which Erlang A is not)."""
    calls = forecast["calls"].to_numpy(float)
    work = forecast.assign(work_s=np.where(calls > 0, calls * forecast["aht_s"].fillna(0), 0.0))
    keys = ["interval_start", "start_s", "interval_s"]
    summed = work.groupby(keys, sort=False)[["calls", "work_s"]].sum().reset_index()
    summed["aht_s"] = np.where(summed["calls"] > 0, summed["work_s"] / summed["calls"].where(
        summed["calls"] > 0, 1.0), np.nan)
    out = summed.assign(queue="all queues").sort_values("start_s", kind="stable")
    columns = ["queue", "interval_start", "start_s", "interval_s", "calls", "aht_s"]
    if "patience_s" in forecast.columns and forecast["patience_s"].nunique() == 1:
        out["patience_s"] = forecast["patience_s"].iloc[0]
        columns.append("patience_s")
    return out[columns].reset_index(drop=True)


def open_rows(forecast: pd.DataFrame) -> np.ndarray:
    """Mask of rows inside each day's opening: from the day's first interval with calls to
    its last, over all queues. Zero-call rows before and after (night) are 'closed'."""
    day = np.floor(forecast["start_s"].to_numpy(float) / DAY_S)
    busy = forecast["calls"].to_numpy(float) > 0
    start = forecast["start_s"].to_numpy(float)
    keep = np.zeros(len(forecast), dtype=bool)
    for d in np.unique(day):
        today = day == d
        if busy[today].any():
            first, last = start[today & busy].min(), start[today & busy].max()
            keep |= today & (start >= first) & (start <= last)
    return keep
