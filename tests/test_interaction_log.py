"""The log's I/O: lossless round trips, clear errors, and writes that are all or nothing."""

import errno
import json
import os
import tempfile

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.engine import simulate
from sim.errors import InputError
from sim.interaction_log import InteractionLog, LogMeta, check_writable, read_log, write_log
from sim.log_schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS
from sim.scenario import parse_scenario


@pytest.fixture(scope="module")
def log(minimal) -> InteractionLog:
    data = minimal()
    data["queues"][0]["patience"] = {"dist": "exponential", "mean_s": 60}
    data["queues"][0]["wrap"] = {"dist": "deterministic", "mean_s": 30}
    return simulate(parse_scenario(data))


def test_simulated_log_has_the_contract_columns_in_order(log):
    # The contract's columns first; then the simulator's own: callback tries per contact.
    assert list(log.contacts.columns) == [c.name for c in CONTACT_COLUMNS] + ["callback_tries"]
    assert list(log.agent_states.columns) == [c.name for c in AGENT_STATE_COLUMNS]
    assert {"answered", "abandoned"} <= set(log.contacts["outcome"])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_is_lossless(log, tmp_path, fmt):
    write_log(log, tmp_path / "out", fmt)
    back = read_log(tmp_path / "out")
    pd.testing.assert_frame_equal(back.contacts, log.contacts, check_exact=(fmt == "parquet"))
    pd.testing.assert_frame_equal(back.agent_states, log.agent_states, check_exact=(fmt == "parquet"))
    assert back.meta == log.meta


def test_csv_round_trip_keeps_times_to_the_last_bit(log, tmp_path):
    write_log(log, tmp_path / "out", "csv")
    back = read_log(tmp_path / "out")
    assert back.contacts["arrival_s"].equals(log.contacts["arrival_s"])


def test_rewriting_in_another_format_removes_the_old_files(log, tmp_path):
    write_log(log, tmp_path / "out", "parquet")
    write_log(log, tmp_path / "out", "csv")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["agent_states.csv", "contacts.csv", "meta.json"]


def test_failed_write_leaves_nothing(log, tmp_path, monkeypatch):
    """A disk filling up while the second table is written: one line naming the
    directory, and neither the log directory nor the staging one is left behind."""
    calls = []
    write_table = pq.ParquetWriter.write_table

    def fail_on_second_table(self, table, *args, **kwargs):
        calls.append(table)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        write_table(self, table, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail_on_second_table)
    with pytest.raises(InputError, match=r"out: .*new cannot be written \(No space left on device\)"):
        write_log(log, tmp_path / "new", "parquet")
    assert list(tmp_path.iterdir()) == []  # no output directory, no staging left behind


