"""The log's I/O: lossless round trips, clear errors, and writes that are all or nothing."""

import pandas as pd
import pytest

from sim.engine import simulate
from sim.errors import InputError
from sim.interaction_log import InteractionLog, read_log, write_log
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
    calls = []

    def fail_on_second_table(self, path, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        path.write_bytes(b"partial")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_on_second_table)
    with pytest.raises(OSError):
        write_log(log, tmp_path / "new", "parquet")
    assert list(tmp_path.iterdir()) == []  # no output directory, no staging left behind


def test_failed_rewrite_keeps_the_previous_log_whole(log, tmp_path, monkeypatch):
    write_log(log, tmp_path / "out", "parquet")
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    monkeypatch.setattr(pd.DataFrame, "to_parquet", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
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
