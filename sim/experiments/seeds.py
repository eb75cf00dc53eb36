"""Seeds of replications: one `numpy.random.SeedSequence` spawn policy.

Replication i of an experiment with seed s runs the simulator with the integer
`SeedSequence(s).spawn(n)[i].generate_state(2, uint32)` read as a 63-bit number. Child i
of a SeedSequence does not depend on how many children are spawned, so the seeds of
replications 0..9 are the same in a 10- and a 50-replication experiment: an experiment can
grow (sequential stopping, a rerun with more `--reps`) without changing what it already
ran, and whichever executor runs replication i, it gets the same seed. Every scenario of a
comparison or a sweep gets the same seeds: common random numbers.
"""

from __future__ import annotations

import numpy as np

from sim.errors import InputError


def seeds_for(seed: int, reps: int, start: int = 0) -> list[int]:
    """Simulator seeds of replications start .. start + reps - 1 of experiment `seed`."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed: {seed!r} is not a whole number >= 0")
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 0:
        raise InputError(f"reps: {reps!r} is not a whole number >= 0")
    children = np.random.SeedSequence(int(seed)).spawn(start + reps)[start:]
    return [_to_int(child) for child in children]


def _to_int(child: np.random.SeedSequence) -> int:
    low, high = child.generate_state(2, dtype=np.uint32)
    return ((int(high) << 32) | int(low)) >> 1  # 63 bits: fits an int64 Parquet column
