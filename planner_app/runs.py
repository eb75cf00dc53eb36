"""Every computation the app asks for, cached by value: the scenario travels as its JSON
text, so two pages (or two reruns) asking for the same scenario, seed and settings share
one result. Nothing here models anything; it calls `sim` and shapes tables for display.

Runs that report progress are kept in `_results`, a bounded dict keyed by a SHA-256 of
the scenario JSON, seed and settings, rather than in `st.cache_data`: a cached function may
not update a progress bar created outside it (Streamlit replays a cached function's
elements, and refuses ones drawn in an outer block). Results are shared read-only.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from sim.engine import simulate
from sim.experiments import compare, replicate, sweep
from sim.experiments.stats import t_summary
from sim.interaction_log import InteractionLog
from sim.kpis import KpiReport, KpiSettings, score, score_by
from sim.scenario import Scenario, parse_scenario
from sim.staffing.forecast import forecast_from_scenario
from sim.staffing.requirements import Requirements, Targets, requirements_table

CACHE_ENTRIES = 64


def key(scenario: Scenario) -> str:
    """The cache key of a scenario: its JSON text (every field, defaults included)."""
    return scenario.model_dump_json()


def scenario_of(scenario_json: str) -> Scenario:
    return parse_scenario(json.loads(scenario_json))


@dataclass(frozen=True)
class RunResult:
    log: InteractionLog
    report: KpiReport
    by_interval: pd.DataFrame  # score_by(log, "interval")
    by_partner: pd.DataFrame  # score_by(log, "partner")

    @property
    def values(self) -> dict:
        return self.report.values()


@st.cache_resource
def _results() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def memo(parts: tuple, compute: Callable[[], object]):
    """`compute()` once per distinct `parts` (texts and numbers), the last CACHE_ENTRIES kept."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    store, lock = _results()
    with lock:
        if digest in store:
            store.move_to_end(digest)
            return store[digest]
    value = compute()
    with lock:
        store[digest] = value
        while len(store) > CACHE_ENTRIES:
            store.popitem(last=False)
    return value


def single_run(scenario: Scenario, seed: int, sl_threshold_s: float,
               label: str = "simulating") -> RunResult:
    """One simulation scored overall, per interval and per partner; a progress bar shows
    while it is computed (not when the result is cached)."""
    def compute() -> RunResult:
        slot = st.empty()

        def progress(fraction: float) -> None:
            slot.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: {fraction:.0%} of the horizon")

        try:
            log = simulate(scenario, seed, progress=progress)
        finally:
            slot.empty()
        settings = KpiSettings(sl_threshold_s=sl_threshold_s)
        return RunResult(log, score(log, settings), score_by(log, "interval", settings),
                         score_by(log, "partner", settings))

    return memo(("run", key(scenario), seed, sl_threshold_s), compute)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def erlang_requirements(scenario_json: str, targets: Targets, method: str, shrinkage: float,
                        fte_hours_per_day: float) -> dict[str, Requirements]:
    """Per queue: the Erlang C requirement table, or Erlang A with the queue's own mean
    patience (the scenario's forecast carries it; callers who never hang up: Erlang C).

    E-mail queues are left out (no real-time service level); chat uses the concurrency of
    the first group serving the queue.
    """
    scenario = scenario_of(scenario_json)
    forecast = forecast_from_scenario(scenario)
    if method == "Erlang C":
        forecast = forecast.drop(columns="patience_s")
    out = {}
    for queue in scenario.queues:
        if queue.channel == "email":
            continue
        servers = [g for g in scenario.agent_groups if queue.name in g.serves]
        concurrency = servers[0].max_chats if servers and queue.channel == "chat" else 1
        rows = forecast[forecast["queue"] == queue.name]
        out[queue.name] = requirements_table(rows, targets, None, shrinkage, concurrency,
                                             fte_hours_per_day)
    return out


def interval_times(scenario: Scenario | None, index, interval_s: float,
                   start_date: str | None = None) -> pd.DatetimeIndex:
    """Clock time of each interval number (seconds from day 1, 00:00, over interval_s)."""
    day1 = pd.Timestamp(start_date or (scenario.horizon.start_date if scenario else None)
                        or "2026-01-05")
    return day1 + pd.to_timedelta(np.asarray(index, dtype=float) * interval_s, unit="s")


