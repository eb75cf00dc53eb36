"""Conservation and consistency of the engine's log on a realistic multi-skill scenario.

Two days, 08:00-20:00 in 30-min intervals; three queues (lognormal/exponential handle, wrap,
exponential or infinite patience), four agent groups with staffing that changes through the
day and drops to zero in some intervals, so that every outcome (answered, abandoned,
unserved) occurs and agents come on duty into a waiting queue or an empty one and go off
duty while idle or in the middle of a contact. The checks are exact: they hold for any
seed, so none needs a tolerance beyond float round-off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.scenario import DAY_S, parse_scenario, with_field

SEED = 11
ROUND_OFF_S = 1e-6
# 24 half-hour intervals, 08:00-20:00: a morning peak, a lunch dip, an afternoon peak.
PROFILE = [2, 4, 7, 9, 10, 10, 9, 8, 6, 5, 6, 8, 9, 9, 8, 7, 6, 5, 4, 3, 3, 2, 2, 1]


def _staff(peak: int, zero_at: tuple[int, ...] = ()) -> list[int]:
    """Staffing that follows the profile at `peak` agents, with forced zero intervals."""
    staff = [max(1, round(peak * w / max(PROFILE))) for w in PROFILE]
    return [0 if i in zero_at else n for i, n in enumerate(staff)]


REALISTIC = {
    "name": "invariants",
    "horizon": {"days": 2, "interval_min": 30, "open_time": "08:00", "close_time": "20:00"},
    "queues": [
        {
            "name": "sales",
            "arrivals": {"daily_volume": 2500, "profile": PROFILE},
            "handle": {"dist": "lognormal", "mean_s": 240, "cv": 0.8},
            "wrap": {"dist": "gamma", "mean_s": 30, "cv": 0.5},
            "patience": {"dist": "exponential", "mean_s": 90},
        },
        {
            "name": "support",
            "arrivals": {"daily_volume": [3000, 3300], "profile": PROFILE, "day_to_day_cv": 0.1},
            "handle": {"dist": "lognormal", "mean_s": 420, "cv": 1.0},
            "wrap": {"dist": "deterministic", "mean_s": 20},
            "patience": {"dist": "exponential", "mean_s": 150},
        },
        {
            "name": "callbacks",  # infinite patience: what is left at the last close is unserved
            "arrivals": {"interval_volumes": [10] * 24},
            "handle": {"dist": "exponential", "mean_s": 300},
            "wrap": {"dist": "lognormal", "mean_s": 60, "cv": 0.5},
        },
    ],
    "agent_groups": [
        {"name": "sales_team", "serves": ["sales"], "staffing": _staff(24, zero_at=(0, 9))},
        # One value per interval of each day: day 2 is staffed differently from day 1.
        {"name": "support_team", "serves": ["support"], "staffing": _staff(46, (0,)) + _staff(52, (23,))},
        {"name": "blended", "serves": ["support", "sales"], "staffing": _staff(8, zero_at=(5, 6, 7))},
        {"name": "back_office", "serves": ["callbacks"], "staffing": [0, 0] + [3] * 19 + [0] * 3},
    ],
}


@pytest.fixture(scope="module")
def scenario():
    return parse_scenario(REALISTIC)


@pytest.fixture(scope="module")
def log(scenario):
    return simulate(scenario, seed=SEED)


@pytest.fixture(scope="module")
def contacts(log):
    return log.contacts


@pytest.fixture(scope="module")
def states(log):
    return log.agent_states


def agent_rank(agent_ids: pd.Series) -> np.ndarray:
    """Agent ids are "<group>-NNN" with NNN = rank + 1; agent k is on duty while staffing > k."""
    return agent_ids.str.rsplit("-", n=1).str[1].astype(int).to_numpy() - 1


def scheduled_on_duty(scenario, group: str, rank: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Whether the agent of `rank` in `group` is rostered at each time (closed hours: no)."""
    horizon = scenario.horizon
    staffing = scenario.staffing(next(g for g in scenario.agent_groups if g.name == group))
    day = np.floor(times_s / DAY_S).astype(int)
    interval = np.floor((times_s - day * DAY_S - horizon.open_s) / horizon.interval_s).astype(int)
    open_ = (day >= 0) & (day < horizon.days) & (interval >= 0) & (interval < horizon.intervals_per_day)
    staff = np.zeros(len(times_s), dtype=np.int64)
    staff[open_] = staffing[day[open_], interval[open_]]
    return staff > rank


