"""Erlang B/C/A measures against independent computations, a published example, properties."""

from fractions import Fraction

import numpy as np
import pytest
from scipy import linalg

from sim.staffing.erlang import erlang_b, erlang_c, measures
from sim.errors import InputError

RTOL = 1e-9


def erlang_b_recursion(load, agents):
    """The textbook recursion 1/B(n) = 1 + n/(a B(n-1)), forward-stable."""
    inverse = 1.0
    for n in range(1, agents + 1):
        inverse = 1.0 + inverse * n / load
    return 1.0 / inverse


def birth_death(load, agents, patience_aht, threshold_aht, queue_cap=400):
    """Measures of M/M/N(+M) from the birth-death chain (time in AHT units, service rate 1).

    The stationary law is the chain's product form pi_{n+1} = pi_n a / rate(n+1), summed
    in exact rationals, so the reference carries no rounding of its own (a least-squares
    solve of the generator lost ~1e-9 relative on some machines); the queue is cut at
    `queue_cap` callers, whose tail is far below 1e-20 here. A tagged caller with k ahead
    then moves k -> k-1 at N + k theta, is served from 0 at N and abandons at theta.
    """
    theta = Fraction(0) if patience_aht is None else 1 / Fraction(patience_aht)
    a = Fraction(load)
    weights = [Fraction(1)]
    for n in range(1, agents + queue_cap + 1):
        weights.append(weights[-1] * a / (min(n, agents) + max(n - agents, 0) * theta))
    total = sum(weights)
    sees = np.array([float(w / total) for w in weights[agents:]])  # N + k in system (PASTA)
    p_wait = float(sum(weights[agents:]) / total)
    theta = float(theta)
    k = np.arange(sees.size)
    s = np.diag(-(agents + k * theta + theta)) + np.diag(agents + k[1:] * theta, -1)
    to_served = np.zeros(sees.size)
    to_served[0] = agents
    start = sees / sees.sum()
    served_by_t = start @ linalg.solve(-s, (np.eye(sees.size) - linalg.expm(s * threshold_aht))
                                       @ to_served)
    p_served_wait = start @ linalg.solve(-s, to_served)
    wait_served = start @ linalg.solve(s @ s, to_served)  # E[V 1{served}] = a S^-2 s
    p_abandon = p_wait * (1 - p_served_wait)
    return {
        "p_wait": p_wait,
        "p_abandon": p_abandon,
        "service_level": 1 - p_wait + p_wait * served_by_t,
        "asa_aht": p_wait * wait_served / (1 - p_abandon),
        "occupancy": load * (1 - p_abandon) / agents,
    }


def test_erlang_c_matches_exact_rationals():
    # The case a fresh install once failed on: 8.5 Erlangs, 10 agents. Erlang B by its
    # recursion in rationals, then C = N B / (N - a (1 - B)) and ASA = C AHT / (N - a).
    a, n = Fraction(17, 2), 10
    inverse_b = Fraction(1)
    for k in range(1, n + 1):
        inverse_b = 1 + inverse_b * k / a
    b = 1 / inverse_b
    c = n * b / (n - a * (1 - b))
    m = measures(float(a) / 240 * 3600, 240, n, 0.0)
    assert float(m.p_wait) == pytest.approx(float(c), rel=1e-12)
    assert float(m.asa_s) == pytest.approx(float(c * 240 / (n - a)), rel=1e-12)
    assert float(m.asa_s) == pytest.approx(84.77780881854456, rel=1e-12)


@pytest.mark.parametrize("load, agents", [(1.0, 1), (800.0, 1), (3.0, 10), (50.0, 40),
                                          (5000.0, 4000), (19990.0, 20000), (20000.0, 10000)])
def test_erlang_b_matches_the_recursion(load, agents):
    assert erlang_b(load, agents) == pytest.approx(erlang_b_recursion(load, agents), rel=RTOL)


@pytest.mark.parametrize("load, agents, patience_aht, threshold_aht", [
    (4.0, 5, None, 0.1), (8.5, 10, None, 0.0), (15.0, 20, None, 0.3),
    (4.0, 5, 0.5, 0.1), (8.5, 6, 2.0, 0.2), (12.0, 10, 0.05, 1.0), (2.0, 1, 10.0, 0.5),
    (15.0, 20, 30.0, 0.3),
])
def test_measures_match_the_birth_death_chain(load, agents, patience_aht, threshold_aht):
    aht_s = 240.0
    m = measures(load / aht_s * 3600, aht_s, agents, threshold_aht * aht_s,
                 None if patience_aht is None else patience_aht * aht_s)
    ref = birth_death(load, agents, patience_aht, threshold_aht)
    assert m.p_wait == pytest.approx(ref["p_wait"], rel=RTOL)
    assert m.p_abandon == pytest.approx(ref["p_abandon"], rel=RTOL, abs=1e-15)
    assert m.service_level == pytest.approx(ref["service_level"], rel=RTOL)
    assert m.asa_s == pytest.approx(ref["asa_aht"] * aht_s, rel=RTOL)
    assert m.occupancy == pytest.approx(ref["occupancy"], rel=RTOL)


