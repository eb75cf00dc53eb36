"""Random draws one at a time inside the event loop, from per-purpose streams.

Decisions taken as events happen (resolve? transfer? redial?) and the needs of follow-up
contacts cannot be drawn before the run. Drawing them one scalar at a time from numpy is
slow, so each purpose keeps a buffer filled a block at a time from its own stream: the
sequence of values is the same as one long vectorised draw.
"""

import numpy as np

_BLOCK = 1024


class Draws:
    """Successive values of `sample(rng, n)`, handed out one by one."""

    def __init__(self, sample, rng: np.random.Generator):
        self._sample = sample
        self._rng = rng
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._values):
            self._values = self._sample(self._rng, _BLOCK).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value


def uniforms(rng: np.random.Generator) -> Draws:
    """U(0, 1) draws, for yes/no decisions: `draws() < probability`."""
    return Draws(lambda r, n: r.random(n), rng)
