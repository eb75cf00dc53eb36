"""Calibrate and backtest against ground truth we control (#15): simulate a known scenario,
calibrate it back from the log, and check each estimate within its sampling error."""

import numpy as np
import pytest

from sim.calibrate import backtest, calibrate, scenario_toml
from sim.calibrate.estimate import _day_to_day_cv
from sim.calibrate.fits import fit_duration, fit_patience, kaplan_meier
from sim.cli import main
from sim.engine import simulate
from sim.errors import InputError
from sim.interaction_log import InteractionLog, LogMeta, write_log
from sim.kpis import score
from sim.scenario import Scenario, load_scenario

DAYS, DAILY, PROFILE = 10, 400, [1, 2, 3, 2, 2, 3, 2, 1]
STAFFING = [3, 5, 7, 5, 5, 7, 5, 3]
HANDLE_MEAN, HANDLE_CV, PATIENCE_MEAN = 240.0, 0.8, 150.0
REDIAL_SHARE, REDIAL_DELAY_S = 0.3, 600.0


def _truth(minimal) -> Scenario:
    data = minimal(horizon={"days": DAYS, "interval_min": 30, "open_time": "08:00",
                            "close_time": "12:00", "start_date": "2026-03-02"})
    data["queues"][0].update(
        arrivals={"daily_volume": DAILY, "profile": PROFILE},
        handle={"dist": "lognormal", "mean_s": HANDLE_MEAN, "cv": HANDLE_CV},
        wrap={"dist": "gamma", "mean_s": 30, "cv": 0.5},
        patience={"dist": "exponential", "mean_s": PATIENCE_MEAN},
        redial={"share": REDIAL_SHARE,
                "delay": {"dist": "exponential", "mean_s": REDIAL_DELAY_S}})
    data["agent_groups"][0]["staffing"] = STAFFING
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def truth(minimal):
    scenario = _truth(minimal)
    log = simulate(scenario, seed=11)
    return scenario, log, calibrate(log)


def test_estimates_recover_the_truth_within_sampling_error(truth):
    scenario, log, result = truth
    queue = result.scenario["queues"][0]
    volumes = np.asarray(queue["arrivals"]["interval_volumes"])
    expected = DAILY * np.asarray(PROFILE) / sum(PROFILE)  # per day and interval
    se = np.sqrt(expected / DAYS)  # mean of DAYS Poisson counts
    assert np.all(np.abs(volumes - expected) <= 4 * se)
    assert queue["arrivals"]["day_to_day_cv"] <= 0.07  # truth 0; SE of cv^2 ~ 0.0011
    answered = int((log.contacts["outcome"] == "answered").sum())
    assert queue["handle"]["dist"] == "lognormal"
    assert abs(queue["handle"]["mean_s"] - HANDLE_MEAN) <= 4 * HANDLE_MEAN * HANDLE_CV / np.sqrt(
        answered)
    abandoned = int((log.contacts["outcome"] == "abandoned").sum())
    assert abandoned > 100
    assert abs(queue["patience"]["mean_s"] - PATIENCE_MEAN) <= 4 * PATIENCE_MEAN / np.sqrt(
        abandoned)
    # redials: a binomial share of the abandoned callers, exponential delays
    share = queue["redial"]["share"]
    assert abs(share - REDIAL_SHARE) <= 4 * np.sqrt(REDIAL_SHARE * (1 - REDIAL_SHARE) / abandoned)
    redials = share * abandoned
    # median / ln 2 has a standard error of mean / (ln 2 sqrt(n))
    assert abs(queue["redial"]["delay"]["mean_s"] - REDIAL_DELAY_S) <= (
        4 * REDIAL_DELAY_S / (np.log(2) * np.sqrt(redials)))
    staffing = np.asarray(result.scenario["agent_groups"][0]["staffing"]).reshape(-1, 8)
    off = staffing - np.asarray(STAFFING)
    # states cannot tell an agent finishing a call past mid-interval from a rostered one
    assert off.min() == 0 and off.max() <= 1 and (off != 0).mean() <= 0.05
    assert result.scenario["agent_groups"][0]["serves"] == ["sales"]
    assert result.scenario["horizon"] == {"days": DAYS, "interval_min": 30,
                                          "open_time": "08:00", "close_time": "12:00",
                                          "start_date": "2026-03-02"}


