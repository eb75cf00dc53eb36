"""Import an interval-level ACD export: score what it supports, turn it into a forecast.

An interval export holds totals and averages per interval (and queue), not contacts, so
only the KPIs those aggregates determine are scored; the others are reported as not
available. Averages are recombined with their own weights (AHT and ASA by handled, SL %
by offered), never averaged plainly across intervals; an empty cell leaves its row out of
that average's weights (an ACD leaves AHT empty when it has no figure, not when it is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.importers import parsing
from sim.importers.mapping import Mapping
from sim.importers.reader import open_table, read_whole
from sim.kpis.engine import KpiReport, make_report
from sim.kpis.settings import KpiSettings
from sim.kpis.validate import Violation, raise_if_any

COUNTS = ("offered", "handled", "abandoned")
DURATIONS = ("aht_s", "talk_s", "hold_s", "acw_s", "asa_s", "avg_abandon_s")
ALL_QUEUES = "all"
NO_CONTACT_ROWS = "an interval-level export has no contact rows"
# average -> the count it is per, and the sum of its weights where the cell is set
WEIGHTS = {"aht_s": ("handled", "handled_with_aht"), "asa_s": ("handled", "handled_with_asa"),
           "avg_abandon_s": ("abandoned", "abandoned_with_abandon_time"),
           "service_level_pct": ("offered", "offered_with_sl")}
ROWS_NAMED = 5


@dataclass(frozen=True)
class IntervalData:
    """One row per interval (and queue). Absent measures are NaN columns."""

    frame: pd.DataFrame  # interval_start (local wall clock), queue, counts, aht_s, asa_s, ...
    interval_s: float
    sl_threshold_s: float | None
    has_queue: bool
    source: str
    notes: tuple[str, ...] = ()  # averages left empty on some rows, for the user to check


def read_intervals(path: str | Path, mapping: Mapping) -> IntervalData:
    table = open_table(path, mapping.format, mapping.delimiter, mapping.encoding,
                       mapping.missing)
    missing = [f"{src} (for {name})" for name, src in mapping.columns.items()
               if src not in table.columns]
    if missing:
        raise InputError(f"{path}: required column(s) missing: {', '.join(missing)}; "
                         f"the file has: {', '.join(map(str, table.columns))}"
                         f"{table.header_hint()}")
    for need in ("interval_start", "offered"):
        if mapping.source(need) is None:
            raise InputError(f"mapping [columns]: {need} is required for an interval export")
    if mapping.source("aht_s") is None and mapping.source("talk_s") is None:
        raise InputError("mapping [columns]: map aht_s, or talk_s (+ hold_s, acw_s), to get "
                         "the handle time")
    raw, rows = read_whole(table)
    if table.malformed:
        bad = table.malformed[0]
        raise InputError(f"{path}: row {bad.row}: {bad.fields} field(s) where the header has "
                         f"{len(table.columns)} ({len(table.malformed)} such row(s)): "
                         f"{bad.text[:80]!r}")
    frame, violations = _parse(raw, mapping)
    interval_s = mapping.interval_s or _infer_interval_s(frame["interval_start"])
    violations += _rules(frame, interval_s, raw, mapping)
    raise_if_any(violations, rows)
    return IntervalData(frame, interval_s, mapping.sl_threshold_s,
                        mapping.source("queue") is not None, f"imported: {Path(path).name}",
                        _empty_cell_notes(frame, mapping))


def _empty_cell_notes(frame: pd.DataFrame, mapping: Mapping) -> tuple[str, ...]:
    """One note per mapped average left empty on rows that weigh in it."""
    notes = []
    for name, (count, _) in WEIGHTS.items():
        source = mapping.source(name) or (mapping.source("talk_s") if name == "aht_s" else None)
        weighing = (frame[count] > 0).to_numpy()
        empty = np.flatnonzero(weighing & frame[name].isna().to_numpy())
        if source is None or not len(empty):
            continue
        rows = ", ".join(str(i + 1) for i in empty[:ROWS_NAMED])
        more = f" and {len(empty) - ROWS_NAMED} more" if len(empty) > ROWS_NAMED else ""
        notes.append(f"{name} (column {source!r}): empty on {len(empty)} of "
                     f"{int(weighing.sum())} row(s) with {count} > 0 (row {rows}{more}); "
                     "averaged over the rows that give it")
    return tuple(notes)


def _parse(raw: pd.DataFrame, mapping: Mapping) -> tuple[pd.DataFrame, list[Violation]]:
    out, violations = {}, []

    def parsed(name: str, result: parsing.Parsed):
        if result.bad.any():
            violations.append(Violation(f"column {mapping.source(name)!r} ({name})",
                                        result.bad, raw[mapping.source(name)].to_numpy(),
                                        f"must be {result.rule}"))
        return result.values

    start = parsing.parse_timestamp(raw[mapping.source("interval_start")],
                                    mapping.time_format, mapping.timezone)
    queue = mapping.source("queue")
    out["queue"] = (parsing.parse_label(raw[queue]).values.fillna("(none)") if queue
                    else pd.Series(ALL_QUEUES, index=raw.index))
    out["interval_start"] = parsed("interval_start", parsing.Parsed(
        _instants(start, out["queue"], mapping.timezone),
        start.bad | start.values.isna().to_numpy(), f"set on every row, {start.rule}"))
    nan = np.full(len(raw), np.nan)
    for name in COUNTS + DURATIONS + ("service_level_pct",):
        source = mapping.source(name)
        if source is None:
            out[name] = nan
        elif name in DURATIONS:
            out[name] = parsed(name, parsing.parse_duration(raw[source], mapping.duration_unit,
                                                            mapping.decimal))
        elif name == "offered":
            number = parsing.parse_number(raw[source], mapping.decimal)
            out[name] = parsed(name, parsing.Parsed(number.values, np.isnan(number.values),
                                                    "a number on every row"))
        else:
            out[name] = parsed(name, parsing.parse_number(raw[source], mapping.decimal))
    if mapping.source("aht_s") is None:  # components of the handle time, averages
        out["aht_s"] = out["talk_s"] + np.nan_to_num(out["hold_s"]) + np.nan_to_num(out["acw_s"])
    frame = pd.DataFrame(out)
    return frame[["interval_start", "queue", *COUNTS, "aht_s", "asa_s", "avg_abandon_s",
                  "service_level_pct"]], violations


def _instants(start: parsing.Parsed, queue: pd.Series, timezone: str | None) -> pd.Series:
    """Interval starts as instants shown on the local clock (aware) when a zone is set.

    The autumn hour is on the wall clock twice: a queue's first row at 02:00 is the first
    (summer-time) pass, its second row at 02:00 the second, so both stay distinct.
    """
    if timezone is None:
        return start.values
    repeated = pd.DataFrame({"q": queue, "t": start.values}).duplicated().to_numpy()
    instants = start.values.where(~repeated, start.later)
    return parsing.wall_clock(instants, timezone)


def _infer_interval_s(starts: pd.Series) -> float:
    steps = np.diff(np.unique(starts.dropna().to_numpy("datetime64[s]").astype(np.int64)))
    if len(steps) == 0:
        raise InputError("time.interval_s: cannot be inferred from one interval; set it")
    return float(steps.min())


def _rules(frame: pd.DataFrame, interval_s: float, raw: pd.DataFrame,
           mapping: Mapping) -> list[Violation]:
    """Row rules, each named by the export column it reads and shown with its raw cell."""
    counts = {name: frame[name].to_numpy(float) for name in COUNTS}
    local = frame["interval_start"]
    if getattr(local.dt, "tz", None) is not None:
        local = local.dt.tz_localize(None)  # the grid is one of the local clock
    seconds_of_day = (local - local.dt.normalize()).dt.total_seconds().to_numpy(float)
    rules = [
        ("interval_start", seconds_of_day % interval_s > 0,
         f"must start on the {interval_s:g}-second interval grid"),
        ("interval_start", frame.duplicated(["interval_start", "queue"]).to_numpy()
         & frame["interval_start"].notna().to_numpy(), "must be unique per queue"),
        ("handled", counts["handled"] + np.nan_to_num(counts["abandoned"])
         > counts["offered"], "handled + abandoned must not exceed offered"),
        ("service_level_pct", (frame["service_level_pct"] < 0)
         | (frame["service_level_pct"] > 100), "must lie in 0-100"),
    ]
    for name in COUNTS:
        values = counts[name]
        rules.append((name, (values < 0) | (np.abs(values - np.round(values)) > 0),
                      "must be a whole number >= 0"))
    for name in ("aht_s", "asa_s", "avg_abandon_s"):
        rules.append((name, frame[name].to_numpy(float) < 0, "negative duration: must be >= 0"))
    found = []
    for name, bad, rule in rules:
        bad = np.asarray(bad, bool)
        if not bad.any():
            continue
        sources = [mapping.source(name)] if mapping.source(name) else [
            mapping.source(part) for part in ("talk_s", "hold_s", "acw_s")
            if name == "aht_s" and mapping.source(part)]
        if len(sources) == 1:  # the export's column and its raw cell
            found.append(Violation(f"column {sources[0]!r} ({name})", bad,
                                   raw[sources[0]].to_numpy(), rule))
        else:
            where = f"column {' + '.join(map(repr, sources))} ({name})" if sources else (
                f"intervals.{name}")
            found.append(Violation(where, bad, frame[name].to_numpy(), rule))
    return found


def totals(frame: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Sums that recombine averages correctly, per group (or one row "all").

    Each average's weight is summed only over the rows where the average is set.
    """
    weighted = pd.DataFrame({
        **{name: frame[name] for name in COUNTS},
        "handle_time_s": frame["aht_s"] * frame["handled"],
        "answered_wait_s": frame["asa_s"] * frame["handled"],
        "abandoned_wait_s": frame["avg_abandon_s"] * frame["abandoned"],
        "within_t": frame["service_level_pct"] / 100.0 * frame["offered"],
        **{weight: frame[count] * frame[name].notna()
           for name, (count, weight) in WEIGHTS.items()},
    })
    keys = [_key(frame, k) for k in by] if by else pd.Series(ALL_QUEUES, index=frame.index)
    return weighted.groupby(keys, sort=True).sum(min_count=1)


