"""At `close_time` arrivals stop, agents finish the contact in hand and log off, and callers
still queued wait for the next opening — for agents on shifts too. A shift's hours outside
opening hours are worked only on e-mail (a deferred channel) by groups that serve it; the
horizon's last close ends every shift."""

import numpy as np
import pytest

from sim.engine import simulate
from sim.engine.rosters import rosters
from sim.scenario import DAY_S, parse_scenario

OPEN_S, CLOSE_S = 8 * 3600.0, 20 * 3600.0


def late_shift_scenario(serves: list[str], email: bool = False):
    queues = [{"name": "phone", "arrivals": {"daily_volume": 1500},
               "handle": {"dist": "exponential", "mean_s": 300}}]
    if email:
        queues.append({"name": "mail", "channel": "email", "arrivals": {"daily_volume": 300},
                       "handle": {"dist": "exponential", "mean_s": 400}})
    return parse_scenario({
        "name": "late shift", "horizon": {"days": 2, "open_time": "08:00", "close_time": "20:00"},
        "queues": queues,
        "agent_groups": [
            {"name": "day", "serves": ["phone"], "staffing": 8},
            {"name": "late", "serves": serves, "shifts": [
                {"start": "14:00", "length_h": 8, "count": 3,
                 "breaks": [{"after_h": 6.5, "length_min": 15}]}]}]})


def clock_s(t):
    return np.mod(t, DAY_S)


@pytest.fixture(scope="module")
def late_log():
    return simulate(late_shift_scenario(["phone"]), seed=1)


def test_no_live_caller_is_answered_after_the_close(late_log):
    answered = late_log.contacts[late_log.contacts["outcome"] == "answered"]
    t = clock_s(answered["answer_s"].to_numpy())
    assert ((t >= OPEN_S) & (t < CLOSE_S)).all()


def test_callers_queued_at_the_close_wait_for_the_next_opening(late_log):
    c = late_log.contacts
    overnight = c[(c["enqueue_s"] < CLOSE_S) & (c["answer_s"] >= CLOSE_S)]
    assert len(overnight) > 0  # not vacuous: the day-1 queue at 20:00 carried over
    assert (overnight["answer_s"] >= DAY_S + OPEN_S).all()


def test_a_shift_crew_logs_off_at_the_close(late_log):
    states = late_log.agent_states
    late = states[states["agent_group"] == "late"]
    working = late[late["state"] != "offline"]
    assert len(working) > 0
    # Nothing starts after the close: no 20:30 break, no idle hours to 22:00 ...
    assert working["start_s"].map(lambda s: OPEN_S <= s % DAY_S < CLOSE_S).all()
    assert not (late["state"] == "break").any()  # the break falls due at 20:30
    # ... and only the contact in hand at 20:00 is finished after it.
    answered = late_log.contacts[late_log.contacts["agent_group"] == "late"]
    for day in range(2):
        in_hand = answered[(answered["answer_s"] < day * DAY_S + CLOSE_S) & (answered["end_s"] > day * DAY_S + CLOSE_S)]
        offline_from = late[(late["state"] == "offline") & (late["start_s"] >= day * DAY_S + CLOSE_S)
                            & (late["start_s"] < (day + 1) * DAY_S)].groupby("agent_id")["start_s"].min()
        assert len(offline_from) == 3
        last_end = in_hand.groupby("agent_id")["end_s"].max().reindex(offline_from.index).fillna(day * DAY_S + CLOSE_S)
        assert np.allclose(offline_from.to_numpy(), last_end.to_numpy())


def test_after_the_close_a_shift_works_only_its_email_backlog():
    log = simulate(late_shift_scenario(["phone", "mail"], email=True), seed=1)
    c = log.contacts[log.contacts["outcome"] == "answered"]
    t = clock_s(c["answer_s"].to_numpy())
    after_close = c[(t >= CLOSE_S) | (t < OPEN_S)]
    assert len(after_close) > 0  # e-mails are worked past the close
    assert set(after_close["queue"]) == {"mail"}
    assert set(after_close["agent_group"]) == {"late"}
    assert (after_close["answer_s"].to_numpy() % DAY_S < 22 * 3600).all()  # until the shift ends


def test_shifts_end_at_the_last_close_of_the_horizon():
    """A 24-hour center with a 22:00 night crew: the crew does not work past the end."""
    scenario = parse_scenario({
        "name": "24h", "horizon": {"days": 1, "open_time": "00:00", "close_time": "24:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": 480}, "handle": {"dist": "exponential", "mean_s": 240}}],
        "agent_groups": [{"name": "g", "serves": ["q"], "shifts": [
            {"start": start, "length_h": 8, "count": 2} for start in ("06:00", "14:00", "22:00")]}]})
    windows = [w for agent in rosters(scenario, seed=1) for w in agent.windows]
    assert max(end for _, end in windows) == DAY_S
    log = simulate(scenario, seed=1)
    states = log.agent_states
    idle = states[states["state"].isin(["available", "break"])]
    assert idle["end_s"].max() <= DAY_S
    answered = log.contacts[log.contacts["outcome"] == "answered"]
    assert answered["answer_s"].max() < DAY_S
