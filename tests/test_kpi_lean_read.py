"""A Parquet log read lean (open_log: chunks, coded text) scores as the whole log does.

Chunks are made tiny (CHUNK_ROWS) and the files are written in small row groups, so every
table is read and checked in many pieces, as a 10-million-contact log is.
"""

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.interaction_log
import sim.kpis.context
import sim.kpis.engine
import sim.kpis.grouping
import sim.kpis.issues
import sim.kpis.log_reader
from sim.cli import main
from sim.engine import simulate
from sim.errors import InputError
from sim.interaction_log import InteractionLog, meta_json, write_log
from sim.kpis import CompactLog, KpiSettings, open_log, score, score_by
from sim.kpis.issues import issue_order
from sim.kpis.validate import agent_state_violations, contact_violations, describe
from sim.scenario import load_scenario
from test_kpi_fixtures import contacts_frame, small_log, states_frame

# Agent time and queue seconds are summed chunk by chunk (agent spells totalled per time
# bucket first): the same seconds added in another order, so KPIs of agent time and
# queue_len agree to float rounding only.
RELATIVE = 1e-12


def _chunk_rows(monkeypatch, rows: int):
    for module in (sim.interaction_log, sim.kpis.engine, sim.kpis.grouping,
                   sim.kpis.log_reader, sim.kpis.context, sim.kpis.issues):
        monkeypatch.setattr(module, "CHUNK_ROWS", rows)


@pytest.fixture
def tiny_chunks(monkeypatch):
    _chunk_rows(monkeypatch, 7)


@pytest.fixture
def small_chunks(monkeypatch):
    _chunk_rows(monkeypatch, 700)


@pytest.fixture(scope="module", params=["omnichannel", "helpdesk_l1_l2"])
def simulated(request):
    """Async and live channels (omnichannel); transfers and resolutions (helpdesk)."""
    return simulate(load_scenario(f"scenarios/{request.param}.toml"))


def write_in_row_groups(log: InteractionLog, out, rows_per_group: int):
    """`log` as a Parquet log directory whose tables have many small row groups."""
    out.mkdir()
    for name in ("contacts", "agent_states"):
        table = pa.Table.from_pandas(getattr(log, name), preserve_index=False)
        pq.write_table(table, out / f"{name}.parquet", row_group_size=rows_per_group)
    (out / "meta.json").write_text(meta_json(log.meta))
    return out


def assert_close(lean, whole):
    """Equal, or equal to float rounding (RELATIVE); NaN and None where the other has."""
    if isinstance(whole, dict):
        assert list(lean) == list(whole)
        for key in whole:
            assert_close(lean[key], whole[key])
    elif whole is None or (isinstance(whole, float) and math.isnan(whole)):
        assert lean is None or math.isnan(lean)
    else:
        assert lean == pytest.approx(whole, rel=RELATIVE, abs=1e-9)


def test_simulated_log_scores_as_the_whole_log(simulated, tmp_path, small_chunks):
    lean = open_log(write_in_row_groups(simulated, tmp_path / "log", rows_per_group=500))
    assert isinstance(lean, CompactLog)
    assert pq.ParquetFile(lean.agent_states_path).num_row_groups > 5  # and > 5 chunks
    assert_close(score(lean).values(), score(simulated).values())
    for by in ("interval", "queue", "day", ["interval", "queue"], ["day", "agent_group"],
               "partner", "channel"):
        whole, read = score_by(simulated, by), score_by(lean, by)
        assert list(read.index) == list(whole.index)
        assert list(read.columns) == list(whole.columns)
        assert read.attrs == whole.attrs
        pd.testing.assert_frame_equal(read, whole, rtol=RELATIVE, atol=1e-9)


# KPIs of agent time and queue seconds: the same seconds summed chunk by chunk, in another
# order, so equal to float rounding only.
SUMMED_IN_ANOTHER_ORDER = {"occupancy", "utilization", "handled_per_hour", "resolved_per_hour",
                           "total_cost", "cost_per_contact", "outbound_calls_per_hour",
                           "queue_len"}


def assert_identical_but_sums_of_time(whole, lean) -> None:
    """Every KPI but those summed in another order is bit for bit the same."""
    def kept(report):
        return {k: v for k, v in report.values().items() if k not in SUMMED_IN_ANOTHER_ORDER}

    assert kept(lean) == kept(whole)


def test_other_kpis_are_identical_not_just_close(simulated, tmp_path, small_chunks):
    # only agent time and queue seconds (queue_len) are summed in another order: chunk by
    # chunk; every other KPI is bit for bit the same
    lean = open_log(write_in_row_groups(simulated, tmp_path / "log", rows_per_group=500))
    assert_identical_but_sums_of_time(score(simulated), score(lean))