def _key(frame: pd.DataFrame, by: str) -> pd.Series:
    start = frame["interval_start"]
    keys = {"interval": start, "day": start.dt.normalize(), "queue": frame["queue"],
            "interval_of_day": start.dt.strftime("%H:%M")}
    if by not in keys:
        raise InputError(f"by: {by!r} must be one of {', '.join(keys)} for an interval export")
    return keys[by].rename(by)


def interval_kpis(sums: pd.DataFrame) -> pd.DataFrame:
    """The KPIs interval totals determine, one row per group."""
    with np.errstate(divide="ignore", invalid="ignore"):
        div = lambda a, b: (a / b).where(b > 0)  # noqa: E731 - one-line ratio with NaN for 0
        return pd.DataFrame({
            "offered": sums["offered"], "answered": sums["handled"],
            "abandoned": sums["abandoned"],
            "service_level": div(sums["within_t"], sums["offered_with_sl"]),
            "asa": div(sums["answered_wait_s"], sums["handled_with_asa"]),
            "avg_wait_all": div(sums["answered_wait_s"] + sums["abandoned_wait_s"],
                                sums["handled_with_asa"]
                                + sums["abandoned_with_abandon_time"]),
            "abandon_rate": div(sums["abandoned"], sums["offered"]),
            "answer_rate": div(sums["handled"], sums["offered"]),
            "aht": div(sums["handle_time_s"], sums["handled_with_aht"]),
        })


