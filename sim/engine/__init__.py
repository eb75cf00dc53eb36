"""The simulator: `simulate(scenario)` → InteractionLog. No KPI is computed here."""

from sim.engine.arrivals import draw_customers
from sim.engine.core import Progress, Run
from sim.engine.estimate import check_fits, estimated_peak_bytes, expected_contacts
from sim.engine.log_builder import build_log
from sim.engine.rosters import rosters
from sim.interaction_log import InteractionLog
from sim.scenario import Scenario


def simulate(scenario: Scenario, seed: int | None = None, progress: Progress | None = None,
             allow_large: bool = False) -> InteractionLog:
    """Run `scenario` once and return its interaction log.

    `seed` overrides the scenario's seed; the same scenario and seed give the same log,
    bit for bit. `progress(fraction)` is called as simulated time advances (0 to 1).
    A run whose estimated peak memory exceeds the machine's available memory is refused
    with an InputError naming the estimate, unless `allow_large`.
    """
    if not allow_large:
        check_fits(scenario)
    seed = scenario.seed if seed is None else seed
    run = Run(scenario, draw_customers(scenario, seed), rosters(scenario, seed), progress)
    run.run()
    return build_log(scenario, run, seed)


__all__ = ["simulate", "expected_contacts", "estimated_peak_bytes"]
