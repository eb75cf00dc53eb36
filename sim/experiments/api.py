"""Experiments on scenarios: replications, paired comparisons, sweeps.

    r = replicate(scenario, 20, kpis=["service_level", "asa"])      # r.table, r.summary
    c = compare(plan_a, plan_b, 20)                                   # b − a, paired
    s = sweep(scenario, {"agent_groups[0].staffing": [10, 12, 14]}, 10)

Replication i of every scenario of an experiment runs with seed `seeds_for(seed, n)[i]`
(see `seeds`), so comparisons and sweeps use common random numbers and the tables are
identical whichever executor ran them. Confidence intervals: `stats`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from sim.errors import InputError
from sim.experiments.runner import (Failure, Outcome, Progress, Task, executor_or_pool, rep_key,
                                   run_tasks)
from sim.experiments.seeds import seeds_for
from sim.experiments.stats import check_confidence, check_reps, method, paired_summary, t_summary
from sim.experiments.store import PartStore, fingerprint
from sim.experiments.worker import check_kpis, run_kpis


@dataclass
class ReplicationResult:
    table: object  # DataFrame: rep, seed, one column per KPI
    summary: object  # DataFrame indexed by KPI: mean, se, ci_low, ci_high, half_width, n
    method: str
    confidence: float
    failures: list[Failure] = field(default_factory=list)
    target_met: bool | None = None  # sequential stopping: every half-width reached; else None


@dataclass
class ComparisonResult:
    table: object  # DataFrame: rep, seed, a.<kpi>, b.<kpi>
    summary: object  # indexed by KPI: a_mean, b_mean, diff (b − a), se, ci_low, ci_high, variance_ratio, n
    method: str
    confidence: float
    crn_note: str
    failures: list[Failure] = field(default_factory=list)


@dataclass
class SweepResult:
    table: object  # DataFrame: one row per point and replication: fields, rep, seed, KPIs
    summary: object  # one row per point and KPI: fields, kpi, mean, se, ci_low, ci_high, half_width, n
    fields: list[str]
    method: str
    confidence: float
    failures: list[Failure] = field(default_factory=list)


def replicate(scenario, reps: int, *, kpis=None, settings=None, executor: Executor | None = None,
              seed: int = 0, progress: Progress | None = None, target_half_width=None,
              max_reps: int | None = None, confidence: float = 0.95,
              out=None) -> ReplicationResult:
    """`reps` independent replications of `scenario`, with a t-interval per KPI.

    Sequential stopping: with `target_half_width` (one number for every KPI in `kpis`, or
    {kpi: half-width}), more replications are added until every such KPI's half-width is
    at most its target, or `max_reps` (default 10 × reps) have run. `out`: a directory
    where each replication is kept as it completes (an interrupted run resumes there).
    """
    kpis, confidence = check_kpis(kpis), check_confidence(confidence)
    check_reps(reps, 2)
    targets = _half_width_targets(target_half_width, kpis)
    cap = reps if targets is None else _check_cap(max_reps, reps)
    store = _store(out, {"kind": "replicate", "scenario": _dump(scenario), "seed": seed,
                         "kpis": kpis, "settings": repr(settings)})
    rows: dict[str, dict] = {}
    failures: list[Failure] = []
    planned = reps
    with executor_or_pool(executor, cap) as ex:
        while True:
            start = len(rows) + len(failures)
            tasks = [Task(rep_key("run", i), i, s, run_kpis, (scenario, s, settings, kpis))
                     for i, s in enumerate(seeds_for(seed, planned - start, start), start)]
            batch = run_tasks(tasks, ex, progress, store, done_before=start, total=planned)
            rows |= batch.rows
            failures += batch.failures
            table = _table(rows.values())
            summary = t_summary(table.drop(columns=["rep", "seed"]), confidence)
            if targets is None:
                return ReplicationResult(table, summary, method(confidence), confidence, failures)
            met, needed = _stopping(summary, targets)
            if met or planned >= cap:
                return ReplicationResult(table, summary, method(confidence), confidence, failures, met)
            planned = min(cap, max(needed, planned + 1))


def compare(a, b, reps: int, *, kpis=None, settings=None, executor: Executor | None = None,
            seed: int = 0, progress: Progress | None = None, confidence: float = 0.95,
            out=None) -> ComparisonResult:
    """Scenario `b` against `a` on common random numbers: replication i of both runs with
    the same seed; the interval is on the paired differences b − a."""
    kpis, confidence = check_kpis(kpis), check_confidence(confidence)
    check_reps(reps, 2)
    store = _store(out, {"kind": "compare", "a": _dump(a), "b": _dump(b), "seed": seed,
                         "kpis": kpis, "settings": repr(settings)})
    outcome = _run_groups({"a": a, "b": b}, reps, kpis, settings, executor, seed, progress, store)
    tables = {g: _table(r for k, r in outcome.rows.items() if k.startswith(f"{g}/")) for g in "ab"}
    columns = list(dict.fromkeys([*tables["a"].columns, *tables["b"].columns]))
    a_table, b_table = (_fill_labels(tables[g].reindex(columns=columns)).set_index(["rep", "seed"])
                        for g in "ab")
    common = a_table.index.intersection(b_table.index)
    a_table, b_table = a_table.loc[common], b_table.loc[common]
    summary = paired_summary(a_table.reset_index(drop=True), b_table.reset_index(drop=True), confidence)
    table = a_table.add_prefix("a.").join(b_table.add_prefix("b.")).reset_index()
    return ComparisonResult(table, summary, method(confidence, "paired differences b - a"),
                            confidence, crn_note(a, b), outcome.failures)


def sweep(scenario, grid: Mapping[str, Sequence], reps: int, *, kpis=None, settings=None,
          executor: Executor | None = None, seed: int = 0, progress: Progress | None = None,
          confidence: float = 0.95, out=None) -> SweepResult:
    """Every combination of the `grid`'s values ({field path: values}), `reps` replications
    each, all points on the same seeds (common random numbers across points)."""
    import pandas as pd

    from sim.scenario import with_field

    kpis, confidence = check_kpis(kpis), check_confidence(confidence)
    check_reps(reps, 2)
    if not grid:
        raise InputError("grid: empty; give at least one field path and its values")
    for path, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise InputError(f"{path}: give a non-empty list of values")
    fields = list(grid)
    points = list(itertools.product(*grid.values()))
    scenarios = {}
    for i, point in enumerate(points):
        edited = scenario
        for path, value in zip(fields, point):
            edited = with_field(edited, path, value)
        scenarios[f"point-{i:04d}"] = edited
    store = _store(out, {"kind": "sweep", "scenario": _dump(scenario), "grid": grid,
                         "seed": seed, "kpis": kpis, "settings": repr(settings)})
    outcome = _run_groups(scenarios, reps, kpis, settings, executor, seed, progress, store)
    tables, summaries = [], []
    for group, point in zip(scenarios, points):
        rows = [r for k, r in outcome.rows.items() if k.startswith(f"{group}/")]
        if not rows:
            continue
        table = _table(rows)
        summary = t_summary(table.drop(columns=["rep", "seed"]), confidence).reset_index()
        for path, value in reversed(list(zip(fields, point))):
            table.insert(0, path, [value] * len(table))
            summary.insert(0, path, [value] * len(summary))
        tables.append(table)
        summaries.append(summary)
    if not tables:
        raise InputError(f"sweep: every replication failed; first: {outcome.failures[0]}")
    table = _fill_labels(pd.concat(tables, ignore_index=True))
    return SweepResult(table, pd.concat(summaries, ignore_index=True), fields, method(confidence),
                       confidence, outcome.failures)


def crn_note(a, b) -> str:
    """What the two runs of a pair share: stated in every comparison's output."""
    shared = ("common random numbers: every first contact (arrival, reason, handle, wrap, "
              "patience, IVR path) and every absence draw is shared by both scenarios")
    if not (_has_follow_ups(a) or _has_follow_ups(b)):
        return shared + "; these scenarios have no follow-up contacts, so that is every draw"
    return (shared + "; follow-up decisions (resolution, transfer, redial, recontact, callback) "
            "and follow-up needs belong to the customer and the attempt, so a customer served "
            "in both runs meets the same outcome; only what the scenarios change differs")


