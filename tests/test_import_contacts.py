"""Contact-level import: mapping, derivations, and a clear error for every bad input."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import InputError
from sim.importers import import_contacts, load_mapping, patience_from_log
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
     "contacts.end_s: 29340 at row 4 (1 row(s)): end before start"),
    ("4,2026-03-02 08:10:00,2026-03-02 08:10:05,2026-03-02 08:15:00,ANS,-20,5,billing",
     "contacts.handle_s: -20 at row 4 (1 row(s)): negative duration"),
    ("4,2026-03-02 08:10:00,,2026-03-02 08:11:00,TIMEOUT,,,billing",
     "column 'result' (outcome): 'TIMEOUT' at row 4 (1 row(s)): must be a label listed in "
     "[outcomes] ('ANS', 'ABD')"),
    ("4,yesterday,,2026-03-02 08:11:00,ABD,,,billing",
     "column 'start' (arrival_s): 'yesterday' at row 4 (1 row(s)): must be a timestamp in "
     "format '%Y-%m-%d %H:%M:%S'"),
    ("4,2026-03-02 08:10:00,2026-03-02 08:10:05,2026-03-02 08:15:00,ANS,long,5,billing",
     "column 'talk' (handle_s): 'long' at row 4 (1 row(s)): must be a number of s"),
])
def test_bad_rows_fail_with_row_number_and_reason(tmp_path, line, message):
    with pytest.raises(InputError) as err:
        _import(tmp_path, GOOD + [line])
    assert str(err.value).startswith(message)


def test_skip_bad_rows_reports_each_left_out_row(tmp_path):
    lines = GOOD + ["4,2026-03-02 08:10:00,,2026-03-02 08:11:00,TIMEOUT,,,billing",
                    "5,2026-03-02 08:10:00,2026-03-02 08:10:05,2026-03-02 08:15:00,ANS,-1,5,"
                    "billing"]
    result = _import(tmp_path, lines, skip=True)
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
    with pytest.raises(InputError, match="time.timezone: 'Mars/Olympus' is not a known"):
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
