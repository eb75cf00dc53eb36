"""Edge cases a review broke the engine with, kept as regression tests.

Each builds the smallest scenario that showed the defect and asserts the rule it broke:
one contact in hand for a phone agent, breaks neither doubled nor lost, chat slots filled
oldest first, no contact stranded in a line nobody will serve, one redial decision per
caller, absence per agent-day, a night crew on day 1, callbacks offered when nobody is on
duty, routing by each group's own priority, and no zero-delay follow-up loop.
"""

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.engine.lines import build_lines
from sim.engine.rosters import rosters
from sim.errors import InputError
from sim.scenario import DAY_S, parse_scenario


def det(mean_s: float) -> dict:
    return {"dist": "deterministic", "mean_s": mean_s}


def expo(mean_s: float) -> dict:
    return {"dist": "exponential", "mean_s": mean_s}


def held_at_most(contacts: pd.DataFrame) -> dict[str, int]:
    """Most contacts each agent held at once ([answer_s, end_s) intervals)."""
    worked = contacts[contacts["outcome"].isin(["answered", "no_answer"])]
    most = {}
    for agent, rows in worked.groupby("agent_id"):
        starts, ends = np.sort(rows["answer_s"].to_numpy()), np.sort(rows["end_s"].to_numpy())
        # contacts in hand just after each start: started so far minus ended by then
        most[agent] = int((np.arange(1, len(starts) + 1) - np.searchsorted(ends, starts, side="right")).max())
    return most


def assert_spells_tile(states: pd.DataFrame) -> None:
    end = states["end_s"].max()
    for agent, spells in states.groupby("agent_id"):
        spells = spells.sort_values("start_s")
        start_s, end_s = spells["start_s"].to_numpy(), spells["end_s"].to_numpy()
        assert start_s[0] == 0 and end_s[-1] == end and (start_s[1:] == end_s[:-1]).all(), agent


def one_agent_with_breaks(breaks: list[dict], handle_s: float, volume: float = 200, length_h: float = 8):
    return parse_scenario({
        "name": "breaks", "horizon": {"open_time": "08:00", "close_time": "16:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": volume}, "handle": det(handle_s)}],
        "agent_groups": [{"name": "g", "serves": ["q"], "shifts": [
            {"start": "08:00", "length_h": length_h, "count": 1, "breaks": breaks}]}]})


def test_a_late_break_running_into_the_next_never_gives_two_calls_at_once():
    scenario = one_agent_with_breaks([{"after_h": 2, "length_min": 15}, {"after_h": 2.25, "length_min": 15}], 1500)
    log = simulate(scenario, seed=1)
    assert held_at_most(log.contacts) == {"g-001": 1}
    assert_spells_tile(log.agent_states)
    breaks = log.agent_states[log.agent_states["state"] == "break"]
    assert (breaks["end_s"] - breaks["start_s"]).sum() == pytest.approx(30 * 60)


def test_two_breaks_due_during_one_call_are_both_taken():
    scenario = one_agent_with_breaks([{"after_h": 2, "length_min": 5}, {"after_h": 2.1, "length_min": 5}], 3600)
    states = simulate(scenario, seed=1).agent_states
    breaks = states[states["state"] == "break"]
    assert (breaks["end_s"] - breaks["start_s"]).sum() == pytest.approx(10 * 60)


def test_a_break_still_running_at_the_end_of_the_shift_is_cut_there():
    scenario = one_agent_with_breaks([{"after_h": 0.75, "length_min": 15}], 500, volume=400, length_h=1)
    states = simulate(scenario, seed=1).agent_states
    breaks = states[states["state"] == "break"]
    assert len(breaks) == 1 and breaks["end_s"].max() <= 9 * 3600


def test_a_chat_agent_fills_its_free_slots_oldest_chat_first():
    """Six chats wait when the agent starts at 08:30 with three slots: it takes the three
    oldest at once, and every chat is answered in arrival order."""
    scenario = parse_scenario({
        "name": "slots", "horizon": {"open_time": "08:00", "close_time": "10:00"},
        "queues": [{"name": "chat", "channel": "chat", "arrivals": {"interval_volumes": [6, 2, 2, 0]},
                    "handle": det(3000)}],
        "agent_groups": [{"name": "g", "serves": ["chat"], "staffing": [0, 1, 1, 1], "max_chats": 3}]})
    contacts = simulate(scenario, seed=3).contacts.sort_values("enqueue_s")
    answered = contacts[contacts["outcome"] == "answered"]
    assert (answered["answer_s"].diff().dropna() >= 0).all()  # first come, first served
    assert (answered["answer_s"].iloc[:3] == 8.5 * 3600).all()
    assert held_at_most(contacts) == {"g-001": 3}


