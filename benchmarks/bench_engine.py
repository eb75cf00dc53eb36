"""Speed of the engine against two peers modelling the same queue (SimPy, Ciw).

Run on demand: `.venv/bin/python benchmarks/bench_engine.py [--runs 5] [--stat-runs 20]
[--ciw-stat-runs 5] [--skip-ciw] [--skip-rich]`.

The system (issue #16's workload): one M/M/n+M queue open 8 hours, exponential handle with
mean 180 s, exponential patience with mean 120 s, constant staffing; 50 agents at 15
calls/min (45 Erlangs offered, 90 % of the agents) and 500 agents at 150 calls/min (450
Erlangs, 90 %). The peers log every call too:
- `baseline_simpy.py`, the idiomatic SimPy model: a process per call, `request | timeout`;
- `baseline_ciw.py`, Ciw: one node with n servers and reneging, every call read back
  with `get_all_records()`. Ciw is a benchmark peer only, pinned in pyproject's `bench`
  extra: `.venv/bin/pip install -e '.[bench]'` (or `.venv/bin/pip install ciw==3.2.7`).
  Without it the table says so and leaves Ciw out.
Each model runs once untimed (imports, caches), then with seeds 1, 2, ..., seed by seed
all three back to back, so that a machine busy with other work slows them alike: the
table shows the median contacts/s of the first `--runs` (5) and the engine's speed ratio
to each peer as the median of the per-seed ratios, and abandonment and wait over
`--stat-runs` (20), as 5 runs of an 8-hour day are too few to compare them (run-to-run
sd of abandonment is ~0.7 points at 50 agents). Ciw takes ~10 s for one 500-agent day, so its abandonment and
wait come from `--ciw-stat-runs` (5) runs. The engine is timed end to end, `simulate()`
building both log DataFrames included; the peers only build a list with a record per call.
Abandonment share and mean wait (answer or hang-up minus arrival, over all calls) show the
three simulate the same system: the lines under the table give each peer's difference from
the engine in standard errors (|z| under ~2.5 is sampling error). They differ only at the
close, where the engine's agents leave and the peers' serve everyone.

Long runs (1M and 10M contacts, memory) are `bench_scale.py`'s.

The rich-scenario run takes the example in `scenarios/` that simulates the most behaviours
(callbacks, overflow to a partner, chat, e-mail, reasons with transfers and recontacts,
redials, IVR, shifts with breaks, absence, survey, costs; ties go to the larger file) and
reports its contacts/s (median of 3 runs after an untimed one) and, from a fresh
subprocess, its peak resident memory. With no example scenario at hand it builds one.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_simpy import simulate_baseline  # noqa: E402

try:
    from baseline_ciw import simulate_ciw
except ModuleNotFoundError as missing:  # a benchmark peer, installed on demand (see the docstring)
    if missing.name != "ciw":
        raise
    simulate_ciw = None

from sim.engine import simulate  # noqa: E402
from sim.errors import InputError  # noqa: E402
from sim.scenario import Scenario, load_scenario, parse_scenario  # noqa: E402

HANDLE_MEAN_S = 180.0
PATIENCE_MEAN_S = 120.0
OPEN_HOURS = 8
SIZES = [(50, 15.0), (500, 150.0)]  # (agents, calls per minute): 90 % offered load each
CIW_INSTALL = "pip install -e '.[bench]' (or pip install ciw==3.2.7)"
SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
RICH_RUNS = 3


def queue_scenario(agents: int, calls_per_min: float, days: int = 1, open_hours: int = OPEN_HOURS):
    """The benchmark queue in the engine's terms: flat arrivals from 08:00 (00:00 if 24 h)."""
    open_h = 0 if open_hours == 24 else 8
    return parse_scenario(
        {
            "name": f"bench {agents} agents",
            "horizon": {
                "days": days,
                "open_time": f"{open_h:02d}:00",
                "close_time": f"{open_h + open_hours:02d}:00",
            },
            "queues": [
                {
                    "name": "q",
                    "arrivals": {"daily_volume": calls_per_min * 60 * open_hours},
                    "handle": {"dist": "exponential", "mean_s": HANDLE_MEAN_S},
                    "patience": {"dist": "exponential", "mean_s": PATIENCE_MEAN_S},
                }
            ],
            "agent_groups": [{"name": "agents", "serves": ["q"], "staffing": agents}],
        }
    )


