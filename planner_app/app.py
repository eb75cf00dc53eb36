"""ccplan what-if planner: `streamlit run planner_app/app.py [-- SCENARIO]` (or `ccplan app`).

This file only sets up the page, the shared targets in the sidebar and the navigation;
each page is one file under `views/`. An `InputError` anywhere on a page is shown as one
red box with its message: a person never sees a traceback for input they can fix.
"""

from pathlib import Path

import streamlit as st

from planner_app import state
from planner_app.widgets import lever, shown_errors

# Not "pages/": a folder of that name beside the main script puts Streamlit in its legacy
# multipage mode, which runs a page without this file (no sidebar, no error guard).
PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title="ccplan what-if planner", page_icon=":telephone_receiver:",
                   layout="wide")

navigation = st.navigation({
    "Plan": [
        st.Page(PAGES / "scenario.py", title="Scenario", icon=":material/tune:", default=True),
        st.Page(PAGES / "staffing.py", title="Staffing", icon=":material/groups:"),
        st.Page(PAGES / "simulate.py", title="Simulate", icon=":material/play_circle:"),
        st.Page(PAGES / "compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page(PAGES / "outsourcing.py", title="Outsourcing", icon=":material/handshake:"),
    ],
    "Learn and check": [
        st.Page(PAGES / "training.py", title="KPI interactions", icon=":material/school:"),
        st.Page(PAGES / "score_log.py", title="Score a real log", icon=":material/upload_file:"),
    ],
})

with st.sidebar:
    with shown_errors():
        scenario = state.current()
        st.caption(f"Scenario: **{scenario.name}**")
    st.subheader("Targets")
    sl = lever(st.number_input, "Service-level target (%)", "target.sl", 80.0,
               min_value=1.0, max_value=99.0, step=1.0, format="%.0f")
    threshold = lever(st.number_input, "answered within (s)", "target.threshold", 20.0,
                      min_value=0.0, max_value=3600.0, step=5.0, format="%.0f")
    asa = lever(st.number_input, "ASA target (s)", "target.asa", 20.0,
                min_value=1.0, max_value=3600.0, step=5.0, format="%.0f")
    abandon = lever(st.number_input, "Maximum abandonment (%)", "target.abandon", 5.0,
                    min_value=0.5, max_value=99.0, step=0.5, format="%.1f")
    occupancy = lever(st.number_input, "Maximum occupancy (%)", "target.occupancy", 85.0,
                      min_value=10.0, max_value=100.0, step=1.0, format="%.0f")
    state.set_targets(state.Targets(sl / 100, threshold, asa, abandon / 100, occupancy / 100))

with shown_errors():
    navigation.run()
