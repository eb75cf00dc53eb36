"""The SimPy engine against queueing theory: Erlang C (M/M/N), Erlang A (M/M/N+M), priority routing.

Theory is computed here, independently of the project's Erlang module, from the birth-death
chain of M/M/N+M (Erlang C is the case of infinite patience): the stationary law of the
number in system, what an arrival sees (PASTA), and the fate of a tagged arrival who finds
k callers ahead of it under FCFS.

How the simulated figures are scored. A run is a 24-hour center (open 00:00-24:00, flat
profile, constant staffing) over several days; each midnight close and reopening fall on
the same instant, so the system runs continuously (which these tests also check). It starts
empty, so only callers arriving after WARMUP_S are scored, and callers arriving in the
last COOLDOWN_S are dropped because at the final close agents leave and waiting callers
become unserved/abandoned. The relaxation time of these systems is at most ~1/(mu (sqrt N -
sqrt A)^2), under an hour here, so a 4-hour warm-up leaves a start-up bias far below the noise.
Each metric is estimated in R independent replications (seeds 0..R-1, so the test is
deterministic); we assert |mean - theory| < Z * SE with SE = sd / sqrt(R). Under the null
the ratio is ~ Student t with R-1 = 19 d.o.f., and P(|t| > 4) < 1e-3, so Z = 4 keeps a
correct engine green (whatever the seeds) while a real error of a few SE turns it red.
Each metric also has a bound on SE itself, so a test too noisy to detect anything fails:
1 point for probabilities (0.5 for abandonment), 5 % of the theoretical value for ASA
(the noisiest figure: long waits come in correlated bursts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.engine import simulate
from sim.scenario import DAY_S, parse_scenario

Z = 4.0
REPLICATIONS = 20
WARMUP_S = 4 * 3600.0
COOLDOWN_S = 3600.0
SERVICE_LEVEL_S = 20.0


# --- Theory ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theory:
    """Steady-state figures of M/M/N+M as seen by an arriving caller."""

    p_wait: float  # finds all agents busy (and so queues)
    p_abandon: float  # hangs up before being answered
    asa_s: float  # mean wait of answered callers
    p_answered_within: dict[float, float]  # t -> P(answered with wait <= t), over all arrivals


def in_system_distribution(
    arrival_per_s: float, handle_mean_s: float, agents: int, patience_mean_s: float, max_queue: int
) -> np.ndarray:
    """Stationary P(n callers in system), n = 0 .. N + max_queue, of the truncated chain.

    Births at rate lambda, deaths at min(n, N) mu + (n - N)+ theta; computed in logs so
    large N and long queues neither overflow nor underflow.
    """
    n = np.arange(1, agents + max_queue + 1)
    death = np.minimum(n, agents) / handle_mean_s + np.maximum(n - agents, 0) / patience_mean_s
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(arrival_per_s) - np.log(death))])
    pi = np.exp(log_pi - log_pi.max())
    return pi / pi.sum()


def mmn_m_theory(
    arrival_per_s: float,
    handle_mean_s: float,
    agents: int,
    patience_mean_s: float = np.inf,
    service_level_s: tuple[float, ...] = (),
    max_queue: int = 5000,
) -> Theory:
    """Figures of M/M/N+M from its birth-death chain truncated at N + max_queue callers.

    An arrival sees the stationary law (PASTA). A tagged arrival that finds k callers
    queued ahead moves one place forward at rate N mu + j theta (a service ends or someone
    ahead hangs up, j = callers still ahead) and hangs up itself at rate theta. The time
    spent in each place does not depend on which exit is taken, so given an answer the
    wait is a sum of independent exponentials.
    """
    mu, theta = 1.0 / handle_mean_s, 1.0 / patience_mean_s
    pi = in_system_distribution(arrival_per_s, handle_mean_s, agents, patience_mean_s, max_queue)
    seen_ahead = pi[agents:]  # P(arrival finds k = 0, 1, ... callers queued ahead)

    ahead = np.arange(max_queue + 1)
    leave_rate = agents * mu + (ahead + 1) * theta
    p_answered = np.cumprod((agents * mu + ahead * theta) / leave_rate)
    mean_wait_if_answered_s = np.cumsum(1.0 / leave_rate)

    p_abandon = float(np.sum(seen_ahead * (1 - p_answered)))
    asa_s = float(np.sum(seen_ahead * p_answered * mean_wait_if_answered_s)) / (1 - p_abandon)
    within = {}
    for t in service_level_s:
        if theta > 0:
            raise NotImplementedError("answered-within-t for Erlang A is not needed here")
        # Infinite patience: wait given k ahead is Erlang(k + 1, N mu).
        cdf = stats.gamma.cdf(t, a=ahead + 1, scale=1 / (agents * mu))
        within[t] = float(1 - seen_ahead.sum() + np.sum(seen_ahead * cdf))
    return Theory(float(seen_ahead.sum()), p_abandon, asa_s, within)


def test_theory_matches_closed_forms():
    """The chain solver agrees with Erlang C's closed forms and with Little's law for aborts."""
    lam, aht, agents = 8 / 180, 180.0, 10
    c = mmn_m_theory(lam, aht, agents, service_level_s=(SERVICE_LEVEL_S,))
    a = lam * aht
    queued = a**agents / math.factorial(agents) * agents / (agents - a)
    erlang_c = queued / (sum(a**k / math.factorial(k) for k in range(agents)) + queued)
    gap_per_s = agents / aht - lam
    assert c.p_wait == pytest.approx(erlang_c, rel=1e-9)
    assert c.asa_s == pytest.approx(erlang_c / gap_per_s, rel=1e-9)
    assert c.p_answered_within[SERVICE_LEVEL_S] == pytest.approx(
        1 - erlang_c * np.exp(-gap_per_s * SERVICE_LEVEL_S), rel=1e-9
    )
    assert c.p_abandon == pytest.approx(0, abs=1e-12)

    # Erlang A: the tagged-caller route to P(abandon) must agree with rate conservation,
    # lambda P(abandon) = theta E[callers queued], read off the stationary law.
    lam, aht, agents, patience, max_queue = 18 / 180, 180.0, 20, 120.0, 5000
    ea = mmn_m_theory(lam, aht, agents, patience, max_queue=max_queue)
    pi = in_system_distribution(lam, aht, agents, patience, max_queue)
    mean_queue = np.sum(np.maximum(np.arange(len(pi)) - agents, 0) * pi)
    assert ea.p_abandon == pytest.approx(mean_queue / patience / lam, rel=1e-9)


# --- Simulation -------------------------------------------------------------------------------


def round_the_clock_scenario(
    agents: int, handle_mean_s: float, offered_erlangs: float, patience: dict, days: int
):
    """One queue open 24 h a day, flat Poisson arrivals, exponential handle, constant staff."""
    return parse_scenario(
        {
            "name": f"M/M/{agents}+{patience['dist']}",
            "horizon": {"days": days, "interval_min": 30, "open_time": "00:00", "close_time": "24:00"},
            "queues": [
                {
                    "name": "q",
                    "arrivals": {"daily_volume": offered_erlangs / handle_mean_s * DAY_S},
                    "handle": {"dist": "exponential", "mean_s": handle_mean_s},
                    "patience": patience,
                }
            ],
            "agent_groups": [{"name": "agents", "serves": ["q"], "staffing": agents}],
        }
    )


def steady_state_metrics(contacts: pd.DataFrame, horizon_end_s: float) -> dict[str, float]:
    """Per-caller figures over callers arriving after the warm-up and before the cool-down."""
    scored = contacts[
        (contacts["arrival_s"] >= WARMUP_S) & (contacts["arrival_s"] < horizon_end_s - COOLDOWN_S)
    ]
    answered = scored["outcome"] == "answered"
    wait_s = scored["answer_s"] - scored["enqueue_s"]  # NaN unless answered
    assert set(scored["outcome"]) <= {"answered", "abandoned"}
    return {
        "p_wait": float(((wait_s > 0) | ~answered).mean()),
        "p_abandon": float((~answered).mean()),
        "asa_s": float(wait_s[answered].mean()),
        "p_answered_within": float((wait_s <= SERVICE_LEVEL_S).mean()),
    }


def replicate(scenario) -> pd.DataFrame:
    horizon_end_s = scenario.horizon.days * DAY_S
    runs = [simulate(scenario, seed=seed).contacts for seed in range(REPLICATIONS)]
    return pd.DataFrame([steady_state_metrics(contacts, horizon_end_s) for contacts in runs])


def assert_matches_theory(runs: pd.Series, theory: float, max_se: float) -> None:
    """|mean - theory| < Z SE across replications, and SE small enough to mean something."""
    mean, se = runs.mean(), runs.std(ddof=1) / np.sqrt(len(runs))
    assert se < max_se, f"{runs.name}: SE {se:.4g} too large for a useful test (max {max_se:.4g})"
    assert abs(mean - theory) < Z * se, (
        f"{runs.name}: simulated {mean:.5g} ± {se:.2g} (SE), theory {theory:.5g}, "
        f"off by {abs(mean - theory) / se:.1f} SE"
    )


def test_erlang_c_no_abandonment():
    """M/M/10, 8 Erlangs (occupancy 80 %), AHT 180 s: P(wait), answered within 20 s, ASA."""
    agents, aht_s, erlangs = 10, 180.0, 8.0
    scenario = round_the_clock_scenario(agents, aht_s, erlangs, {"dist": "none"}, days=8)
    theory = mmn_m_theory(erlangs / aht_s, aht_s, agents, service_level_s=(SERVICE_LEVEL_S,))
    runs = replicate(scenario)

    assert (runs["p_abandon"] == 0).all()
    assert_matches_theory(runs["p_wait"], theory.p_wait, max_se=0.01)
    within_theory = theory.p_answered_within[SERVICE_LEVEL_S]
    assert_matches_theory(runs["p_answered_within"], within_theory, max_se=0.01)
    assert_matches_theory(runs["asa_s"], theory.asa_s, max_se=0.05 * theory.asa_s)


def test_erlang_a_exponential_patience():
    """M/M/20+M, 18 Erlangs, AHT 180 s, mean patience 120 s: P(abandon), P(wait), ASA."""
    agents, aht_s, erlangs, patience_s = 20, 180.0, 18.0, 120.0
    scenario = round_the_clock_scenario(
        agents, aht_s, erlangs, {"dist": "exponential", "mean_s": patience_s}, days=2
    )
    theory = mmn_m_theory(erlangs / aht_s, aht_s, agents, patience_s)
    runs = replicate(scenario)

    assert_matches_theory(runs["p_abandon"], theory.p_abandon, max_se=0.005)
    assert_matches_theory(runs["p_wait"], theory.p_wait, max_se=0.01)
    assert_matches_theory(runs["asa_s"], theory.asa_s, max_se=0.05 * theory.asa_s)


# --- Multi-skill routing -------------------------------------------------------------------


def test_generalist_takes_queues_in_its_priority_order():
    """A generalist that serves [billing, sales] clears billing before touching sales.

    Both queues fill during 08:00-08:30 with nobody on duty (infinite patience). At 08:30 a
    sales specialist and one generalist come on duty; the billing specialists stay at 0, so
    billing depends on the generalist alone. Handle time is a deterministic 60 s, so the
    expected answer times are exact: the k-th billing caller at 08:30 + 60 k s, and the
    generalist's first sales caller when billing is empty, at 08:30 + 60 n_billing s.
    """
    handle_s = 60.0
    scenario = parse_scenario(
        {
            "name": "priority",
            "horizon": {"days": 1, "interval_min": 30, "open_time": "08:00", "close_time": "10:00"},
            "queues": [
                {"name": "sales", "arrivals": {"interval_volumes": [40, 0, 0, 0]},
                 "handle": {"dist": "deterministic", "mean_s": handle_s}},
                {"name": "billing", "arrivals": {"interval_volumes": [15, 0, 0, 0]},
                 "handle": {"dist": "deterministic", "mean_s": handle_s}},
            ],
            "agent_groups": [
                {"name": "sales_team", "serves": ["sales"], "staffing": [0, 1, 1, 1]},
                {"name": "billing_team", "serves": ["billing"], "staffing": 0},
                {"name": "generalist", "serves": ["billing", "sales"], "staffing": [0, 1, 1, 1]},
            ],
        }
    )
    contacts = simulate(scenario, seed=3).contacts.sort_values("arrival_s")
    on_duty_s = 8.5 * 3600
    billing = contacts[contacts["queue"] == "billing"]
    sales = contacts[contacts["queue"] == "sales"]
    assert len(billing) >= 5 and len(sales) > len(billing) + 5  # sales still waiting when billing empties
    assert (contacts["arrival_s"] < on_duty_s).all()
    assert (contacts["outcome"] == "answered").all()

    assert (billing["agent_group"] == "generalist").all()
    expected_billing_s = on_duty_s + handle_s * np.arange(len(billing))
    np.testing.assert_array_equal(billing["answer_s"].to_numpy(), expected_billing_s)

    generalist_sales = sales[sales["agent_group"] == "generalist"]
    assert len(generalist_sales) > 0, "the generalist never reached sales: the test lost its point"
    assert generalist_sales["answer_s"].min() == on_duty_s + handle_s * len(billing)
    assert sales["answer_s"].is_monotonic_increasing  # one FCFS line, whoever answers