def engine_run(agents: int, calls_per_min: float, seed: int) -> tuple[float, int, float, float]:
    """(seconds, contacts, abandon share, mean wait s) of one engine run."""
    scenario = queue_scenario(agents, calls_per_min)
    start = time.perf_counter()
    contacts = simulate(scenario, seed=seed).contacts
    seconds = time.perf_counter() - start
    left_s = contacts["answer_s"].fillna(contacts["abandon_s"])
    wait_s = (left_s - contacts["enqueue_s"]).mean()
    return seconds, len(contacts), float((contacts["outcome"] == "abandoned").mean()), float(wait_s)


def peer_run(simulate_peer):
    """A run function like `engine_run` for a peer model returning `baseline_simpy.Call`s."""

    def run(agents: int, calls_per_min: float, seed: int) -> tuple[float, int, float, float]:
        start = time.perf_counter()
        calls = simulate_peer(agents, calls_per_min, HANDLE_MEAN_S, PATIENCE_MEAN_S, OPEN_HOURS * 3600.0, seed)
        seconds = time.perf_counter() - start
        arrival_s, answer_s, end_s = (np.asarray(column) for column in zip(*calls))
        abandoned = np.isnan(answer_s)
        wait_s = np.where(abandoned, end_s, answer_s) - arrival_s
        return seconds, len(calls), float(abandoned.mean()), float(wait_s.mean())

    return run


def compare_models(models: list[tuple[str, object, int]], agents: int, calls_per_min: float,
                   runs: int) -> list[dict]:
    """`models`: (name, run, stat_runs), the engine first. Each runs once untimed, then seed
    by seed all models back to back, so that a machine busy with other work slows them
    alike; each model's seeds go on to max(runs, its stat_runs) for abandonment and wait."""
    for _, run, _ in models:
        run(agents, calls_per_min, seed=0)  # untimed warm-up
    results = {name: [] for name, _, _ in models}
    for seed in range(1, max(max(runs, stat_runs) for _, _, stat_runs in models) + 1):
        for name, run, stat_runs in models:
            if seed <= max(runs, stat_runs):
                results[name].append(run(agents, calls_per_min, seed))
    def speeds(name: str) -> np.ndarray:
        return np.array([contacts / seconds for seconds, contacts, _, _ in results[name][:runs]])

    engine_speed = speeds(models[0][0])
    rows = []
    for name, _, _ in models:
        seconds, contacts, abandon, wait_s = (np.asarray(column) for column in zip(*results[name]))
        speed = speeds(name)
        rows.append({
            "model": name,
            "agents": agents,
            "calls_per_min": calls_per_min,
            "contacts": statistics.median(contacts[:runs]),
            "seconds": statistics.median(seconds[:runs]),
            "contacts_per_s": statistics.median(speed),
            "engine_ratio": statistics.median(engine_speed / speed),  # paired by seed
            "stat_runs": len(abandon),
            "abandon_pct": 100 * abandon.mean(),
            "abandon_se_pct": 100 * abandon.std(ddof=1) / np.sqrt(len(abandon)),
            "wait_s": wait_s.mean(),
            "wait_se_s": wait_s.std(ddof=1) / np.sqrt(len(wait_s)),
        })
    return rows


def z_score(a: dict, b: dict, mean_key: str, se_key: str) -> float:
    """The difference of two means in standard errors of the difference."""
    se = np.hypot(a[se_key], b[se_key])
    return float((a[mean_key] - b[mean_key]) / se) if se > 0 else float("nan")


def print_comparison(sizes: list[list[dict]], runs: int) -> None:
    """One block of rows per size, the engine first; then its speed ratio and agreement."""
    print(f"M/M/n+M, AHT {HANDLE_MEAN_S:.0f} s, mean patience {PATIENCE_MEAN_S:.0f} s, {OPEN_HOURS} h; "
          f"speed: median of {runs} runs; abandon and wait: mean ± SE over the runs counted\n")
    print(f"{'model':<15}{'agents':>7}{'calls/min':>10}{'contacts':>10}{'seconds':>9}"
          f"{'contacts/s':>12}{'runs':>6}{'abandon %':>16}{'mean wait s':>16}")
    for rows in sizes:
        for r in rows:
            print(f"{r['model']:<15}{r['agents']:>7}{r['calls_per_min']:>10.0f}{r['contacts']:>10,.0f}"
                  f"{r['seconds']:>9.3f}{r['contacts_per_s']:>12,.0f}{r['stat_runs']:>6}"
                  f"{r['abandon_pct']:>9.3f} ± {r['abandon_se_pct']:<5.3f}{r['wait_s']:>9.3f} ± {r['wait_se_s']:<5.3f}")
    print()
    for engine, *peers in sizes:
        for peer in peers:
            abandon_z = z_score(peer, engine, "abandon_pct", "abandon_se_pct")
            wait_z = z_score(peer, engine, "wait_s", "wait_se_s")
            print(f"{engine['agents']} agents: engine is {peer['engine_ratio']:.1f}x {peer['model']}'s contacts/s; "
                  f"{peer['model']} differs from the engine by {abandon_z:+.1f} SE in abandonment, "
                  f"{wait_z:+.1f} SE in mean wait")


