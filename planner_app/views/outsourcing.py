"""Outsourcing page: sweep in-house staffing or the overflow threshold, draw total cost
against service level (the frontier), the partner's share of contacts and its effect on
FCR, recontacts and CSAT, and name the cheapest configuration that meets the target."""

import pandas as pd
import streamlit as st

from planner_app import charts, edits, runs, state
from planner_app.widgets import format_value, lever
from sim.experiments import seeds_for
from sim.scenario import load_scenario, parse_scenario

KPIS = ("service_level", "total_cost", "cost_per_contact", "abandon_rate", "fcr",
        "recontact_rate", "csat")
PEAK = "seasonal_peak_outsourcing"

st.title("Outsourcing")
st.caption("Each configuration is run several times on the same customers; the points are "
           "the means. Configurations meeting the sidebar's service-level target are named.")

scenario, targets = state.current(), state.targets()
overflowing = [i for i, q in enumerate(scenario.queues) if q.overflow is not None]
if not overflowing or not any(g.is_partner for g in scenario.agent_groups):
    st.info("This scenario sends no contact to an outsourcing partner. Load the peak-week "
            "scenario, which does, or add an overflow rule on the Scenario page.")
    if st.button(f"Load {PEAK}.toml", key="out.load"):
        state.load_new(load_scenario(state.shipped_scenarios()[PEAK]), f"{PEAK}.toml")
        st.rerun()
    st.stop()

queue = overflowing[0]
lever_kind = lever(st.radio, "Lever", "out.lever", "in-house staffing",
                   options=["in-house staffing", "overflow threshold"], horizontal=True)
a, b, c = st.columns(3)
reps = int(lever(a.number_input, "Replications per configuration", "out.reps", 3, min_value=2,
                 max_value=30, step=1))
seed = int(lever(b.number_input, "Random seed", "out.seed", 0, min_value=0, step=1))
if lever_kind == "in-house staffing":
    values = lever(c.multiselect, "In-house staffing (% of plan)", "out.staffing",
                   [80, 100, 120], options=list(range(40, 205, 10)))
    label = "in-house staffing (% of plan)"
else:
    values = lever(c.multiselect, "Overflow after waiting (s)", "out.wait", [0, 15, 60],
                   options=[0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300])
    label = "overflow after waiting (s)"
if not values:
    st.info("Pick at least one value.")
    st.stop()
values = sorted(values)

settings = targets.kpi_settings()
points = {}
for value in values:
    data = scenario.model_dump(mode="json")
    if lever_kind == "in-house staffing":
        for group in data["agent_groups"]:
            if group["partner"] == "in-house":
                edits.scale_staffing(group, value / 100, 0)
    else:
        data["queues"][queue]["overflow"]["after_wait_s"] = float(value)
    points[value] = parse_scenario(data, source=f"{label} = {value}")
summaries = {v: runs.replicated(s, reps, seed, settings, KPIS, label=f"{label} = {v}").summary
             for v, s in points.items()}
first_seed = seeds_for(seed, reps)[0]
answered = {v: runs.single_run(s, first_seed, targets.threshold_s, f"{label} = {v}").by_partner["answered"]
            for v, s in points.items()}

frame = pd.DataFrame([{label: v, "config": f"{v:g}" + (" %" if lever_kind == "in-house staffing" else " s"),
                       **{k: summaries[v].at[k, "mean"] for k in KPIS if k in summaries[v].index},
                       "sl_low": summaries[v].at["service_level", "ci_low"],
                       "sl_high": summaries[v].at["service_level", "ci_high"]} for v in values])
currency = scenario.costs.currency
st.altair_chart(charts.frontier(frame, "total_cost", "service_level", "config",
                                targets.service_level, currency), width="stretch")
meeting = frame[frame["service_level"] >= targets.service_level]
if meeting.empty:
    st.warning(f"No configuration tried reaches the {targets.service_level:.0%} service-level "
               "target: try more in-house staff or an earlier overflow.")
else:
    best = meeting.loc[meeting["total_cost"].idxmin()]
    st.success(f"Cheapest configuration meeting {targets.service_level:.0%} service level: "
               f"**{label} = {best['config']}**, total cost "
               f"{format_value('total_cost', best['total_cost'], currency)}, service level "
               f"{format_value('service_level', best['service_level'])} (95 % CI "
               f"{format_value('service_level', best['sl_low'])} to "
               f"{format_value('service_level', best['sl_high'])}).")

left, right = st.columns(2)
shares = []
for v in values:
    counts = answered[v]
    partner = float(counts.drop(labels=["in-house", "(none)"], errors="ignore").sum())
    in_house = float(counts.get("in-house", 0.0))
    shares += [{"config": frame.loc[frame[label] == v, "config"].iloc[0], "series": "in-house",
                "value": in_house}, {"config": frame.loc[frame[label] == v, "config"].iloc[0],
                                     "series": "partner", "value": partner}]
left.altair_chart(charts.shares(pd.DataFrame(shares), "config", label,
                                "share of answered contacts (%)"), width="stretch")
left.caption("Who answered: one run per configuration (the first replication).")
quality = frame.melt(id_vars=[label], value_vars=[k for k in ("fcr", "recontact_rate", "csat")
                                                 if k in frame], var_name="kpi")
right.altair_chart(charts.kpi_lines(quality.dropna(), label, label,
                                    list(dict.fromkeys(quality["kpi"]))), width="stretch")
right.caption("Partner agents resolve less: more of the contacts they take come back.")
with st.expander("All figures"):
    st.dataframe(frame.drop(columns=["config"]), hide_index=True, width="stretch")
