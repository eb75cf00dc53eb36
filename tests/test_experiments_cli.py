"""`ccplan experiment replicate|compare|sweep`: JSON shapes, tables, files, one-line errors."""

import json

import pandas as pd
import pytest
import tomli_w

from sim.cli import main


def tiny(staffing=5):
    return {
        "name": "tiny",
        "horizon": {"days": 1, "interval_min": 30, "open_time": "08:00", "close_time": "09:00"},
        "queues": [{"name": "sales", "arrivals": {"daily_volume": 100},
                    "handle": {"dist": "exponential", "mean_s": 300},
                    "patience": {"dist": "exponential", "mean_s": 120}}],
        "agent_groups": [{"name": "team", "serves": ["sales"], "staffing": staffing}],
    }


@pytest.fixture()
def files(tmp_path):
    paths = []
    for name, staffing in (("a.toml", 5), ("b.toml", 7)):
        path = tmp_path / name
        path.write_bytes(tomli_w.dumps(tiny(staffing)).encode())
        paths.append(str(path))
    return paths


def test_replicate_json_shape_and_parts(files, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["experiment", "replicate", files[0], "--reps", "3", "--workers", "1",
                 "--kpis", "service_level,asa", "--out", str(out), "--json", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["reps"] == 3 and list(result["kpis"]) == ["service_level", "asa"]
    assert set(result["kpis"]["asa"]) == {"mean", "ci_low", "ci_high", "se"}
    assert len(list((out / "run").glob("rep-*.parquet"))) == 3
    table = pd.read_parquet(out / "table.parquet")
    assert list(table.columns) == ["rep", "seed", "service_level", "asa"]
    assert result["kpis"]["asa"]["mean"] == pytest.approx(table["asa"].mean())


def test_compare_json_and_readable_table(files, capsys):
    assert main(["experiment", "compare", *files, "--reps", "3", "--workers", "1", "--quiet",
                 "--kpis", "service_level", "--json"]) == 0
    kpi = json.loads(capsys.readouterr().out)["kpis"]["service_level"]
    assert {"a_mean", "b_mean", "diff", "ci_low", "ci_high"} <= set(kpi) and kpi["diff"] > 0
    assert main(["experiment", "compare", *files, "--reps", "3", "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "paired differences b - a" in out and "common random numbers" in out
    assert "variance cut by CRN" in out and " pts" in out


def test_sweep_writes_the_tidy_table(files, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["experiment", "sweep", files[0], "--set", "agent_groups[0].staffing=4,6",
                 "--set", "queues[0].handle.mean_s=240.0", "--reps", "2", "--workers", "1",
                 "--kpis", "asa", "--out", str(out), "--quiet"]) == 0
    table = pd.read_parquet(out / "table.parquet")
    assert list(table.columns) == ["agent_groups[0].staffing", "queues[0].handle.mean_s", "rep", "seed", "asa"]
    assert len(table) == 4 and "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["sweep", "{a}", "--set", "agent_groups[0].stafing=4", "--reps", "2", "--out", "{out}"],
     "error: agent_groups[0].stafing: no such field in scenario 'tiny'"),
    (["sweep", "{a}", "--set", "queues[0].handle.mean_s=-1", "--reps", "2", "--out", "{out}"],
     "queues[0].handle.mean_s: -1 is not > 0"),
    (["sweep", "{a}", "--set", "agent_groups[0].staffing", "--reps", "2", "--out", "{out}"],
     "error: --set: 'agent_groups[0].staffing' is not FIELD=V1,V2,..."),
    (["replicate", "{a}", "--reps", "2", "--kpis", "asa,sl"], "error: kpis: 'sl' is not a KPI id"),
    (["replicate", "{a}", "--reps", "1"], "error: reps: 1 is not a whole number >= 2"),
    (["replicate", "{a}", "--reps", "2", "--workers", "0"], "error: workers: 0 is not a whole number >= 1"),
])
def test_bad_input_is_one_line_and_nothing_is_written(files, tmp_path, capsys, args, message):
    out = tmp_path / "never"
    argv = ["experiment"] + [a.format(a=files[0], out=out) for a in args] + ["--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (out / "table.parquet").exists()