def test_published_worked_example():
    # callcentrehelper.com, "Erlang C Formula - Made Simple With an Easy Worked Example":
    # 100 calls in 30 min, AHT 180 s (10 Erlangs), 80 % in 20 s needs 14 agents, with
    # P(wait) 17.41 %, service level 88.84 % and ASA 7.84 s (recomputed here from the
    # recursion below); 13 agents give 79.56 %, just short of the target.
    m = measures([200, 200], 180, [13, 14], 20)
    assert m.p_wait[1] == pytest.approx(0.1741, abs=5e-5)
    assert m.service_level[1] == pytest.approx(0.8884, abs=5e-5)
    assert m.asa_s[1] == pytest.approx(7.84, abs=5e-3)
    assert m.service_level[0] == pytest.approx(0.7956, abs=5e-5)
    # and exactly, from the recursion: C = N B / (N - a (1 - B))
    b = erlang_b_recursion(10.0, 14)
    c = 14 * b / (14 - 10 * (1 - b))
    assert m.p_wait[1] == pytest.approx(c, rel=RTOL)
    assert m.service_level[1] == pytest.approx(1 - c * np.exp(-4 * 20 / 180), rel=RTOL)


@pytest.mark.parametrize("patience_s", [None, 30.0, 600.0])
def test_measures_are_monotone_in_agents(patience_s):
    agents = np.arange(1, 80)
    m = measures(3000, 60, agents, 15, patience_s)  # 50 Erlangs
    sl, asa, wait, ab, occ = m.service_level, m.asa_s, m.p_wait, m.p_abandon, m.occupancy
    assert np.all(np.diff(sl) >= 0) and np.all(np.diff(wait) <= 0)
    assert np.all(np.diff(asa[np.isfinite(asa)]) <= 0) and np.all(np.diff(occ) <= 1e-10)
    assert np.all(np.diff(ab) <= 0)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    args = (1000, 300, 90, 20)  # 83.3 Erlangs on 90 agents
    c = measures(*args)
    gaps = []
    for patience_s in (1e4, 1e6, 1e8):
        a = measures(*args, patience_s=patience_s)
        gaps.append(abs(a.service_level - c.service_level))
        assert a.asa_s < c.asa_s and a.p_abandon > 0
    assert gaps[1] < gaps[0] / 50 and gaps[2] < gaps[1] / 50  # gap ~ 1/patience
    far = measures(*args, patience_s=1e12)
    for name in ("p_wait", "service_level", "asa_s", "occupancy"):
        assert getattr(far, name) == pytest.approx(getattr(c, name), rel=1e-7)


@pytest.mark.parametrize("patience_s", [None, 120.0, 1e6])
def test_stable_at_twenty_thousand_agents(patience_s):
    m = measures(19990 * 12, 300, 20000, 20, patience_s)  # 19,990 Erlangs
    values = np.array([float(v) for v in m.as_dict().values()])
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert 0 < m.p_wait < 1 and 0 < m.service_level < 1 and m.occupancy < 1
    if patience_s is None:
        b = erlang_b_recursion(19990.0, 20000)
        c = 20000 * b / (20000 - 19990 * (1 - b))
        assert m.p_wait == pytest.approx(c, rel=RTOL)
        assert m.asa_s == pytest.approx(c * 300 / 10, rel=RTOL)


def test_unstable_erlang_c_gives_a_clear_answer():
    m = measures([3600, 7200], 60, 60, 20)  # 60 and 120 Erlangs on 60 agents
    assert list(m.p_wait) == [1, 1] and list(m.service_level) == [0, 0]
    assert np.all(np.isinf(m.asa_s)) and list(m.occupancy) == [1, 1]
    assert erlang_c(120.0, 60) == 1.0


def test_overload_with_abandonment_is_stable():
    m = measures(7200, 60, 60, 20, patience_s=30)  # twice the agents' capacity
    assert m.p_abandon == pytest.approx(0.5, abs=2e-3)  # about half must give up
    assert m.occupancy == pytest.approx(1.0, abs=1e-6)


def test_arrays_keep_their_shape_and_agree_elementwise():
    calls = np.array([[100.0, 400.0, 0.0], [50.0, 900.0, 10.0]])
    m = measures(calls, 240, 20, 20, patience_s=90)
    assert m.service_level.shape == (2, 3)
    one = measures(900.0, 240, 20, 20, patience_s=90)
    assert m.service_level[1, 1] == pytest.approx(float(one.service_level), rel=1e-14)
    assert m.p_wait[0, 2] == 0 and m.service_level[0, 2] == 1 and m.asa_s[0, 2] == 0


def test_erlang_b_and_c_broadcast():
    b = erlang_b(10.0, np.array([[5, 10], [15, 20]]))
    assert b.shape == (2, 2) and np.all(np.diff(b.ravel()) < 0)
    assert erlang_b(0.0, 3) == 0 and erlang_c(0.0, 3) == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"aht_s": 0}, "aht_s: 0 is not > 0"),
    ({"calls_per_hour": -5}, "calls_per_hour: -5 is not >= 0"),
    ({"agents": 2.5}, "agents: 2.5 is not a whole number >= 1"),
    ({"agents": [3, 0]}, "agents[1]: 0 is not a whole number >= 1"),
    ({"threshold_s": np.nan}, "threshold_s: nan is not >= 0"),
    ({"patience_s": 0}, "patience_s: 0 is not > 0"),
])
def test_bad_input_names_field_value_and_rule(kwargs, message):
    args = {"calls_per_hour": 100, "aht_s": 180, "agents": 5, "threshold_s": 20}
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        measures(**{**args, **kwargs})


def test_erlang_a_refuses_patience_beyond_its_accuracy_only_in_overload():
    with pytest.raises(InputError, match="patience_s: more than 1e\\+06 x aht_s in an overloaded interval"):
        measures(72000, 180, 1, 20, patience_s=1e10)  # 3,600 Erlangs on one agent
    assert measures(1000, 300, 90, 20, patience_s=1e12).p_wait > 0  # stable: accurate, allowed
    with pytest.raises(InputError, match="agents: inf is not a whole number >= 1"):
        measures(200, 180, np.inf, 20)
