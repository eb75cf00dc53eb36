"""Real exports end to end (#15): quirks of real ACD files, DST nights, agent states, chunks."""

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.engine import simulate
from sim.errors import InputError
from sim.importers import import_agent_states, import_contacts, load_mapping, read_intervals
from sim.importers import reader
from sim.importers.intervals import to_forecast
from sim.interaction_log import InteractionLog, LogMeta, read_log
from sim.kpis import score
from sim.scenario import Scenario

DATA = Path(__file__).resolve().parent / "data"
BANK = DATA / "bank_style_calls.txt"
BANK_MAP = DATA / "bank_style_calls.mapping.toml"


def _bank(tmp_path, *extra, mapping=BANK_MAP):
    return main(["import", "contacts", str(BANK), "--mapping", str(mapping), "--out",
                 str(tmp_path / "bank"), *extra])


def test_quirky_export_imports_without_hand_preparation(tmp_path, capsys):
    assert _bank(tmp_path, "--skip-bad-rows", "--max-bad-share", "10", "--json") == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert (summary["rows_read"], summary["rows_imported"], summary["rows_rejected"]) == (
        44, 39, 2)
    assert summary["rows_skipped"] == {"PHANTOM": 3}
    assert "rejected row 43: column 'date' + 'vru_entry' (arrival_s): '1999-01-08T08:48:09" in (
        captured.err)  # a typo'd date, far from the others
    assert "rejected row 44: row: 'AA0101002;33201" in captured.err
    assert "short row: 9 field(s) where the header has 17" in captured.err
    log = read_log(tmp_path / "bank")
    c = log.contacts
    assert log.meta.start_date == "1999-08-01"
    assert c["outcome"].value_counts().to_dict() == {"answered": 27, "abandoned": 9,
                                                     "self_served": 3}
    first = c.iloc[0]  # 990801 07:09:26, IVR 19 s, queued 179 s, talk "256,5"
    assert first["arrival_s"] == 7 * 3600 + 9 * 60 + 26
    assert (first["enqueue_s"] - first["arrival_s"], first["answer_s"] - first["enqueue_s"]) == (
        19, 179)
    assert first["handle_s"] == 256.5
    assert c.loc[c["contact_id"] == 33122, "customer_id"].item() < 0  # "0" means unknown
    assert c.loc[c["outcome"] != "answered", "agent_id"].isna().all()  # NO_SERVER
    assert "ZOÉ" in set(c["agent_id"].dropna())  # cp1252 read as such
    report = score(log)
    raw = pd.read_csv(BANK, sep=";", encoding="cp1252", dtype=str).iloc[:42]
    raw = raw[(raw["outcome"] != "PHANTOM")]
    assert report["answered"] == (raw["outcome"] == "AGENT").sum()
    assert report["contacts"] == len(raw)  # segment defaults to 1: contacts are countable


