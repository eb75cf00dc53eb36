"""What the pages share through the session: the scenario being planned and the targets.

Streamlit forgets a widget's value when its page is not shown, so lever values are also
kept in a plain dict (`keep`) and given back as the widget's default (`remembered`). The scenario
itself travels as a validated `Scenario`: every page reads the same object.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from sim.kpis import KpiSettings
from sim.scenario import Scenario, load_scenario

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "default.toml"
SCENARIO_ENV = "CCPLAN_APP_SCENARIO"  # set by `ccplan app SCENARIO` (sim/cli/app.py)


@dataclass(frozen=True)
class Targets:
    """The service targets every page draws and staffs against (sidebar)."""

    service_level: float  # share answered within threshold_s
    threshold_s: float
    asa_s: float
    max_abandon: float  # share
    max_occupancy: float  # share

    def kpi_settings(self) -> KpiSettings:
        return KpiSettings(sl_threshold_s=self.threshold_s)

    def for_kpi(self, kpi_id: str) -> float | None:
        """The target line to draw on a chart of `kpi_id`, if there is one."""
        return {"service_level": self.service_level, "asa": self.asa_s,
                "abandon_rate": self.max_abandon, "occupancy": self.max_occupancy}.get(kpi_id)


def startup_scenario_path() -> Path:
    """The scenario `ccplan app SCENARIO` was given (it sets SCENARIO_ENV), else the default."""
    return Path(os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO)


def shipped_scenarios() -> dict[str, Path]:
    return {p.stem: p for p in sorted(SCENARIO_DIR.glob("*.toml"))}


def current() -> Scenario:
    """The scenario as edited on the Scenario page (loaded at start-up the first time)."""
    if "scenario" not in st.session_state:
        scenario = load_scenario(startup_scenario_path())
        st.session_state["scenario"] = scenario
        st.session_state["baseline"] = scenario
        st.session_state["scenario_source"] = startup_scenario_path().name
    return st.session_state["scenario"]


def baseline() -> Scenario:
    """The scenario as loaded, before any edit: what every delta is measured against."""
    current()
    return st.session_state["baseline"]


def set_current(scenario: Scenario) -> None:
    st.session_state["scenario"] = scenario


def load_new(scenario: Scenario, source: str) -> None:
    """A newly picked or uploaded scenario becomes both current and baseline; levers reset."""
    st.session_state["scenario"] = scenario
    st.session_state["baseline"] = scenario
    st.session_state["scenario_source"] = source
    remembered = st.session_state.setdefault("remembered", {})
    for key in [k for k in remembered if not k.startswith("target.")]:
        del remembered[key]  # every lever but the sidebar's targets starts from the new file
        st.session_state.pop(key, None)


def remembered(key: str, default):
    """The value widget `key` had when last shown (see the module docstring), else `default`.
    All but the sidebar's targets ("target.*") are forgotten when another scenario loads."""
    return st.session_state.setdefault("remembered", {}).get(key, default)


def keep(key: str, value):
    st.session_state.setdefault("remembered", {})[key] = value
    return value


def targets() -> Targets:
    return st.session_state.get("targets") or Targets(0.8, 20.0, 20.0, 0.05, 0.85)


def set_targets(value: Targets) -> None:
    st.session_state["targets"] = value
