"""Simulate page: run the edited scenario, read KPI cards against the reference bands and
the scenario as loaded, see the day interval by interval, download the log and the KPIs."""

import pandas as pd
import streamlit as st

from planner_app import charts, edits, runs, state
from planner_app.widgets import kpi_cards, lever, table_downloads
from sim.scenario import parse_scenario

CARDS = ["service_level", "asa", "abandon_rate", "occupancy", "aht", "offered", "fcr",
         "recontact_rate", "csat", "cost_per_contact", "total_cost", "first_response_time"]
INTRADAY = ["service_level", "asa", "abandon_rate", "queue_len", "occupancy"]

st.title("Simulate")
scenario, base, targets = state.current(), state.baseline(), state.targets()
st.caption(f"**{scenario.name}**, scored with service level within {targets.threshold_s:g} s. "
           "Cards compare with the scenario as loaded, run on the same seed (the same "
           "customers), so a delta is the levers' effect, not chance.")

a, b, c = st.columns(3)
staffing_pct = lever(a.number_input, "In-house staffing (% of plan)", "sim.staffing", 100.0,
                     min_value=0.0, max_value=300.0, step=5.0, format="%.0f",
                     help="Scales every in-house group's agents on duty, interval by interval.")
seed = int(lever(b.number_input, "Random seed", "sim.seed", int(scenario.seed), min_value=0,
                 step=1, help="Same seed, same customers: change it to see another day."))
reps = int(lever(c.number_input, "Replications", "sim.reps", 1, min_value=1, max_value=50, step=1,
                 help="1: one run. 2 or more: independent runs (common random numbers with the "
                      "scenario as loaded), cards show their mean and a 95 % confidence interval."))

data = scenario.model_dump(mode="json")
for group in data["agent_groups"]:
    if group["partner"] == "in-house":
        edits.scale_staffing(group, staffing_pct / 100, 0)
variant = parse_scenario(data, source=f"{scenario.name} at {staffing_pct:g} % staffing")

result = runs.single_run(variant, seed, targets.threshold_s)
reference = runs.single_run(base, seed, targets.threshold_s, label="simulating the baseline")
currency = result.report.settings.costs.currency
if reps == 1:
    kpi_cards(result.values, CARDS, baseline=reference.values, currency=currency)
    st.caption(f"One run of {len(result.log.contacts):,} contact rows, seed {seed}. Hover a "
               "card for its definition; the line under it is the industry reference band.")
else:
    comparison, intervals = runs.compared(base, variant, reps, seed, targets.kpi_settings(),
                                          tuple(CARDS))
    summary = comparison.summary
    kpi_cards(summary["b_mean"].to_dict(), CARDS, baseline=summary["a_mean"].to_dict(),
              intervals=intervals, currency=currency)
    st.caption(f"Mean of {reps} runs; {comparison.method}. Delta: mean paired difference "
               f"with the scenario as loaded ({comparison.crn_note}).")
    with st.expander("Change against the scenario as loaded, with its confidence interval"):
        st.dataframe(runs.delta_table(summary, currency), hide_index=True, width="stretch")

st.subheader("Interval by interval")
st.caption(f"One run (seed {seed}) of this scenario and of the scenario as loaded; dashed "
           "lines are the sidebar's targets.")
interval_s, start = result.log.meta.interval_s, result.log.meta.start_date
runs_by_series = {"this run": result.by_interval, "as loaded": reference.by_interval}
colours = {"this run": charts.IN_HOUSE, "as loaded": charts.BASELINE}
columns = st.columns(2)
for n, kpi_id in enumerate(INTRADAY):
    frame = runs.intraday_long(runs_by_series, kpi_id, interval_s, start)
    if frame["value"].notna().any():
        columns[n % 2].altair_chart(
            charts.intraday(frame, kpi_id, targets.for_kpi(kpi_id), colours, currency=currency),
            width="stretch")

st.subheader("Download")
report = result.report.to_frame().reset_index()
report["value"] = report["value"].map(lambda v: v if isinstance(v, (int, float)) else str(v))
table_downloads(result.log.contacts, "contacts", "Contact log", "dl.contacts")
table_downloads(result.log.agent_states, "agent_states", "Agent states", "dl.states")
table_downloads(report.astype({"value": str}), "kpis", "KPI table", "dl.kpis")
table_downloads(result.by_interval.reset_index(), "kpis_by_interval", "KPIs per interval",
                "dl.intervals")