def outsourced(overflow: dict, vendor_staffing, served_in_house: bool = False, **queue):
    groups = [{"name": "vendor", "partner": "acme", "staffing": vendor_staffing}]
    if served_in_house:
        groups.append({"name": "staff", "serves": ["q"], "staffing": 2})
    return parse_scenario({
        "name": "outsourced", "horizon": {"open_time": "08:00", "close_time": "12:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": 500}, "handle": expo(120),
                    "overflow": {"to": "vendor", **overflow}, **queue}],
        "agent_groups": groups})


def test_a_queue_no_group_serves_sends_everything_to_the_partner_follow_ups_included():
    scenario = outsourced({"share": 1.0}, 3, patience=expo(60), redial={"share": 0.8, "delay": expo(300)})
    contacts = simulate(scenario, seed=1).contacts
    redials = contacts[contacts["attempt"] > 1]
    assert len(redials) > 100 and (redials["outcome"] == "answered").sum() > 20
    assert (contacts.loc[contacts["outcome"] == "answered", "agent_group"] == "vendor").all()
    with pytest.raises(InputError, match=r"queues\[0\].overflow.share: 0.5 is not 1"):
        outsourced({"share": 0.5}, 3)


def test_callers_due_to_overflow_while_the_partner_is_away_move_when_it_arrives():
    """The vendor starts at 09:00; the two in-house agents cannot keep up. Callers whose
    60 s passed before 09:00 move to the vendor at 09:00 sharp, none waits all morning."""
    scenario = outsourced({"after_wait_s": 60}, [0, 0, 10, 10, 10, 10, 10, 10], served_in_house=True)
    contacts = simulate(scenario, seed=2).contacts
    vendor = contacts[contacts["agent_group"] == "vendor"]
    early = vendor[vendor["enqueue_s"] + 60 < 9 * 3600]
    assert len(early) > 10 and (early["answer_s"] == 9 * 3600).sum() >= 10  # the vendor's 10 agents
    assert (contacts["outcome"] == "unserved").sum() < 20  # only the last minutes' callers


def test_moving_to_the_partner_does_not_ask_again_whether_the_caller_will_redial():
    scenario = parse_scenario({
        "name": "redial after a move", "horizon": {"open_time": "08:00", "close_time": "20:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": 4000}, "handle": expo(300), "patience": expo(60),
                    "redial": {"share": 0.3, "delay": expo(60)}, "overflow": {"to": "vendor", "after_wait_s": 5}}],
        "agent_groups": [{"name": "staff", "serves": ["q"], "staffing": 10},
                         {"name": "vendor", "partner": "acme", "staffing": 5}]})
    contacts = simulate(scenario, seed=2).contacts
    abandoned = contacts[(contacts["outcome"] == "abandoned") & (contacts["abandon_s"] < 19 * 3600)]
    came_back = contacts.set_index(["issue_id", "attempt"]).index
    redialled = np.mean([(i, a + 1) in came_back for i, a in zip(abandoned["issue_id"], abandoned["attempt"])])
    n = len(abandoned)
    assert n > 500 and abs(redialled - 0.3) < 4 * np.sqrt(0.3 * 0.7 / n)  # not 1 - 0.7² = 0.51


def test_absence_is_drawn_per_agent_day_in_a_24_hour_center():
    """Around midnight one interval follows the next, so an agent's duty is one long
    stretch; absence must still remove single days, not the whole stretch or nothing."""
    scenario = parse_scenario({
        "name": "24h", "horizon": {"days": 5, "open_time": "00:00", "close_time": "24:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": 10}, "handle": expo(60)}],
        "agent_groups": [{"name": "g", "serves": ["q"], "staffing": 40, "absenteeism": 0.5}]})
    days_worked = [sum(end - start for start, end in agent.windows) / DAY_S for agent in rosters(scenario, seed=1)]
    assert all(d == int(d) for d in days_worked)  # whole days
    assert sum(1 <= d <= 4 for d in days_worked) > 30  # binomial(5, 0.5): 94 % of agents


