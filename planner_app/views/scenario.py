"""Scenario page: pick or upload a scenario, move its main levers, download it as TOML.

Every edit is re-validated by the scenario model; a rule broken shows its one-line message
and the other pages keep using the last valid version.
"""

import tomllib

import pandas as pd
import streamlit as st

from planner_app import charts, edits, runs, state
from planner_app.widgets import SMALL_FILE_BYTES, lever, shown_errors, uploaded_bytes
from sim.errors import InputError
from sim.scenario import load_scenario, parse_scenario
from sim.scenario.write import scenario_to_toml
from sim.staffing.plan import staff_to_requirement
from sim.staffing.requirements import Targets

st.title("Scenario")
st.caption("Pick a scenario, change its levers; every other page uses the edited version. "
           "Deltas elsewhere are measured against the scenario as loaded.")


def _load_shipped() -> None:
    name = st.session_state["load.pick"]
    with shown_errors():
        state.load_new(load_scenario(state.shipped_scenarios()[name]), f"{name}.toml")


def _load_upload() -> None:
    upload = st.session_state.get("load.upload")
    data = uploaded_bytes(upload, SMALL_FILE_BYTES)
    if data is None:
        return
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        st.session_state["load.error"] = f"{upload.name}: is not valid TOML ({err})"
        return
    try:
        state.load_new(parse_scenario(parsed, source=upload.name), upload.name)
        st.session_state.pop("load.error", None)
    except InputError as err:
        st.session_state["load.error"] = str(err)


base = state.baseline()
pick, upload = st.columns(2)
names = list(state.shipped_scenarios())
source = st.session_state.get("scenario_source", "")
pick.selectbox("Shipped scenario", names, key="load.pick", on_change=_load_shipped,
               index=names.index(source[:-5]) if source[:-5] in names else None,
               placeholder="choose one to load")
upload.file_uploader("…or upload a scenario TOML", type=["toml"], key="load.upload",
                     on_change=_load_upload, max_upload_size=1,
                     help="Read as data only (TOML); at most 1 MB.")
if "load.error" in st.session_state:
    st.error(st.session_state["load.error"].replace("\n", "  \n"))
st.markdown(f"**{base.name}** — {base.description}  \n"
            f"{base.horizon.days} day(s), {base.horizon.open_time}-{base.horizon.close_time}, "
            f"{base.horizon.interval_min}-min intervals; loaded from `{source}`")