def _has_follow_ups(scenario) -> bool:
    return any(q.redial.share > 0 or q.callback is not None
               or any(r.resolution_prob is not None or r.transfer_prob > 0 for r in q.reasons or ())
               for q in scenario.queues)


# --- helpers ---------------------------------------------------------------------------------

def _run_groups(scenarios: dict, reps: int, kpis, settings, executor, seed, progress,
                store) -> Outcome:
    seeds = seeds_for(seed, reps)
    tasks = [Task(rep_key(group, i), i, s, run_kpis, (scenario, s, settings, kpis))
             for group, scenario in scenarios.items() for i, s in enumerate(seeds)]
    with executor_or_pool(executor, len(tasks)) as ex:
        outcome = run_tasks(tasks, ex, progress, store)
    if not outcome.rows:
        raise InputError(f"experiment: every replication failed; first: {outcome.failures[0]}")
    return outcome


def _table(rows):
    """Rows → DataFrame sorted by rep: rep, seed, then the KPI columns."""
    import pandas as pd

    rows = list(rows)
    if not rows:
        raise InputError("experiment: every replication failed")
    table = pd.DataFrame(rows).sort_values("rep", kind="stable").reset_index(drop=True)
    table["rep"] = table["rep"].astype("int64")
    table["seed"] = table["seed"].astype("int64")
    return _fill_labels(table)


