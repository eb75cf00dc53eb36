"""Contact-level import: mapping, derivations, and a clear error for every bad input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import InputError
from sim.importers import import_contacts, load_mapping, patience_from_log
from sim.importers.parsing import parse_duration
from sim.kpis import score

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEADER = "id,start,answered,end,result,talk,acw,skill\n"
GOOD = [
    "1,2026-03-02 08:00:00,2026-03-02 08:00:15,2026-03-02 08:05:15,ANS,240,60,billing",
    "2,2026-03-02 08:01:00,,2026-03-02 08:01:40,ABD,,,billing",
    "3,2026-03-02 08:40:00,2026-03-02 08:41:00,2026-03-02 08:45:00,ANS,200,40,tech",
]


def _mapping(**overrides):
    return load_mapping(None, "contacts", **{
        "columns": {"contact_id": "id", "arrival_s": "start", "answer_s": "answered",
                    "end_s": "end", "outcome": "result", "handle_s": "talk",
                    "wrap_s": "acw", "queue": "skill"},
        "outcomes": {"ANS": "answered", "ABD": "abandoned"},
        "time_format": "%Y-%m-%d %H:%M:%S", "defaults": {"channel": "phone"}, **overrides})


def _write(tmp_path, lines, header=HEADER) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(header + "\n".join(lines) + ("\n" if lines else ""))
    return path


def _import(tmp_path, lines, header=HEADER, skip=False, mapping=None):
    return import_contacts(_write(tmp_path, lines, header), mapping or _mapping(),
                           skip_bad_rows=skip)


def test_small_export_becomes_a_log_with_derived_times(tmp_path):
    result = _import(tmp_path, GOOD)
    c = result.log.contacts
    assert c["arrival_s"].tolist() == [28800.0, 28860.0, 31200.0]  # 08:00 on day 0
    assert c["enqueue_s"].tolist() == [28800.0, 28860.0, 31200.0]  # no IVR column
    assert c["abandon_s"].iloc[1] == 28900.0  # abandoned: its end
    assert c["handle_s"].tolist()[0::2] == [240.0, 200.0]
    assert result.log.meta.start_date == "2026-03-02"
    assert result.log.meta.horizon_s == 32400.0  # end of the 08:30 interval
    report = score(result.log)
    assert report["asa"] == (15 + 60) / 2
    assert report["abandon_rate"] == 1 / 3
    assert report["aht"] == (300 + 240) / 2


def test_fields_the_export_lacks_make_their_kpis_unavailable(tmp_path):
    result = _import(tmp_path, GOOD)
    assert "issue_id" in result.log.meta.extra["unmapped_columns"]
    report = score(result.log)
    assert report["fcr"] is None
    assert report.results["fcr"].unavailable == (
        "the source export had no issue_id column (the importer filled it in)")
    assert report.results["csat"].unavailable.startswith("the source export had no csat")


def test_example_export_imports_every_row():
    mapping = load_mapping(EXAMPLES / "acd_contacts.mapping.toml", "contacts")
    result = import_contacts(EXAMPLES / "acd_contacts.csv", mapping)
    raw = pd.read_csv(EXAMPLES / "acd_contacts.csv")
    assert len(result.log.contacts) == len(raw) and result.rejected.empty
    assert result.log.meta.extra["unmapped_columns"] == []
    c = result.log.contacts
    first = c.iloc[1]  # CallId 1001: queued 08:12:05, wait 01:19, talk 00:49 + hold 00:30
    assert (first["enqueue_s"], first["answer_s"]) == (29525.0, 29604.0)
    assert (first["handle_s"], first["wrap_s"], first["resolved"]) == (79.0, 8.0, False)
    assert first["transferred_to"] == "tech"
    report = score(result.log)
    assert report["transfer_rate"] == 4 / 25
    assert report["recontact_rate"] is not None


def test_aware_timestamps_are_converted_to_the_wall_clock_timezone(tmp_path):
    lines = ["1,2026-03-02T07:00:00+00:00,2026-03-02T07:00:20+00:00,2026-03-02T07:05:00+00:00,"
             "ANS,250,30,billing"]
    mapping = _mapping(time_format="iso", timezone="Europe/Paris")
    result = _import(tmp_path, lines, mapping=mapping)
    assert result.log.contacts["arrival_s"].iloc[0] == 8 * 3600.0  # 08:00 in Paris


def test_text_ids_are_numbered_and_kept(tmp_path):
    lines = [line.replace(line.split(",")[0], f"C-{i}", 1) for i, line in enumerate(GOOD)]
    result = _import(tmp_path, lines)
    assert result.log.contacts["contact_id"].tolist() == [1, 2, 3]
    assert result.log.contacts["source_contact_id"].tolist() == ["C-0", "C-1", "C-2"]


@pytest.mark.parametrize("line, message", [
    ("4,2026-03-02 08:10:00,,2026-03-02 08:09:00,ABD,,,billing",
     "column 'end' (end_s): '2026-03-02 08:09:00' at row 4 (1 row(s)): end before start"),
    ("4,2026-03-02 08:10:00,2026-03-02 08:10:05,2026-03-02 08:15:00,ANS,-20,5,billing",
     "column 'talk' (handle_s): '-20' at row 4 (1 row(s)): negative duration"),
    ("4,2026-03-02 08:10:00,,2026-03-02 08:11:00,TIMEOUT,,,billing",
     "column 'result' (outcome): 'TIMEOUT' at row 4 (1 row(s)): must be a label listed in "
     "[outcomes] ('ANS', 'ABD')"),
    ("4,yesterday,,2026-03-02 08:11:00,ABD,,,billing",
     "column 'start' (arrival_s): 'yesterday' at row 4 (1 row(s)): must be a timestamp in "
     "format '%Y-%m-%d %H:%M:%S'"),
    ("4,2026-03-02 08:10:00,2026-03-02 08:10:05,2026-03-02 08:15:00,ANS,long,5,billing",
     "column 'talk' (handle_s): 'long' at row 4 (1 row(s)): must be a number of seconds"),
])
def test_bad_rows_fail_with_row_number_and_reason(tmp_path, line, message):
    with pytest.raises(InputError) as err:
        _import(tmp_path, GOOD + [line])
    assert str(err.value).startswith(message)


def test_skip_bad_rows_reports_each_left_out_row(tmp_path):
    lines = GOOD + ["4,2026-03-02 08:10:00,,2026-03-02 08:11:00,TIMEOUT,,,billing",
                    "5,2026-03-02 08:10:00,2026-03-02 08:10:05,2026-03-02 08:15:00,ANS,-1,5,"
                    "billing"]
    with pytest.raises(InputError, match=r"2 of 5 rows rejected \(40.0%\), more than "
                       r"--max-bad-share 1.0%; first: column 'result' \(outcome\)"):
        _import(tmp_path, lines, skip=True)
    result = import_contacts(_write(tmp_path, lines), _mapping(), skip_bad_rows=True,
                             max_bad_share=0.4)
    assert len(result.log.contacts) == 3
    assert result.rejected["row"].tolist() == [4, 5]
    assert result.rejected["reason"].tolist()[1] == "negative duration: must be >= 0"
    assert result.log.meta.extra["rows_rejected"] == 2


def test_empty_file_header_only_and_missing_columns(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        import_contacts(empty, _mapping())
    with pytest.raises(InputError, match="export.csv: no data rows"):
        _import(tmp_path, [])
    with pytest.raises(InputError, match=r"required column\(s\) missing: skill \(for queue\)"):
        _import(tmp_path, [line.rsplit(",", 1)[0] for line in GOOD],
                header=HEADER.replace(",skill", ""))


def test_mapping_errors_name_the_entry(tmp_path):
    with pytest.raises(InputError, match=r"mapping \[columns\]: unknown field\(s\) start_time"):
        load_mapping(None, "contacts", columns={"start_time": "x"})
    with pytest.raises(InputError, match="'OK' = 'done' must map to one of"):
        load_mapping(None, "contacts", outcomes={"OK": "done"})
    with pytest.raises(InputError, match="time.timezone: 'Mars/Olympus' must be a known"):
        load_mapping(None, "contacts", timezone="Mars/Olympus")
    with pytest.raises(InputError, match="channel not mapped"):
        import_contacts(_write(tmp_path, GOOD), _mapping(defaults={}))
    bad_toml = tmp_path / "map.toml"
    bad_toml.write_text("[columns\n")
    with pytest.raises(InputError, match="is not valid TOML"):
        load_mapping(bad_toml, "contacts")


def test_patience_mle_from_contacts(tmp_path):
    result = _import(tmp_path, GOOD)
    estimate = patience_from_log(result.log).loc["all"]
    # waits: 15 s and 60 s answered (censored), 40 s abandoned: theta = 1 / 115 s
    assert estimate["waiting_s"] == 115.0
    assert estimate["mean_patience_s"] == 115.0
    assert np.isnan(patience_from_log(result.log).loc["tech", "mean_patience_s"])


# --- review fixes: ids, time zones, derivations, outcome labels, hms, mapping types -----

QUEUED = "arrived,wait,result,talk,hold,acw\n"


def _queued(**overrides):
    return load_mapping(None, "contacts", **{
        "columns": {"arrival_s": "arrived", "wait_s": "wait", "outcome": "result",
                    "handle_s": "talk", "hold_s": "hold", "wrap_s": "acw"},
        "defaults": {"channel": "phone", "queue": "billing"}, **overrides})


def test_integer_ids_above_2_53_are_read_exactly(tmp_path):
    lines = ["1234567890123456789,2026-03-02 08:00:00,,2026-03-02 08:01:00,ABD,,,billing",
             "1234567890123456790,2026-03-02 08:02:00,,2026-03-02 08:03:00,ABD,,,billing"]
    c = _import(tmp_path, lines).log.contacts
    assert c["contact_id"].tolist() == [1234567890123456789, 1234567890123456790]
    assert "source_contact_id" not in c.columns


def test_ids_beyond_int64_are_numbered_as_text(tmp_path):
    lines = ["99999999999999999999,2026-03-02 08:00:00,,2026-03-02 08:01:00,ABD,,,billing",
             "7,2026-03-02 08:02:00,,2026-03-02 08:03:00,ABD,,,billing"]
    c = _import(tmp_path, lines).log.contacts
    assert c["contact_id"].tolist() == [1, 2]
    assert c["source_contact_id"].tolist() == ["99999999999999999999", "7"]


def test_naive_and_aware_iso_stamps_mixed_in_one_column(tmp_path):
    lines = ["2026-01-05T08:00:00,0,ANSWERED,60,,0", "2026-01-05T08:00:00Z,0,answered,60,,0"]
    mapping = _queued(time_format="iso", timezone="Europe/Paris")
    c = _import(tmp_path, lines, header=QUEUED, mapping=mapping).log.contacts
    assert c["arrival_s"].tolist() == [8 * 3600.0, 9 * 3600.0]  # naive: Paris; Z: 09:00 Paris


def test_self_served_end_without_end_or_ivr_column(tmp_path):
    lines = ["2026-03-02T08:00:00,10,answered,100,0,20", "2026-03-02T08:05:00,,self_served,,,"]
    c = _import(tmp_path, lines, header=QUEUED, mapping=_queued()).log.contacts
    assert c["end_s"].tolist() == [28800.0 + 10 + 120, 29100.0]  # arrival + ivr_s (0)
    assert np.isnan(c["enqueue_s"].iloc[1])


def test_empty_hold_and_ivr_cells_are_zero(tmp_path):
    header = "arrived,ivr,wait,result,talk,hold,acw\n"
    lines = ["2026-03-02T08:00:00,5,10,answered,100,20,20",
             "2026-03-02T08:05:00,,10,answered,100,,20"]
    mapping = _queued(columns={**_queued().columns, "ivr_s": "ivr"})
    c = _import(tmp_path, lines, header=header, mapping=mapping).log.contacts
    assert c["handle_s"].tolist() == [120.0, 100.0]
    assert c["enqueue_s"].tolist() == [28805.0, 29100.0]
    assert c["end_s"].tolist() == [28805.0 + 10 + 140, 29100.0 + 10 + 120]


def test_outcome_labels_match_stripped_and_case_insensitive(tmp_path):
    lines = ["2026-03-02T08:00:00,10,Answered,100,0,20", "2026-03-02T08:05:00,10,ABANDONED ,,,"]
    mapping = _queued(outcomes={" answered": "answered", "Abandoned": "abandoned"})
    c = _import(tmp_path, lines, header=QUEUED, mapping=mapping).log.contacts
    assert c["outcome"].tolist() == ["answered", "abandoned"]
    with pytest.raises(InputError, match="'ans' and 'ANS ' are the same label"):
        load_mapping(None, "contacts", outcomes={"ans": "answered", "ANS ": "abandoned"})


def test_default_outcomes_are_the_log_outcomes_and_no_answer_keeps_agent_time(tmp_path):
    lines = ["2026-03-02T08:00:00,10,answered,100,0,20", "2026-03-02T08:05:00,10,No_Answer,30,,5"]
    c = _import(tmp_path, lines, header=QUEUED, mapping=_queued()).log.contacts
    assert c["outcome"].tolist() == ["answered", "no_answer"]
    assert c.loc[1, ["handle_s", "wrap_s", "answer_s", "end_s"]].tolist() == [
        30.0, 5.0, 29110.0, 29145.0]
    lines[1] = "2026-03-02T08:05:00,10,no_answer,,,"  # no agent time in the export
    c = _import(tmp_path, lines, header=QUEUED, mapping=_queued()).log.contacts
    assert np.isnan(c.loc[1, "handle_s"]) and c.loc[1, "end_s"] == 29110.0


@pytest.mark.parametrize("cell, seconds", [
    ("1:02:03", 3723.0), ("62:03", 3723.0), (" 12:24 ", 744.0), ("12:24.5", 744.5),
    ("1:02:03:04", None), ("00:75", None), ("1:75:00", None), ("1:-30", None),
    ("-1:30", None), ("1.5:30", None), ("90", None), ("1::03", None),
])
def test_hms_durations(cell, seconds):
    parsed = parse_duration(pd.Series([cell], dtype="str"), "hms")
    assert parsed.bad.tolist() == [seconds is None]
    assert parsed.values[0] == seconds or (seconds is None and np.isnan(parsed.values[0]))


def test_malformed_hms_cell_names_its_row(tmp_path):
    lines = ["2026-03-02T08:00:00,0:10,answered,1:40,0:00,0:20",
             "2026-03-02T08:05:00,0:10,answered,1:40:00:00,0:00,0:20"]
    with pytest.raises(InputError) as err:
        _import(tmp_path, lines, header=QUEUED, mapping=_queued(duration_unit="hms"))
    assert str(err.value).startswith(
        "column 'talk' (handle_s): '1:40:00:00' at row 2 (1 row(s)): must be a duration "
        "h:mm:ss or mm:ss (parts >= 0, whole numbers but the last, minutes and seconds below "
        "60 after a higher part)")


def test_wrong_time_format_reports_the_parse_error(tmp_path):
    lines = ["2026-03-02T08:00:00,10,answered,100,0,20"]
    with pytest.raises(InputError) as err:
        _import(tmp_path, lines, header=QUEUED, mapping=_queued(time_format="%H:%M"),
                skip=True)
    assert str(err.value) == ("column 'arrived' (arrival_s): '2026-03-02T08:00:00' at row 1 "
                              "(1 row(s)): must be a timestamp in format '%H:%M'")


@pytest.mark.parametrize("kind, text, message", [
    ("contacts", '[time]\ninterval_s = "1800"',
     "time.interval_s: '1800' must be a number of seconds > 0 that divides a day"),
    ("contacts", '[source]\nencoding = "utf-9"',
     "source.encoding: 'utf-9' must be a known text encoding"),
    ("contacts", '[source]\ndelimiter = ";;"', "source.delimiter: ';;' must be one character"),
    ("contacts", '[defaults]\nwrap_s = "none"',
     "defaults.wrap_s: 'none' must be a number of seconds >= 0 (without quotes)"),
    ("contacts", '[defaults]\ncallback = "no"',
     "defaults.callback: 'no' must be true or false"),
    ("contacts", "[defaults]\nqueue = 3", "defaults.queue: 3 must be a text in quotes"),
    ("contacts", "[time]\ntimezone = 1", "time.timezone: 1 must be a known time zone"),
    ("contacts", '[time]\norigin = "05/01/2026"',
     "time.origin: '05/01/2026' must be an ISO date YYYY-MM-DD"),
    ("contacts", '[time]\nformat = "dd/mm/yyyy"', "time.format: 'dd/mm/yyyy' must be iso,"),
    ("contacts", "[columns]\nqueue = 5", "columns.queue: 5 must be the name of an export"),
    ("contacts", '[booleans]\ntrue = "yes"',
     'booleans.true: \'yes\' must be a list of texts, e.g. true = ["Y"]'),
    ("contacts", "[settings]\nsl_threshold_s = 20",
     ("mapping: table(s) [settings] not used to import contacts (tables for contacts: "
      "source, time, columns, outcomes, booleans, defaults, missing)")),
    ("contacts", 'columns = "x"', "mapping: columns = 'x' must be a table [columns]"),
    ("intervals", '[outcomes]\nOK = "answered"',
     "mapping: table(s) [outcomes] not used to import intervals"),
    ("intervals", '[booleans]\ntrue = ["Y"]',
     "mapping: table(s) [booleans] not used to import intervals"),
    ("intervals", "[settings]\nsl_threshold_s = -5",
     "settings.sl_threshold_s: -5 must be a number of seconds >= 0"),
])
def test_mapping_values_are_type_checked(tmp_path, kind, text, message):
    path = tmp_path / "map.toml"
    path.write_text(text + "\n")
    with pytest.raises(InputError) as err:
        load_mapping(path, kind)
    assert str(err.value).startswith(message)
