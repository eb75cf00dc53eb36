"""Interval-level import: weighted KPIs, forecast contract, patience, and bad rows."""

from pathlib import Path

import pandas as pd
import pytest

from sim.errors import InputError
from sim.importers import (load_mapping, patience_from_intervals, read_intervals,
                           score_intervals, to_forecast)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEADER = "Interval,Split,Offered,Handled,Abandoned,AHT,ASA,AvgAb,SL\n"
ROWS = [
    "2026-03-02 08:00,billing,10,8,2,200,10,30,80",
    "2026-03-02 08:30,billing,20,20,0,300,20,,90",
    "2026-03-02 08:00,tech,5,4,1,400,40,60,60",  # tech 08:30 absent: an empty interval
]
COLUMNS = {"interval_start": "Interval", "queue": "Split", "offered": "Offered",
           "handled": "Handled", "abandoned": "Abandoned", "aht_s": "AHT", "asa_s": "ASA",
           "avg_abandon_s": "AvgAb", "service_level_pct": "SL"}


def _read(tmp_path, rows=ROWS, **overrides):
    path = tmp_path / "acd.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    mapping = load_mapping(None, "intervals", **{
        "columns": COLUMNS, "time_format": "%Y-%m-%d %H:%M", "sl_threshold_s": 20.0,
        **overrides})
    return read_intervals(path, mapping)


def test_kpis_recombine_averages_with_their_weights(tmp_path):
    report = score_intervals(_read(tmp_path))
    assert report["offered"] == 35 and report["answered"] == 32
    assert report["aht"] == (8 * 200 + 20 * 300 + 4 * 400) / 32
    assert report["asa"] == (8 * 10 + 20 * 20 + 4 * 40) / 32
    assert report["service_level"] == (8 + 18 + 3) / 35  # SL % weighted by offered
    assert report["abandon_rate"] == 3 / 35
    assert report["avg_wait_all"] == (640 + 2 * 30 + 60) / 35
    assert report.results["service_level"].variant == (
        "as exported by the ACD (T=20 s), weighted by offered")
    assert report.results["fcr"].unavailable == "an interval-level export has no contact rows"


def test_forecast_follows_the_contract(tmp_path):
    forecast, notes = to_forecast(_read(tmp_path))
    assert list(forecast.columns) == ["interval_start", "calls", "aht_s", "queue"]
    assert forecast.to_dict("records") == [
        {"interval_start": "2026-03-02T08:00", "calls": 10, "aht_s": 200.0, "queue": "billing"},
        {"interval_start": "2026-03-02T08:00", "calls": 5, "aht_s": 400.0, "queue": "tech"},
        {"interval_start": "2026-03-02T08:30", "calls": 20, "aht_s": 300.0, "queue": "billing"},
        {"interval_start": "2026-03-02T08:30", "calls": 0, "aht_s": 400.0, "queue": "tech"},
    ]
    assert notes == ["tech: 1 interval(s) absent from the export, set to 0 calls"]


def test_forecast_without_queue_column_has_no_queue(tmp_path):
    columns = {k: v for k, v in COLUMNS.items() if k != "queue"}
    forecast, _ = to_forecast(_read(tmp_path, ROWS[:2], columns=columns))
    assert list(forecast.columns) == ["interval_start", "calls", "aht_s"]


def test_patience_mle_with_average_abandon_time(tmp_path):
    patience = patience_from_intervals(_read(tmp_path))
    # all: waiting = ASA x handled (640) + avg abandon x abandoned (2 x 30 + 60) = 760 s
    assert patience.loc["all", "mean_patience_s"] == 760 / 3
    assert patience.loc["billing", "mean_patience_s"] == (80 + 400 + 60) / 2
    assert patience.loc["tech", "mean_patience_s"] == (160 + 60) / 1
    assert patience.loc["all", "method"].startswith("exponential MLE from interval totals")


def test_patience_approximation_without_abandon_time(tmp_path):
    columns = {k: v for k, v in COLUMNS.items() if k != "avg_abandon_s"}
    patience = patience_from_intervals(_read(tmp_path, columns=columns))
    # billing: E[wait] ~ ASA = 480 / 28, over handled + abandoned = 30, per abandon (2)
    assert patience.loc["billing", "mean_patience_s"] == pytest.approx(480 / 28 * 30 / 2,
                                                                       rel=1e-12)
    assert patience.loc["billing", "method"].startswith("Erlang-A relation")


def test_aht_from_components(tmp_path):
    rows = ["2026-03-02 08:00,billing,10,10,0,150,30,20,80"]
    columns = {**{k: v for k, v in COLUMNS.items() if k != "aht_s"},
               "talk_s": "AHT", "hold_s": "ASA", "acw_s": "AvgAb"}
    data = _read(tmp_path, rows, columns=columns, interval_s=1800.0)
    assert score_intervals(data)["aht"] == 200.0


