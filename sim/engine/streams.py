"""Random streams: one independent numpy Generator per named source of randomness.

A stream is keyed by its name (e.g. "handle/sales"), not by the order in which it is
created, so adding a queue or a behaviour never shifts the numbers another source sees.
That is what makes common random numbers work: two scenarios that differ only in staffing
draw the very same customers.
"""

import hashlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))