def test_quirky_export_fails_listing_every_problem_without_skip(tmp_path, capsys):
    assert _bank(tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 2 problems in ")
    assert "short row" in err and "must lie within 31 days" in err
    assert not (tmp_path / "bank").exists()


def test_skip_bad_rows_over_the_share_exits_2_in_one_line(tmp_path, capsys):
    assert _bank(tmp_path, "--skip-bad-rows") == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "2 of 44 rows rejected (4.5%), more than --max-bad-share 1.0%" in err
    assert not (tmp_path / "bank").exists()


def test_clock_time_without_a_date_is_refused_not_put_on_1900(tmp_path):
    text = BANK_MAP.read_text().replace('date_column = "date"', "")
    (tmp_path / "m.toml").write_text(text)
    with pytest.raises(InputError, match=r"column 'vru_entry' \(arrival_s\): '07:09:26' at "
                       r"row 1.*read as 1900-01-01, the format has no date; set "
                       r"time.date_column"):
        import_contacts(BANK, load_mapping(tmp_path / "m.toml", "contacts"))


def test_hints_for_a_wrong_delimiter_and_a_decimal_comma(tmp_path):
    text = BANK_MAP.read_text()
    (tmp_path / "m.toml").write_text(text.replace('delimiter = ";"', ""))
    with pytest.raises(InputError, match="header arrived as one column joined by ';': set "
                       "--delimiter ';'"):
        import_contacts(BANK, load_mapping(tmp_path / "m.toml", "contacts"))
    (tmp_path / "m.toml").write_text(text.replace('decimal = ","', ""))
    with pytest.raises(InputError, match=r"column 'ser_time' \(handle_s\): '256,5' at row 1.*"
                       r"the value has a comma: a decimal comma\? set --decimal ','"):
        import_contacts(BANK, load_mapping(tmp_path / "m.toml", "contacts"))


def test_source_options_on_the_command_line_and_a_tsv_file(tmp_path, capsys):
    text = BANK_MAP.read_text()
    start, end = text.index("[source]"), text.index("[time]")
    (tmp_path / "m.toml").write_text(text[:start] + text[end:])
    assert _bank(tmp_path, "--skip-bad-rows", "--max-bad-share", "10", "--delimiter", ";",
                 "--encoding", "cp1252", "--decimal", ",", mapping=tmp_path / "m.toml") == 0
    capsys.readouterr()
    tsv = tmp_path / "calls.tsv"
    tsv.write_text(BANK.read_text(encoding="cp1252").replace(";", "\t"), encoding="cp1252")
    assert main(["import", "contacts", str(tsv), "--mapping", str(tmp_path / "m.toml"),
                 "--out", str(tmp_path / "tsv"), "--skip-bad-rows", "--max-bad-share", "10",
                 "--encoding", "cp1252", "--decimal", ","]) == 0
    assert read_log(tmp_path / "tsv").contacts.equals(read_log(tmp_path / "bank").contacts)


def test_a_bad_cell_is_named_by_its_export_column_not_a_derived_field(tmp_path):
    lines = BANK.read_text(encoding="cp1252").splitlines()
    cells = lines[3].split(";")
    cells[8] = "-87"  # vru_time: enqueue_s = arrival + ivr would come before the arrival
    (tmp_path / "calls.txt").write_text("\n".join(lines[:3] + [";".join(cells)]) + "\n",
                                        encoding="cp1252")
    with pytest.raises(InputError, match=r"^column 'vru_time' \(ivr_s\): '-87' at row 3 "
                       r"\(1 row\(s\)\): negative duration: must be >= 0$"):
        import_contacts(tmp_path / "calls.txt", load_mapping(BANK_MAP, "contacts"))


def test_outcome_rules_and_sentinels_are_validated_with_their_key():
    with pytest.raises(InputError, match=r"\[outcomes\]: 'HANG.then' = 'gone' must map to one"):
        load_mapping(None, "contacts", outcomes={"HANG": {"when": "q == 0", "then": "gone",
                                                         "else": "abandoned"}})
    with pytest.raises(InputError, match=r"HANG.when: 'q ~ 0' must look like 'COLUMN == 0'"):
        load_mapping(None, "contacts", outcomes={"HANG": {"when": "q ~ 0", "then": "skip",
                                                         "else": "abandoned"}})
    with pytest.raises(InputError, match=r"\[states\]: only an agent-state export"):
        load_mapping(None, "contacts", states={"TALK": "busy"})
    with pytest.raises(InputError, match=r"source.decimal: ';' must be"):
        load_mapping(None, "contacts", decimal=";")


def test_chunks_give_the_same_log_as_one_read(tmp_path, monkeypatch):
    mapping = load_mapping(BANK_MAP, "contacts")
    whole = import_contacts(BANK, mapping, skip_bad_rows=True, max_bad_share=0.1)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 512)  # a few rows per chunk
    chunked = import_contacts(BANK, mapping, skip_bad_rows=True, max_bad_share=0.1)
    pd.testing.assert_frame_equal(whole.log.contacts, chunked.log.contacts)
    pd.testing.assert_frame_equal(whole.rejected, chunked.rejected)
    assert chunked.skipped == {"PHANTOM": 3}


# --- daylight-saving nights: UTC-based seconds, local clock only at the edges ---------

DST_HEADER = "id,start,answered,end,result,talk,acw,skill\n"


def _dst_mapping():
    return load_mapping(None, "contacts", columns={
        "contact_id": "id", "arrival_s": "start", "answer_s": "answered", "end_s": "end",
        "outcome": "result", "handle_s": "talk", "wrap_s": "acw", "queue": "skill"},
        time_format="%Y-%m-%d %H:%M:%S", timezone="Europe/Paris",
        defaults={"channel": "phone"})