def test_text_is_read_as_codes_and_only_scored_columns(simulated, tmp_path):
    lean = open_log(write_log(simulated, tmp_path / "log"))
    assert isinstance(lean.contacts["queue"].dtype, pd.CategoricalDtype)
    assert "agent_id" not in lean.contacts.columns and "attempt" not in lean.contacts.columns
    assert list(lean.contacts["queue"].cat.categories) == sorted(
        simulated.contacts["queue"].dropna().unique())


def test_columns_are_narrowed_only_as_far_as_their_values_allow(simulated, tmp_path,
                                                                 small_chunks):
    # values that do not fit the narrow type come only in the last row group: the column is
    # widened then, and every value read earlier is kept
    contacts = simulated.contacts.copy()
    assert len(contacts) > 1500
    last = contacts.index[-300:]
    contacts.loc[last[0], "ces"] = 3.3  # not a float16, nor a float32
    contacts.loc[last[1], "nps"] = 7.5  # a float16 still
    contacts.loc[last[2], "segment"] = 300  # beyond int8
    contacts.loc[last, "reason"] = [f"reason {i}" for i in range(len(last))]  # 300 labels
    log = InteractionLog(contacts, simulated.agent_states, simulated.meta)
    lean = open_log(write_in_row_groups(log, tmp_path / "log", rows_per_group=500))
    read = lean.contacts
    assert read["csat"].dtype == np.float16 and read["nps"].dtype == np.float16
    assert read["ces"].dtype == np.float64 and read["arrival_s"].dtype == np.float64
    assert read["segment"].dtype == np.int16 and read["issue_id"].dtype == np.int64
    assert read["queue"].cat.codes.dtype == np.int8
    assert read["reason"].cat.codes.dtype == np.int16
    for name in ("csat", "nps", "ces", "arrival_s", "segment", "contact_id"):
        np.testing.assert_array_equal(read[name].to_numpy(float), contacts[name].to_numpy(float))
    assert list(read["reason"].astype(object)) == list(contacts["reason"])
    assert_identical_but_sums_of_time(score(log), score(lean))


def test_optional_columns_and_missing_labels_survive(tmp_path, tiny_chunks):
    contacts = contacts_frame()
    contacts["churned"] = pd.array([None] * 3 + [True] + [None] * 7, dtype="boolean")
    contacts["qa_score"] = [80.0, 90.0] + [float("nan")] * 9
    contacts["direction"] = ["inbound"] * 10 + [" Outbound"]
    log = small_log(contacts)
    lean = open_log(write_in_row_groups(log, tmp_path / "log", rows_per_group=3))
    assert_close(score(lean).values(), score(log).values())
    pd.testing.assert_frame_equal(score_by(lean, ["interval", "partner"]),
                                  score_by(log, ["interval", "partner"]), rtol=RELATIVE)


def test_csv_logs_are_read_whole(tmp_path):
    log = small_log()
    read = open_log(write_log(log, tmp_path / "log", "csv"))
    assert isinstance(read, InteractionLog)
    assert score(read).values() == score(log).values()


def test_spells_out_of_order_are_still_checked_for_overlaps(tmp_path, tiny_chunks):
    # agent a1's spells reversed: the chunked check cannot follow them, the sort does
    states = states_frame()
    states = states.iloc[::-1].reset_index(drop=True)
    states.loc[states.index[-1], "end_s"] = 2000.0  # a1's first spell now runs into its next
    log = small_log(states=states)
    with pytest.raises(InputError) as whole:
        score(log)
    lean = open_log(write_in_row_groups(log, tmp_path / "log", rows_per_group=2))
    with pytest.raises(InputError) as read:
        score(lean)
    assert read.value.problems == whole.value.problems == whole_table_problems(log)
    assert "spells of one agent must not overlap" in str(read.value)


def whole_table_problems(log: InteractionLog) -> list[str]:
    """The problems the rules give over each whole table (no chunks)."""
    violations = contact_violations(log.contacts) + agent_state_violations(log.agent_states)
    return [describe(v) for v in violations]


def _with(frame: pd.DataFrame, row: int, column: str, value) -> pd.DataFrame:
    frame = frame.astype({column: object}) if isinstance(value, str) else frame.copy()
    frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize("table, row, column, value", [
    ("contacts", 9, "end_s", 300.0),  # a later chunk: rows numbered from the table's start
    ("contacts", 8, "contact_id", 1),  # a repeat across chunks
    ("contacts", 10, "csat", 9.0),
    ("agent_states", 9, "state", "lunch"),
    ("agent_states", 9, "start_s", 1000.0),  # overlaps the spell before it, across chunks
])
def test_broken_rows_give_the_whole_log_message(tmp_path, tiny_chunks, table, row, column,
                                                value):
    contacts, states = contacts_frame(), states_frame()
    if table == "contacts":
        contacts = _with(contacts, row, column, value)
    else:
        states = _with(states, row, column, value)
    log = small_log(contacts, states)
    with pytest.raises(InputError) as whole:
        score(log)
    lean = open_log(write_in_row_groups(log, tmp_path / "log", rows_per_group=3))
    with pytest.raises(InputError) as read:
        score_by(lean, "interval")
    assert read.value.problems == whole.value.problems == whole_table_problems(log)
    assert str(read.value) == str(whole.value)


