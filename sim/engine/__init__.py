"""The simulator: `simulate(scenario)` → InteractionLog, or `simulate_to(scenario, out_dir)`
→ a log directory written as the run goes. No KPI is computed here."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.engine.arrivals import CustomerDays
from sim.engine.core import Progress, Run
from sim.engine.estimate import check_fits, estimated_peak_bytes, expected_contacts
from sim.engine.log_builder import Batch, simulated_meta
from sim.engine.rosters import rosters
from sim.interaction_log import InteractionLog, LogWriter
from sim.scenario import Scenario


def simulate(scenario: Scenario, seed: int | None = None, progress: Progress | None = None,
             allow_large: bool = False) -> InteractionLog:
    """Run `scenario` once and return its interaction log.

    `seed` overrides the scenario's seed; the same scenario and seed give the same log,
    bit for bit, and the same rows as `simulate_to` writes. `progress(fraction)` is called
    as simulated time advances (0 to 1). A run whose estimated peak memory exceeds the
    machine's available memory is refused with an InputError naming the estimate, unless
    `allow_large`.
    """
    if not allow_large:
        check_fits(scenario, streamed=False)
    seed = scenario.seed if seed is None else seed
    batches: list[Batch] = []
    _run(scenario, seed, progress, batches.append)
    return InteractionLog(_joined([b.contacts for b in batches]),
                          _joined([b.agent_states for b in batches]), simulated_meta(scenario, seed))


@dataclass
class Written:
    """What `simulate_to` wrote: the directory, contacts per outcome, agent-state spells."""

    path: Path
    outcomes: Counter = field(default_factory=Counter)
    spells: int = 0

    @property
    def contacts(self) -> int:
        return sum(self.outcomes.values())


def simulate_to(scenario: Scenario, out_dir: str | os.PathLike, fmt: str = "parquet",
                seed: int | None = None, progress: Progress | None = None,
                allow_large: bool = False) -> Written:
    """Run `scenario` once, writing its log into `out_dir` batch by batch (see
    `sim.interaction_log.LogWriter`): memory follows the contacts in play, not the horizon.
    The directory appears whole when the run ends, or not at all."""
    if not allow_large:
        check_fits(scenario, streamed=True)
    seed = scenario.seed if seed is None else seed
    with LogWriter(out_dir, fmt) as writer:
        written = Written(writer.out)

        def write(batch: Batch) -> None:
            writer.write(batch.contacts, batch.agent_states)
            written.outcomes.update(batch.contacts["outcome"].value_counts().to_dict())
            written.spells += len(batch.agent_states)

        _run(scenario, seed, progress, write)
        written.path = writer.finish(simulated_meta(scenario, seed))
    return written


def _run(scenario: Scenario, seed: int, progress: Progress | None, emit) -> None:
    Run(scenario, CustomerDays(scenario, seed), rosters(scenario, seed), progress, emit).run()


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


__all__ = ["simulate", "simulate_to", "Written", "expected_contacts", "estimated_peak_bytes"]
