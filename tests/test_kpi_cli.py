"""`ccplan kpi LOG_DIR`: JSON of every KPI id, grouped CSV, settings options, errors."""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.interaction_log import write_log
from sim.kpis import CATALOGUE
from test_kpi_fixtures import small_log


@pytest.fixture
def log_dir(tmp_path):
    return str(write_log(small_log(), tmp_path / "log"))


def test_json_maps_every_kpi_id_to_its_value(log_dir, capsys):
    assert main(["kpi", log_dir, "--json"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert list(values) == [spec.id for spec in CATALOGUE]
    assert values["service_level"] == 2 / 7
    assert values["channel_mix"] == {"chat": 0.1, "email": 0.2, "phone": 0.7}
    assert values["retention_rate"] is None


def test_options_change_the_settings(log_dir, capsys):
    main(["kpi", log_dir, "--json", "--sl-variant", "answered_within_t_over_answered",
          "--recontact-window-days", "0"])
    values = json.loads(capsys.readouterr().out)
    assert values["service_level"] == 2 / 5
    assert values["fcr"] == 3 / 7  # r9 (2000 s) is outside a zero window after r1


def test_by_interval_csv(log_dir, capsys):
    assert main(["kpi", log_dir, "--by", "interval", "--csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col="interval")
    assert frame["contacts"].tolist() == [6, 4, 0, 0, 0, 0]
    assert frame.loc[1, "service_level"] == pytest.approx(1 / 3, rel=1e-12)


def test_text_report_shows_units_and_bands(log_dir, capsys):
    main(["kpi", log_dir])
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "25.0 %" in lines["abandon_rate"] and "worse than typical" in lines["abandon_rate"]
    assert "not available: the log has no churned column" in lines["retention_rate"]


def test_settings_file_and_errors(log_dir, tmp_path, capsys):
    settings = tmp_path / "kpi.toml"
    settings.write_text("sl_threshold_s = 30\nshort_abandon_s = 2\n")
    main(["kpi", log_dir, "--json", "--settings", str(settings)])
    assert json.loads(capsys.readouterr().out)["service_level"] == 4 / 8
    settings.write_text("sl_treshold = 30\n")
    assert main(["kpi", log_dir, "--settings", str(settings)]) == 2
    assert "error: kpi settings: unknown key(s) sl_treshold" in capsys.readouterr().err
    assert main(["kpi", str(tmp_path / "nowhere")]) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_csv_without_by_writes_one_row_per_label_of_a_dict_kpi(log_dir, capsys):
    assert main(["kpi", log_dir, "--csv"]) == 0
    frame = pd.read_csv(io.StringIO(capsys.readouterr().out), index_col="id")
    assert "channel_mix" not in frame.index
    assert frame.loc["channel_mix.phone", "value"] == 0.7
    assert frame.loc["transfer_rate_by_destination.tech", "value"] == pytest.approx(1 / 6)
    assert frame.loc["retention_rate", "unavailable"] == "the log has no churned column"
    assert not frame["value"].astype(str).str.contains("{").any()


def test_grouped_json_carries_the_unavailable_reasons(log_dir, capsys):
    assert main(["kpi", log_dir, "--by", "queue", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [row["queue"] for row in body["rows"]] == ["billing", "email", "tech"]
    assert body["unavailable"]["occupancy"] == (
        "agent time cannot be split by queue (agents serve several)")
    assert body["unavailable"]["retention_rate"] == "the log has no churned column"


def test_details_with_by_is_refused(log_dir, capsys):
    assert main(["kpi", log_dir, "--by", "day", "--details"]) == 2
    assert "error: --details: not available with --by" in capsys.readouterr().err


def test_settings_file_costs_overlay_the_logs_rates(tmp_path, capsys):
    rates = {"hourly_by_group": {"g1": 40.0}, "telephony_per_minute": 0.6}
    log_dir = str(write_log(small_log(extra={"costs": rates}), tmp_path / "log"))
    settings = tmp_path / "kpi.toml"
    settings.write_text("[costs]\ntelephony_per_minute = 0.012\n")
    main(["kpi", log_dir, "--json", "--settings", str(settings)])
    # g1 1.5 h x 40 (the log's) + acme 1 h x 25 + 1118 phone seconds x 0.012 (the file's)
    assert json.loads(capsys.readouterr().out)["total_cost"] == pytest.approx(
        60 + 25 + 1118 / 60 * 0.012, rel=1e-12)


def test_a_log_without_meta_json_says_so_on_stderr(log_dir, capsys):
    (Path(log_dir) / "meta.json").unlink()
    assert main(["kpi", log_dir, "--json"]) == 0
    captured = capsys.readouterr()
    assert list(json.loads(captured.out)) == [spec.id for spec in CATALOGUE]  # shape kept
    notes = captured.err.splitlines()
    assert notes[0] == (f"note: {log_dir} has no meta.json: read with 30-min intervals up to "
                        "the last event, no calendar date, no per-queue short-abandon grace, "
                        "no cost rates of its own")
    assert notes[1].startswith("note: cost KPIs use built-in placeholder rates (35 EUR/h "
                               "in-house, 25 EUR/staffed h for vendors, 0.01 EUR/min telephony)")


def test_no_placeholder_note_when_rates_are_known(tmp_path, capsys):
    log_dir = str(write_log(small_log(extra={"costs": {"currency": "USD"}}), tmp_path / "log"))
    main(["kpi", log_dir, "--by", "queue", "--json"])
    assert capsys.readouterr().err == ""
    settings = tmp_path / "kpi.toml"
    settings.write_text("[costs]\nin_house_hourly = 30\n")
    main(["kpi", str(write_log(small_log(), tmp_path / "bare")), "--settings", str(settings)])
    assert capsys.readouterr().err == ""


def test_no_progress_bar_off_a_terminal_and_quiet_is_accepted(log_dir, capsys):
    assert main(["kpi", log_dir, "--quiet", "--csv"]) == 0
    assert main(["kpi", log_dir, "--by", "interval"]) == 0
    assert "scoring" not in capsys.readouterr().err


def test_progress_reaches_the_whole_work():
    from sim.kpis import score, score_by

    seen = []
    score(small_log(), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3
    seen.clear()
    score_by(small_log(), "queue", progress=seen.append)
    assert seen[-1] == 1.0


def test_the_kpi_command_loads_no_heavy_module():
    code = ("import sys, sim.cli.kpi; heavy = {'numpy', 'pandas', 'pyarrow', 'tqdm'}; "
            "print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def _stderr_on_a_terminal(argv: list[str]) -> str:
    """Run `ccplan argv` with stderr on a pseudo-terminal 100 columns wide."""
    pty, fcntl, termios, struct = (pytest.importorskip(m) for m in
                                   ("pty", "fcntl", "termios", "struct"))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    code = "import sys; from sim.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen([sys.executable, "-c", code, *argv],
                               stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert process.wait() == 0
    return out.decode(errors="replace")


def test_progress_bar_on_a_terminal_unless_quiet(log_dir):
    shown = _stderr_on_a_terminal(["kpi", log_dir, "--by", "interval"])
    assert "reading:   0%|" in shown and "scoring:" in shown
    assert "reading" not in _stderr_on_a_terminal(["kpi", log_dir, "--quiet"])


def test_text_output_reads_as_people_write_figures(tmp_path, capsys):
    """Plain digits (23,742 EUR, not 2.374e+04), intervals by weekday, date and clock time,
    and closed intervals left out unless asked for (issue 11 §5)."""
    out = tmp_path / "day"
    assert main(["simulate", "scenarios/default.toml", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["kpi", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "e+0" not in text and re.search(r"total_cost +\d{2},\d{3} EUR", text)
    assert main(["kpi", str(out), "--by", "interval", "--quiet"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert rows[0].startswith("Mon 2026-11-23 08:00") and "e+0" not in "".join(rows)
    assert not any(r.startswith("Mon 2026-11-23 07:30") for r in rows)  # before the open
    assert main(["kpi", str(out), "--by", "interval", "--quiet", "--all-intervals"]) == 0
    every = capsys.readouterr().out.splitlines()[2:]
    assert every[0].startswith("Mon 2026-11-23 00:00") and len(every) == 48
