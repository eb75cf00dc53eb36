"""Score a real log page: upload an ACD export and its mapping (the importers' formats),
see the same KPI cards and charts as a simulation, and every rejected row with its reason.

Uploads are read as data only (CSV, Parquet, TOML) from a private temporary directory;
nothing uploaded is executed or unpickled.
"""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from planner_app import charts, runs, state
from planner_app.widgets import MAX_UPLOAD_MB, SMALL_FILE_BYTES, kpi_cards, table_downloads, uploaded_bytes
from sim.importers import import_contacts, load_mapping, read_intervals, score_intervals
from sim.kpis import score, score_by

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KINDS = {"contact-level export (one row per contact)": "contacts",
         "interval-level export (one row per interval)": "intervals"}
CARDS = ["service_level", "asa", "abandon_rate", "aht", "offered", "answered", "fcr",
         "recontact_rate", "csat", "nps", "transfer_rate", "first_response_time"]

st.title("Score a real log")
st.caption("The same KPI engine that scores simulations scores your ACD's export. The "
           "mapping file (TOML) names the export's columns and labels; see docs/kpis.md or "
           "the examples folder.")

kind = KINDS[st.radio("Export kind", list(KINDS), key="score.kind", horizontal=True)]
use_example = st.toggle(f"Use the shipped example (examples/acd_{kind}.csv)", key="score.example")
left, right = st.columns(2)
export = left.file_uploader("Export (CSV or Parquet)", type=["csv", "parquet"],
                            key=f"score.export.{kind}", max_upload_size=MAX_UPLOAD_MB,
                            disabled=use_example, help=f"At most {MAX_UPLOAD_MB} MB.")
mapping_file = right.file_uploader("Mapping (TOML)", type=["toml"], key=f"score.mapping.{kind}",
                                   max_upload_size=1, disabled=use_example)
skip_bad = st.toggle("Leave out unreadable rows (and list them) instead of refusing the file",
                     value=True, key="score.skip", disabled=kind == "intervals")

with tempfile.TemporaryDirectory(prefix="ccplan-upload-") as folder:
    if use_example:
        export_path = EXAMPLES / f"acd_{kind}.csv"
        mapping_path = EXAMPLES / f"acd_{kind}.mapping.toml"
    else:
        export_bytes = uploaded_bytes(export)
        mapping_bytes = uploaded_bytes(mapping_file, SMALL_FILE_BYTES)
        if export_bytes is None or mapping_bytes is None:
            st.info("Upload an export and its mapping, or use the shipped example.")
            st.stop()
        suffix = ".parquet" if export.name.lower().endswith(".parquet") else ".csv"
        export_path = Path(folder, "export" + suffix)
        export_path.write_bytes(export_bytes)
        mapping_path = Path(folder, "mapping.toml")
        mapping_path.write_bytes(mapping_bytes)
    settings = state.targets().kpi_settings()
    if kind == "intervals":
        report = score_intervals(read_intervals(export_path, load_mapping(mapping_path, kind)),
                                 settings)
        kpi_cards(report.values(), CARDS)
        st.caption("An interval export carries totals only: KPIs that need contact rows "
                   "(FCR, recontacts, surveys) are not available.")
        st.stop()
    imported = import_contacts(export_path, load_mapping(mapping_path, kind), skip_bad_rows=skip_bad)

log = imported.log
report = score(log, settings)
kpi_cards(report.values(), CARDS)
st.caption(f"{len(log.contacts):,} contact rows imported, {len(imported.rejected):,} "
           f"problem(s) in rejected rows. Service level: {report.results['service_level'].variant}.")
for note in imported.notes:
    st.info(note)

st.subheader("Interval by interval")
by_interval = score_by(log, "interval", settings)
columns = st.columns(2)
for n, kpi_id in enumerate(["service_level", "asa", "abandon_rate", "queue_len"]):
    frame = runs.intraday_long({"export": by_interval}, kpi_id, log.meta.interval_s,
                               log.meta.start_date)
    if frame["value"].notna().any():
        columns[n % 2].altair_chart(charts.intraday(frame, kpi_id, state.targets().for_kpi(kpi_id),
                                                    {"export": charts.IN_HOUSE}), width="stretch")

st.subheader("Rejected rows")
if imported.rejected.empty:
    st.success("Every row was imported.")
else:
    st.dataframe(imported.rejected, hide_index=True, width="stretch")
    table_downloads(imported.rejected, "rejected_rows", "Rejected rows", "dl.rejected")
unavailable = {r.name: r.unavailable for r in report.results.values() if r.unavailable}
if unavailable:
    with st.expander(f"{len(unavailable)} KPI(s) this export cannot give, and why"):
        st.dataframe(pd.DataFrame({"KPI": list(unavailable), "why": list(unavailable.values())}),
                     hide_index=True, width="stretch")