def test_written_scenario_loads_and_carries_its_sample_sizes(truth, tmp_path):
    _, log, result = truth
    path = tmp_path / "calibrated.toml"
    path.write_text(scenario_toml(result))
    loaded = load_scenario(path)
    assert loaded.queues[0].patience.dist == "exponential"
    text = path.read_text()
    assert f"n={int((log.contacts['outcome'] == 'answered').sum()):,}" in text
    assert "Kaplan-Meier max gap" in text


def test_backtest_lies_in_the_replication_band_of_the_original(truth):
    scenario, log, result = truth
    calibrated = Scenario.model_validate(result.scenario)
    reps = 20
    check = backtest(log, calibrated, reps)
    original = np.array([[score(simulate(scenario, seed=100 + r))[k] for k in
                          ("service_level", "asa", "abandon_rate", "occupancy")]
                         for r in range(reps)])
    low, high = np.percentile(original, [2.5, 97.5], axis=0)
    means = check.overall["sim_mean"].to_numpy(float)
    assert np.all((means >= low) & (means <= high)), (means, low, high)
    assert not check.far_off
    assert set(check.summary.index) == {"service_level", "asa", "abandon_rate", "occupancy"}


def test_overdispersion_is_recovered_from_negative_binomial_days():
    rng = np.random.default_rng(5)
    days, mean, cv = 700, 400.0, 0.2
    daily = rng.poisson(mean * rng.gamma(1 / cv**2, cv**2, days)).astype(float)
    weekday = np.arange(days) % 7
    expected = np.array([daily[weekday == d].mean() for d in weekday])
    estimate, _ = _day_to_day_cv(daily, expected, weekday, True)
    # SE of cv^2 with gamma day factors: ~ cv^2 sqrt(2 / days) -> cv within ~0.01
    assert abs(estimate - cv) <= 0.02


def test_fits_choose_the_right_shape_and_fall_back_to_empirical():
    rng = np.random.default_rng(2)
    gamma = fit_duration(rng.gamma(4.0, 50.0, 5000), "x")
    assert gamma.dist["dist"] == "gamma" and abs(gamma.dist["cv"] - 0.5) <= 0.03
    bimodal = np.r_[rng.normal(60, 5, 3000), rng.normal(600, 20, 3000)].clip(1)
    assert fit_duration(bimodal, "x").dist["dist"] == "empirical"
    assert fit_duration(np.zeros(10), "x").dist == {"dist": "deterministic", "mean_s": 0.0}


def test_kaplan_meier_flags_patience_that_is_not_exponential():
    rng = np.random.default_rng(3)
    patience = np.full(4000, 60.0)  # everyone hangs up at 60 s: far from exponential
    offered_wait = rng.exponential(80, 4000)
    wait = np.minimum(patience, offered_wait)
    abandoned = patience <= offered_wait
    mean = wait.sum() / abandoned.sum()
    assert fit_patience(wait, abandoned, mean, "q").km_gap > 0.2
    times, survival = kaplan_meier(np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 0], bool))
    assert times.tolist() == [1.0, 3.0] and survival.tolist() == [0.75, 0.75 * 0.5]


