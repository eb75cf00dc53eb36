"""Erlang B, C and A: exact queue measures for one staffing level, vectorised over intervals.

Every input may be a scalar or a numpy array (one value per interval); results broadcast
to the common shape. The model is M/M/N (Erlang C) or, with a mean patience, M/M/N+M
(Erlang A: exponential patience, callers who give up leave). Definitions, per interval:

- load (Erlangs) a = calls_per_hour / 3600 * aht_s.
- Erlang B: probability that a call finds all N agents busy when there is no queue.
- p_wait: share of offered calls that find all N agents busy on arrival and must queue.
- p_abandon: share of offered calls that hang up before an agent answers (0 in Erlang C).
- service_level: share of offered calls answered within threshold_s; abandoned calls count
  as offered and not answered, so SL <= 1 - p_abandon.
- asa_s: mean wait of answered calls, zero waits included.
- occupancy: carried load / N, where carried load = a * (1 - p_abandon) excludes abandons.

An Erlang C system with a >= N never empties: p_wait = 1, service_level = 0,
asa_s = inf, occupancy = 1. With no calls (a = 0) nobody waits: p_wait = 0,
service_level = 1, asa_s = 0, occupancy = 0.

Erlang B uses B = P(X = N) / P(X <= N) for X ~ Poisson(a), in logs so that 20,000 agents
and 20,000 Erlangs neither overflow nor underflow; Erlang C follows from B exactly:
C = N B / (N - a (1 - B)), and SL = 1 - C exp(-(N - a) T / AHT). Erlang A is in
`sim.staffing.erlang_a`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from sim.staffing.erlang_a import erlang_a_measures
from sim.errors import InputError

MEASURE_NAMES = ("p_wait", "p_abandon", "service_level", "asa_s", "occupancy")
# Beyond this patience / AHT ratio Erlang A's quadrature loses accuracy when the load
# exceeds the agents (see sim/staffing/erlang_a.py); no real caller waits a million handle times.
MAX_PATIENCE_AHT = 1e6

# Below this log P(X = N), P(X <= N) may underflow and is summed directly instead.
_LOG_PMF_SERIES = -500.0


@dataclass(frozen=True)
class Measures:
    """The measures of one staffing level, each an array of the broadcast input shape."""

    p_wait: np.ndarray
    p_abandon: np.ndarray
    service_level: np.ndarray
    asa_s: np.ndarray
    occupancy: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in MEASURE_NAMES}


def checked(name: str, value, ok, rule: str) -> np.ndarray:
    """`value` as a float array; InputError naming the first element that breaks `rule`.

    `ok(array)` returns a boolean mask of acceptable elements. NaN never passes.
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name}: {value!r} is not a number") from None
    bad = ~(ok(arr) & ~np.isnan(arr))
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"{name}[{', '.join(map(str, index))}]" if arr.ndim else name
        raise InputError(f"{where}: {arr[index]:g} is not {rule}")
    return arr


def positive(name: str, value) -> np.ndarray:
    return checked(name, value, lambda v: (v > 0) & np.isfinite(v), "> 0")


def non_negative(name: str, value) -> np.ndarray:
    return checked(name, value, lambda v: (v >= 0) & np.isfinite(v), ">= 0")


def agent_count(name: str, value) -> np.ndarray:
    return checked(name, value, lambda v: (v >= 1) & np.isfinite(v) & (v == np.floor(v)),
                   "a whole number >= 1")


def load_erlangs(calls_per_hour, aht_s) -> np.ndarray:
    """Offered load a = arrival rate x mean handle time, in Erlangs."""
    calls, aht = non_negative("calls_per_hour", calls_per_hour), positive("aht_s", aht_s)
    _flat(calls, aht)  # one shape, or a clear error
    return calls / 3600.0 * aht


