"""Staffing page: agents each queue needs per interval (Erlang C, Erlang A) beside the
agents the scenario schedules, with agent-hours and FTE totals."""

import pandas as pd
import streamlit as st

from planner_app import charts, runs, state
from planner_app.widgets import lever, table_downloads
from sim.staffing.requirements import Targets

st.title("Staffing")
scenario, t = state.current(), state.targets()
st.caption("Required agents on duty per interval for the sidebar's targets, each queue sized "
           "on its own (Erlang C: callers never hang up; Erlang A: callers leave after their "
           "mean patience), against the agents the scenario puts on duty.")

a, b, c, d = st.columns(4)
shrinkage = lever(a.number_input, "Shrinkage (% of paid time)", "staff.shrinkage", 30.0,
                  min_value=0.0, max_value=95.0, step=1.0, format="%.0f",
                  help="Breaks, training, meetings, absence: paid time not available for contacts.")
occupancy_cap = lever(b.number_input, "Occupancy cap (%)", "staff.occupancy",
                      100 * t.max_occupancy, min_value=10.0, max_value=100.0, step=1.0, format="%.0f")
fte_hours = lever(c.number_input, "Paid hours per FTE per day", "staff.fte_h", 8.0,
                  min_value=1.0, max_value=24.0, step=0.5, format="%.1f")
methods = lever(d.multiselect, "Methods", "staff.methods", ["Erlang C", "Erlang A"],
                options=["Erlang C", "Erlang A"])

targets = Targets(t.service_level, t.threshold_s, max_occupancy=occupancy_cap / 100)
st.markdown(f"Targets: **{targets.describe()}**; shrinkage {shrinkage:g} %.")

key = runs.key(scenario)
tables = {m: runs.erlang_requirements(key, targets, m, shrinkage / 100, fte_hours)
          for m in methods}
horizon = scenario.horizon
starts = horizon.interval_starts_s().reshape(-1)
times = runs.interval_times(scenario, starts / horizon.interval_s, horizon.interval_s)

with st.expander("Simulation-based requirement (on demand, slow)",
                 expanded="staff.sim" in st.session_state.get("remembered", {})):
    st.caption("Starts at Erlang A and corrects each interval by simulation, in time order, "
               "so follow-up contacts, shared agents and the backlog one interval leaves to "
               "the next are counted. Only each queue's one dedicated team is sized; others "
               "keep their plan. About a minute for the default day at 3 replications.")
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    sim_reps = int(lever(left.number_input, "Replications per candidate", "staff.sim_reps", 3,
                         min_value=2, max_value=20, step=1))
    if right.button("Compute the simulation-based requirement", key="staff.sim_run"):
        state.keep("staff.sim", True)
simulated = None
if state.remembered("staff.sim", False):
    sim_targets = Targets(t.service_level, t.threshold_s)  # simulation sizes SL, ASA, abandonment
    simulated = runs.simulated_requirement(scenario, sim_targets, sim_reps, int(scenario.seed))
    for note in simulated.notes:
        st.caption(note)

lines, totals = [], []
for method, by_queue in tables.items():
    required = sum(r.intervals["agents"].to_numpy() for r in by_queue.values())
    lines.append(pd.DataFrame({"time": times, "series": f"required ({method})", "agents": required}))
    for queue, r in by_queue.items():
        row = r.totals.loc[queue]
        totals.append({"method": method, "queue": queue, "contacts": row["calls"],
                       "agent-hours": row["agent_hours"], "scheduled hours": row["scheduled_hours"],
                       "FTE": row["fte"], "service level": row["service_level"],
                       "ASA (s)": row["asa_s"], "abandoned": row["p_abandon"],
                       "occupancy": row["occupancy"]})
if simulated is not None:
    by_interval = simulated.table.groupby("interval_start", sort=False)["agents_simulation"].sum()
    if len(by_interval) == len(times):
        lines.append(pd.DataFrame({"time": times, "series": "required (simulation)",
                                   "agents": by_interval.to_numpy()}))
for kind, groups in (("in-house", [g for g in scenario.agent_groups if not g.is_partner]),
                     ("partner", [g for g in scenario.agent_groups if g.is_partner])):
    if groups:
        on_duty = sum(scenario.staffing(g).reshape(-1) for g in groups)
        lines.append(pd.DataFrame({"time": times, "series": f"scheduled ({kind})", "agents": on_duty}))

if not tables:
    st.info("Pick at least one method.")
elif not any(tables.values()):
    st.info("This scenario has no real-time queue (phone or chat) to size with Erlang formulas.")
else:
    st.altair_chart(charts.staffing_chart(pd.concat(lines, ignore_index=True)), width="stretch")
    st.caption("Solid: agents the scenario puts on duty (flex and multi-skilled agents count "
               "once). Dashed: the sum of each queue's requirement; sharing agents across "
               "queues needs fewer, which the Simulate page shows.")
    interval_h = horizon.interval_s / 3600
    scheduled_h = sum(float(scenario.staffing(g).sum()) * interval_h
                      for g in scenario.agent_groups if not g.is_partner)
    cols = st.columns(len(tables) + 1)
    for col, (method, by_queue) in zip(cols, tables.items()):
        hours = sum(r.totals["agent_hours"].sum() for r in by_queue.values())
        fte = sum(r.totals["fte"].sum() for r in by_queue.values())
        col.metric(f"Required, {method}", f"{hours:,.0f} agent-hours", f"{fte:,.1f} FTE",
                   delta_color="off", border=True,
                   help="Agent-hours on duty over the horizon; FTE = hours / (1 - shrinkage) / "
                        "paid hours per FTE per day / days.")
    cols[-1].metric("Scheduled in-house", f"{scheduled_h:,.0f} agent-hours",
                    f"{scheduled_h / (1 - shrinkage / 100) / fte_hours / horizon.days:,.1f} FTE",
                    delta_color="off", border=True)
    frame = pd.DataFrame(totals)
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "contacts": st.column_config.NumberColumn(format="%,.0f"),
        "agent-hours": st.column_config.NumberColumn(format="%,.1f"),
        "scheduled hours": st.column_config.NumberColumn(format="%,.1f"),
        "FTE": st.column_config.NumberColumn(format="%.2f"),
        "service level": st.column_config.NumberColumn(format="percent"),
        "ASA (s)": st.column_config.NumberColumn(format="%.1f"),
        "abandoned": st.column_config.NumberColumn(format="percent"),
        "occupancy": st.column_config.NumberColumn(format="percent")})
    if simulated is not None:
        with st.expander("Simulation-based requirement per interval, and why it differs"):
            st.dataframe(simulated.table, hide_index=True, width="stretch")
            table_downloads(simulated.table, "simulation_requirements",
                            "Simulation-based requirement", "dl.simreq")
    with st.expander("Interval table"):
        detail = pd.concat([r.intervals.assign(method=m) for m, by_queue in tables.items()
                            for r in by_queue.values()], ignore_index=True)
        st.dataframe(detail, hide_index=True, width="stretch")
        table_downloads(detail, "requirements", "Requirement table", "dl.req")
