"""Erlang A (M/M/N+M) measures from one-dimensional integrals, vectorised over intervals.

Time is in units of the mean handle time (AHT): service rate 1 per agent, arrival rate a
(the load), abandonment rate 1/p per waiting caller (p = patience / AHT).

Derivation. In steady state pi_n ~ a^n/n! for n <= N and pi_{N+k} = pi_N t_k with
t_k = prod_{i=1..k} a / (N + i/p). By PASTA an arrival sees N+k with probability
pi_{N+k}. Under FCFS its own patience does not affect those ahead, so with k callers ahead
it reaches an agent after V_k = sum_{i=0..k} Exp(N + i/p) (the line shortens at rate
N + i/p with i ahead) and is answered iff V_k < its patience ~ Exp(1/p). By Renyi's
representation 1 - exp(-V_k/p) ~ Beta(k+1, Np); summing the beta densities against t_k
turns the series into an exponential generating function, and with
f_c(tau) = a p (1 - exp(-tau/p)) - c tau, relative to pi_N:

    A    = sum_k t_k                            = N int_0^inf exp(f_N(tau)) dtau
    J(T) = sum_k t_k P(V_k <= T, answered)      = N int_0^T   exp(f_{N+1/p}(tau)) dtau
    W    = sum_k t_k E[V_k; answered]           = N int_0^inf tau exp(f_{N+1/p}(tau)) dtau
    A - J(inf) (waited, then abandoned)         = N int_0^inf exp(f_N) (1 - exp(-tau/p))

With R = sum_{n<N} pi_n / pi_N = 1/B - 1 (B = Erlang B) and Z = R + A:
p_wait = A/Z, p_abandon = (A - J(inf))/Z, service_level = (R + J(T))/Z,
ASA = W / (R + J(inf)). (A and J have incomplete-gamma closed forms, A = N p e^{ap}
(ap)^{-Np} gamma(Np, ap); evaluated that way they lose digits to cancelling logs of size
Np ln(ap) when patience is long, and W has none, so all four use the same quadrature.)

Numerics. Each exponent f_c is concave, so its integrand is log-concave with one peak.
The integral runs over the window where f_c is within DROP = 50 of its peak (found by
Newton's method, which on a concave function approaches the edge monotonically); the tails
outside hold less than e^-50 (about 2e-22) of the mass, a little more for the tau-weighted
W. The window is cut where exp(-tau/p) has died out (TRANSIENT * p past its start), since
the integrand bends on scale p before and 1/rate after; 48-point Gauss-Legendre on each
part integrates these smooth integrands to about 1e-13 relative, checked in the tests
against the birth-death chain and a tagged-caller Markov chain.

Accuracy limit: when load > N and patience >> AHT the peak exponent is about
p (a - N - N ln(a/N)), and rounding in it costs about 1e-16 times that, relative (1e-10
at p = 100, a = 20,000, N = 1); Erlang C has no such term.
"""

from __future__ import annotations

import numpy as np

DROP = 50.0
TRANSIENT = 40.0  # exp(-tau/p) is below e^-40 after TRANSIENT patience means
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)
_XI, _W = (_NODES + 1) / 2, _WEIGHTS / 2  # Gauss-Legendre on [0, 1]
_NEWTON_STEPS = 60


def _exponent(tau, a, p, rate):
    return -a * p * np.expm1(-tau / p) - rate * tau


def _slope(tau, a, p, rate):
    return a * np.exp(-tau / p) - rate


def _edge(start, a, p, rate, level, side):
    """Point where f_rate = level on `side` (+1 right, -1 left) of the peak, by Newton.

    From any start on the far side of the edge, or (right side) any start between peak and
    edge, concavity makes every iterate land on the far side and creep towards the edge.
    """
    tau = start.copy()
    active = np.ones(tau.shape, dtype=bool) if side > 0 else tau > 0
    for _ in range(_NEWTON_STEPS):
        if not active.any():
            break
        t, ai, pi, ri = tau[active], a[active], p[active], rate[active]
        step = (_exponent(t, ai, pi, ri) - level[active]) / _slope(t, ai, pi, ri)
        new = np.maximum(t - step, 0.0)
        tau[active] = new
        still = np.abs(new - t) > 1e-6 * np.maximum(new, 1e-300)
        active[active] = still & (new > 0)
    return tau