def peak_rss_kib() -> float:
    """This process's peak resident memory, KiB. Linux's VmHWM belongs to the process image;
    ru_maxrss is carried over an exec from the forked parent, so in a child started by a
    big parent it reads at least the parent's size. ru_maxrss where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            return float(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def behaviours(scenario: Scenario) -> set[str]:
    """The optional behaviours a scenario switches on (see sim/scenario/behaviours.py)."""
    found = {f"channel:{q.channel}" for q in scenario.queues}
    for q in scenario.queues:
        found |= {name for name, on in [
            ("callback", q.callback is not None), ("overflow", q.overflow is not None),
            ("ivr", q.ivr.self_service_share > 0 or q.ivr.time.mean_s > 0),
            ("redial", q.redial.share > 0),
            ("reasons", q.reasons is not None and len(q.reasons) > 1),
            ("resolution", any(r.resolution_prob is not None for r in q.reasons or [])),
            ("transfer", any(r.transfer_prob > 0 for r in q.reasons or [])),
            ("patience", q.patience.dist != "none"),
        ] if on}
    for g in scenario.agent_groups:
        found |= {name for name, on in [
            ("shifts", g.shifts is not None), ("breaks", any(s.breaks for s in g.shifts or [])),
            ("absenteeism", g.absenteeism > 0), ("partner", g.is_partner),
            ("pricing", g.pricing is not None), ("chat_concurrency", g.max_chats > 1),
            ("proficiency", (g.handle_factor, g.resolution_factor, g.transfer_factor) != (1, 1, 1)),
        ] if on}
    if scenario.horizon.days > 1:
        found.add("several_days")
    if scenario.survey.response_share > 0:
        found.add("survey")
    return found


def richest_scenario() -> tuple[str, Scenario]:
    """(label, scenario): the example that switches on the most behaviours, else a built one."""
    candidates = []
    for path in sorted(SCENARIOS_DIR.glob("*.toml")):
        try:
            scenario = load_scenario(path)
        except InputError as err:  # an example being edited right now: skip it, say so
            print(f"  (skipped {path.name}: {str(err).splitlines()[0]})", file=sys.stderr)
            continue
        candidates.append((len(behaviours(scenario)), path.stat().st_size, path, scenario))
    if not candidates:
        return "built-in rich scenario", built_rich_scenario()
    _, _, path, scenario = max(candidates, key=lambda c: c[:2])
    return str(path.relative_to(SCENARIOS_DIR.parent)), scenario


def built_rich_scenario() -> Scenario:
    """Phone with callbacks, overflow and reasons; chat; e-mail; shifts; a partner."""
    shifts = [{"start": "08:00", "length_h": 8, "count": 30, "breaks": [{"after_h": 4, "length_min": 30}]},
              {"start": "12:00", "length_h": 8, "count": 30, "breaks": [{"after_h": 4, "length_min": 30}]}]
    return parse_scenario({
        "name": "built-in rich scenario",
        "horizon": {"days": 5, "open_time": "08:00", "close_time": "20:00"},
        "survey": {"response_share": 0.2},
        "costs": {"telephony_per_minute": 0.01},
        "queues": [
            {"name": "phone", "arrivals": {"daily_volume": 6000},
             "handle": {"dist": "lognormal", "mean_s": 300, "cv": 0.8},
             "wrap": {"dist": "gamma", "mean_s": 40, "cv": 0.5},
             "patience": {"dist": "exponential", "mean_s": 180},
             "ivr": {"self_service_share": 0.15, "time": {"dist": "deterministic", "mean_s": 40}},
             "redial": {"share": 0.4},
             "reasons": [{"name": "billing", "share": 3, "resolution_prob": 0.8},
                         {"name": "tech", "share": 1, "resolution_prob": 0.6, "transfer_prob": 0.2,
                          "transfer_to": "email"}],
             "callback": {"offer_above_wait_s": 120, "accept_share": 0.5},
             "overflow": {"to": "vendor", "after_wait_s": 90}},
            {"name": "chat", "channel": "chat", "arrivals": {"daily_volume": 2500},
             "handle": {"dist": "lognormal", "mean_s": 540, "cv": 0.7},
             "patience": {"dist": "exponential", "mean_s": 300}},
            {"name": "email", "channel": "email", "arrivals": {"daily_volume": 1500},
             "handle": {"dist": "exponential", "mean_s": 360}},
        ],
        "agent_groups": [
            {"name": "phone team", "serves": ["phone", "email"], "shifts": shifts, "absenteeism": 0.05,
             "hourly_cost": 32},
            {"name": "chat team", "serves": ["chat"], "staffing": 14, "max_chats": 3, "chat_slowdown": 0.15},
            {"name": "vendor", "serves": [], "staffing": 10, "partner": "Vendor Ltd",
             "handle_factor": 1.2, "pricing": {"per_contact": 3.0}},
        ],
    })


def rich_child(path: str) -> None:
    """Runs in a fresh process: one simulate() of the chosen scenario, peak RSS as JSON."""
    scenario = built_rich_scenario() if path == "-" else load_scenario(path)
    before_kib = peak_rss_kib()
    start = time.perf_counter()
    log = simulate(scenario, seed=1)
    seconds = time.perf_counter() - start
    after_kib = peak_rss_kib()
    print(json.dumps({"contacts": len(log.contacts), "seconds": seconds,
                      "rss_before_mib": before_kib / 1024, "rss_peak_mib": after_kib / 1024}))


def print_rich() -> None:
    label, scenario = richest_scenario()
    simulate(scenario, seed=0)  # untimed warm-up
    speeds, contacts = [], 0
    for seed in range(1, RICH_RUNS + 1):
        start = time.perf_counter()
        contacts = len(simulate(scenario, seed=seed).contacts)
        speeds.append(contacts / (time.perf_counter() - start))
    child_arg = "-" if label == "built-in rich scenario" else str(SCENARIOS_DIR.parent / label)
    out = subprocess.run([sys.executable, __file__, "--rich-child", child_arg],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    found = sorted(behaviours(scenario))
    print(f"\nRich scenario: {label} ({scenario.name!r}), {scenario.horizon.days} day(s), "
          f"{len(found)} behaviours: {', '.join(found)}")
    print(f"  {contacts:,} contacts (seed {RICH_RUNS}); median of {RICH_RUNS} runs "
          f"{statistics.median(speeds):,.0f} contacts/s (min {min(speeds):,.0f}, max {max(speeds):,.0f})")
    added = r["rss_peak_mib"] - r["rss_before_mib"]
    print(f"  peak RSS (VmHWM, fresh process): {r['rss_peak_mib']:,.0f} MiB; "
          f"{r['rss_before_mib']:,.0f} MiB after imports, so the run added {added:,.0f} MiB "
          f"(one run, {r['contacts']:,} contacts, {r['seconds']:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per model and size (median)")
    parser.add_argument("--stat-runs", type=int, default=20, help="runs for abandonment and wait")
    parser.add_argument("--ciw-stat-runs", type=int, default=5,
                        help="Ciw's runs for abandonment and wait (~10 s per 500-agent day)")
    parser.add_argument("--skip-ciw", action="store_true", help="leave Ciw out of the table")
    parser.add_argument("--skip-rich", action="store_true", help="skip the rich-scenario run")
    parser.add_argument("--rich-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rich_child:
        rich_child(args.rich_child)
        return
    with_ciw = simulate_ciw is not None and not args.skip_ciw
    if simulate_ciw is None:
        print(f"Ciw not installed: {CIW_INSTALL}; the table leaves it out\n")
    models = [("engine", engine_run, args.stat_runs), ("simpy", peer_run(simulate_baseline), args.stat_runs)]
    if with_ciw:
        models.append(("ciw", peer_run(simulate_ciw), args.ciw_stat_runs))
    sizes = [compare_models(models, agents, calls_per_min, args.runs) for agents, calls_per_min in SIZES]
    print_comparison(sizes, args.runs)
    if not args.skip_rich:
        print_rich()


if __name__ == "__main__":
    main()
