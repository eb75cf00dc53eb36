"""KPI interactions page (training): move one lever and follow the chain of effects, link
by link, on the same customers (common random numbers) so the change is the lever's."""

import streamlit as st

from planner_app import runs, state
from planner_app.lessons import LESSONS
from planner_app.widgets import format_value, lever, metric_card
from sim.kpis import SPECS
from sim.scenario import load_scenario

st.title("KPI interactions")
st.caption("For trainers: pick a preset, move its lever, and read the chain from top to "
           "bottom. Both runs see the same customers, so every change is the lever's doing.")

titles = [lesson.title for lesson in LESSONS]
lesson = LESSONS[titles.index(st.radio("Preset", titles, key="train.preset"))]
st.markdown(f"**Scenario:** {lesson.scenario}.toml — {lesson.story}")
scenario = load_scenario(state.SCENARIO_DIR / f"{lesson.scenario}.toml")
amount = lever(st.slider, lesson.lever_label, f"train.{lesson.scenario}.{lesson.field}",
               lesson.default, min_value=lesson.low, max_value=lesson.high, step=lesson.step,
               format="%.0f %%")

changed = lesson.apply(scenario, amount)

threshold = state.targets().threshold_s
before = runs.single_run(scenario, scenario.seed, threshold, "simulating the file").values
after = runs.single_run(changed, scenario.seed, threshold, "simulating the change").values

for step, (kpi_id, caption) in enumerate(lesson.chain, start=1):
    if before.get(kpi_id) is None or after.get(kpi_id) is None:
        continue
    number, card, words = st.columns([1, 4, 8], vertical_alignment="center")
    number.markdown(f"### {step}")
    with card:
        metric_card(kpi_id, after[kpi_id], before[kpi_id],
                    label=f"{SPECS[kpi_id].name}: {format_value(kpi_id, before[kpi_id])} before")
    words.markdown(caption)
st.caption("One run each; small changes (a point or two) can be chance. The Compare page "
           "gives confidence intervals over many runs.")
