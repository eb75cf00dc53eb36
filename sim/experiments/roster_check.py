"""Close the rostering loop: put a roster into a scenario, simulate it, and score each
interval's service level against the target, naming why the short ones fall short.

Part of the experiment layer: it sits above the simulator and the KPI engine (it calls both).
An interval is short when its simulated SL is below the target. Each short interval gets
its likely causes, from the roster and the log:
- `under-covered`: the roster puts fewer agents on the floor than required;
- `breaks`: agents of the team are on break in the interval;
- `shift edge`: shifts start or end in the interval or the one before (a queue built
  before agents arrive, or agents leaving with callers waiting);
- `calls above forecast`: more calls than expected + 2 sqrt(expected) (Poisson spread),
  e.g. a day drawn busier than forecast (`day_to_day_cv`);
- `carried queue`: the interval before was short too, so callers arrive to a queue;
- `sampling noise`: the SL is within two standard errors sqrt(p (1 - p) / offered) of
  the target p, the spread a Bernoulli share shows on that many calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.engine import simulate
from sim.interaction_log import InteractionLog
from sim.kpis import KpiSettings, score_by
from sim.scenario import DAY_S, Scenario
from sim.staffing.rostering.roster import Roster
from sim.staffing.rostering.scenario_bridge import put_into_scenario
from sim.timefmt import clock, day_label


@dataclass(frozen=True)
class RosterCheck:
    intervals: pd.DataFrame  # queue, day, interval_start, required, scheduled, expected, offered, service_level, short, why
    notes: list[str]
    scenario: Scenario

    @property
    def short(self) -> pd.DataFrame:
        return self.intervals[self.intervals["short"]]


def check_roster(scenario: Scenario, roster: Roster, target_sl: float, threshold_s: float,
                 seed: int | None = None) -> RosterCheck:
    rostered, notes = put_into_scenario(scenario, roster)
    log = simulate(rostered, seed=seed)
    settings = KpiSettings(sl_threshold_s=threshold_s)
    horizon = rostered.horizon
    starts = horizon.interval_starts_s().ravel()
    coverage = _roster_by_interval(roster, starts, horizon.interval_s)
    rows = []
    for team_index, team in enumerate(roster.teams):
        queues = [team] if team in rostered.queue_names else rostered.queue_names
        # the KPI engine scores the team's contacts together (one SL definition)
        team_log = InteractionLog(log.contacts[log.contacts["queue"].isin(queues)].reset_index(drop=True),
                                  log.agent_states, log.meta)
        scores = score_by(team_log, "interval", settings)
        for n, start_s in enumerate(starts):
            interval = int(round(start_s / horizon.interval_s))
            offered = float(scores.at[interval, "offered"]) if interval in scores.index else 0.0
            expected = sum(float(rostered.expected_arrivals(q).ravel()[n])
                           for q in rostered.queues if q.name in queues)
            rows.append({"queue": team, "day": day_label(int(start_s // DAY_S), horizon.start_date),
                         "interval_start": clock(start_s % DAY_S),
                         **{name: values[team_index, n] for name, values in coverage.items()},
                         "expected": expected, "offered": offered,
                         "service_level": float(scores.at[interval, "service_level"])
                         if offered else np.nan})
    table = pd.DataFrame(rows)
    table["short"] = table["service_level"] < target_sl
    table["why"] = _causes(table, target_sl)
    return RosterCheck(table, notes, rostered)


def _roster_by_interval(roster: Roster, starts: np.ndarray, interval_s: float) -> dict[str, np.ndarray]:
    """Required, on the floor, on break and shift starts/ends per scenario interval."""
    grid = roster.grid
    first = np.floor(starts / grid.slot_s + 1e-9).astype(int)
    last = np.ceil((starts + interval_s) / grid.slot_s - 1e-9).astype(int)
    slots = [np.arange(a, b) % grid.week_slots for a, b in zip(first, last)]
    on_shift = roster.on_shift
    change = np.abs(on_shift - np.roll(on_shift, 1, axis=1))  # agents starting or ending a shift
    return {
        "required": np.array([[grid.required[t, s].max() for s in slots] for t in range(len(roster.teams))]),
        "scheduled": np.array([[roster.on_floor[t, s].mean() for s in slots] for t in range(len(roster.teams))]),
        "on_break": np.array([[roster.on_break[t, s].mean() for s in slots] for t in range(len(roster.teams))]),
        "shift_changes": np.array([[change[t, s].sum() for s in slots] for t in range(len(roster.teams))]),
    }


def _causes(table: pd.DataFrame, target_sl: float) -> list[str]:
    why = []
    previous_short = table["short"].shift(1, fill_value=False) & (table["queue"].shift(1) == table["queue"]) \
        & (table["day"].shift(1) == table["day"])
    previous_change = table["shift_changes"].shift(1, fill_value=0).where(
        table["day"].shift(1) == table["day"], 0)
    for i, row in enumerate(table.itertuples()):
        if not row.short:
            why.append("")
            continue
        causes = []
        if row.scheduled + 1e-9 < row.required:
            causes.append(f"under-covered ({row.scheduled:g} on the floor for {row.required:g} required)")
        if row.on_break > 0:
            causes.append(f"breaks ({row.on_break:g} agent(s) on break)")
        if row.shift_changes > 0 or previous_change.iloc[i] > 0:
            causes.append("shift edge")
        if row.offered > row.expected + 2 * np.sqrt(row.expected):
            causes.append(f"calls above forecast ({row.offered:.0f} for {row.expected:.0f} expected)")
        if previous_short.iloc[i]:
            causes.append("carried queue")
        error = np.sqrt(target_sl * (1 - target_sl) / row.offered) if row.offered else np.inf
        if row.service_level >= target_sl - 2 * error:
            causes.append(f"sampling noise (within 2 SE = {2 * error:.1%})")
        why.append("; ".join(causes) or "random peak")
    return why