def test_interval_inferred_and_example_reads():
    mapping = load_mapping(EXAMPLES / "acd_intervals.mapping.toml", "intervals")
    data = read_intervals(EXAMPLES / "acd_intervals.csv", mapping)
    raw = pd.read_csv(EXAMPLES / "acd_intervals.csv")
    assert score_intervals(data)["offered"] == raw["Offered"].sum()
    assert data.interval_s == 1800.0


@pytest.mark.parametrize("row, message", [
    ("2026-03-02 09:00,billing,5,6,0,200,10,,80",
     "column 'Handled' (handled): '6' at row 4 (1 row(s)): handled + abandoned must not "
     "exceed offered"),
    ("2026-03-02 09:10,billing,5,5,0,200,10,,80",
     "column 'Interval' (interval_start): '2026-03-02 09:10' at row 4 (1 row(s)): must "
     "start on the 1800-second interval grid"),
    ("2026-03-02 08:00,billing,5,5,0,200,10,,80",
     "column 'Interval' (interval_start): '2026-03-02 08:00' at row 4 (1 row(s)): must "
     "be unique per queue"),
    ("2026-03-02 09:00,billing,,5,0,200,10,,80",
     "column 'Offered' (offered): empty value at row 4 (1 row(s)): must be a number on every"),
    ("2026-03-02 09:00,billing,5,5,0,-200,10,,80",
     "column 'AHT' (aht_s): '-200' at row 4 (1 row(s)): negative duration"),
    ("2026-03-02 09:00,billing,5,5,0,200,10,,180",
     "column 'SL' (service_level_pct): '180' at row 4 (1 row(s)): must lie in 0-100"),
    ("soon,billing,5,5,0,200,10,,80",
     "column 'Interval' (interval_start): 'soon' at row 4 (1 row(s)): must be set on every"),
])
def test_bad_rows_are_refused_with_their_row(tmp_path, row, message):
    with pytest.raises(InputError) as err:
        _read(tmp_path, ROWS + [row], interval_s=1800.0)
    assert str(err.value).startswith(message)


def test_missing_required_mapping_and_columns(tmp_path):
    with pytest.raises(InputError, match="offered is required"):
        _read(tmp_path, columns={k: v for k, v in COLUMNS.items() if k != "offered"})
    with pytest.raises(InputError, match=r"missing: Gone \(for asa_s\)"):
        _read(tmp_path, columns={**COLUMNS, "asa_s": "Gone"})


def test_empty_average_cells_weigh_only_the_rows_that_give_them(tmp_path):
    rows = ["2026-03-02 08:00,billing,10,10,0,300,20,,90",
            "2026-03-02 08:30,billing,10,10,0,,,,",
            "2026-03-02 09:00,billing,4,0,4,,,,"]  # no handled: an empty AHT is expected
    data = _read(tmp_path, rows)
    report = score_intervals(data)
    assert (report["aht"], report["asa"], report["service_level"]) == (300.0, 20.0, 0.9)
    averaged = "; averaged over the rows that give it"
    assert data.notes == (
        "aht_s (column 'AHT'): empty on 1 of 2 row(s) with handled > 0 (row 2)" + averaged,
        "asa_s (column 'ASA'): empty on 1 of 2 row(s) with handled > 0 (row 2)" + averaged,
        "avg_abandon_s (column 'AvgAb'): empty on 1 of 1 row(s) with abandoned > 0 (row 3)"
        + averaged,
        "service_level_pct (column 'SL'): empty on 2 of 3 row(s) with offered > 0 (row 2, 3)"
        + averaged,
    )
    forecast, notes = to_forecast(data)
    assert forecast["aht_s"].tolist() == [300.0, 300.0, 300.0]
    queue_aht = "take the queue's AHT 300.0 s"
    assert notes == ["billing: 1 interval(s) without handled contacts " + queue_aht,
                     "billing: 1 interval(s) with handled contacts but an empty AHT cell "
                     + queue_aht]
    # ASA only on row 1: E[wait] ~ 20 s over handled + abandoned = 24, per abandon (4)
    assert patience_from_intervals(data).loc["all", "mean_patience_s"] == 20 * 24 / 4


def test_contacts_only_settings_are_refused_for_intervals():
    with pytest.raises(InputError, match="time.origin: '2026-03-02' must be left out"):
        load_mapping(None, "intervals", origin="2026-03-02")
    with pytest.raises(InputError, match="settings.sl_threshold_s: 20 must be left out"):
        load_mapping(None, "contacts", sl_threshold_s=20)
