"""`ccplan import contacts|intervals`: the shipped examples end to end, and bad input."""

import json
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.interaction_log import read_log

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_import_contacts_then_score(tmp_path, capsys):
    out = tmp_path / "log"
    code = main(["import", "contacts", str(EXAMPLES / "acd_contacts.csv"), "--mapping",
                 str(EXAMPLES / "acd_contacts.mapping.toml"), "--out", str(out),
                 "--format", "csv", "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows_read"] == summary["rows_imported"] == 33
    assert summary["patience"]["all"]["abandoned"] == 2
    assert len(read_log(out).contacts) == 33
    assert main(["kpi", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["offered"] == 31


def test_import_contacts_options_without_mapping_file(tmp_path, capsys):
    export = tmp_path / "calls.csv"
    export.write_text("start,end,state,talk,acw\n"
                      "2026-03-02T08:00:00,2026-03-02T08:05:00,done,240,60\n"
                      "2026-03-02T08:01:00,2026-03-02T08:01:30,lost,,\n"
                      "2026-03-02T08:02:00,2026-03-02T08:02:30,???,,\n")
    args = ["import", "contacts", str(export), "--out", str(tmp_path / "log"),
            "--column", "arrival_s=start", "--column", "end_s=end",
            "--column", "outcome=state", "--column", "handle_s=talk",
            "--column", "wrap_s=acw", "--outcome", "done=answered",
            "--outcome", "lost=abandoned"]
    assert main(args) == 2
    assert "channel, queue not mapped" in capsys.readouterr().err
    args += ["--column", "queue=state", "--column", "channel=state"]
    assert main(args) == 2
    assert "column 'state' (outcome): '???' at row 3" in capsys.readouterr().err
    assert main(args + ["--skip-bad-rows"]) == 2  # 1 of 3 rows is more than 1 %
    assert "1 of 3 rows rejected (33.3%), more than --max-bad-share 1.0%" in (
        capsys.readouterr().err)
    assert main(args + ["--skip-bad-rows", "--max-bad-share", "50", "--rejects",
                        str(tmp_path / "bad.csv")]) == 0
    captured = capsys.readouterr()
    assert "rejected row 3: column 'state' (outcome): '???'" in captured.err
    assert "imported 2 of 3 rows" in captured.out
    assert pd.read_csv(tmp_path / "bad.csv")["row"].tolist() == [3]


def test_import_intervals_writes_forecast(tmp_path, capsys):
    forecast = tmp_path / "forecast.csv"
    code = main(["import", "intervals", str(EXAMPLES / "acd_intervals.csv"), "--mapping",
                 str(EXAMPLES / "acd_intervals.mapping.toml"), "--forecast-out",
                 str(forecast), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    frame = pd.read_csv(forecast)
    assert list(frame.columns) == ["interval_start", "calls", "aht_s", "queue"]
    assert frame["calls"].sum() == summary["kpis"]["offered"]
    assert pd.to_datetime(frame["interval_start"], format="%Y-%m-%dT%H:%M").notna().all()


def test_import_empty_file_is_a_clear_error(tmp_path, capsys):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code = main(["import", "intervals", str(empty), "--mapping",
                 str(EXAMPLES / "acd_intervals.mapping.toml")])
    assert code == 2
    assert "empty.csv: the file is empty" in capsys.readouterr().err
