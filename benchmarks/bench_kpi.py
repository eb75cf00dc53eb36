"""Benchmark the KPI engine on a synthetic log: `python benchmarks/bench_kpi.py [--contacts N]`.

Builds the log with numpy directly (no simulator): N contacts over 30 days with transfers,
redials, abandons, self-service and surveys, and about three agent-state spells per
handled contact. Times `score` (overall) and `score_by(..., "interval")` and reports the
peak resident memory above the log itself while scoring (sampled from /proc every 20 ms)
and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import threading
import time

import numpy as np
import pandas as pd

from sim.interaction_log import InteractionLog, LogMeta
from sim.kpis import score, score_by

DAYS = 30


def synthetic_log(n: int, seed: int = 1) -> InteractionLog:
    rng = np.random.default_rng(seed)
    arrival = np.sort(rng.uniform(0, DAYS * 86400.0, n))
    kind = rng.choice(4, n, p=[0.80, 0.10, 0.05, 0.05])  # answered, abandoned, self, async
    answered = (kind == 0) | (kind == 3)
    abandoned, self_served = kind == 1, kind == 2
    enqueue = np.where(self_served, np.nan, arrival + rng.exponential(30, n))
    wait = np.where(kind == 3, rng.exponential(4 * 3600, n), rng.exponential(25, n))
    answer = np.where(answered, enqueue + wait, np.nan)
    abandon = np.where(abandoned, enqueue + wait, np.nan)
    handle = np.where(answered, rng.gamma(2, 120, n), np.nan)
    wrap = np.where(answered, rng.gamma(2, 15, n), np.nan)
    end = np.where(answered, answer + handle + wrap,
                   np.where(abandoned, abandon, arrival + 60.0))
    issue = np.arange(n) - (rng.random(n) < 0.1)  # 10 % share the previous row's issue
    segment = np.where((issue[1:] == issue[:-1]) & (rng.random(n - 1) < 0.5), 2, 1)
    segment = np.concatenate([[1], segment])
    n_agents = 1200
    agent = rng.integers(0, n_agents, n)
    surveyed = answered & (rng.random(n) < 0.2)

    def labels(names, codes, missing=None):
        series = pd.Categorical.from_codes(codes, categories=names).astype(object)
        series = pd.Series(series, dtype="str")
        return series.mask(missing) if missing is not None else series

    contacts = pd.DataFrame({
        "contact_id": np.arange(n), "issue_id": issue, "customer_id": issue // 2,
        "attempt": np.ones(n, np.int64), "segment": segment,
        "channel": labels(["phone", "chat", "email"],
                          np.where(kind == 3, 2, rng.choice(2, n, p=[0.8, 0.2]))),
        "queue": labels([f"q{i}" for i in range(8)], rng.integers(0, 8, n)),
        "reason": labels([f"r{i}" for i in range(20)], rng.integers(0, 20, n)),
        "avoidable": rng.random(n) < 0.2,
        "arrival_s": arrival, "enqueue_s": enqueue, "answer_s": answer, "abandon_s": abandon,
        "end_s": end,
        "outcome": labels(["answered", "abandoned", "self_served"],
                          np.where(answered, 0, np.where(abandoned, 1, 2))),
        "agent_id": labels([f"a{i}" for i in range(n_agents)], agent, ~answered),
        "agent_group": labels([f"g{i}" for i in range(6)], agent % 6, ~answered),
        "partner": labels(["in-house", "acme"], (agent % 6 == 5).astype(int), ~answered),
        "handle_s": handle, "wrap_s": wrap,
        "resolved": pd.array(np.where(answered, rng.random(n) < 0.8, False), dtype="boolean"),
        "transferred_to": labels(["tech"], np.zeros(n, int),
                                 ~(answered & (rng.random(n) < 0.05))),
        "callback": np.zeros(n, bool),
        "csat": np.where(surveyed, rng.integers(1, 6, n), np.nan),
        "nps": np.where(surveyed, rng.integers(0, 11, n), np.nan),
        "ces": np.where(surveyed, rng.integers(1, 8, n), np.nan),
    })
    return InteractionLog(contacts, agent_states(rng, agent[answered], handle[answered],
                                                 wrap[answered], n_agents),
                          LogMeta(interval_s=1800.0, horizon_s=DAYS * 86400.0, seed=seed))


def agent_states(rng, agent, handle, wrap, n_agents) -> pd.DataFrame:
    """busy, wrap, then an available gap per handled contact, laid end to end per agent."""
    order = np.argsort(agent, kind="stable")
    agent, handle, wrap = agent[order], handle[order], wrap[order]
    gap = rng.exponential(90, len(agent))
    length = np.stack([handle, wrap, gap], axis=1).ravel()
    owner = np.repeat(agent, 3)
    end = np.cumsum(length)
    first_of_agent = np.searchsorted(owner, np.arange(n_agents))
    offset = np.concatenate([[0.0], end])[first_of_agent][owner]  # restart at 0 per agent
    start = end - length - offset
    names = pd.Series(pd.Categorical.from_codes(owner, [f"a{i}" for i in range(n_agents)])
                      .astype(object), dtype="str")
    group = pd.Series(pd.Categorical.from_codes(owner % 6, [f"g{i}" for i in range(6)])
                      .astype(object), dtype="str")
    partner = pd.Series(np.where(owner % 6 == 5, "acme", "in-house"), dtype="str")
    state = pd.Series(np.tile(np.array(["busy", "wrap", "available"], dtype=object),
                              len(agent)), dtype="str")
    return pd.DataFrame({"agent_id": names, "agent_group": group, "partner": partner,
                         "state": state, "start_s": start, "end_s": end - offset})


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def timed(label: str, call):
    baseline, peak, running = rss_bytes(), [0], [True]

    def sample():
        while running[0]:
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        result = call()
    finally:  # a failing call must not leave the sampler running
        running[0] = False
        sampler.join()
    seconds = time.perf_counter() - started
    extra_gb = (max(peak[0], rss_bytes()) - baseline) / 1e9
    print(f"{label:<26} {seconds:7.2f} s   peak memory above the log {extra_gb:5.2f} GB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--by", metavar="KEY[,KEY]",
                        help="also time score_by over these keys (e.g. "
                        "interval,queue,reason,agent_group: groups are the combinations "
                        "that occur, not the product of the labels)")
    options = parser.parse_args()
    n = options.contacts
    started = time.perf_counter()
    log = synthetic_log(n)
    print(f"built {n:,} contacts and {len(log.agent_states):,} agent-state spells in "
          f"{time.perf_counter() - started:.1f} s; log in memory {rss_bytes() / 1e9:.2f} GB RSS")
    timed("score (overall)", lambda: score(log))
    frame = timed('score_by(log, "interval")', lambda: score_by(log, "interval"))
    print(f"{len(frame)} intervals x {frame.shape[1]} KPI columns; process peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    if options.by:
        keys = options.by.split(",")
        frame = timed(f"score_by({len(keys)} keys)", lambda: score_by(log, keys))
        print(f"{len(frame):,} groups by {options.by}; process peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")


if __name__ == "__main__":
    main()