def roster_changes_s(scenario, group: str, rank: int) -> np.ndarray:
    """Times at which the agent of `rank` in `group` goes on or off duty."""
    horizon = scenario.horizon
    starts = horizon.interval_starts_s()
    times = np.concatenate([starts.ravel(), np.arange(horizon.days) * DAY_S + horizon.close_s])
    times = np.unique(times)
    before = scheduled_on_duty(scenario, group, np.full(len(times), rank), times - horizon.interval_s / 2)
    after = scheduled_on_duty(scenario, group, np.full(len(times), rank), times)
    return times[before != after]


# --- Outcomes -------------------------------------------------------------------------------


def test_every_contact_has_exactly_one_outcome(contacts):
    assert contacts["contact_id"].is_unique
    assert set(contacts["outcome"]) == {"answered", "abandoned", "unserved"}  # every branch occurs
    assert (contacts["enqueue_s"] >= contacts["arrival_s"]).all()


def test_answered_contacts_have_answer_agent_and_end(contacts):
    answered = contacts[contacts["outcome"] == "answered"]
    assert answered[["answer_s", "handle_s", "wrap_s", "end_s"]].notna().all().all()
    assert answered[["agent_id", "agent_group", "partner"]].notna().all().all()
    assert answered["abandon_s"].isna().all()
    assert (answered["answer_s"] >= answered["enqueue_s"]).all()
    assert (answered["handle_s"] > 0).all() and (answered["wrap_s"] >= 0).all()
    expected_end_s = answered["answer_s"] + answered["handle_s"] + answered["wrap_s"]
    np.testing.assert_allclose(answered["end_s"], expected_end_s, rtol=0, atol=ROUND_OFF_S)


def test_abandoned_contacts_hang_up_while_queued(contacts, scenario):
    abandoned = contacts[contacts["outcome"] == "abandoned"]
    assert (abandoned["abandon_s"] >= abandoned["enqueue_s"]).all()
    assert (abandoned["end_s"] == abandoned["abandon_s"]).all()
    assert abandoned[["answer_s", "handle_s", "wrap_s"]].isna().all().all()
    assert abandoned[["agent_id", "agent_group"]].isna().all().all()
    patient = {q.name for q in scenario.queues if q.patience.dist == "none"}
    assert not abandoned["queue"].isin(patient).any()


def test_unserved_contacts_are_patient_callers_left_at_the_end(contacts, scenario):
    unserved = contacts[contacts["outcome"] == "unserved"]
    assert unserved[["answer_s", "abandon_s", "handle_s"]].isna().all().all()
    assert (unserved["end_s"] == unserved["end_s"].max()).all()  # observed until the run's end
    answered = contacts["outcome"] == "answered"
    assert unserved["end_s"].max() >= contacts.loc[answered, "end_s"].max()  # after the last contact
    assert unserved[["agent_id", "agent_group"]].isna().all().all()
    patient = {q.name for q in scenario.queues if q.patience.dist == "none"}
    assert unserved["queue"].isin(patient).all()
    # Only callers still queued at the last close: they arrived on the last day.
    assert (unserved["arrival_s"] >= (scenario.horizon.days - 1) * DAY_S).all()


def test_arrivals_fall_in_opening_hours(contacts, scenario):
    clock_s = contacts["arrival_s"] % DAY_S
    assert ((clock_s >= scenario.horizon.open_s) & (clock_s < scenario.horizon.close_s)).all()


# --- Who answers ----------------------------------------------------------------------------