def log_erlang_b(load_erl: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """log B(N, a) for a > 0, N >= 1 (arrays of one shape), accurate over the whole range.

    P(X <= N) = Q(N + 1, a) (regularised upper incomplete gamma) is used directly unless
    a > N and P(X = N) < e^-500, where it could underflow; there 1/B is the series
    sum_j N!/((N-j)! a^j), whose terms fall at least geometrically (ratio <= N/a < 1).
    """
    log_pmf = stats.poisson.logpmf(agents, load_erl)
    series = (load_erl > agents) & (log_pmf < _LOG_PMF_SERIES)
    with np.errstate(divide="ignore"):
        log_cdf = np.log(special.gammaincc(agents + 1.0, load_erl))
    if series.any():
        n, a = agents[series], load_erl[series]
        total, term, j = np.ones_like(a), np.ones_like(a), 0
        while True:
            term = term * np.maximum(n - j, 0.0) / a
            total += term
            j += 1
            if not (term > 1e-17 * total).any():
                break
        log_cdf[series] = log_pmf[series] + np.log(total)
    return log_pmf - log_cdf


def broadcast_shape(*arrays) -> tuple[int, ...]:
    """The common shape of the inputs, or an InputError saying which shapes clash."""
    try:
        return np.broadcast_shapes(*(np.shape(a) for a in arrays))
    except ValueError:
        shapes = " and ".join(str(np.shape(a)) for a in arrays)
        raise InputError(f"inputs: shapes {shapes} do not match; give one value per interval "
                         "or a single value") from None


def _flat(*arrays) -> tuple[tuple[int, ...], list[np.ndarray]]:
    """Broadcast shape and the arrays broadcast to it, flattened (copies, safe to write)."""
    shape = broadcast_shape(*arrays)
    arrays = [np.broadcast_to(a, shape) for a in arrays]
    return shape, [np.array(x, dtype=float).ravel() for x in arrays]


def erlang_b(load_erl, agents) -> np.ndarray:
    """Erlang B blocking: P(all N agents busy) in M/M/N/N, i.e. with no waiting room."""
    shape, (a, n) = _flat(non_negative("load_erl", load_erl), agent_count("agents", agents))
    out = np.zeros_like(a)
    out[a > 0] = np.exp(log_erlang_b(a[a > 0], n[a > 0]))
    return out.reshape(shape)


def erlang_c(load_erl, agents) -> np.ndarray:
    """Erlang C: P(a call waits) in M/M/N; 1 when the load a >= N (no steady state)."""
    shape, (a, n) = _flat(non_negative("load_erl", load_erl), agent_count("agents", agents))
    return _erlang_c(a, n).reshape(shape)


def _erlang_c(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    stable, busy = (a < n) & (a > 0), a >= n
    out = np.where(busy, 1.0, 0.0)
    a_s, n_s = a[stable], n[stable]
    b = np.exp(log_erlang_b(a_s, n_s))
    out[stable] = n_s * b / ((n_s - a_s) + a_s * b)  # N - a(1-B) without cancellation
    return out


def measures(calls_per_hour, aht_s, agents, threshold_s, patience_s=None) -> Measures:
    """Measures at N = `agents` for the given traffic; Erlang A when `patience_s` is given.

    `patience_s` is the mean of the (exponential) time a caller will wait before hanging up;
    None means callers never hang up (Erlang C).
    """
    a = load_erlangs(calls_per_hour, aht_s)
    aht = positive("aht_s", aht_s)
    n = agent_count("agents", agents)
    t = non_negative("threshold_s", threshold_s)
    p = None if patience_s is None else positive("patience_s", patience_s)
    shape, (a, aht, n, t, *rest) = _flat(a, aht, n, t, *([] if p is None else [p]))
    if p is not None and np.any((rest[0] > MAX_PATIENCE_AHT * aht) & (a >= n)):
        raise InputError(f"patience_s: more than {MAX_PATIENCE_AHT:g} x aht_s in an overloaded interval "
                         "(load >= agents) is beyond Erlang A's accuracy; leave patience out (Erlang C)")
    if p is None:
        result = _erlang_c_measures(a, aht, n, t)
    else:
        result = _erlang_a_measures(a, aht, n, t, rest[0])
    return Measures(**{k: v.reshape(shape) for k, v in result.items()})


def _erlang_c_measures(a, aht, n, t) -> dict[str, np.ndarray]:
    c = _erlang_c(a, n)
    stable = a < n
    gap = np.where(stable, n - a, 1.0)  # placeholder where unstable, masked below
    return {
        "p_wait": c,
        "p_abandon": np.zeros_like(a),
        "service_level": np.where(stable, 1.0 - c * np.exp(-gap * t / aht), 0.0),
        "asa_s": np.where(stable, c * aht / gap, np.inf),
        "occupancy": np.where(stable, a / n, 1.0),
    }


def _erlang_a_measures(a, aht, n, t, patience) -> dict[str, np.ndarray]:
    out = {
        "p_wait": np.zeros_like(a),
        "p_abandon": np.zeros_like(a),
        "service_level": np.ones_like(a),
        "asa_s": np.zeros_like(a),
        "occupancy": np.zeros_like(a),
    }
    busy = a > 0
    if busy.any():
        a_b, n_b = a[busy], n[busy]
        parts = erlang_a_measures(
            a_b, n_b, t[busy] / aht[busy], patience[busy] / aht[busy], log_erlang_b(a_b, n_b)
        )
        p_served = parts.pop("p_served")
        parts["asa_s"] = parts.pop("asa_aht") * aht[busy]
        parts["occupancy"] = a_b * p_served / n_b
        for name, values in parts.items():
            out[name][busy] = values
    return out