def _fill_labels(table):
    """A label of a dict KPI missing in a replication (no transfer to that queue) is 0 there."""
    from sim.kpis import CATALOGUE

    ids = {spec.id for spec in CATALOGUE}
    labels = [c for c in table.columns if "." in c and c.split(".", 1)[0] in ids]
    table[labels] = table[labels].fillna(0.0)
    return table


def _stopping(summary, targets: dict[str, float]) -> tuple[bool, int]:
    """Whether every target half-width is reached, and the replications it should take
    (n · (half-width / target)², the t quantile held at its current value)."""
    needed, met = 0, True
    for kpi, target in targets.items():
        matching = [k for k in summary.index if k == kpi or k.startswith(f"{kpi}.")]
        for k in matching:
            half, n = summary.at[k, "half_width"], int(summary.at[k, "n"])
            if not half <= target:  # NaN (fewer than 2 values) is not met
                met = False
                needed = max(needed, n + 1 if math.isnan(half) else math.ceil(n * (half / target) ** 2))
    return met, needed


def _half_width_targets(target, kpis) -> dict[str, float] | None:
    if target is None:
        return None
    if isinstance(target, Mapping):
        targets = dict(target)
        check_kpis(list(targets))
    else:
        if kpis is None:
            raise InputError("target_half_width: one number needs kpis (the KPIs it applies "
                             "to); or give {kpi: half-width}")
        targets = {kpi: target for kpi in kpis}
    for kpi, value in targets.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise InputError(f"target_half_width: {kpi}: {value!r} is not a number > 0")
        if kpis is not None and kpi not in kpis:
            raise InputError(f"target_half_width: {kpi!r} is not among kpis {list(kpis)}")
    return targets


def _check_cap(max_reps, reps: int) -> int:
    if max_reps is None:
        return 10 * reps
    if isinstance(max_reps, bool) or not isinstance(max_reps, int) or max_reps < reps:
        raise InputError(f"max_reps: {max_reps!r} is not a whole number >= reps ({reps})")
    return max_reps


def _store(out, manifest: dict) -> PartStore | None:
    seeds_for(manifest["seed"], 0)  # a bad seed is refused before the directory is made
    return None if out is None else PartStore(out, manifest)


def _dump(scenario) -> str:
    return fingerprint(scenario.model_dump(mode="json"))