def test_calls_across_both_dst_changes_keep_their_true_duration(tmp_path):
    export = tmp_path / "calls.csv"
    export.write_text(DST_HEADER + "\n".join([
        # autumn: 02:50 CEST -> 02:30 CET is 40 min, not "end before start"
        "1,2026-10-25 02:50:00,2026-10-25 02:51:00,2026-10-25 02:30:00,answered,2340,0,a",
        # spring: 01:50 CET -> 03:10 CEST is 20 min, not 1 h 20
        "2,2026-03-29 01:50:00,2026-03-29 01:51:00,2026-03-29 03:10:00,answered,1140,0,a",
    ]) + "\n")
    log = import_contacts(export, _dst_mapping()).log
    c = log.contacts
    assert (c["end_s"] - c["arrival_s"]).tolist() == [2400.0, 1200.0]
    assert log.meta.start_date == "2026-03-29" and log.meta.extra["timezone"] == "Europe/Paris"
    assert c["arrival_s"].iloc[1] == 6600.0  # 01:50 local on day 0 (no change yet)
    # day 0 is 2026-03-29 00:00 CET; 02:50 CEST on 2026-10-25 is 00:50 UTC
    utc = pd.Timestamp("2026-10-25 00:50", tz="UTC") - pd.Timestamp("2026-03-29", tz="Europe/Paris")
    assert c["arrival_s"].iloc[0] == utc.total_seconds()
    from sim.calibrate import calibrate  # a profile over a DST change mixes two clocks

    assert any("DST change" in caveat for caveat in calibrate(log).caveats)


def test_a_stamp_in_the_skipped_spring_hour_is_refused(tmp_path):
    export = tmp_path / "calls.csv"
    export.write_text(DST_HEADER + "1,2026-03-29 02:30:00,,2026-03-29 02:31:00,abandoned,,,a\n")
    mapping = load_mapping(None, "contacts", columns={
        "contact_id": "id", "arrival_s": "start", "end_s": "end", "outcome": "result",
        "handle_s": "talk", "wrap_s": "acw", "queue": "skill"},
        time_format="%Y-%m-%d %H:%M:%S", timezone="Europe/Paris", defaults={"channel": "phone"})
    with pytest.raises(InputError, match="that exists on the clock of Europe/Paris"):
        import_contacts(export, mapping)


def test_interval_export_over_the_autumn_night(tmp_path):
    export = tmp_path / "acd.csv"
    starts = ["01:30", "02:00", "02:30", "02:00", "02:30", "03:00"]
    export.write_text("Interval,Offered,Handled,AHT\n" + "".join(
        f"2026-10-25 {s},{n},{n},300\n" for s, n in zip(starts, [1, 2, 3, 4, 5, 6])))
    mapping = load_mapping(None, "intervals", columns={
        "interval_start": "Interval", "offered": "Offered", "handled": "Handled",
        "aht_s": "AHT"}, timezone="Europe/Paris", time_format="%Y-%m-%d %H:%M")
    data = read_intervals(export, mapping)
    assert data.interval_s == 1800.0
    assert data.frame["interval_start"].is_unique
    forecast, notes = to_forecast(data)
    assert forecast["interval_start"].str[-5:].tolist() == ["01:30", "02:00", "02:30", "03:00"]
    assert forecast["calls"].tolist() == [1, 6, 8, 6]
    assert any("repeated autumn DST hour" in note for note in notes)


# --- agent states: a simulated center exported, imported back, scored the same ---------

BASE = pd.Timestamp("2026-03-02")


