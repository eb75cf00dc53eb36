"""Is the engine's private route into SimPy's schedule worth it? Measured against the public API.

Run on demand: `.venv/bin/python benchmarks/bench_simpy_schedule.py [--runs 9]`.

`sim/engine/events.py` pushes its `At` events straight onto `Environment._queue` (with
`next(env._eid)`) and pops them in its own loop, `run_until_empty`. Issue #16 asks to use
SimPy's public API unless the private route is measurably faster. Here the engine runs the
`bench_engine.py` workload (M/M/n+M, 8 h, handle 180 s, patience 120 s; 500 agents at 150
calls/min and 50 at 15) both ways in one process, alternating per seed so that a busy
machine slows both alike (the difference is the median of the per-seed ratios):
- private: the engine as it is;
- public: `PublicAt`, an `Event` put on the schedule with `env.schedule(event, NORMAL,
  delay)`, and `env.run()`, swapped in for `At` and `run_until_empty` in every engine
  module that imported them.
The handlers read the exact `event.time_s`, but `env.schedule` keys the heap by
`now + (time_s - now)`, which can round in the last bit and so reorder events that are
(nearly) simultaneous: the table counts the log rows (contacts and agent states) that
differ between the two for the same seed, and, in one extra untimed run, the events whose
key was rounded.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import simpy
from simpy.events import NORMAL

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import SIZES, queue_scenario  # noqa: E402

import sim.engine.events as private  # noqa: E402
from sim.engine import simulate  # noqa: E402


class PublicAt(simpy.events.Event):
    """`At` through SimPy's public API: the same fields, scheduled by `env.schedule`."""

    def __init__(self, env: simpy.Environment, time_s: float, callback, payload=None):
        if not time_s >= env.now:
            raise ValueError(f"event at {time_s} s scheduled at {env.now} s")
        super().__init__(env)
        self.callbacks.append(callback)
        self._ok = True
        self._value = payload
        self.time_s = time_s
        env.schedule(self, NORMAL, time_s - env.now)


    @classmethod
    def reusable(cls, callback, payload) -> "_Again":
        """A SimPy event fires once: the public route makes a new one for each `again`."""
        return _Again(cls, callback, payload)


class _Again:
    def __init__(self, at_class: type, callback, payload):
        self.at_class, self.callback, self.payload = at_class, callback, payload

    def again(self, env: simpy.Environment, time_s: float) -> None:
        self.at_class(env, time_s, self.callback, self.payload)


class RoundingCount(PublicAt):
    """`PublicAt` that counts the events whose heap key `now + (time_s - now)` is not `time_s`
    (an untimed run only: the check costs time)."""

    rounded = 0
    events = 0

    def __init__(self, env: simpy.Environment, time_s: float, callback, payload=None):
        super().__init__(env, time_s, callback, payload)
        RoundingCount.events += 1
        RoundingCount.rounded += env.now + (time_s - env.now) != time_s


def public_run_until_empty(env: simpy.Environment, feed=None) -> None:
    """`env.run()`; beside a feed of first contacts (see events.run_until_empty), the
    public `env.peek()` and `env.step()` one event at a time, the feed taken when due
    strictly first (its clock lags, which PublicAt's delay absorbs)."""
    if feed is None:
        env.run()
        return
    while True:
        head_s = env.peek()
        if head_s <= feed.next_s and head_s < float("inf"):
            env.step()
        elif feed.next_s < float("inf"):
            feed.take()
        else:
            return


@contextmanager
def public_api(at_class: type = PublicAt):
    """Every loaded engine module's `At` and `run_until_empty` replaced by the public ones."""
    swaps = {private.At: at_class, private.run_until_empty: public_run_until_empty}
    patched = []
    for name, module in list(sys.modules.items()):
        if not name.startswith("sim.engine"):
            continue
        for attr in ("At", "run_until_empty"):
            original = getattr(module, attr, None)
            if original in swaps:
                setattr(module, attr, swaps[original])
                patched.append((module, attr, original))
    if {attr for _, attr, _ in patched} != {"At", "run_until_empty"}:
        raise RuntimeError("sim.engine no longer imports At and run_until_empty: update this benchmark")
    try:
        yield
    finally:
        for module, attr, original in patched:
            setattr(module, attr, original)


def differing_rows(a: pd.DataFrame, b: pd.DataFrame) -> int:
    """Rows of `a` and `b` that are not equal in every column (NaN equals NaN)."""
    if a.shape != b.shape or list(a.columns) != list(b.columns):
        return max(len(a), len(b))
    differs = np.zeros(len(a), dtype=bool)
    for column in a.columns:
        x, y = a[column].astype(object), b[column].astype(object)
        differs |= ~((x == y) | (x.isna() & y.isna())).to_numpy(dtype=bool)
    return int(differs.sum())


def timed(scenario, seed: int):
    start = time.perf_counter()
    log = simulate(scenario, seed=seed)
    return time.perf_counter() - start, log


def compare(agents: int, calls_per_min: float, runs: int) -> dict:
    scenario = queue_scenario(agents, calls_per_min)
    timed(scenario, 0)
    with public_api():
        timed(scenario, 0)  # both warmed up, untimed
    seconds = {"private": [], "public": []}
    rows = contacts = differing = 0
    for seed in range(1, runs + 1):
        private_s, private_log = timed(scenario, seed)
        with public_api():
            public_s, public_log = timed(scenario, seed)
        seconds["private"].append(private_s)
        seconds["public"].append(public_s)
        contacts += len(private_log.contacts)
        for table in ("contacts", "agent_states"):
            a, b = getattr(private_log, table), getattr(public_log, table)
            rows += len(a)
            differing += differing_rows(a, b)
    RoundingCount.rounded = RoundingCount.events = 0
    with public_api(RoundingCount):
        timed(scenario, 1)
    return {"agents": agents, "calls_per_min": calls_per_min, "contacts": contacts / runs,
            "events": RoundingCount.events, "rounded": RoundingCount.rounded,
            "private_s": statistics.median(seconds["private"]),
            "public_s": statistics.median(seconds["public"]),
            "slower_pct": 100 * statistics.median(
                public_s / private_s - 1 for private_s, public_s in zip(seconds["private"], seconds["public"])),
            "rows": rows, "differing": differing}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs of each variant per size (median)")
    args = parser.parse_args()
    print(f"engine on the bench_engine workload, simpy {simpy.__version__}, median of {args.runs} runs each\n")
    print(f"{'agents':>7}{'calls/min':>10}{'contacts':>10}{'private s':>11}{'public s':>10}"
          f"{'public slower':>15}{'log rows':>11}{'rows differ':>13}{'events':>10}{'keys rounded':>14}")
    for agents, calls_per_min in sorted(SIZES, reverse=True):
        r = compare(agents, calls_per_min, args.runs)
        print(f"{r['agents']:>7}{r['calls_per_min']:>10.0f}{r['contacts']:>10,.0f}{r['private_s']:>11.3f}"
              f"{r['public_s']:>10.3f}{r['slower_pct']:>14.1f}%{r['rows']:>11,}{r['differing']:>13,}"
              f"{r['events']:>10,}{r['rounded']:>14,}")
    print("\npublic slower: median over seeds of public / private - 1 (the two run back to back);"
          "\nlog rows: contacts and agent-state rows compared over the runs; events and keys rounded:"
          "\nevents scheduled in seed 1's run, and those whose heap key differs from their time")


if __name__ == "__main__":
    main()