data = base.model_dump(mode="json")
queue_tabs = st.tabs([f"Queue: {q.name}" for q in base.queues] + ["Agent groups"])
partners = [g.name for g in base.agent_groups if g.is_partner]
for i, (tab, queue) in enumerate(zip(queue_tabs, base.queues)):
    q = data["queues"][i]
    k = f"lever.q{i}"
    with tab:
        left, mid, right = st.columns(3)
        factor = lever(left.number_input, "Volume (% of the file's forecast)", f"{k}.volume",
                       100.0, min_value=0.0, max_value=1000.0, step=5.0, format="%.0f")
        edits.scale_volume(q, factor / 100)
        if queue.handle.dist != "empirical":
            edits.set_mean(q["handle"], lever(mid.number_input, "Handle time, mean (s)",
                                              f"{k}.aht", float(queue.handle.mean_s),
                                              min_value=1.0, step=10.0, format="%.0f"))
        if "cv" in q["handle"]:
            q["handle"]["cv"] = lever(right.number_input, "Handle time CV (std / mean)",
                                      f"{k}.cv", float(queue.handle.cv), min_value=0.05,
                                      max_value=5.0, step=0.05, format="%.2f")
        if queue.wrap.dist != "empirical":
            edits.set_mean(q["wrap"], lever(left.number_input, "After-contact work, mean (s)",
                                            f"{k}.wrap", float(queue.wrap.mean_s),
                                            min_value=0.0, step=5.0, format="%.0f"))
        if queue.patience.dist not in ("none", "empirical"):
            edits.set_mean(q["patience"], lever(mid.number_input, "Patience, mean (s)",
                                                f"{k}.patience", float(queue.patience.mean_s),
                                                min_value=1.0, step=10.0, format="%.0f"))
        if queue.reasons:
            with st.expander("Resolution and transfers per contact reason"):
                for j, reason in enumerate(queue.reasons):
                    a, b = st.columns(2)
                    r = q["reasons"][j]
                    if reason.resolution_prob is not None:
                        r["resolution_prob"] = lever(
                            a.number_input, f"{reason.name}: resolved on contact (%)",
                            f"{k}.r{j}.res", 100 * reason.resolution_prob, min_value=0.0,
                            max_value=100.0, step=1.0, format="%.0f") / 100
                    if reason.transfer_to is not None:
                        r["transfer_prob"] = lever(
                            b.number_input, f"{reason.name}: transferred to {reason.transfer_to} (%)",
                            f"{k}.r{j}.tr", 100 * reason.transfer_prob, min_value=0.0,
                            max_value=100.0, step=1.0, format="%.0f") / 100
        if queue.channel == "phone":
            offer = lever(left.toggle, "Offer callbacks", f"{k}.cb", queue.callback is not None)
            if offer:
                cb = q.get("callback") or {"offer_above_wait_s": 60.0, "accept_share": 0.3}
                cb["offer_above_wait_s"] = lever(mid.number_input, "offered above an expected wait of (s)",
                                                 f"{k}.cb.wait", float(cb["offer_above_wait_s"]),
                                                 min_value=1.0, step=5.0, format="%.0f")
                cb["accept_share"] = lever(right.number_input, "callers accepting (%)", f"{k}.cb.accept",
                                           100 * float(cb["accept_share"]), min_value=0.0,
                                           max_value=100.0, step=5.0, format="%.0f") / 100
                q["callback"] = cb
            else:
                q["callback"] = None
        if partners:
            overflow = lever(left.toggle, "Overflow to a partner", f"{k}.ov", queue.overflow is not None)
            if overflow:
                ov = q.get("overflow") or {"to": partners[0], "after_wait_s": 30.0}
                ov["to"] = lever(mid.selectbox, "partner group", f"{k}.ov.to", ov["to"],
                                 options=partners)
                rules = {"a caller waited": "after_wait_s", "many callers wait": "queue_length_above"}
                chosen = lever(right.multiselect, "overflow when", f"{k}.ov.rules",
                               [r for r, f in rules.items() if ov.get(f) is not None],
                               options=list(rules))
                wait_col, length_col, _ = st.columns(3)
                ov["after_wait_s"] = lever(
                    wait_col.number_input, "after waiting in-house (s)", f"{k}.ov.wait",
                    float(30.0 if ov.get("after_wait_s") is None else ov["after_wait_s"]), min_value=0.0, step=5.0, format="%.0f"
                ) if "a caller waited" in chosen else None
                ov["queue_length_above"] = lever(
                    length_col.number_input, "when more callers than this wait", f"{k}.ov.len",
                    int(10 if ov.get("queue_length_above") is None else ov["queue_length_above"]), min_value=0, step=1
                ) if "many callers wait" in chosen else None
                q["overflow"] = ov
            else:
                q["overflow"] = None