def _stamp(seconds: pd.Series) -> pd.Series:
    return (BASE + pd.to_timedelta(seconds, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.fixture(scope="module")
def simulated(minimal):
    data = minimal(horizon={"days": 2, "interval_min": 30, "open_time": "08:00",
                            "close_time": "10:00"})
    data["queues"][0]["patience"] = {"dist": "exponential", "mean_s": 120}
    data["queues"][0]["wrap"] = {"dist": "exponential", "mean_s": 30}
    return simulate(Scenario.model_validate(data), seed=3)


def test_contacts_and_agent_states_import_back_to_the_same_kpis(tmp_path, simulated):
    c, s = simulated.contacts, simulated.agent_states
    calls = pd.DataFrame({"id": c["contact_id"], "queue": c["queue"], "result": c["outcome"],
                          "agent": c["agent_id"], "group": c["agent_group"],
                          "talk": c["handle_s"], "acw": c["wrap_s"]})
    for name in ("arrival_s", "enqueue_s", "answer_s", "abandon_s", "end_s"):
        calls[name] = _stamp(c[name])
    calls.to_csv(tmp_path / "calls.csv", index=False)
    labels = {"available": "READY", "busy": "TALK", "wrap": "ACW", "break": "BREAK",
              "offline": "LOGGED_OUT"}
    states = pd.DataFrame({"Agent": s["agent_id"], "State": s["state"].map(labels),
                           "From": _stamp(s["start_s"]),
                           "Seconds": (s["end_s"] - s["start_s"]).round(6)})
    states.to_csv(tmp_path / "states.csv", index=False)
    contacts = import_contacts(tmp_path / "calls.csv", load_mapping(None, "contacts", columns={
        "contact_id": "id", "queue": "queue", "outcome": "result", "agent_id": "agent",
        "agent_group": "group", "handle_s": "talk", "wrap_s": "acw",
        **{n: n for n in ("arrival_s", "enqueue_s", "answer_s", "abandon_s", "end_s")}},
        defaults={"channel": "phone"}, origin="2026-03-02",
        time_format="%Y-%m-%d %H:%M:%S.%f"))
    mapping = load_mapping(None, "agent_states", columns={
        "agent_id": "Agent", "state": "State", "start_s": "From", "duration_s": "Seconds"},
        time_format="%Y-%m-%d %H:%M:%S.%f")
    mapping = mapping.model_copy(update={"states": {v: k for k, v in labels.items()}})
    both = import_agent_states(tmp_path / "states.csv", mapping, contacts.log).log
    real, back = score(simulated), score(both)
    for kpi in ("occupancy", "utilization", "service_level", "asa", "abandon_rate",
                "handled_per_hour"):
        assert back[kpi] == pytest.approx(real[kpi], rel=1e-9), kpi
    assert set(both.agent_states["agent_group"]) == set(s["agent_group"])  # from the contacts


def test_agent_state_labels_must_be_mapped(tmp_path, simulated):
    (tmp_path / "states.csv").write_text("Agent,State,From,To\n"
                                         "A1,LUNCH,2026-03-02 08:00:00,2026-03-02 08:30:00\n")
    mapping = load_mapping(None, "agent_states", columns={
        "agent_id": "Agent", "state": "State", "start_s": "From", "end_s": "To"},
        time_format="%Y-%m-%d %H:%M:%S")
    log = InteractionLog(simulated.contacts, simulated.agent_states,
                         LogMeta(start_date="2026-03-02"))
    with pytest.raises(InputError, match=r"column 'State' \(state\): 'LUNCH' at row 1 .*must "
                       r"be a label listed in \[states\]"):
        import_agent_states(tmp_path / "states.csv", mapping, log)


def test_cli_agent_state_event_list_joins_the_imported_log(tmp_path, capsys):
    assert _bank(tmp_path, "--skip-bad-rows", "--max-bad-share", "10") == 0
    (tmp_path / "events.csv").write_text(
        "agent,event,at\n"
        "A7,LOGIN,1999-08-01 08:00:00\nA7,TALK,1999-08-01 08:10:00\n"
        "A7,ACW,1999-08-01 08:20:00\nA7,READY,1999-08-01 08:25:00\n"
        "A7,LOGOUT,1999-08-01 09:00:00\n")
    (tmp_path / "events.toml").write_text(
        '[time]\nformat = "%Y-%m-%d %H:%M:%S"\ntimezone = "Asia/Jerusalem"\n'
        '[columns]\nagent_id = "agent"\nstate = "event"\nstart_s = "at"\n'
        '[states]\nLOGIN = "available"\nREADY = "available"\nTALK = "busy"\n'
        'ACW = "wrap"\nLOGOUT = "offline"\n')
    capsys.readouterr()
    assert main(["import", "agent-states", str(tmp_path / "events.csv"), "--mapping",
                 str(tmp_path / "events.toml"), "--log", str(tmp_path / "bank"),
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["spells"] == 4  # the logout has no length
    log = read_log(tmp_path / "bank")
    spells = log.agent_states
    assert spells["state"].tolist() == ["available", "busy", "wrap", "available"]
    assert (spells["end_s"] - spells["start_s"]).tolist() == [600.0, 600.0, 300.0, 2100.0]
    assert spells["agent_group"].unique().tolist() == ["(none)"]  # A7 answered no call
    assert score(log)["occupancy"] == pytest.approx(15 / 60)
    assert len(log.contacts) == 39  # the contacts are kept as imported