def test_a_night_shift_crosses_into_day_one():
    scenario = parse_scenario({
        "name": "night", "horizon": {"days": 2, "open_time": "00:00", "close_time": "24:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": 480}, "handle": expo(240), "patience": expo(120)}],
        "agent_groups": [{"name": "g", "serves": ["q"], "shifts": [
            {"start": "06:00", "length_h": 8, "count": 2}, {"start": "14:00", "length_h": 8, "count": 2},
            {"start": "22:00", "length_h": 8, "count": 2}]}]})
    assert scenario.staffing(scenario.agent_groups[0])[0, :12].tolist() == [2] * 12
    contacts = simulate(scenario, seed=1).contacts
    night = contacts[(contacts["arrival_s"] % DAY_S) < 6 * 3600]
    answered = night.groupby(night["arrival_s"] // DAY_S)["outcome"].apply(lambda o: (o == "answered").mean())
    assert answered.min() > 0.6  # day 1's night is staffed like day 2's


def test_a_callback_is_offered_when_nobody_is_on_duty():
    scenario = parse_scenario({
        "name": "early callers", "horizon": {"open_time": "08:00", "close_time": "10:00"},
        "queues": [{"name": "q", "arrivals": {"interval_volumes": [20, 20, 20, 20]}, "handle": det(60),
                    "callback": {"offer_above_wait_s": 60, "accept_share": 1.0}}],
        "agent_groups": [{"name": "g", "serves": ["q"], "staffing": [0, 2, 2, 2]}]})
    contacts = simulate(scenario, seed=1).contacts
    before_anyone = contacts[contacts["arrival_s"] < 8.5 * 3600]
    assert len(before_anyone) > 5 and before_anyone["callback"].all()


def test_an_arrival_tries_groups_by_their_own_priority_for_its_queue():
    scenario = parse_scenario({
        "name": "routing order",
        "queues": [{"name": "other", "arrivals": {"daily_volume": 1}, "handle": expo(60)},
                   {"name": "q", "arrivals": {"daily_volume": 1}, "handle": expo(60),
                    "overflow": {"to": "vendor", "after_wait_s": 60}}],
        "agent_groups": [{"name": "generalists", "serves": ["other", "q"], "staffing": 1},
                         {"name": "vendor", "partner": "acme", "serves": ["q"], "staffing": 1}]})
    assert build_lines(scenario).groups_for[1] == [1, 0]  # the vendor lists q first


def test_follow_ups_cannot_loop_at_one_instant():
    base = {"name": "loop", "queues": [{"name": "q", "arrivals": {"daily_volume": 10}, "handle": det(0),
                                         "patience": det(0), "redial": {"share": 1.0, "delay": det(0)}}],
            "agent_groups": [{"name": "g", "serves": ["q"], "staffing": 0}]}
    with pytest.raises(InputError, match=r"queues\[0\].redial.delay: a mean of 0 s"):
        parse_scenario(base)
    base["queues"][0]["redial"]["delay"] = det(1)
    contacts = simulate(parse_scenario(base), seed=1).contacts
    assert contacts["attempt"].max() == 10  # the attempt cap ends the chain


def test_an_event_in_the_past_is_refused_even_under_python_O():
    import subprocess
    import sys

    import simpy

    from sim.engine.events import At

    env = simpy.Environment(initial_time=10.0)
    with pytest.raises(ValueError, match="in the past"):
        At(env, 9.0, lambda event: None)
    with pytest.raises(ValueError):
        At(env, float("nan"), lambda event: None)
    code = ("import simpy; from sim.engine.events import At\n"
            "try:\n    At(simpy.Environment(initial_time=10.0), 9.0, print)\n"
            "except ValueError:\n    print('refused')\n")
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"


def test_simpy_schedule_layout_the_engine_relies_on():
    """events.At and run_until_empty read SimPy's private heap of (time, priority, id,
    event): if a SimPy release changes it, this fails before any run goes wrong."""
    import simpy
    from simpy.events import NORMAL

    from sim.engine.events import At, run_until_empty

    env = simpy.Environment()
    fired = []
    At(env, 5.0, lambda event: fired.append((env.now, event._value)), "b")
    At(env, 2.0, lambda event: fired.append((env.now, event._value)), "a")
    At(env, 5.0, lambda event: fired.append((env.now, event._value)), "c")  # FIFO at a tie
    entry = env._queue[0]
    assert len(entry) == 4 and entry[0] == 2.0 and entry[1] == NORMAL and isinstance(entry[3], At)
    assert env.peek() == 2.0
    run_until_empty(env)
    assert fired == [(2.0, "a"), (5.0, "b"), (5.0, "c")] and env.now == 5.0
    # SimPy's own loop runs the same schedule the same way.
    env2, fired2 = simpy.Environment(), []
    for t, v in ((5.0, "b"), (2.0, "a"), (5.0, "c")):
        At(env2, t, lambda event: fired2.append((env2.now, event._value)), v)
    env2.run()
    assert fired2 == fired


def test_the_feed_is_read_beside_the_schedule_and_yields_at_ties():
    """First contacts come from a feed, not events: the loop takes the feed's item when it
    is due strictly before the schedule's head, so an event at the same time fires first."""
    import simpy

    from sim.engine.events import At, run_until_empty

    env, fired = simpy.Environment(), []

    class Feed:
        def __init__(self):
            self.items, self.next_s = [1.0, 2.0, 4.0], 1.0

        def take(self):
            fired.append((env.now, "feed"))
            self.items.pop(0)
            self.next_s = self.items[0] if self.items else float("inf")

    At(env, 2.0, lambda event: fired.append((env.now, "event")))
    At(env, 3.0, lambda event: At(env, 4.0, lambda e: fired.append((env.now, "late event"))))
    run_until_empty(env, Feed())
    assert fired == [(1.0, "feed"), (2.0, "event"), (2.0, "feed"), (4.0, "late event"), (4.0, "feed")]


def test_progress_is_reported_at_each_interval_and_ends_at_one(minimal):
    """The CLI's and the app's progress bars: one call per interval start, never going
    back, the last one 1.0."""
    from sim.engine import simulate
    from sim.scenario import parse_scenario

    scenario = parse_scenario(minimal(horizon={"days": 2, "interval_min": 30,
                                               "open_time": "08:00", "close_time": "10:00"}))
    seen = []
    simulate(scenario, seed=1, progress=seen.append)
    assert len(seen) == scenario.horizon.days * scenario.horizon.intervals_per_day + 1
    assert seen == sorted(seen) and seen[0] >= 0.0 and seen[-1] == 1.0


def test_a_reusable_event_goes_back_on_the_schedule_each_time():
    """An agent's release is one At put back on the schedule per contact: it fires at each
    time it is given, in order with the other events, and refuses a time in the past."""
    import simpy

    from sim.engine.events import At, run_until_empty

    env, fired = simpy.Environment(), []
    release = At.reusable(lambda event: fired.append((env.now, event._value)), "agent 7")
    release.again(env, 3.0)
    At(env, 4.0, lambda event: (fired.append((env.now, "other")), release.again(env, 6.0)))
    At(env, 5.0, lambda event: fired.append((env.now, "another")))
    run_until_empty(env)
    assert fired == [(3.0, "agent 7"), (4.0, "other"), (5.0, "another"), (6.0, "agent 7")]
    with pytest.raises(ValueError, match="in the past"):
        release.again(env, 1.0)


def test_simpy_public_api_runs_the_same_schedule_to_the_same_log():
    """The private route into SimPy's schedule is a speed choice only: the engine run
    through SimPy's public API (benchmarks/bench_simpy_schedule.py's variant: env.schedule,
    env.peek, env.step, a new event per release) writes the same log, behaviours included."""
    import sys
    from pathlib import Path

    import pandas as pd

    from sim.engine import simulate
    from sim.scenario import load_scenario

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    try:
        from bench_simpy_schedule import public_api
    finally:
        sys.path.pop(0)
    for name in ("seasonal_peak_outsourcing", "omnichannel"):
        scenario = load_scenario(f"scenarios/{name}.toml")
        private = simulate(scenario, seed=2)
        with public_api():
            public = simulate(scenario, seed=2)
        pd.testing.assert_frame_equal(private.contacts, public.contacts, check_exact=True)
        pd.testing.assert_frame_equal(private.agent_states, public.agent_states, check_exact=True)