def _write_tables(out, contacts: pd.DataFrame, states: pd.DataFrame):
    out.mkdir()
    contacts.to_parquet(out / "contacts.parquet", index=False)
    states.to_parquet(out / "agent_states.parquet", index=False)
    return out


def test_a_text_in_a_number_column_is_named(tmp_path):
    contacts = contacts_frame().astype({"handle_s": object})
    contacts.loc[4, "handle_s"] = "n/a"
    out = _write_tables(tmp_path / "log", contacts.astype({"handle_s": str}), states_frame())
    with pytest.raises(InputError, match=r"^contacts\.handle_s: cannot be read as float64"):
        open_log(out)


def test_a_text_in_a_spell_time_is_named_when_the_spells_are_read(tmp_path):
    states = states_frame().astype({"end_s": str})
    states.loc[2, "end_s"] = "soon"
    lean = open_log(_write_tables(tmp_path / "log", contacts_frame(), states))
    with pytest.raises(InputError, match=r"^agent_states\.end_s: cannot be read as float64"):
        score(lean)


@pytest.mark.parametrize("table, column", [("contacts", "reason"), ("contacts", "end_s"),
                                           ("agent_states", "state")])
def test_a_missing_column_is_named(tmp_path, table, column):
    frames = {"contacts": contacts_frame(), "agent_states": states_frame()}
    frames[table] = frames[table].drop(columns=[column])
    out = _write_tables(tmp_path / "log", frames["contacts"], frames["agent_states"])
    with pytest.raises(InputError, match=rf"^{table}: missing required column\(s\) {column}$"):
        open_log(out)


def test_a_missing_id_is_refused(tmp_path):
    contacts = contacts_frame().astype({"issue_id": "Int64"})
    contacts.loc[3, "issue_id"] = None
    out = _write_tables(tmp_path / "log", contacts, states_frame())
    with pytest.raises(InputError, match=r"^contacts\.issue_id: cannot be read as int64"):
        open_log(out)


def test_empty_tables_score_as_the_whole_log(tmp_path):
    log = small_log(contacts_frame().iloc[:0], states_frame().iloc[:0])
    lean = open_log(write_log(log, tmp_path / "log"))
    assert score(lean).values() == score(log).values()
    assert score(lean).results["occupancy"].unavailable == (
        "the log has no agent-state spells (agent time is unknown)")
    pd.testing.assert_frame_equal(score_by(lean, "queue"), score_by(log, "queue"))


def test_cli_kpi_reads_lean_and_prints_the_same_figures(tmp_path, capsys):
    log = small_log()
    out = write_in_row_groups(log, tmp_path / "log", rows_per_group=4)
    assert main(["kpi", str(out), "--json", "--quiet"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert_close(printed, score(log, KpiSettings()).values())


@pytest.mark.parametrize("layout", ["issue_and_time_order", "time_order", "shuffled"])
def test_issue_order_is_lexsort_order_whatever_the_row_order(layout):
    # the fast paths (no sort; a stable sort by issue) must give np.lexsort's order
    rng = np.random.default_rng(3)
    arrival = np.sort(rng.integers(0, 50, 400)).astype(float)  # ties on purpose
    segment = rng.integers(1, 3, 400)
    issue = rng.integers(0, 60, 400)
    if layout == "issue_and_time_order":  # each issue's rows together, in arrival order
        issue, segment = np.arange(400) // 7, np.ones(400, dtype=np.int64)
    elif layout == "time_order":
        order = np.lexsort((segment, arrival))
        issue, arrival, segment = issue[order], arrival[order], segment[order]
    else:
        shuffle = rng.permutation(400)
        issue, arrival, segment = issue[shuffle], arrival[shuffle], segment[shuffle]
    assert issue_order(issue, arrival, segment).tolist() == (
        np.lexsort((segment, arrival, issue)).tolist())


def test_cli_kpi_on_a_broken_parquet_log_is_one_error_line(tmp_path, capsys, tiny_chunks):
    states = _with(states_frame(), 9, "start_s", 1000.0)  # v1's busy spell overlaps
    out = write_in_row_groups(small_log(states=states), tmp_path / "log", rows_per_group=3)
    assert main(["kpi", str(out), "--by", "interval", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: agent_states.start_s: 1000 at row 10 (1 row(s)): spells of one agent must "
        "not overlap (agent 'v1': row 10 starts before row 9 ends at 1800)\n")


def test_a_missing_spell_time_gives_the_whole_table_problems(tmp_path, tiny_chunks):
    states = _with(states_frame(), 9, "start_s", float("nan"))
    log = small_log(states=states)
    lean = open_log(write_in_row_groups(log, tmp_path / "log", rows_per_group=3))
    with pytest.raises(InputError) as read:
        score(lean)
    assert read.value.problems == whole_table_problems(log)
