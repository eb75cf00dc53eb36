"""Common random numbers past the first contact: a staffing change leaves every customer's
own dice as they were. Contacts are matched across runs by (issue_id, attempt, segment),
which names a contact by its place in its customer's story, not by the run's event order."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.engine.dice import position, salt, uniform, uniforms
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