def intraday_long(runs: dict[str, pd.DataFrame], kpi_id: str, interval_s: float,
                  start_date: str | None) -> pd.DataFrame:
    """Long table (time, series, value) of one KPI over the intervals where contacts were
    offered or agents were on duty, for `charts.intraday`."""
    frames = []
    for series, by_interval in runs.items():
        if kpi_id not in by_interval:
            continue
        active = (by_interval["offered"] > 0) | by_interval.get(
            "occupancy", pd.Series(np.nan, by_interval.index)).notna()
        rows = by_interval[active]
        frames.append(pd.DataFrame({
            "time": interval_times(None, rows.index, interval_s, start_date),
            "series": series, "value": rows[kpi_id].to_numpy(float)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["time", "series", "value"])


# ---- experiments (replications with confidence intervals) -------------------------------

def _executor() -> ThreadPoolExecutor:
    """Threads, not processes: a process pool takes seconds to start on a small machine,
    longer than the few replications an interactive page asks for."""
    return ThreadPoolExecutor(max_workers=2)


def _bar(label: str):
    """A progress bar and the `progress(done, total)` callback that fills it."""
    slot = st.empty()

    def progress(done: int, total: int) -> None:
        slot.progress(done / total if total else 1.0, text=f"{label}: {done} of {total} runs")

    return slot, progress


def compared(a: Scenario, b: Scenario, reps: int, seed: int, settings: KpiSettings,
             kpis: tuple[str, ...], label: str = "replications"):
    """`sim.experiments.compare(a, b)` on common random numbers, cached; the result also
    carries `b_summary`, the t-interval of b's own values (for KPI cards)."""
    def compute():
        slot, progress = _bar(label)
        try:
            with _executor() as executor:
                result = compare(a, b, reps, kpis=kpis, settings=settings, executor=executor,
                                 seed=seed, progress=progress)
        finally:
            slot.empty()
        b_values = result.table[[c for c in result.table if c.startswith("b.")]]
        b_summary = t_summary(b_values.rename(columns=lambda c: c[2:]), result.confidence)
        return result, b_summary

    return memo(("compare", key(a), key(b), reps, seed, repr(settings), kpis), compute)


def replicated(scenario: Scenario, reps: int, seed: int, settings: KpiSettings,
               kpis: tuple[str, ...], label: str = "replications"):
    """`sim.experiments.replicate`, cached, with a progress bar while it runs."""
    def compute():
        slot, progress = _bar(label)
        try:
            with _executor() as executor:
                return replicate(scenario, reps, kpis=kpis, settings=settings,
                                 executor=executor, seed=seed, progress=progress)
        finally:
            slot.empty()

    return memo(("replicate", key(scenario), reps, seed, repr(settings), kpis), compute)


def swept(scenario: Scenario, grid: dict, reps: int, seed: int, settings: KpiSettings,
          kpis: tuple[str, ...], label: str = "sweep"):
    """`sim.experiments.sweep`, cached, with a progress bar while it runs."""
    def compute():
        slot, progress = _bar(label)
        try:
            with _executor() as executor:
                return sweep(scenario, grid, reps, kpis=kpis, settings=settings,
                             executor=executor, seed=seed, progress=progress)
        finally:
            slot.empty()

    return memo(("sweep", key(scenario), repr(grid), reps, seed, repr(settings), kpis), compute)


def delta_table(summary: pd.DataFrame, currency: str = "EUR") -> pd.DataFrame:
    """A `compare` summary as words and units: KPI, before, after, change, its 95 % interval,
    and whether the interval excludes zero."""
    from planner_app.widgets import format_delta, format_value
    from sim.kpis import SPECS

    rows = []
    for kpi_id, row in summary.iterrows():
        if kpi_id not in SPECS or pd.isna(row["diff"]):
            continue
        rows.append({
            "KPI": SPECS[kpi_id].name,
            "reference": format_value(kpi_id, row["a_mean"], currency),
            "with the change": format_value(kpi_id, row["b_mean"], currency),
            "change": format_delta(kpi_id, row["diff"], currency),
            "95 % interval of the change": f"{format_delta(kpi_id, row['ci_low'], currency)} to "
                                           f"{format_delta(kpi_id, row['ci_high'], currency)}",
            "clear change?": ("no change" if row["ci_low"] == row["ci_high"] == 0 else "yes"
                              if row["ci_low"] > 0 or row["ci_high"] < 0 else "no: within chance"),
        })
    return pd.DataFrame(rows)


def simulated_requirement(scenario: Scenario, targets: Targets, reps: int, seed: int):
    """`sim.experiments.staffing.staff_by_simulation`, cached, with a progress bar (slow:
    every interval is searched by simulation, about a minute for the default day)."""
    from sim.experiments.staffing import staff_by_simulation

    def compute():
        slot, progress = _bar("simulation-based staffing")
        try:
            with _executor() as executor:
                return staff_by_simulation(scenario, targets, reps=reps, seed=seed,
                                           executor=executor, progress=progress)
        finally:
            slot.empty()

    return memo(("simulated staffing", key(scenario), repr(targets), reps, seed), compute)
