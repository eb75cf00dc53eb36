"""Experiments: replications with confidence intervals, paired comparisons on common random
numbers, sweeps, and simulation-based staffing, on any `concurrent.futures` executor.

Seed policy: `seeds`; interval method: `stats`; persistence: `store`; executors:
`executors`; simulation-based staffing: `staffing`. Details: docs/experiments.md.
"""

from sim.experiments.api import (ComparisonResult, ReplicationResult, SweepResult, compare,
                                 crn_note, replicate, sweep)
from sim.experiments.executors import local_pool, open_executor
from sim.experiments.runner import Failure
from sim.experiments.seeds import seeds_for
from sim.experiments.worker import run_kpis

__all__ = [
    "ComparisonResult", "Failure", "ReplicationResult", "SweepResult", "compare", "crn_note",
    "local_pool", "open_executor", "replicate", "run_kpis", "seeds_for", "sweep",
]
