"""`ccplan erlang` and `ccplan staff`: output, JSON keys, exit status on bad input."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.staffing.erlang import MEASURE_NAMES, measures

EXAMPLE = "examples/forecast_day.csv"
BASE = ["--calls-per-hour", "200", "--aht-s", "180"]


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_erlang_prints_the_five_measures(capsys):
    status, out, _ = run(capsys, "erlang", *BASE, "--agents", "14", "--threshold-s", "20")
    assert status == 0
    values = dict(line.split() for line in out.strip().splitlines())
    assert list(values) == list(MEASURE_NAMES)
    assert float(values["service_level"]) == pytest.approx(0.888350, abs=1e-6)
    assert float(values["p_abandon"]) == 0


def test_erlang_json_has_exactly_the_keys_and_exact_values(capsys):
    status, out, _ = run(capsys, "erlang", *BASE, "--agents", "9", "--threshold-s", "20",
                         "--patience-s", "60", "--json")
    data = json.loads(out)
    assert status == 0 and list(data) == list(MEASURE_NAMES)
    m = measures(200, 180, 9, 20, 60)
    assert data == {name: float(getattr(m, name)) for name in MEASURE_NAMES}
    assert 0 < data["p_abandon"] < data["p_wait"]


def test_erlang_unstable_system_is_a_clear_answer(capsys):
    status, out, _ = run(capsys, "erlang", *BASE, "--agents", "10", "--threshold-s", "20",
                         "--json")
    assert status == 0
    assert json.loads(out) == {"p_wait": 1.0, "p_abandon": 0.0, "service_level": 0.0,
                               "asa_s": None, "occupancy": 1.0}


@pytest.mark.parametrize("argv, message", [
    (["erlang", "--calls-per-hour", "200", "--aht-s", "0", "--agents", "5",
      "--threshold-s", "20"], "error: aht_s: 0 is not > 0"),
    (["erlang", "--calls-per-hour", "-1", "--aht-s", "180", "--agents", "5",
      "--threshold-s", "20"], "error: calls_per_hour: -1 is not >= 0"),
    (["staff", *BASE, "--target-sl", "1", "--threshold-s", "0"], "error: target_sl: 1 is not"),
    (["staff", *BASE], "error: targets: none given"),
    (["staff", "--calls-per-hour", "200", "--target-asa-s", "20"], "error: aht_s: missing"),
    (["staff", *BASE, "--max-abandon", "0.05"], "error: max_abandon: needs patience_s"),
    (["staff", "--forecast", "missing.csv", "--target-asa-s", "20"], "error: forecast: missing.csv does not exist"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith(message) and "Traceback" not in err


def test_staff_single_interval(capsys):
    status, out, _ = run(capsys, "staff", *BASE, "--target-sl", "0.8", "--threshold-s", "20",
                         "--max-occupancy", "0.85", "--shrinkage", "0.3", "--json")
    data = json.loads(out)
    assert status == 0 and data["agents"] == 14 and data["scheduled_fte"] == pytest.approx(20)
    assert list(data) == ["agents", "scheduled_fte", *MEASURE_NAMES]
    assert data["service_level"] >= 0.8 and data["occupancy"] <= 0.85


def test_staff_other_targets(capsys):
    _, out, _ = run(capsys, "staff", *BASE, "--target-asa-s", "5", "--json")
    asa_only = json.loads(out)
    assert asa_only["asa_s"] <= 5
    _, out, _ = run(capsys, "staff", *BASE, "--max-abandon", "0.01", "--patience-s", "120",
                    "--json")
    assert json.loads(out)["p_abandon"] <= 0.01


def test_staff_forecast_table_and_csv(capsys):
    args = ["staff", "--forecast", EXAMPLE, "--target-sl", "0.8", "--threshold-s", "20",
            "--patience-s", "120", "--shrinkage", "0.3"]
    status, out, _ = run(capsys, *args)
    assert status == 0 and "interval_start" in out and "19:30" in out
    assert "FTE (8 h/day)" in out.splitlines()[-1]
    status, out, _ = run(capsys, *args, "--csv")
    table = pd.read_csv(io.StringIO(out))
    assert status == 0 and len(table) == 24
    assert (table["service_level"] >= 0.8).all() and table["agents"].max() > 20


def test_ccplan_console_script():
    script = Path(sys.executable).parent / "ccplan"
    done = subprocess.run([str(script), "erlang", *BASE, "--agents", "14", "--threshold-s",
                           "20", "--json"], capture_output=True, text=True, timeout=60,
                          cwd=os.path.dirname(os.path.dirname(__file__)))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["p_wait"] == pytest.approx(0.174132, abs=1e-6)


def test_staff_from_a_scenario_sizes_each_queue_for_its_expected_arrivals(capsys):
    scenario = str(Path(__file__).parent.parent / "scenarios" / "default.toml")
    status, out, _ = run(capsys, "staff", "--scenario", scenario, "--target-sl", "0.8",
                         "--threshold-s", "20", "--csv")
    table = pd.read_csv(io.StringIO(out))
    assert status == 0 and sorted(table["queue"].unique()) == ["billing", "moves"]
    billing = table[table["queue"] == "billing"]
    # 4,200 calls spread by the profile; AHT is the handle mean plus the wrap mean.
    assert billing["calls"].sum() == pytest.approx(4200) and (billing["aht_s"] == 330 + 45).all()
    assert (table["service_level"] >= 0.8).all()
    status, _, err = run(capsys, "staff", "--scenario", "nowhere.toml", "--target-sl", "0.8",
                         "--threshold-s", "20")
    assert status == 2 and "nowhere.toml: cannot be read" in err


@pytest.mark.parametrize("extra, message", [
    (["--calls-per-hour", "200", "--aht-s", "180", "--csv"], "--csv: applies to a table"),
    (["--forecast", EXAMPLE, "--json"], "--json: applies to one interval"),
    (["--forecast", EXAMPLE, "--aht-s", "100"], "--aht-s: applies to --calls-per-hour"),
    (["--calls-per-hour", "200", "--aht-s", "180", "--fte-hours-per-day", "0"], "fte-hours-per-day: 0 is not"),
])
def test_staff_options_that_do_not_apply_are_refused(capsys, extra, message):
    status, _, err = run(capsys, "staff", *extra, "--target-sl", "0.8", "--threshold-s", "20")
    assert status == 2 and message in err