def _window(a, p, rate):
    """(lo, hi, mode, peak) of exp(f_rate): the range where f_rate >= peak - DROP, where the
    peak is and its value."""
    ratio = a / rate
    mode = np.where(ratio > 1, p * np.log(np.maximum(ratio, 1.0)), 0.0)
    peak = _exponent(mode, a, p, rate)
    level = peak - DROP
    # Quadratic model at the mode: slope -d, curvature min(a, rate)/p (largest at the
    # mode's left, smallest at its right), so its roots bracket the true edges suitably.
    d = np.maximum(rate - a, 0.0)
    curvature = np.minimum(a, rate) / p
    right = mode + 2 * DROP / (d + np.sqrt(d * d + 2 * curvature * DROP))
    left = np.where(mode > 0, np.maximum(mode - np.sqrt(2 * DROP / curvature), 0.0), 0.0)
    hi = np.maximum(_edge(right, a, p, rate, level, +1), mode)
    lo = np.minimum(_edge(left, a, p, rate, level, -1), mode)
    return lo, hi, mode, peak


def _nodes(lo, hi, mode, p):
    """Quadrature nodes tau and weights (one row per element) for int_lo^hi.

    The integrand bends on several scales: around its peak, within TRANSIENT * p after it
    (while exp(-tau/p) still matters) and on 1/rate beyond; each part gets its own rule.
    """
    peak = np.clip(mode, lo, hi)
    transient = np.minimum(peak + TRANSIENT * p, hi)
    edges = np.stack([lo, peak, transient, hi], axis=1)
    starts = np.repeat(edges[:, :-1], _XI.size, axis=1)
    widths = np.repeat(np.diff(edges, axis=1), _XI.size, axis=1)
    return starts + widths * np.tile(_XI, 3), widths * np.tile(_W, 3)


def _weighted(lo, hi, mode, a, p, rate, peak):
    """Nodes tau, 1 - exp(-tau/p) there, and quadrature weights times exp(f_rate - peak)."""
    tau, weights = _nodes(lo, hi, mode, p)
    gone = -np.expm1(-tau / p[:, None])  # P(a caller's patience ran out by tau)
    log_f = a[:, None] * p[:, None] * gone - rate[:, None] * tau - peak[:, None]
    return tau, gone, weights * np.exp(log_f)


def erlang_a_measures(a, agents, threshold_aht, patience_aht, log_b):
    """Erlang A measures for 1-d arrays of load a > 0, agents N >= 1, threshold T and
    patience p (both in AHT units) and log Erlang B; returns p_wait, p_abandon,
    service_level, p_served and asa_aht (ASA in AHT units) as arrays."""
    n, p = agents, patience_aht
    rate_j = n + 1.0 / p
    lo_a, hi_a, mode_a, peak_a = _window(a, p, n)
    lo_j, hi_j, mode_j, peak_j = _window(a, p, rate_j)
    _, gone_a, mass_a = _weighted(lo_a, hi_a, mode_a, a, p, n, peak_a)
    tau_j, _, mass_j = _weighted(lo_j, hi_j, mode_j, a, p, rate_j, peak_j)
    t = np.clip(threshold_aht, lo_j, hi_j)
    _, _, mass_t = _weighted(lo_j, t, mode_j, a, p, rate_j, peak_j)
    log_a = np.log(n) + peak_a
    log_j = np.log(n) + peak_j
    with np.errstate(divide="ignore"):
        log_big_a = log_a + np.log(mass_a.sum(axis=1))
        log_j_all = log_j + np.log(mass_j.sum(axis=1))
        log_j_t = log_j + np.log(mass_t.sum(axis=1))
        log_w = log_j + np.log((mass_j * tau_j).sum(axis=1))
        direct = log_a + np.log((mass_a * gone_a).sum(axis=1))
        # A - J(inf) by difference is exact enough while J(inf) <= A/2 (few abandon among
        # the short-patience cases where the direct integrand has a sharp edge at 0).
        ratio = np.exp(np.minimum(log_j_all - log_big_a, 0.0))
        log_ab = np.where(ratio <= 0.5, log_big_a + np.log1p(-ratio), direct)
        b = np.exp(log_b)
        log_r = np.log1p(-b) - log_b
    log_z = np.logaddexp(log_r, log_big_a)
    log_answered = np.logaddexp(log_r, log_j_all)
    return {
        "p_wait": np.exp(log_big_a - log_z),
        "p_abandon": np.exp(log_ab - log_z),
        "service_level": np.exp(np.logaddexp(log_r, log_j_t) - log_z),
        "p_served": np.exp(log_answered - log_z),
        "asa_aht": np.exp(log_w - log_answered),
    }
