"""`ccplan simulate` from the command line: output files, determinism, clear refusals."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.interaction_log import read_log

ROOT = Path(__file__).parent.parent
BANK = ROOT / "scenarios" / "retail_bank_week.toml"


def test_simulate_writes_the_log(tmp_path, capsys):
    assert main(["simulate", str(BANK), "--seed", "3", "--out", str(tmp_path / "log"), "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "log").iterdir()) == [
        "agent_states.parquet", "contacts.parquet", "meta.json"]
    assert "contacts" in capsys.readouterr().out
    assert read_log(tmp_path / "log").meta.seed == 3


def test_same_seed_same_files_bit_for_bit(tmp_path):
    for name in ("a", "b"):
        main(["simulate", str(BANK), "--seed", "11", "--out", str(tmp_path / name), "--format", "csv", "--quiet"])
    for table in ("contacts.csv", "agent_states.csv"):
        assert (tmp_path / "a" / table).read_bytes() == (tmp_path / "b" / table).read_bytes()
    main(["simulate", str(BANK), "--seed", "12", "--out", str(tmp_path / "c"), "--format", "csv", "--quiet"])
    assert (tmp_path / "a" / "contacts.csv").read_bytes() != (tmp_path / "c" / "contacts.csv").read_bytes()


def test_bad_scenario_exits_2_with_message_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(BANK.read_text().replace("daily_volume = [3100,", "daily_volume = [-3100,"))
    assert main(["simulate", str(bad), "--out", str(tmp_path / "log")]) == 2
    err = capsys.readouterr().err
    assert "queues[0].arrivals.daily_volume[0]: -3100 is not >= 0" in err
    assert "Traceback" not in err
    assert not (tmp_path / "log").exists()


def test_console_script_reports_without_traceback(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ccplan"), "simulate", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")],
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert "none.toml: cannot be read" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_negative_seed_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", str(BANK), "--seed", "-1", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert "--seed: -1 is not >= 0" in capsys.readouterr().err


def test_csv_and_parquet_hold_the_same_log(tmp_path):
    main(["simulate", str(BANK), "--out", str(tmp_path / "p"), "--quiet"])
    main(["simulate", str(BANK), "--out", str(tmp_path / "c"), "--format", "csv", "--quiet"])
    pd.testing.assert_frame_equal(read_log(tmp_path / "p").contacts, read_log(tmp_path / "c").contacts)


def test_an_unwritable_out_is_refused_before_simulating(tmp_path, capsys, monkeypatch):
    import sim.cli.simulate

    def must_not_run(args):
        raise AssertionError("simulated although --out cannot be written")

    monkeypatch.setattr(sim.cli.simulate, "simulate_file", must_not_run)
    (tmp_path / "afile").write_text("")
    assert main(["simulate", str(BANK), "--out", str(tmp_path / "afile" / "sub")]) == 2
    assert capsys.readouterr().err == (
        f"error: out: {tmp_path / 'afile' / 'sub'} is under {tmp_path / 'afile'}, a file, "
        "not a directory\n")


def test_a_run_too_large_for_the_machine_is_refused_unless_allowed(tmp_path, capsys, monkeypatch):
    from sim.engine import estimate

    monkeypatch.setattr(estimate, "available_memory_bytes", lambda: 50_000)  # 50 kB "free"
    out = tmp_path / "log"
    assert main(["simulate", str(BANK), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: scenario ") and "contacts, about" in err
    assert "ccplan simulate --allow-large" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["simulate", str(BANK), "--out", str(out), "--quiet", "--allow-large"]) == 0
    assert (out / "contacts.parquet").exists()
