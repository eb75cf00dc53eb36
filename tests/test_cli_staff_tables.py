"""`ccplan staff` tables: each queue's own patience, re-cut intervals, day filters, pooled
totals, closed intervals and calendar labels (issue 11 §5)."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.scenario import load_scenario
from sim.staffing.forecast import forecast_from_scenario
from sim.staffing.requirements import Targets, required_agents

TARGET = ["--target-sl", "0.8", "--threshold-s", "20"]
DEFAULT = "scenarios/default.toml"


CSV_REL = 1e-5  # --csv writes 6 significant digits


def table(capsys, *argv) -> pd.DataFrame:
    assert main(["staff", *argv, "--csv"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"interval_start": str})


def test_scenario_queues_are_sized_with_their_own_patience(capsys):
    scenario = load_scenario(DEFAULT)
    rows = table(capsys, "--scenario", DEFAULT, *TARGET)
    billing = scenario.queues[0]
    mine = rows[rows["queue"] == billing.name]
    expected = required_agents(mine["calls"] * 2, mine["aht_s"], Targets(0.8, 20),
                               billing.patience.mean_s)
    assert list(mine["agents"]) == list(expected)
    assert (mine["p_abandon"] > 0).all()  # Erlang A, not Erlang C
    erlang_c = required_agents(mine["calls"] * 2, mine["aht_s"], Targets(0.8, 20))
    assert (expected <= erlang_c).all() and (expected < erlang_c).any()


def test_patience_option_still_overrides_every_queue(capsys):
    rows = table(capsys, "--scenario", DEFAULT, *TARGET, "--patience-s", "30")
    expected = required_agents(rows["calls"] * 2, rows["aht_s"], Targets(0.8, 20), 30.0)
    assert list(rows["agents"]) == list(expected)


def test_interval_min_groups_or_splits_a_scenarios_intervals(capsys):
    half_hours = forecast_from_scenario(load_scenario(DEFAULT))
    hours = table(capsys, "--scenario", DEFAULT, *TARGET, "--interval-min", "60")
    quarters = table(capsys, "--scenario", DEFAULT, *TARGET, "--interval-min", "15")
    for queue, rows in half_hours.groupby("queue"):
        calls = rows["calls"].to_numpy()
        assert hours[hours["queue"] == queue]["calls"].to_numpy() == pytest.approx(
            calls.reshape(-1, 2).sum(axis=1), rel=CSV_REL)
        assert quarters[quarters["queue"] == queue]["calls"].to_numpy() == pytest.approx(
            np.repeat(calls / 2, 2), rel=CSV_REL)
    assert list(hours["interval_start"][:2]) == ["08:00", "09:00"]


def test_an_interval_length_that_does_not_fit_is_refused(capsys):
    assert main(["staff", "--scenario", DEFAULT, *TARGET, "--interval-min", "20"]) == 2
    assert "interval_min: 20 neither divides" in capsys.readouterr().err


def test_total_pools_every_queue(capsys):
    per_queue = table(capsys, "--scenario", DEFAULT, *TARGET, "--patience-s", "240")
    pooled = table(capsys, "--scenario", DEFAULT, *TARGET, "--patience-s", "240", "--total")
    assert set(pooled["queue"]) == {"all queues"}
    sums = per_queue.groupby("interval_start", sort=False)["calls"].sum()
    assert pooled["calls"].to_numpy() == pytest.approx(sums.to_numpy(), rel=CSV_REL)
    work = (per_queue["calls"] * per_queue["aht_s"]).groupby(per_queue["interval_start"],
                                                              sort=False).sum()
    assert pooled["aht_s"].to_numpy() == pytest.approx((work / sums).to_numpy(), rel=CSV_REL)
    # pooling needs fewer agents than separate teams (economies of scale)
    assert pooled["agents"].sum() < per_queue["agents"].sum()


@pytest.fixture
def week_csv(tmp_path) -> Path:
    """Two dated days (Mon 2026-01-05, Tue 2026-01-06), open 08:00-10:00, listed round the
    clock: zero-call rows before the opening and after the close are closed intervals."""
    rows = []
    for day in ("2026-01-05", "2026-01-06"):
        for half_hour in range(48):
            clock = f"{half_hour // 2:02d}:{30 * (half_hour % 2):02d}"
            calls = 60 if 16 <= half_hour < 20 else 0
            rows.append(f"{day}T{clock},{calls},{'300' if calls else ''}")
    path = tmp_path / "week.csv"
    path.write_text("interval_start,calls,aht_s\n" + "\n".join(rows) + "\n")
    return path


def test_closed_intervals_are_left_out_unless_asked(capsys, week_csv):
    shown = table(capsys, "--forecast", str(week_csv), *TARGET)
    assert list(shown["interval_start"][:4]) == ["2026-01-05T08:00", "2026-01-05T08:30",
                                                 "2026-01-05T09:00", "2026-01-05T09:30"]
    assert len(shown) == 8
    assert len(table(capsys, "--forecast", str(week_csv), *TARGET, "--all-intervals")) == 96


def test_a_dated_forecast_is_filtered_by_date_or_weekday(capsys, week_csv):
    tuesday = table(capsys, "--forecast", str(week_csv), *TARGET, "--weekday", "tue")
    assert tuesday["interval_start"].str.startswith("2026-01-06").all() and len(tuesday) == 4
    monday = table(capsys, "--forecast", str(week_csv), *TARGET, "--date", "2026-01-05")
    assert monday["interval_start"].str.startswith("2026-01-05").all() and len(monday) == 4


@pytest.mark.parametrize("argv, message", [
    (["--weekday", "someday"], "weekday: 'someday' is not one of mon"),
    (["--date", "2026-02-30"], "date:"),
    (["--date", "2027-01-01"], "no interval of the forecast falls on the days asked for"),
])
def test_bad_day_filters_are_refused(capsys, week_csv, argv, message):
    assert main(["staff", "--forecast", str(week_csv), *TARGET, *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_undated_forecast_cannot_be_filtered_by_day(capsys):
    assert main(["staff", "--forecast", "examples/forecast_day.csv", *TARGET,
                 "--weekday", "mon"]) == 2
    assert "has no dates" in capsys.readouterr().err


def test_multi_day_scenarios_label_intervals_by_weekday_and_date(capsys):
    rows = table(capsys, "--scenario", "scenarios/retail_bank_week.toml", *TARGET)
    assert rows["interval_start"].iloc[0] == "Mon 2026-11-23 08:30"
    assert rows["interval_start"].iloc[-1] == "Fri 2026-11-27 15:45"


def test_text_tables_print_plain_digits(capsys):
    assert main(["staff", "--scenario", "scenarios/retail_bank_week.toml", *TARGET,
                 "--total"]) == 0
    out = capsys.readouterr().out
    assert "total: 13,350 calls" in out and "e+" not in out


def test_a_staff_table_is_read_back_as_a_forecast(capsys, tmp_path):
    """What `staff --csv` writes ('Mon 2026-11-23 08:30', 'day 2 08:30') is a forecast too."""
    week = table(capsys, "--scenario", "scenarios/retail_bank_week.toml", *TARGET)
    path = tmp_path / "week.csv"
    week.to_csv(path, index=False)
    again = table(capsys, "--forecast", str(path), *TARGET)
    assert len(again) == len(week) and again["interval_start"].iloc[0] == "2026-11-23T08:30"
    assert again["calls"].to_numpy() == pytest.approx(week["calls"].to_numpy(), rel=CSV_REL)
    undated = week.assign(interval_start=week["interval_start"].str.replace(
        r"^\w{3} 2026-11-(\d\d)", lambda m: f"day {int(m.group(1)) - 22}", regex=True))
    undated.to_csv(path, index=False)
    assert len(table(capsys, "--forecast", str(path), *TARGET)) == len(week)
