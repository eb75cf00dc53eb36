"""Scenario: validated description of a contact center (see `model`), read from TOML (see
`load`) and written back to TOML (see `write`, which needs tomli-w: import it from there)."""

from sim.scenario.load import load_scenario, parse_scenario, with_field
from sim.scenario.model import DAY_S, AgentGroup, Arrivals, Horizon, Queue, Scenario

__all__ = [
    "DAY_S", "AgentGroup", "Arrivals", "Horizon", "Queue", "Scenario",
    "load_scenario", "parse_scenario", "with_field",
]
