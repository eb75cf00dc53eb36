"""Experiments API: seeds, replications, paired comparisons, sweeps, persistence, failures,
sequential stopping, and the executors (thread pool here; a process pool and Dask below)."""

import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim.experiments.api as api
from sim.errors import InputError
from sim.experiments import compare, local_pool, open_executor, replicate, run_kpis, seeds_for, sweep
from sim.kpis import KpiSettings
from sim.scenario import parse_scenario, with_field

KPIS = ["service_level", "asa", "abandon_rate", "channel_mix"]


@pytest.fixture(scope="module")
def tiny(minimal_scenario_data):
    return parse_scenario(minimal_scenario_data)


@pytest.fixture(scope="module")
def minimal_scenario_data():
    return {
        "name": "tiny",
        "horizon": {"days": 1, "interval_min": 30, "open_time": "08:00", "close_time": "10:00"},
        "queues": [{"name": "sales", "arrivals": {"daily_volume": 200, "profile": [1, 2, 2, 1]},
                    "handle": {"dist": "exponential", "mean_s": 300},
                    "patience": {"dist": "exponential", "mean_s": 120}}],
        "agent_groups": [{"name": "team", "serves": ["sales"], "staffing": [5, 8, 8, 5]}],
    }


@pytest.fixture()
def threads():
    with ThreadPoolExecutor(2) as ex:
        yield ex


def test_seeds_are_one_spawn_policy_and_prefix_stable():
    ten, fifty = seeds_for(7, 10), seeds_for(7, 50)
    assert fifty[:10] == ten and seeds_for(7, 5, start=10) == fifty[10:15]
    assert len(set(fifty)) == 50 and all(0 <= s < 2**63 for s in fifty)
    child = np.random.SeedSequence(7).spawn(1)[0].generate_state(2, np.uint32)
    assert ten[0] == ((int(child[1]) << 32) | int(child[0])) >> 1
    with pytest.raises(InputError, match="seed: -1 is not a whole number >= 0"):
        seeds_for(-1, 3)


def test_run_kpis_is_a_flat_row_of_floats(tiny):
    row = run_kpis(tiny, 3, kpis=KPIS)
    assert set(row) == {"service_level", "asa", "abandon_rate", "channel_mix.phone"}
    assert row["channel_mix.phone"] == 1.0 and all(isinstance(v, float) for v in row.values())
    full = run_kpis(tiny, 3)
    assert np.isnan(full["fcr"])  # resolution not modelled: NaN, not a guess
    assert full["service_level"] == row["service_level"]


def test_replicate_table_and_t_interval(tiny, threads):
    calls = []
    r = replicate(tiny, 6, kpis=KPIS, executor=threads, seed=5,
                  progress=lambda done, total: calls.append((done, total)))
    assert list(r.table.columns[:2]) == ["rep", "seed"] and list(r.table["rep"]) == list(range(6))
    assert list(r.table["seed"]) == seeds_for(5, 6)
    assert r.table.loc[2, "asa"] == run_kpis(tiny, seeds_for(5, 6)[2], kpis=KPIS)["asa"]
    values = r.table["service_level"]
    half = stats.t.ppf(0.975, 5) * values.std(ddof=1) / np.sqrt(6)
    row = r.summary.loc["service_level"]
    assert row["mean"] == pytest.approx(values.mean()) and row["half_width"] == pytest.approx(half)
    assert row["ci_low"] == pytest.approx(values.mean() - half) and row["n"] == 6
    assert "95% Student t-interval" in r.method and r.failures == [] and r.target_met is None
    assert calls[0] == (0, 6) and calls[-1] == (6, 6) and len(calls) == 7
    wider = replicate(tiny, 6, kpis=KPIS, executor=threads, seed=5, confidence=0.99)
    assert wider.summary.at["service_level", "half_width"] > half


def test_crn_narrows_the_interval_on_a_difference(tiny, threads):
    """Staffing-only difference: paired replications share every customer, so the
    difference varies far less than with independent seeds (ratio stated below)."""
    more = with_field(tiny, "agent_groups[0].staffing", [6, 9, 9, 6])
    kpis = ["service_level", "asa"]
    c = compare(tiny, more, 12, kpis=kpis, executor=threads, seed=1)
    assert list(c.table.columns) == ["rep", "seed", "a.service_level", "a.asa", "b.service_level", "b.asa"]
    a, b = (replicate(s, 12, kpis=kpis, executor=threads, seed=seed) for s, seed in ((tiny, 1), (more, 2)))
    independent = np.hypot(a.summary.at["service_level", "se"], b.summary.at["service_level", "se"])
    paired = c.summary.loc["service_level"]
    assert paired["diff"] > 0 and paired["ci_low"] > 0  # more agents, better service
    assert paired["se"] * 2 < independent  # measured: 0.0083 vs 0.0289, 3.5x narrower
    assert paired["variance_ratio"] > 4
    assert paired["a_mean"] == pytest.approx(a.summary.at["service_level", "mean"])
    assert "no follow-up contacts, so that is every draw" in c.crn_note


def test_crn_note_names_follow_up_decisions(minimal_scenario_data):
    data = dict(minimal_scenario_data)
    data["queues"] = [{**data["queues"][0], "redial": {"share": 0.5}}]
    scenario = parse_scenario(data)
    assert "belong to the customer and the attempt" in api.crn_note(scenario, scenario)


