"""Streamlit what-if planner (holds no model logic: it calls `sim` and draws)."""