def score_intervals(data: IntervalData, settings: KpiSettings = KpiSettings()) -> KpiReport:
    """Overall KPIs of an interval export, in the same report shape as `score`."""
    row = interval_kpis(totals(data.frame)).iloc[0]
    values = {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}
    t = f"T={data.sl_threshold_s:g} s" if data.sl_threshold_s else "T as set in the ACD"
    variants = {
        "service_level": f"as exported by the ACD ({t}), weighted by offered",
        "abandon_rate": "abandoned / offered as counted by the ACD",
        "answer_rate": "handled / offered as counted by the ACD",
        "aht": "weighted by handled", "asa": "weighted by handled",
        "avg_wait_all": "ASA and average abandon time, weighted by handled and abandoned",
    }
    unavailable = {k: "the export has no column for it" for k, v in values.items()
                   if v is None and k in ("service_level", "asa", "avg_wait_all", "abandoned")}
    values = {k: v for k, v in values.items() if k not in unavailable}
    return make_report(values, unavailable, settings, variants,
                       default_reason=NO_CONTACT_ROWS)


def to_forecast(data: IntervalData) -> tuple[pd.DataFrame, list[str]]:
    """Per-interval calls (offered) and AHT (s), every interval from first to last.

    Intervals absent from the export get 0 calls; an interval with no handled contact, or
    with handled contacts but an empty AHT cell, gets its queue's handled-weighted AHT (over
    the intervals that give one). Each case is counted in the returned notes.
    """
    frame, notes = data.frame, []
    step = pd.Timedelta(seconds=data.interval_s)
    grid = pd.date_range(frame["interval_start"].min(), frame["interval_start"].max(), freq=step)
    parts = []
    for queue, rows in frame.groupby("queue", sort=True):
        sums = totals(rows).iloc[0]
        queue_aht_s = (sums["handle_time_s"] / sums["handled_with_aht"]
                       if sums["handled_with_aht"] > 0 else np.nan)
        rows = rows.set_index("interval_start").reindex(grid)
        gaps = int(rows["offered"].isna().sum())
        handled = rows["handled"] > 0
        aht = rows["aht_s"].where(handled)
        idle = int((~handled & rows["offered"].notna()).sum())
        empty = int((handled & rows["aht_s"].isna()).sum())
        if gaps:
            notes.append(f"{queue}: {gaps} interval(s) absent from the export, set to 0 calls")
        if idle:
            notes.append(f"{queue}: {idle} interval(s) without handled contacts take the "
                         f"queue's AHT {queue_aht_s:.1f} s")
        if empty:
            notes.append(f"{queue}: {empty} interval(s) with handled contacts but an empty "
                         f"AHT cell take the queue's AHT {queue_aht_s:.1f} s")
        part = pd.DataFrame({
            "interval_start": grid.strftime("%Y-%m-%dT%H:%M"),
            "calls": rows["offered"].fillna(0).astype(np.int64).to_numpy(),
            "aht_s": aht.fillna(queue_aht_s).to_numpy(),
            "queue": queue,
        })
        part, merged = _merge_repeated_hour(part)
        if merged:
            notes.append(f"{queue}: {merged} interval(s) of the repeated autumn DST hour "
                         "merged with their first pass (a forecast has one row per local "
                         "clock interval)")
        parts.append(part.assign(aht_s=part["aht_s"].round(3)))
    forecast = pd.concat(parts, ignore_index=True).sort_values(
        ["interval_start", "queue"], kind="stable", ignore_index=True)
    return (forecast if data.has_queue else forecast.drop(columns="queue")), notes


def _merge_repeated_hour(part: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """One row per local label: calls summed, AHT weighted by calls."""
    repeated = int(part["interval_start"].duplicated().sum())
    if not repeated:
        return part, 0
    weighted = part.assign(work=part["aht_s"] * part["calls"].clip(lower=1),
                           weight=part["calls"].clip(lower=1))
    sums = weighted.groupby(["interval_start", "queue"], sort=False).agg(
        calls=("calls", "sum"), work=("work", "sum"), weight=("weight", "sum")).reset_index()
    sums["aht_s"] = sums["work"] / sums["weight"]
    return sums[["interval_start", "calls", "aht_s", "queue"]], repeated
