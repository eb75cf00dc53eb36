"""Common random numbers past the first contact: a staffing change leaves every customer's
own dice as they were. Contacts are matched across runs by (issue_id, attempt, segment),
which names a contact by its place in its customer's story, not by the run's event order."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from scipy import stats

from sim.engine.dice import position, salt, uniform, uniforms
from sim.engine.needs import quantile_function
from sim.scenario import load_scenario, with_field

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
KEY = ["issue_id", "attempt", "segment"]


def _both(scenario, changed):
    a = simulate(scenario).contacts
    b = simulate(changed).contacts
    both = a.merge(b, on=KEY, suffixes=("_a", "_b"))
    assert len(both) > 0.5 * min(len(a), len(b))
    assert not a.duplicated(KEY).any() and not b.duplicated(KEY).any()
    return a, b, both


@pytest.fixture(scope="module")
def helpdesk_pair():
    scenario = load_scenario(SCENARIOS / "helpdesk_l1_l2.toml")
    staffing = [max(n - 3, 1) for n in scenario.agent_groups[0].staffing]
    fewer = with_field(with_field(scenario, "agent_groups[0].staffing", staffing),
                       "agent_groups[1].staffing", 3)
    return _both(scenario, fewer)


def test_staffing_change_keeps_resolution_of_contacts_answered_in_both(helpdesk_pair):
    a, b, both = helpdesk_pair
    answered = both[(both["outcome_a"] == "answered") & (both["outcome_b"] == "answered")
                    & (both["agent_group_a"] == both["agent_group_b"])]
    assert len(answered) > 1000
    # Same customer, same decision: not the ~55 % agreement of independent draws.
    assert (answered["resolved_a"].astype(object) == answered["resolved_b"].astype(object)).all()
    assert ((answered["transferred_to_a"].fillna("")) == answered["transferred_to_b"].fillna("")).all()


def test_staffing_change_keeps_reasons_and_survey_propensity(helpdesk_pair):
    a, b, both = helpdesk_pair
    assert (both["reason_a"] == both["reason_b"]).all()
    answered = both[(both["outcome_a"] == "answered") & (both["outcome_b"] == "answered")]
    # Whether a contact answers the survey is the contact's own draw, not its row's.
    assert (answered["csat_a"].isna() == answered["csat_b"].isna()).all()
    assert answered["csat_a"].notna().sum() > 100


def test_follow_up_needs_follow_the_customer(helpdesk_pair):
    a, b, both = helpdesk_pair
    later = both[(both["attempt"] > 1) | (both["segment"] > 1)]
    assert len(later) > 100
    # The need behind the handled time: the same where the same group answered in both.
    same = later[(later["outcome_a"] == "answered") & (later["outcome_b"] == "answered")
                 & (later["agent_group_a"] == later["agent_group_b"])]
    assert len(same) > 50
    assert np.allclose(same["handle_s_a"], same["handle_s_b"])
    # Time in the IVR before queueing: same for a redial or recontact both runs made.
    assert np.allclose((same["enqueue_s_a"] - same["arrival_s_a"]), (same["enqueue_s_b"] - same["arrival_s_b"]))


def test_scalar_and_vector_uniforms_agree_and_look_uniform():
    keys = np.arange(1, 20001, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    positions = np.full(len(keys), position(2, 1), dtype=np.uint64)
    vector = uniforms(keys, "resolve", positions)
    assert [uniform(int(k), salt("resolve"), position(2, 1)) for k in keys[:50]] == vector[:50].tolist()
    # Mean of 20,000 U(0,1): within 4 standard errors (sd 1/sqrt(12 n)) of 1/2.
    assert abs(vector.mean() - 0.5) < 4 / np.sqrt(12 * len(vector))
    assert 0.0 <= vector.min() and vector.max() < 1.0
    other = uniforms(keys, "transfer", positions)
    assert abs(np.corrcoef(vector, other)[0, 1]) < 4 / np.sqrt(len(vector))


@pytest.mark.parametrize("dist, reference", [
    ({"dist": "exponential", "mean_s": 300}, lambda u: stats.expon(scale=300).ppf(u)),
    ({"dist": "lognormal", "mean_s": 420, "cv": 0.7},
     lambda u: stats.lognorm(s=np.sqrt(np.log1p(0.49)), scale=420 / np.sqrt(1.49)).ppf(u)),
    ({"dist": "gamma", "mean_s": 900, "cv": 0.8}, lambda u: stats.gamma(1 / 0.64, scale=900 * 0.64).ppf(u)),
    ({"dist": "deterministic", "mean_s": 60}, lambda u: np.full_like(u, 60.0)),
    ({"dist": "none"}, lambda u: np.full_like(u, np.inf)),
])
def test_follow_up_needs_are_exact_quantiles(dist, reference):
    """Follow-up needs invert the distribution at the contact's uniform: checked against
    scipy's quantile functions, at the extremes the dice can produce too."""
    from pydantic import TypeAdapter

    from sim.distributions import PatienceDistribution

    quantile = quantile_function(TypeAdapter(PatienceDistribution).validate_python(dist))
    u = np.array([2.0**-53, 1e-6, 0.1, 0.5, 0.9, 1 - 1e-6, 1 - 2.0**-53])
    np.testing.assert_allclose([quantile(x) for x in u], reference(u), rtol=1e-9)


def test_empirical_need_takes_each_value_with_its_weight():
    from sim.distributions import Empirical

    quantile = quantile_function(Empirical(dist="empirical", values_s=[10, 20, 30, 40], weights=[1, 0, 2, 1]))
    grid = (np.arange(4000) + 0.5) / 4000  # evenly spread uniforms: exact shares
    values, counts = np.unique([quantile(u) for u in grid], return_counts=True)
    assert values.tolist() == [10, 30, 40] and counts.tolist() == [1000, 2000, 1000]


def test_every_distribution_family_has_a_quantile_function():
    import typing

    from sim.distributions import PatienceDistribution

    union = typing.get_args(typing.get_args(PatienceDistribution)[0])
    for family in union:
        assert family.__name__ in {"Exponential", "Lognormal", "Gamma", "Deterministic", "Empirical",
                                   "NoAbandonment"}, family
    assert len(union) == 6  # a new family needs its quantile in sim/engine/needs.py