def test_agents_answer_only_queues_their_group_serves(contacts, scenario):
    answered = contacts[contacts["outcome"] == "answered"]
    serves = {g.name: set(g.serves) for g in scenario.agent_groups}
    wrong = [(q, g) for q, g in zip(answered["queue"], answered["agent_group"]) if q not in serves[g]]
    assert not wrong
    assert answered["agent_id"].str.fullmatch(r".+-\d{3}").all()
    assert (answered["agent_id"].str.rsplit("-", n=1).str[0] == answered["agent_group"]).all()


def test_agents_answer_only_while_rostered(contacts, scenario):
    """Checked at answer time: an agent whose shift ended may still finish the contact in hand."""
    answered = contacts[contacts["outcome"] == "answered"]
    for group, rows in answered.groupby("agent_group"):
        rank = agent_rank(rows["agent_id"])
        rostered = scheduled_on_duty(scenario, group, rank, rows["answer_s"].to_numpy())
        assert rostered.all(), f"{group}: {(~rostered).sum()} answers by agents off the roster"


def test_each_answer_is_a_busy_spell_then_a_wrap_spell(contacts, states):
    """The agent is busy from answer_s for handle_s, then in wrap until end_s (if wrap > 0)."""
    answered = contacts[contacts["outcome"] == "answered"]
    talk_end_s = answered["answer_s"] + answered["handle_s"]
    for state, start_s, end_s, rows in (
        ("busy", answered["answer_s"], talk_end_s, answered),
        ("wrap", talk_end_s, answered["end_s"], answered[answered["wrap_s"] > 0]),
    ):
        spells = states[states["state"] == state]
        assert len(spells) == len(rows), state
        expected = pd.DataFrame(
            {"agent_id": rows["agent_id"], "start_s": start_s[rows.index], "end_s": end_s[rows.index]}
        )
        # Start times are the very same floats (no tolerance); ends are sums, so allow round-off.
        matched = expected.merge(spells, on=["agent_id", "start_s"], suffixes=("", "_spell"))
        assert len(matched) == len(rows), f"{len(rows) - len(matched)} contacts without their {state} spell"
        np.testing.assert_allclose(matched["end_s_spell"], matched["end_s"], rtol=0, atol=ROUND_OFF_S)


# --- Agent timelines -----------------------------------------------------------------------


def test_agent_spells_tile_the_run_without_gaps_or_overlaps(states, contacts, scenario):
    assert set(states["state"]) <= {"available", "busy", "wrap", "offline"}
    assert (states["end_s"] > states["start_s"]).all()
    run_end_s = states["end_s"].max()
    last_close_s = (scenario.horizon.days - 1) * DAY_S + scenario.horizon.close_s
    assert run_end_s >= max(last_close_s, contacts["end_s"].max())
    for agent, spells in states.groupby("agent_id"):
        spells = spells.sort_values("start_s")
        start, end = spells["start_s"].to_numpy(), spells["end_s"].to_numpy()
        assert start[0] == 0.0 and end[-1] == run_end_s, agent
        assert (start[1:] == end[:-1]).all(), f"{agent}: gap or overlap between spells"


def test_idle_and_offline_spells_follow_the_roster(states, scenario):
    """Available only while rostered, offline only while not; the roster never changes inside either.

    Busy and wrap spells are free to run past a shift's end: the contact in hand is finished.
    """
    for agent, spells in states.groupby("agent_id"):
        group, rank = spells["agent_group"].iloc[0], int(agent_rank(pd.Series([agent]))[0])
        changes_s = roster_changes_s(scenario, group, rank)
        for state, rostered in (("available", True), ("offline", False)):
            spell = spells[spells["state"] == state]
            ranks = np.full(len(spell), rank)
            at_start = scheduled_on_duty(scenario, group, ranks, spell["start_s"].to_numpy())
            assert (at_start == rostered).all(), f"{agent}: a {state} spell starts against the roster"
            # No roster change strictly inside a spell: count changes in (start, end).
            inside = np.searchsorted(changes_s, spell["end_s"], "left") - np.searchsorted(
                changes_s, spell["start_s"], "right"
            )
            assert (inside == 0).all(), f"{agent}: roster changed during a {state} spell"