def test_failed_rewrite_keeps_the_previous_log_whole(log, tmp_path, monkeypatch):
    write_log(log, tmp_path / "out", "parquet")
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    monkeypatch.setattr(pq.ParquetWriter, "write_table",
                        lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(InputError, match="cannot be written"):
        write_log(log, tmp_path / "out", "parquet")
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_reading_a_bad_log_names_the_problem(log, tmp_path):
    with pytest.raises(InputError, match="is not a directory"):
        read_log(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="has no contacts.parquet or contacts.csv"):
        read_log(tmp_path / "empty")
    write_log(log, tmp_path / "out", "csv")
    contacts = pd.read_csv(tmp_path / "out" / "contacts.csv").drop(columns=["queue", "outcome"])
    contacts.to_csv(tmp_path / "out" / "contacts.csv", index=False)
    with pytest.raises(InputError, match="contacts: missing required column.s. queue, outcome"):
        read_log(tmp_path / "out")
    (tmp_path / "out" / "contacts.csv").write_text("")
    with pytest.raises(InputError, match="contacts.csv: cannot be read"):
        read_log(tmp_path / "out")


def test_wrong_type_is_named(log, tmp_path):
    write_log(log, tmp_path / "out", "csv")
    contacts = pd.read_csv(tmp_path / "out" / "contacts.csv")
    contacts["arrival_s"] = contacts["arrival_s"].astype(object)
    contacts.loc[0, "arrival_s"] = "soon"
    contacts.to_csv(tmp_path / "out" / "contacts.csv", index=False)
    with pytest.raises(InputError, match="contacts.arrival_s: cannot be read as float64"):
        read_log(tmp_path / "out")


# --- meta.json: versioned and validated (#11) ---

def test_meta_json_carries_its_schema_version(log, tmp_path):
    write_log(log, tmp_path / "out")
    assert json.loads((tmp_path / "out" / "meta.json").read_text())["schema_version"] == 1


def test_meta_json_without_a_version_is_read_as_version_1(log, tmp_path):
    out = write_log(log, tmp_path / "out")
    data = json.loads((out / "meta.json").read_text())
    del data["schema_version"]
    (out / "meta.json").write_text(json.dumps(data))
    assert read_log(out).meta == log.meta


@pytest.mark.parametrize("text, message", [
    ("{", r"meta.json: is not valid JSON \(Expecting property name"),
    ("[1]", "meta.json: must hold a JSON object"),
    ('{"interval_s": 1800, "colour": "red"}', "meta.json: colour: unknown key .allowed: "
     "schema_version, interval_s"),
    ('{"interval_s": "1800"}', "meta.json: interval_s: '1800' must be a number"),
    ('{"seed": 1.5}', "meta.json: seed: 1.5 must be a whole number"),
    ('{"seed": -3}', "meta.json: seed: -3 must be >= 0"),
    ('{"interval_s": 1700}', "meta.json: interval_s: 1700.0 must be > 0 and divide a day"),
    ('{"extra": [1]}', r"meta.json: extra: \[1\] must be a JSON object"),
    ('{"schema_version": 9}', r"meta.json: schema_version: 9 is not supported \(this ccplan "
     r"reads version 1\)"),
])
def test_a_bad_meta_json_is_one_line_naming_the_file_and_the_key(log, tmp_path, text, message):
    out = write_log(log, tmp_path / "out")
    (out / "meta.json").write_text(text)
    with pytest.raises(InputError, match=message) as err:
        read_log(out)
    assert "\n" not in str(err.value)


def test_meta_built_in_code_is_validated_too():
    assert LogMeta(interval_s=900, seed=4).interval_s == 900.0
    numpy_numbers = LogMeta(seed=np.int64(4), horizon_s=np.float32(7200))  # e.g. from np.arange
    assert (numpy_numbers.seed, numpy_numbers.horizon_s) == (4, 7200.0)
    assert type(numpy_numbers.seed) is int
    with pytest.raises(InputError, match=r"^meta.horizon_s: 'long' must be a number$"):
        LogMeta(horizon_s="long")
    with pytest.raises(InputError, match="meta.colour: unknown key"):
        LogMeta(colour="red")


# --- CSV keeps text labels as text (#11) ---

def test_csv_round_trip_keeps_labels_that_look_like_numbers(tmp_path):
    from test_kpi_fixtures import small_log

    original = small_log()
    contacts, states = original.contacts.copy(), original.agent_states.copy()
    contacts["queue"] = contacts["queue"].map({"billing": "0800", "tech": "01", "email": "2"})
    contacts["reason"] = "007"
    for frame in (contacts, states):
        frame["agent_id"] = frame["agent_id"].map({"a1": "01", "a2": "02", "v1": "1e3"},
                                                  na_action="ignore")
    numeric = InteractionLog(contacts, states, original.meta)
    back = read_log(write_log(numeric, tmp_path / "out", "csv"))
    pd.testing.assert_frame_equal(back.contacts, numeric.contacts)
    pd.testing.assert_frame_equal(back.agent_states, numeric.agent_states)
    assert set(back.contacts["queue"]) == {"0800", "01", "2"}


# --- overwriting swaps whole directories; unwritable places refused up front (#11) ---

def _files(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def test_an_interrupted_overwrite_leaves_the_old_log_whole(log, tmp_path, monkeypatch):
    out = write_log(log, tmp_path / "out", "parquet")
    before = _files(out)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_log(log, out, "csv")
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_interruption_between_the_renames_puts_the_old_log_back(log, tmp_path,
                                                                    monkeypatch):
    out = write_log(log, tmp_path / "out", "parquet")
    before = _files(out)
    rename = os.rename

    def interrupted_when_moving_the_new_log_in(src, dst, *args, **kwargs):
        if ".partial-" in str(src):
            assert not out.exists()  # the old log is aside at this point
            raise KeyboardInterrupt
        return rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", interrupted_when_moving_the_new_log_in)
    with pytest.raises(KeyboardInterrupt):
        write_log(log, out, "csv")
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_directory_with_other_files_is_not_replaced(log, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"holds files that are not part of a log \(notes.txt\)"):
        write_log(log, tmp_path, "csv")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_path_under_a_file_is_refused(log, tmp_path):
    (tmp_path / "afile").write_text("")
    with pytest.raises(InputError, match=r"^out: .*afile/sub is under .*afile, a file, not a "
                                         r"directory$"):
        check_writable(tmp_path / "afile" / "sub")
    with pytest.raises(InputError, match="afile exists and is not a directory"):
        write_log(log, tmp_path / "afile")


@pytest.mark.parametrize("error", [PermissionError(errno.EACCES, "Permission denied"),
                                   OSError(errno.EROFS, "Read-only file system")])
def test_an_unwritable_place_is_one_line(log, tmp_path, monkeypatch, error):
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(InputError, match=rf"^out: .*new cannot be written \({error.strerror}\)$"):
        write_log(log, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_a_symlinked_log_directory_keeps_its_link(log, tmp_path):
    target = write_log(log, tmp_path / "target", "parquet")
    (tmp_path / "link").symlink_to(target)
    write_log(log, tmp_path / "link", "csv")
    assert (tmp_path / "link").is_symlink()
    assert sorted(p.name for p in target.iterdir()) == ["agent_states.csv", "contacts.csv",
                                                        "meta.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "target"]
