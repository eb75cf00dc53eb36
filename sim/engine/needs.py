"""Needs of follow-up contacts by inversion: a distribution's quantile at the contact's own
uniform (`sim.engine.dice`).

A follow-up's delay, IVR time, patience, handle and wrap must be the contact's own draws,
not the next value of a stream shared in event order. Inverting the distribution function
at a hashed uniform costs ~1-3 µs per need in pure Python, where re-keying a numpy
generator per contact costs ~10 µs plus ~5 µs per scalar sample. Inversion is exact, so
every family samples the distribution it describes (tests/test_engine_crn.py checks each
against scipy's quantiles).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import accumulate
from statistics import NormalDist
from typing import Callable

from sim.distributions import Deterministic, Empirical, Exponential, Gamma, Lognormal, NoAbandonment

Quantile = Callable[[float], float]


def quantile_function(dist) -> Quantile:
    """u in (0, 1) -> the value of `dist` at probability u."""
    if isinstance(dist, Exponential):
        mean_s = dist.mean_s
        return lambda u: -mean_s * math.log1p(-u)
    if isinstance(dist, Lognormal):
        sigma2 = math.log1p(dist.cv**2)
        mu, sigma, normal = math.log(dist.mean_s) - sigma2 / 2, math.sqrt(sigma2), NormalDist().inv_cdf
        return lambda u: math.exp(mu + sigma * normal(u))
    if isinstance(dist, Gamma):
        from scipy.special import gammaincinv  # only scenarios with a gamma need pay its import

        shape, scale = 1 / dist.cv**2, dist.mean_s * dist.cv**2
        return lambda u: float(gammaincinv(shape, u)) * scale
    if isinstance(dist, Deterministic):
        value = float(dist.mean_s)
        return lambda u: value
    if isinstance(dist, Empirical):
        values = [float(v) for v in dist.values_s]
        cumulative = list(accumulate(dist.weights or [1.0] * len(values)))
        total = cumulative[-1]
        last = len(values) - 1
        return lambda u: values[min(bisect_right(cumulative, u * total), last)]
    if isinstance(dist, NoAbandonment):
        return lambda u: math.inf
    raise TypeError(f"no quantile function for {type(dist).__name__}")
