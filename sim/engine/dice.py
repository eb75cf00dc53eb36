"""Each contact's own random numbers, so that common random numbers last past the first contact.

A decision taken in the event loop (resolved? transferred? comes back? redials? accepts a
callback? picks up?) must not depend on how many decisions the run took before it, or a
staffing change would reshuffle every later customer's dice. So each customer gets a
64-bit key, drawn before the run from its queue's stream in arrival order, and every
random number of a contact is a function of (key, kind, attempt, segment[, try]) only —
a contact's place in its customer's story, the same in any run that reaches it.

Each draw hashes the key, a salt for its kind and the position with splitmix64's
finaliser into U(0, 1) — about 2 µs in pure Python (a SeedSequence per contact costs
~35 µs). `uniforms` is the same function over numpy arrays, for the survey after the run.
Follow-up needs are quantiles at such uniforms (`sim.engine.needs`).
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # splitmix64's increment
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB


def salt(kind: str) -> int:
    """A fixed 64-bit constant per kind of draw, so kinds of the same contact differ."""
    return int.from_bytes(hashlib.blake2b(kind.encode(), digest_size=8).digest(), "little")


def position(attempt, segment, attempt_try=0):
    """A contact's place in its customer's story as one integer; ints or numpy integer
    arrays. Distinct for segments and callback tries below 256 (the engine stops at 5
    segments; a `max_tries` above 255 would only reuse draws, not break a run)."""
    return (attempt << 16) | (segment << 8) | attempt_try


def uniform(key: int, kind_salt: int, at: int) -> float:
    """U(0, 1) belonging to (customer key, `salt(kind)`, position): splitmix64 of the three."""
    z = ((key ^ kind_salt) + at * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    # 52 bits, so that k + 0.5 is exact and u lies strictly inside (0, 1): quantiles stay finite.
    return (((z ^ (z >> 31)) >> 12) + 0.5) * 2.0**-52


def uniforms(keys: np.ndarray, kind: str, at: np.ndarray) -> np.ndarray:
    """`uniform` over arrays of keys and positions (uint64 arithmetic wraps like & _MASK)."""
    with np.errstate(over="ignore"):
        z = (keys.astype(np.uint64) ^ np.uint64(salt(kind))) + at.astype(np.uint64) * np.uint64(_GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return (((z ^ (z >> np.uint64(31))) >> np.uint64(12)).astype(np.float64) + 0.5) * 2.0**-52


def normals(keys: np.ndarray, kind: str, at: np.ndarray) -> np.ndarray:
    """N(0, 1) per (key, kind, position), by Box-Muller from two of the contact's uniforms."""
    u1 = uniforms(keys, f"{kind}/radius", at)
    u2 = uniforms(keys, f"{kind}/angle", at)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


class Dice:
    """The event loop's access to contacts' random numbers: `uniform` by kind name."""

    def __init__(self):
        self._salts = _Salts()

    def uniform(self, kind: str, key: int, at: int) -> float:
        return uniform(key, self._salts[kind], at)


class _Salts(dict):
    """salt(kind), computed once per kind."""

    def __missing__(self, kind: str) -> int:
        value = self[kind] = salt(kind)
        return value
