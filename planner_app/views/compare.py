"""Compare page: two or more scenarios, or staffing levels of the current one, on common
random numbers: a delta table with confidence intervals from `sim.experiments.compare`,
and the intraday curves of each variant overlaid."""

import pandas as pd
import streamlit as st

from planner_app import charts, edits, runs, state
from planner_app.widgets import lever
from sim.experiments import seeds_for
from sim.scenario import load_scenario, parse_scenario

KPIS = ("service_level", "asa", "abandon_rate", "occupancy", "aht", "offered", "fcr",
        "recontact_rate", "csat", "cost_per_contact", "total_cost")
INTRADAY = ["service_level", "asa", "abandon_rate", "occupancy"]

st.title("Compare")
st.caption("Each variant is run on the same customers as the reference (common random "
           "numbers), so the differences below are the variants' doing, with a 95 % interval.")

current, targets = state.current(), state.targets()
mode = lever(st.radio, "Compare", "cmp.mode", "staffing levels of the current scenario",
             options=["staffing levels of the current scenario", "scenarios"], horizontal=True)
variants = {}
if mode == "scenarios":
    names = ["current (edited)"] + list(state.shipped_scenarios())
    chosen = lever(st.multiselect, "Scenarios (the first is the reference)", "cmp.scenarios",
                   ["current (edited)", "default"], options=names)
    for name in chosen:
        variants[name] = current if name == "current (edited)" else load_scenario(
            state.shipped_scenarios()[name])
else:
    levels = lever(st.multiselect, "In-house staffing (% of plan; the first is the reference)",
                   "cmp.levels", [100, 90, 110], options=list(range(50, 205, 5)))
    for pct in levels:
        data = current.model_dump(mode="json")
        for group in data["agent_groups"]:
            if group["partner"] == "in-house":
                edits.scale_staffing(group, pct / 100, 0)
        variants[f"{pct} % staffing"] = parse_scenario(data, source=f"{pct} % staffing")

a, b = st.columns(2)
reps = int(lever(a.number_input, "Replications per variant", "cmp.reps", 5, min_value=2,
                 max_value=50, step=1, help="More runs, narrower intervals, longer wait."))
seed = int(lever(b.number_input, "Random seed", "cmp.seed", 0, min_value=0, step=1))

if len(variants) < 2:
    st.info("Pick at least two variants.")
    st.stop()

names = list(variants)
reference = variants[names[0]]
tables = []
for name in names[1:]:
    comparison, _ = runs.compared(reference, variants[name], reps, seed, targets.kpi_settings(),
                                  KPIS, label=f"{name} against {names[0]}")
    table = runs.delta_table(comparison.summary)
    tables.append(table.assign(variant=name)[["variant"] + list(table.columns)])
    for failure in comparison.failures:
        st.warning(str(failure))
st.subheader(f"Change against {names[0]}")
st.dataframe(pd.concat(tables, ignore_index=True), hide_index=True, width="stretch")
st.caption(f"{comparison.method}; {reps} runs per variant. {comparison.crn_note}.")

st.subheader("Interval by interval")
first_seed = seeds_for(seed, reps)[0]
st.caption(f"One run per variant (the experiment's first replication: the same customers "
           f"for every variant); {names[0]} in grey.")
by_interval = {name: runs.single_run(s, first_seed, targets.threshold_s, f"simulating {name}")
               for name, s in variants.items()}
meta = next(iter(by_interval.values())).log.meta
frames = {name: r.by_interval for name, r in by_interval.items()}
columns = st.columns(2)
for n, kpi_id in enumerate(INTRADAY):
    frame = runs.intraday_long(frames, kpi_id, meta.interval_s, meta.start_date)
    if frame["value"].notna().any():
        columns[n % 2].altair_chart(charts.intraday(frame, kpi_id, targets.for_kpi(kpi_id),
                                                    {names[0]: charts.BASELINE}), width="stretch")
