"""`ccplan summary` (what `./dev.sh app` runs) and the simulate → write → read → score trip."""

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.engine import simulate
from sim.interaction_log import read_log, write_log
from sim.kpis import score, score_by
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def test_summary_prints_headline_kpis_per_queue_and_day(capsys):
    assert main(["summary", str(SCENARIOS / "retail_bank_week.toml"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "phone banking" in out and "all queues" in out
    assert all(day in out for day in ("Mon 2026-11-23", "Tue 2026-11-24", "Fri 2026-11-27"))
    assert "occupancy:" in out and "first-contact resolution: not available" in out


def test_summary_of_a_bad_scenario_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text((SCENARIOS / "default.toml").read_text().replace('interval_min = 30', 'interval_min = 20'))
    assert main(["summary", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "horizon.interval_min: 20 is not one of 15 or 30" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_scores_survive_the_round_trip_through_files(tmp_path, fmt):
    log = simulate(load_scenario(SCENARIOS / "default.toml"))
    back = read_log(write_log(log, tmp_path / "log", fmt))
    assert score(back).values() == score(log).values()
    pd.testing.assert_frame_equal(score_by(back, "interval"), score_by(log, "interval"))
