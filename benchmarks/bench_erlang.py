"""Benchmark: required agents for 10,000 intervals in one call, and pyworkforce agreement.

Run on demand: `python benchmarks/bench_erlang.py`. pyworkforce (the open-source Erlang C
package on PyPI) is not a dependency; `pip install pyworkforce` to include the comparison.
"""

import time

import numpy as np

from sim.staffing.erlang import measures
from sim.staffing.forecast import forecast_from_arrays
from sim.staffing.requirements import Targets, required_agents, requirements_table

INTERVALS = 10_000
PYWORKFORCE_SAMPLE = 1_000  # pyworkforce is one interval at a time; timed on a sample
AHT_S, THRESHOLD_S, TARGET_SL, INTERVAL_MIN = 300.0, 20.0, 0.8, 30
TARGETS = Targets(service_level=TARGET_SL, threshold_s=THRESHOLD_S)


def best_of(repeats, fn):
    """Smallest wall time of `repeats` calls (seconds) and the last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def report(label, seconds, intervals=INTERVALS):
    print(f"{label:<52} {seconds * 1e3:9.1f} ms  {intervals / seconds:12,.0f} intervals/s")


def ours(calls_per_interval, rng):
    calls_per_hour = calls_per_interval * 60 / INTERVAL_MIN
    seconds, agents = best_of(5, lambda: required_agents(calls_per_hour, AHT_S, TARGETS))
    report("required agents, Erlang C (1-300 Erlangs)", seconds)
    big = rng.uniform(1, 20_000, INTERVALS) * 3600 / AHT_S
    report("required agents, Erlang C (1-20,000 Erlangs)",
           best_of(3, lambda: required_agents(big, AHT_S, TARGETS))[0])
    forecast = forecast_from_arrays(np.arange(INTERVALS) * INTERVAL_MIN * 60.0,
                                    calls_per_interval, AHT_S, INTERVAL_MIN * 60)
    report("interval table, Erlang C, shrinkage 30 %",
           best_of(5, lambda: requirements_table(forecast, TARGETS, shrinkage=0.3))[0])
    report("required agents, Erlang A (patience 120 s)",
           best_of(2, lambda: required_agents(calls_per_hour, AHT_S, TARGETS, 120.0))[0])
    report("interval table, Erlang A (patience 120 s)",
           best_of(2, lambda: requirements_table(forecast, TARGETS, 120.0, 0.3))[0])
    return agents, seconds


def compare_pyworkforce(calls_per_interval, agents, our_seconds):
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        print("\npyworkforce comparison skipped: it is not installed "
              "(pip install pyworkforce)")
        return
    sample = np.arange(PYWORKFORCE_SAMPLE)
    start = time.perf_counter()
    theirs = []
    for i in sample:
        model = ErlangC(transactions=float(calls_per_interval[i]), aht=AHT_S / 60,
                        asa=THRESHOLD_S / 60, interval=INTERVAL_MIN)
        theirs.append(model.required_positions(service_level=TARGET_SL)["raw_positions"])
    their_per_interval = (time.perf_counter() - start) / sample.size
    theirs = np.array(theirs)
    same = np.mean(theirs == agents[sample])
    # Measures at pyworkforce's staffing, from both packages.
    sl_theirs = np.array([ErlangC(float(calls_per_interval[i]), AHT_S / 60, THRESHOLD_S / 60,
                                  INTERVAL_MIN).service_level(int(theirs[k]))
                          for k, i in enumerate(sample)])
    sl_ours = measures(calls_per_interval[sample] * 60 / INTERVAL_MIN, AHT_S, theirs,
                       THRESHOLD_S).service_level
    rel = np.max(np.abs(sl_ours - sl_theirs) / sl_ours)
    print(f"\npyworkforce {_version()} on {sample.size:,} of the intervals:")
    print(f"  same required agents: {same:.1%} "
          f"(differences: {np.unique(theirs - agents[sample]).tolist()})")
    print(f"  service level at the same staffing: max relative difference {rel:.1e}")
    ours_per_interval = our_seconds / agents.size
    print(f"  time per interval: pyworkforce {their_per_interval * 1e6:,.0f} us, "
          f"ours {ours_per_interval * 1e6:,.2f} us -> ours is "
          f"{their_per_interval / ours_per_interval:,.0f}x faster "
          f"({their_per_interval * INTERVALS:,.1f} s vs {our_seconds * 1e3:,.1f} ms "
          f"for {INTERVALS:,} intervals)")


def _version():
    from importlib.metadata import version

    return version("pyworkforce")


def main():
    rng = np.random.default_rng(2026)
    # 30-min intervals with 1-300 Erlangs of load at AHT 300 s: 6-1,800 calls.
    calls_per_interval = np.round(rng.uniform(1, 300, INTERVALS) * INTERVAL_MIN * 60 / AHT_S)
    print(f"{INTERVALS:,} intervals, AHT {AHT_S:g} s, target {TARGET_SL:.0%} in "
          f"{THRESHOLD_S:g} s (best of several runs)")
    agents, seconds = ours(calls_per_interval, rng)
    compare_pyworkforce(calls_per_interval, agents, seconds)


if __name__ == "__main__":
    main()
