"""Benchmark the experiment layer: `python benchmarks/bench_experiments.py [--reps N] [--coverage]`.

- Replications per minute of scenarios/default.toml (simulate + score in the worker,
  a small row back) on a local process pool of 1 and 2 workers, and the scaling
  efficiency (rate with 2 / twice the rate with 1).
- The same replications on a local Dask cluster of 2 worker processes: its start-up time
  and its run time against the 2-process pool (the overhead of Dask's scheduler).
- `--coverage`: 1,000 experiments of 5 replications on an M/M/5+M day; how many 95 %
  intervals cover the exact Erlang A service level and abandonment (expected 950, with a
  binomial standard deviation of 6.9).

The pool and the cluster are started before the clock runs for the throughput figures
(a warm-up batch imports the simulator in every worker); start-up is timed on its own.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.experiments import local_pool, open_executor, replicate
from sim.scenario import load_scenario

DEFAULT = Path(__file__).parent.parent / "scenarios" / "default.toml"
KPIS = ["service_level", "asa", "abandon_rate", "occupancy", "cost_per_contact"]


def rate(scenario, reps: int, executor) -> float:
    replicate(scenario, 2 * 2, kpis=KPIS, executor=executor, seed=999)  # warm every worker
    start = time.perf_counter()
    result = replicate(scenario, reps, kpis=KPIS, executor=executor, seed=1)
    seconds = time.perf_counter() - start
    assert len(result.table) == reps and not result.failures
    return reps / seconds * 60.0


def throughput(reps: int) -> None:
    scenario = load_scenario(DEFAULT)
    rates = {}
    for workers in (1, 2):
        with local_pool(workers) as pool:
            rates[workers] = rate(scenario, reps, pool)
        print(f"process pool, {workers} worker(s): {rates[workers]:,.0f} replications/min")
    print(f"scaling efficiency 1 -> 2 workers: {rates[2] / (2 * rates[1]):.0%}")
    start = time.perf_counter()
    with open_executor(dask_local=2) as dask:
        started = time.perf_counter() - start
        dask_rate = rate(scenario, reps, dask)
    print(f"local Dask cluster, 2 workers: {dask_rate:,.0f} replications/min "
          f"(start-up {started:.1f} s); overhead vs the process pool: "
          f"{(1 / dask_rate - 1 / rates[2]) * 60_000:+.1f} ms per replication")


def coverage() -> None:
    import sys

    from scipy import stats

    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from test_experiments_coverage import AGENTS, AHT_S, CALLS_PER_HOUR, PATIENCE_S, T_S, mmnm_day

    from sim.experiments.stats import coverage, t_summary
    from sim.kpis import KpiSettings
    from sim.staffing.erlang import measures

    experiments, reps = 1000, 5
    exact = measures(CALLS_PER_HOUR, AHT_S, AGENTS, T_S, PATIENCE_S)
    truth = {"service_level": float(exact.service_level), "abandon_rate": float(exact.p_abandon)}
    settings = KpiSettings(sl_threshold_s=T_S, sl_variant="answered_within_t_over_offered")
    with local_pool(2) as pool:
        runs = replicate(mmnm_day(), experiments * reps, kpis=list(truth), settings=settings,
                         executor=pool, seed=2026).table
    covered = coverage(runs, truth, reps)
    low, high = stats.binom.ppf([0.001, 0.999], experiments, 0.95)
    grand = t_summary(runs[list(truth)], 0.95)
    for kpi, count in covered.items():
        print(f"{kpi}: {count:,} of {experiments:,} intervals cover Erlang A's {truth[kpi]:.4f} "
              f"(binomial 99.8 % range {low:.0f}-{high:.0f}); mean of all {len(runs):,} "
              f"replications {grand.at[kpi, 'mean']:.4f} ± {grand.at[kpi, 'half_width']:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=60, help="replications per timing (default 60)")
    parser.add_argument("--coverage", action="store_true", help="also run the 1,000-experiment coverage")
    args = parser.parse_args()
    throughput(args.reps)
    if args.coverage:
        coverage()