with queue_tabs[-1]:
    to_target = lever(st.radio, "Staffing", "lever.staff.mode", "as planned",
                      options=["as planned", "staff to target (Erlang C)", "staff to target (Erlang A)"],
                      horizontal=True, help="Staff to target replaces each queue's specialist "
                      "teams' plan by the Erlang requirement for the sidebar's targets "
                      "(queues fed only by transfers keep their plan).")
    plan = edits.staffing_table(base)
    if not plan.empty:
        with st.expander("Agents on duty per interval (edit the cells)"):
            shown = state.remembered("lever.staff.table", plan)
            edited = st.data_editor(shown, key="lever.staff.table", width="stretch",
                                    column_config={name: st.column_config.NumberColumn(
                                        f"{name} (agents)", min_value=0, step=1, format="%d")
                                        for name in plan.columns})
            state.keep("lever.staff.table", edited)
            if not edited.equals(plan):
                edits.set_staffing(data, edited)
            st.caption("One day, repeated every day; groups on shifts or with a plan per day "
                       "are edited in the file. The scale and agents added below apply on top.")
    scales = []  # (factor, agents added) per group, applied after staff to target
    for i, group in enumerate(base.agent_groups):
        g = data["agent_groups"][i]
        kind = f"partner ({group.partner})" if group.is_partner else "in-house"
        st.markdown(f"**{group.name}** — {kind}, serves {', '.join(group.serves) or 'overflow only'}")
        a, b, c = st.columns(3)
        factor = lever(a.number_input, f"{group.name}: staffing (% of plan)", f"lever.g{i}.scale",
                       100.0, min_value=0.0, max_value=500.0, step=5.0, format="%.0f")
        added = lever(b.number_input, f"{group.name}: agents added per interval", f"lever.g{i}.add",
                      0, min_value=-1000, max_value=1000, step=1)
        g["absenteeism"] = lever(c.number_input, f"{group.name}: absence (% of agent-days)",
                                 f"lever.g{i}.abs", 100 * group.absenteeism, min_value=0.0,
                                 max_value=99.0, step=1.0, format="%.0f") / 100
        scales.append((factor / 100, int(added)))


def _edited():
    """The levers applied and validated (staff to target first, then the scale and add)."""
    scenario = parse_scenario(data, source="edited scenario")
    if to_target != "as planned":
        t = state.targets()
        method = "Erlang A" if to_target.endswith("A)") else "Erlang C"
        tables = runs.erlang_requirements(runs.key(scenario), Targets(
            t.service_level, t.threshold_s, max_occupancy=t.max_occupancy), method, 0.0, 8.0)
        served_first = {g.serves[0] for g in scenario.agent_groups if g.serves and not g.is_partner}
        # A queue with no forecast of its own (fed only by transfers) keeps its plan: the
        # formulas see no calls there and would staff it at 0.
        scenario = staff_to_requirement(scenario, {
            q: r.intervals["agents"].to_numpy() for q, r in tables.items()
            if q in served_first and r.totals.loc[q, "calls"] > 0})
    out = scenario.model_dump(mode="json")
    for g, (factor, added) in zip(out["agent_groups"], scales):
        edits.scale_staffing(g, factor, added)
    return parse_scenario(out, source="edited scenario")


st.divider()
try:
    edited = _edited()
    state.set_current(edited)
    changed = edited != base
    st.success("Edited scenario is valid" + (" and differs from the file." if changed else
                                             " (no change from the file)."))
except InputError as err:
    edited = state.current()
    st.error(str(err).replace("\n", "  \n"))
    st.warning("The other pages keep using the last valid version of the scenario.")

st.download_button("Download the edited scenario (TOML)", scenario_to_toml(edited),
                   file_name="edited_scenario.toml", mime="application/toml", on_click="ignore")

volumes = []
for label, scenario in (("as loaded", base), ("edited", edited)):
    expected = sum(scenario.expected_arrivals(q).reshape(-1) for q in scenario.queues)
    starts = scenario.horizon.interval_starts_s().reshape(-1)
    volumes.append(pd.DataFrame({"time": runs.interval_times(scenario, starts / scenario.horizon.interval_s,
                                                             scenario.horizon.interval_s),
                                 "series": label, "value": expected}))
frame = pd.concat(volumes, ignore_index=True)
st.markdown("**Expected contacts per interval, all queues**")
st.altair_chart(charts.volume_chart(frame), width="stretch")