def test_no_agent_idles_while_a_caller_it_could_take_waits(states, contacts, scenario):
    """Work conservation: an available spell never overlaps a queued caller of a served queue.

    A caller queues from enqueue_s until answer_s or abandon_s (its true hang-up time, even
    though the engine notices it lazily), unserved callers to the end. Callers answered on
    arrival never queue and are left out.
    """
    left_s = contacts["answer_s"].fillna(contacts["abandon_s"]).fillna(np.inf)
    queued = contacts.assign(left_s=left_s)[left_s > contacts["enqueue_s"]]
    available = states[states["state"] == "available"]
    serves = {g.name: g.serves for g in scenario.agent_groups}
    for queue, callers in queued.groupby("queue"):
        callers = callers.sort_values("enqueue_s")
        latest_leave_s = np.maximum.accumulate(callers["left_s"].to_numpy())
        idle = available[available["agent_group"].isin([g for g, s in serves.items() if queue in s])]
        # Callers queued before the spell ends; the latest of them to leave must leave by its start.
        before_end = np.searchsorted(callers["enqueue_s"].to_numpy(), idle["end_s"].to_numpy(), "left")
        latest_s = latest_leave_s[np.maximum(before_end - 1, 0)]
        overlap = (before_end > 0) & (latest_s > idle["start_s"].to_numpy())
        assert not overlap.any(), f"{queue}: {overlap.sum()} idle spells while callers waited"


# --- Queue discipline ------------------------------------------------------------------------


def test_each_queue_is_answered_first_come_first_served(contacts):
    """Every queue is one FCFS line, whichever group answers: here `sales` and `support` are
    each served by two groups (a specialist team and `blended`), `callbacks` by one group.
    Among answered contacts of a queue, answer times never decrease in arrival order.
    """
    answered = contacts[contacts["outcome"] == "answered"].sort_values("arrival_s", kind="stable")
    for queue, rows in answered.groupby("queue"):
        assert rows["answer_s"].is_monotonic_increasing, f"{queue}: a later caller was answered first"
    shared = answered[answered["queue"].isin(["sales", "support"])]
    assert (shared["agent_group"] == "blended").any() and (shared["agent_group"] != "blended").any()


# --- Reproducibility -------------------------------------------------------------------------


def test_same_seed_gives_the_same_log_bit_for_bit(scenario, log):
    again = simulate(scenario, seed=SEED)
    pd.testing.assert_frame_equal(again.contacts, log.contacts, check_exact=True)
    pd.testing.assert_frame_equal(again.agent_states, log.agent_states, check_exact=True)
    assert again.meta == log.meta


def test_other_seed_gives_another_log(scenario, log):
    other = simulate(scenario, seed=SEED + 1).contacts
    assert not other["arrival_s"].equals(log.contacts["arrival_s"])


def test_staffing_change_keeps_the_same_customers(scenario, log):
    """Common random numbers: fewer support agents change outcomes, not who calls or their needs."""
    fewer = [max(0, n - 5) for n in scenario.staffing(scenario.agent_groups[1]).ravel().tolist()]
    leaner = simulate(with_field(scenario, "agent_groups[1].staffing", fewer), seed=SEED).contacts
    base = log.contacts
    pd.testing.assert_series_equal(leaner["arrival_s"], base["arrival_s"], check_exact=True)
    pd.testing.assert_series_equal(leaner["queue"], base["queue"], check_exact=True)
    both = (leaner["outcome"] == "answered") & (base["outcome"] == "answered")
    assert both.sum() > 0.5 * len(base)
    # handle_s is NaN unless answered, so compare the contacts answered in both runs.
    pd.testing.assert_series_equal(leaner["handle_s"][both], base["handle_s"][both], check_exact=True)
    pd.testing.assert_series_equal(leaner["wrap_s"][both], base["wrap_s"][both], check_exact=True)
    assert (leaner["outcome"] == "abandoned").sum() > (base["outcome"] == "abandoned").sum()