def test_sweep_is_one_row_per_point_and_replication(tiny, threads):
    grid = {"queues[0].handle.mean_s": [240, 300], "agent_groups[0].staffing": [6, 9]}
    s = sweep(tiny, grid, 3, kpis=["service_level"], executor=threads)
    assert len(s.table) == 12 and list(s.table.columns[:4]) == [*grid, "rep", "seed"]
    point = s.table[(s.table["queues[0].handle.mean_s"] == 240) & (s.table["agent_groups[0].staffing"] == 9)]
    assert list(point["seed"]) == seeds_for(0, 3)  # every point on the same seeds
    best = s.summary.sort_values("mean").iloc[-1]
    assert (best["queues[0].handle.mean_s"], best["agent_groups[0].staffing"]) == (240, 9)


@pytest.mark.parametrize("grid, message", [
    ({"queues[0].handel.mean_s": [1]}, "queues[0].handel.mean_s: no such field"),
    ({"queues[0].handle.mean_s": [-5]}, "queues[0].handle.mean_s: -5 is not > 0"),
    ({"queues[0].handle.mean_s": []}, "give a non-empty list"),
])
def test_sweep_refuses_bad_fields_before_running(tiny, grid, message):
    with pytest.raises(InputError, match=re.escape(message)):
        sweep(tiny, grid, 2, executor=ThreadPoolExecutor(1))


def test_a_failed_replication_is_reported_with_its_seed(tiny, threads, monkeypatch):
    bad_seed = seeds_for(0, 5)[3]

    def flaky(scenario, seed, settings=None, kpis=None):
        if seed == bad_seed:
            raise RuntimeError("worker lost")
        return run_kpis(scenario, seed, settings, kpis)

    monkeypatch.setattr(api, "run_kpis", flaky)
    r = replicate(tiny, 5, kpis=["asa"], executor=threads)
    assert list(r.table["rep"]) == [0, 1, 2, 4] and r.summary.at["asa", "n"] == 4
    (failure,) = r.failures
    assert failure.rep == 3 and failure.seed == bad_seed
    assert f"seed {bad_seed}" in str(failure) and "RuntimeError: worker lost" in str(failure)


def test_parts_persist_and_a_rerun_runs_only_what_is_missing(tiny, threads, tmp_path, monkeypatch):
    out = tmp_path / "exp"
    first = replicate(tiny, 3, kpis=["asa"], executor=threads, out=out)
    assert sorted(p.name for p in (out / "run").iterdir()) == [f"rep-0000{i}.parquet" for i in range(3)]
    ran = []

    def counting(scenario, seed, settings=None, kpis=None):
        ran.append(seed)
        return run_kpis(scenario, seed, settings, kpis)

    monkeypatch.setattr(api, "run_kpis", counting)
    again = replicate(tiny, 5, kpis=["asa"], executor=threads, out=out)
    assert sorted(ran) == sorted(seeds_for(0, 5)[3:])  # only the two new replications ran
    pd.testing.assert_frame_equal(again.table.iloc[:3], first.table)
    with pytest.raises(InputError, match="holds another experiment .*differs in seed"):
        replicate(tiny, 3, kpis=["asa"], executor=threads, out=out, seed=9)


def test_sequential_stopping_reaches_the_half_width_or_the_cap(tiny, threads):
    r = replicate(tiny, 3, kpis=["service_level"], executor=threads, target_half_width=0.03, max_reps=40)
    assert r.target_met and r.summary.at["service_level", "half_width"] <= 0.03
    assert 3 < len(r.table) <= 40 and list(r.table["seed"]) == seeds_for(0, len(r.table))
    capped = replicate(tiny, 3, kpis=["service_level"], executor=threads, target_half_width=1e-4, max_reps=6)
    assert capped.target_met is False and len(capped.table) == 6


@pytest.mark.parametrize("kwargs, message", [
    ({"reps": 1}, "reps: 1 is not a whole number >= 2"),
    ({"kpis": ["service_levle"]}, "did you mean 'service_level'"),
    ({"confidence": 1.5}, "confidence: 1.5 is not a share"),
    ({"target_half_width": 0.01}, "target_half_width: one number needs kpis"),
    ({"kpis": ["asa"], "target_half_width": {"asa": 1}, "max_reps": 2}, "max_reps: 2 is not"),
])
def test_bad_experiment_inputs_are_one_line_errors(tiny, kwargs, message):
    args = {"reps": 3, **kwargs}
    with pytest.raises(InputError, match=message):
        replicate(tiny, args.pop("reps"), executor=ThreadPoolExecutor(1), **args)


def test_process_pool_and_local_dask_cluster_give_identical_tables(tiny):
    """The same seeds give the same table whichever executor runs them."""
    pytest.importorskip("distributed")
    settings = KpiSettings(sl_threshold_s=30)
    with local_pool(2) as pool:
        by_pool = replicate(tiny, 4, kpis=KPIS, settings=settings, executor=pool, seed=3)
    with open_executor(dask_local=2) as dask:
        by_dask = replicate(tiny, 4, kpis=KPIS, settings=settings, executor=dask, seed=3)
    with ThreadPoolExecutor(2) as threads:
        by_threads = replicate(tiny, 4, kpis=KPIS, settings=settings, executor=threads, seed=3)
    pd.testing.assert_frame_equal(by_pool.table, by_dask.table)
    pd.testing.assert_frame_equal(by_pool.table, by_threads.table)