def test_cli_calibrate_then_backtest(truth, tmp_path, capsys):
    _, log, _ = truth
    write_log(log, tmp_path / "log")
    out = tmp_path / "cal.toml"
    assert main(["calibrate", str(tmp_path / "log"), "--out", str(out), "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out and out.exists()
    assert main(["backtest", str(tmp_path / "log"), "--scenario", str(out), "--reps", "3"]) == 0
    text = capsys.readouterr().out
    assert "overall, 3 replications" in text and "inside" in text
    assert main(["backtest", str(tmp_path / "log"), "--scenario", str(out), "--reps",
                 "1"]) == 2
    assert "reps: 1 must be >= 2" in capsys.readouterr().err


def test_calibrate_refuses_a_log_it_cannot_plan_from(truth):
    _, log, _ = truth
    odd = InteractionLog(log.contacts, log.agent_states, LogMeta(interval_s=600.0))
    with pytest.raises(InputError, match="interval_s 600 must be 900 or 1800"):
        calibrate(odd)


def test_cli_modules_of_import_calibrate_backtest_stay_light():
    """`ccplan --help` loads every subcommand module: these import nothing heavy at top."""
    import subprocess
    import sys

    code = ("import sys, sim.cli.import_data, sim.cli.calibrate, sim.cli.backtest; "
            "print([m for m in ('pandas', 'numpy', 'scipy', 'pyarrow', 'simpy', 'tqdm', "
            "'sim.engine', 'sim.kpis', 'sim.importers', 'sim.calibrate') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_backtest_json_and_interval_labels(truth, tmp_path, capsys):
    import json

    _, log, result = truth
    write_log(log, tmp_path / "log")
    (tmp_path / "cal.toml").write_text(scenario_toml(result))
    assert main(["backtest", str(tmp_path / "log"), "--scenario", str(tmp_path / "cal.toml"),
                 "--reps", "2", "--json", "--csv", str(tmp_path / "by_interval.csv")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["overall"]) == {"service_level", "asa", "abandon_rate", "occupancy"}
    assert out["reps"] == 2
    table = (tmp_path / "by_interval.csv").read_text().splitlines()
    assert table[1].startswith("service_level,Mon 2026-03-02 08:00,")


def test_volumes_are_per_weekday_once_the_log_spans_two_weeks():
    from sim.calibrate.estimate import _expected

    weekday = np.arange(21) % 7
    counts = np.where(weekday[:, None] < 5, 100.0, 20.0) + np.arange(21)[:, None] % 3
    expected, per_weekday = _expected(counts, weekday)
    assert per_weekday
    assert expected[0, 0] == counts[weekday == 0, 0].mean()
    assert expected[5, 0] == counts[weekday == 5, 0].mean()
    short, per_weekday = _expected(counts[:13], weekday[:13])
    assert not per_weekday and np.allclose(short, counts[:13].mean(axis=0))


def test_short_abandon_threshold_finds_an_early_spike():
    from sim.calibrate.fits import short_abandon_threshold

    rng = np.random.default_rng(4)
    n = 20_000
    patience = np.where(rng.random(n) < 0.1, rng.uniform(0, 4, n), rng.exponential(200, n))
    offered = rng.exponential(60, n)  # how long each caller would have had to wait
    wait, abandoned = np.minimum(patience, offered), patience < offered
    threshold, _ = short_abandon_threshold(wait, abandoned, wait.sum() / abandoned.sum())
    assert threshold == 4.0
    smooth = rng.exponential(200, n)
    wait, abandoned = np.minimum(smooth, offered), smooth < offered
    assert short_abandon_threshold(wait, abandoned, wait.sum() / abandoned.sum())[0] == 5.0


def test_chat_concurrency_is_read_from_overlapping_chats():
    from pathlib import Path

    omnichannel = load_scenario(Path(__file__).resolve().parents[1] / "scenarios"
                                / "omnichannel.toml")
    result = calibrate(simulate(omnichannel, seed=1))
    held = {g["name"]: g.get("max_chats", 1) for g in result.scenario["agent_groups"]}
    assert held == {g.name: g.max_chats for g in omnichannel.agent_groups}


def test_transfers_become_reasons_with_the_observed_share():
    from pathlib import Path

    helpdesk = load_scenario(Path(__file__).resolve().parents[1] / "scenarios"
                             / "helpdesk_l1_l2.toml")
    log = simulate(helpdesk, seed=1)
    result = calibrate(log)
    l1 = next(q for q in helpdesk.queues if q.name == "L1")
    truth = sum(r.share * r.transfer_prob for r in l1.reasons) / sum(r.share for r in l1.reasons)
    reasons = next(q for q in result.scenario["queues"] if q["name"] == "L1")["reasons"]
    answered = sum(r["share"] for r in reasons)
    moved = sum(r["share"] for r in reasons if r.get("transfer_to") == "L2")
    assert abs(moved / answered - truth) <= 4 * np.sqrt(truth * (1 - truth) / answered)
    assert not any("transferred legs" in caveat for caveat in result.caveats)
