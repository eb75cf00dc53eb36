"""Behaviours of the engine beyond the plain inbound queue: callbacks, partners and overflow,
chat concurrency, e-mail, shifts with breaks and absence, costs, and their validation.

Each section builds small scenarios where the behaviour can be observed in the log. Where
the rule is exact (who may answer what, when, for how long) the checks are exact and hold
for any seed: handle times are deterministic and the state that a rule reads (callers
waiting, chats held) is rebuilt from the log itself. Where the rule is a probability
(accept share, reach probability, overflow share, absence) the observed share must lie
within 4 binomial standard errors, 4 * sqrt(p (1 - p) / n), of the set value: with fixed
seeds the test is deterministic, and a correct engine fails such a check with probability
about 6e-5 per seed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.engine.calendar import OpenHours
from sim.engine.streams import stream
from sim.errors import InputError
from sim.kpis import score
from sim.scenario import DAY_S, parse_scenario

ROUND_OFF_S = 1e-6


def within_4_se(observed: float, p: float, n: int) -> bool:
    return abs(observed - p) <= 4 * math.sqrt(p * (1 - p) / n)


def leave_s(rows: pd.DataFrame) -> np.ndarray:
    """When each row left its line: answered (or tried), hung up, or never (unserved)."""
    left = rows["answer_s"].fillna(rows["abandon_s"]).to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(left), np.inf, left)


def waiting_at(rows: pd.DataFrame, times_s: np.ndarray) -> np.ndarray:
    """How many of `rows` were queued at each time: joined strictly before, not yet left.

    A row answered on arrival has leave == enqueue and is never counted; every time of
    interest is an arrival or an answer time, which no other row's event shares.
    """
    enqueue = rows["enqueue_s"].to_numpy(dtype=float)
    left = leave_s(rows)
    times_s = np.asarray(times_s, dtype=float)
    return ((enqueue[None, :] < times_s[:, None]) & (left[None, :] > times_s[:, None])).sum(axis=1)


def worked(contacts: pd.DataFrame) -> pd.DataFrame:
    """Rows an agent spent time on: answered, or a callback try nobody picked up."""
    return contacts[contacts["outcome"].isin(["answered", "no_answer"])]


def held_at(rows: pd.DataFrame, agent: str, t: float) -> pd.DataFrame:
    """The rows `agent` holds at time t: answered at or before t, ending after t."""
    mine = rows[rows["agent_id"] == agent]
    return mine[(mine["answer_s"] <= t) & (mine["end_s"] > t)]


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InputError) as err:
        parse_scenario(data)
    return err.value.problems


# --- 1. Callbacks (virtual hold) ------------------------------------------------------------

CALLBACK_SERVICE_S = 200 + 40  # deterministic handle + wrap: the engine's service mean
CALLBACK_STAFF = [12, 12, 8, 8, 12, 12, 9, 9]  # agents on duty per 30-min interval, 08:00-12:00


def callback_scenario(placement="keep_place", accept=1.0, reach=0.6, staffing=None,
                      patience=None, offer_above_s=120.0, volume=560, second_queue=False):
    queues = [{
        "name": "line",
        "arrivals": {"daily_volume": volume},
        "handle": {"dist": "deterministic", "mean_s": 200},
        "wrap": {"dist": "deterministic", "mean_s": 40},
        "patience": patience or {"dist": "none"},
        "callback": {"offer_above_wait_s": offer_above_s, "accept_share": accept, "placement": placement,
                     "reach_prob": reach, "no_answer_s": 30, "retry_delay_s": 600, "max_tries": 3},
    }]
    serves = ["line"]
    if second_queue:  # a second phone queue without callbacks, served by the same agents
        queues.append({"name": "other", "arrivals": {"daily_volume": 200},
                       "handle": {"dist": "deterministic", "mean_s": 200}})
        serves.append("other")
    return parse_scenario({
        "name": "callbacks",
        "horizon": {"days": 1, "open_time": "08:00", "close_time": "12:00"},
        "queues": queues,
        "agent_groups": [{"name": "team", "serves": serves, "staffing": staffing or CALLBACK_STAFF}],
    })


def staff_at(scenario, times_s: np.ndarray) -> np.ndarray:
    """Agents on duty (per-interval staffing) at each time."""
    horizon = scenario.horizon
    interval = ((np.asarray(times_s) - horizon.open_s) // horizon.interval_s).astype(int)
    return np.asarray(scenario.agent_groups[0].staffing)[interval]


def expected_wait_on_arrival(scenario, contacts: pd.DataFrame, counts_callbacks: bool) -> pd.Series:
    """The engine's offer rule rebuilt from the log, for each first call of queue "line":
    callers in the line when it arrives x (handle mean + wrap mean) / agents on duty.

    `keep_place` callbacks hold their place in the line, so they count; `when_free`
    callbacks wait in a line of their own and do not.
    """
    line = contacts[contacts["queue"] == "line"]
    in_line = line if counts_callbacks else line[~line["callback"]]
    first = line[line["attempt"] == 1]
    times = first["enqueue_s"].to_numpy()
    ewt = waiting_at(in_line, times) * CALLBACK_SERVICE_S / staff_at(scenario, times)
    return pd.Series(ewt, index=first.index)


@pytest.fixture(scope="module")
def keep_place_run():
    return simulate(callback_scenario("keep_place"), seed=3)


@pytest.fixture(scope="module")
def when_free_run():
    # A busy first half (live callers always waiting: callbacks pile up), then enough agents
    # to empty the live lines now and then, when callbacks get their turn.
    return simulate(callback_scenario("when_free", second_queue=True, staffing=[9] * 4 + [16] * 4), seed=3)


@pytest.fixture(scope="module")
def keep_place_log(keep_place_run):
    return keep_place_run.contacts


@pytest.fixture(scope="module")
def when_free_log(when_free_run):
    return when_free_run.contacts


@pytest.fixture(scope="module")
def keep_place_states(keep_place_run):
    return keep_place_run.agent_states


@pytest.fixture(scope="module")
def when_free_states(when_free_run):
    return when_free_run.agent_states


def test_no_callback_when_agents_are_plenty():
    contacts = simulate(callback_scenario(staffing=[40] * 8), seed=3).contacts
    assert len(contacts) > 400
    assert not contacts["callback"].any()
    assert (contacts["outcome"] == "answered").all()


@pytest.mark.parametrize("placement", ["keep_place", "when_free"])
def test_with_accept_share_1_exactly_the_calls_facing_a_long_wait_become_callbacks(placement):
    """accept_share = 1: a first call becomes a callback if and only if the expected wait on
    its arrival, rebuilt from the log, exceeds offer_above_wait_s. Exact, both ways. Every
    callback reaches the customer (reach 1), so a row is in line from enqueue to answer."""
    scenario = callback_scenario(placement, reach=1.0)
    contacts = simulate(scenario, seed=3).contacts
    ewt = expected_wait_on_arrival(scenario, contacts, counts_callbacks=placement == "keep_place")
    offered = ewt > 120.0
    assert 30 < offered.sum() < len(offered) - 30  # both sides of the threshold occur
    assert (contacts.loc[ewt.index, "callback"] == offered).all()


def test_keep_place_callbacks_in_line_count_as_callers_ahead():
    """The offer estimates the wait from everyone ahead: a `keep_place` callback will be
    called before the new caller, so it counts even when no live caller waits."""
    scenario = callback_scenario("keep_place", reach=1.0)
    contacts = simulate(scenario, seed=3).contacts
    everyone = expected_wait_on_arrival(scenario, contacts, counts_callbacks=True)
    live_only = expected_wait_on_arrival(scenario, contacts, counts_callbacks=False)
    decided_by_callbacks = (everyone > 120.0) & (live_only <= 120.0)
    assert decided_by_callbacks.sum() >= 5  # the two readings differ on these arrivals
    assert contacts.loc[decided_by_callbacks[decided_by_callbacks].index, "callback"].all()


def test_no_answer_rows_carry_the_last_try_as_the_contract_says(keep_place_log):
    """A callback nobody picked up shows its last try: when it was dialled, by whom, and
    the `no_answer_s` it cost (wrap 0); the contract's column docs say so."""
    from sim.log_schema import CONTACT_COLUMNS

    rows = keep_place_log[keep_place_log["outcome"] == "no_answer"]
    assert len(rows) > 0
    assert rows["answer_s"].notna().all() and rows["agent_id"].notna().all()
    assert rows["agent_group"].notna().all() and rows["partner"].notna().all()
    assert (rows["handle_s"] == 30.0).all() and (rows["wrap_s"] == 0.0).all()
    assert (rows["end_s"] == rows["answer_s"] + 30.0).all()
    docs = {c.name: c.doc for c in CONTACT_COLUMNS}
    for name in ("answer_s", "agent_id", "agent_group", "partner", "handle_s", "wrap_s"):
        assert "no_answer" in docs[name], name


def test_accept_share_among_offered_calls_within_4_se():
    scenario = callback_scenario("keep_place", accept=0.4, volume=620)
    contacts = simulate(scenario, seed=5).contacts
    ewt = expected_wait_on_arrival(scenario, contacts, counts_callbacks=True)
    offered = ewt[ewt > 120.0].index
    accepted = contacts.loc[ewt.index, "callback"]
    assert not accepted[ewt <= 120.0].any()  # nobody accepts an offer that was not made
    n = len(offered)
    assert n > 200
    assert within_4_se(accepted[offered].mean(), 0.4, n), (accepted[offered].mean(), n)  # 4 SE ~ 0.07


def test_callback_rows_never_abandon():
    scenario = callback_scenario(patience={"dist": "exponential", "mean_s": 240}, offer_above_s=60)
    contacts = simulate(scenario, seed=6).contacts
    callbacks = contacts[contacts["callback"]]
    assert len(callbacks) > 50 and (contacts["outcome"] == "abandoned").sum() > 20
    assert set(callbacks["outcome"]) <= {"answered", "no_answer", "unserved"}
    assert callbacks["abandon_s"].isna().all()


def once(contacts: pd.DataFrame) -> pd.DataFrame:
    """Rows answered at their first try: a callback retried after an unanswered try joins
    the line again at the back, so only these keep their place in it."""
    rows = worked(contacts)
    return rows[rows["callback_tries"] <= 1]


def test_keep_place_callbacks_are_answered_in_line_order_with_live_callers(keep_place_log):
    # Agents coming on duty together take several contacts at the same instant: those count
    # as answered together, so ties in answer_s are ordered by enqueue_s.
    tried = once(keep_place_log).sort_values(["answer_s", "enqueue_s"])
    assert tried["callback"].any() and (~tried["callback"]).any()
    assert tried["enqueue_s"].is_monotonic_increasing  # FCFS over callbacks and live calls alike
    # A callback is answered ahead of a live caller who joined after it.
    interleaved = tried["callback"].astype(int).diff().abs().sum()
    assert interleaved > 10


def test_when_free_callback_never_answered_while_a_live_caller_waits(when_free_log):
    contacts = when_free_log
    live = contacts[~contacts["callback"]]
    tried_callbacks = worked(contacts)[worked(contacts)["callback"]]
    assert len(tried_callbacks) > 30
    assert (live["queue"] == "other").any()
    waiting = waiting_at(live, tried_callbacks["answer_s"].to_numpy())  # both queues' live lines
    assert (waiting == 0).all(), f"{(waiting > 0).sum()} callbacks taken while live callers waited"
    # Among themselves, callbacks keep their order (those not retried: see once()).
    first_try = once(contacts)
    first_try = first_try[first_try["callback"]]
    assert first_try.sort_values(["answer_s", "enqueue_s"])["enqueue_s"].is_monotonic_increasing


@pytest.mark.parametrize("fixture", ["keep_place_log", "when_free_log"])
def test_a_callback_is_one_contact_whatever_its_tries(fixture, request):
    """Unanswered tries are agent time (30 s busy spells no contact row explains), the
    contact is called again until max_tries, and ends `no_answer` only after the last try
    or when the next try would fall after the close."""
    contacts = request.getfixturevalue(fixture)
    callbacks = contacts[contacts["callback"]]
    assert (contacts.loc[~contacts["callback"], "callback_tries"] == 0).all()
    assert callbacks["callback_tries"].between(0, 3).all() and (callbacks["callback_tries"] == 3).any()
    assert (callbacks["attempt"] == 1).all()  # tries are not new attempts: no recontact, no new contact
    missed = callbacks[callbacks["outcome"] == "no_answer"]
    assert len(missed) >= 3  # about 0.4³ of the callbacks
    assert (missed["handle_s"] == 30).all() and (missed["wrap_s"] == 0).all()
    assert missed["agent_id"].notna().all() and missed["abandon_s"].isna().all()
    np.testing.assert_allclose(missed["end_s"], missed["answer_s"] + 30, rtol=0, atol=ROUND_OFF_S)
    hours = OpenHours(callback_scenario().horizon)
    cut_short = missed[missed["callback_tries"] < 3]  # the next try would come after the close
    assert all(hours.after(t, 600.0) is None for t in cut_short["answer_s"])
    # Every unanswered try before the last is a 30 s busy spell that no contact explains.
    states = request.getfixturevalue(fixture.replace("_log", "_states"))
    busy = states[states["state"] == "busy"]
    explained = worked(contacts)[["agent_id", "answer_s"]].rename(columns={"answer_s": "start_s"})
    unexplained = busy.merge(explained, on=["agent_id", "start_s"], how="left", indicator=True)
    unexplained = unexplained[unexplained["_merge"] == "left_only"]
    assert np.allclose(unexplained["end_s"] - unexplained["start_s"], 30.0)
    ended_by_a_try = callbacks["outcome"].isin(["answered", "no_answer"])  # else still waiting
    failed = callbacks["callback_tries"] - ended_by_a_try.astype(int)
    assert len(unexplained) == failed.sum()


def test_reach_share_within_4_se():
    contacts = simulate(callback_scenario("keep_place", reach=0.6, volume=620), seed=8).contacts
    callbacks = contacts[contacts["callback"]]
    n = callbacks["callback_tries"].sum()  # every try, first or retry, is reached with reach_prob
    assert n > 300
    reached = (callbacks["outcome"] == "answered").sum() / n  # a contact is reached at most once
    assert within_4_se(reached, 0.6, n), (reached, n)


# --- 2. Partners and overflow ---------------------------------------------------------------

HANDLE_S = 180.0
PARTNER_FACTOR = 1.5


def overflow_scenario(overflow: dict, in_house=6, partner=30, volumes=None, volume=400):
    """One phone queue, an in-house team and a vendor's team that takes only overflow."""
    arrivals = {"interval_volumes": volumes} if volumes else {"daily_volume": volume}
    return parse_scenario({
        "name": "overflow",
        "horizon": {"days": 1, "open_time": "08:00", "close_time": "12:00"},
        "queues": [{"name": "line", "arrivals": arrivals,
                    "handle": {"dist": "deterministic", "mean_s": HANDLE_S},
                    "overflow": {"to": "vendor", **overflow}}],
        "agent_groups": [
            {"name": "staff", "serves": ["line"], "staffing": in_house},
            {"name": "vendor", "serves": [], "staffing": partner, "partner": "Acme",
             "handle_factor": PARTNER_FACTOR, "pricing": {"per_contact": 2.0}},
        ],
    })


def test_overflow_waits_for_the_partner_to_be_on_duty():
    """The vendor starts at 10:00: before that nobody is moved to it (in-house agents take
    every caller, however long they waited), from then on callers waiting 60 s move."""
    scenario = overflow_scenario({"after_wait_s": 60, "queue_length_above": 3}, in_house=5,
                                 partner=[0] * 4 + [10] * 4, volume=500)
    contacts = simulate(scenario, seed=2).contacts
    vendor_starts_s = 10 * 3600.0
    answered = contacts[contacts["outcome"] == "answered"]
    early = answered[answered["enqueue_s"] + 60 < vendor_starts_s - 3600]
    assert len(early) > 50 and not by_partner(early).any()
    assert ((early["answer_s"] - early["enqueue_s"]) > 60).any()  # they waited, and stayed
    assert by_partner(answered[answered["answer_s"] >= vendor_starts_s]).sum() > 20


def sent_straight_to_partner(scenario, seed: int, count: int) -> np.ndarray:
    """The engine's share draw, one per first contact of the queue in arrival order (the
    stream "overflow/<queue>"): reproduced here to know exactly which contacts it routed."""
    share = scenario.queues[0].overflow.share
    return stream(seed, "overflow/line").random(count) < share


def by_partner(contacts: pd.DataFrame) -> pd.Series:
    return contacts["agent_group"] == "vendor"


def test_overflow_share_sends_that_share_of_first_contacts_to_the_partner():
    scenario = overflow_scenario({"share": 0.3}, in_house=16, volume=1200)
    contacts = simulate(scenario, seed=21).contacts
    assert (contacts["outcome"] == "answered").all()  # both teams have room: nothing left over
    partner = by_partner(contacts)
    n = len(contacts)
    assert within_4_se(partner.mean(), 0.3, n), (partner.mean(), n)  # 4 SE = 0.053 at n ~ 1200
    # Exactly the contacts the share draw picked, whatever the in-house line looked like.
    first = contacts.sort_values("arrival_s")
    picked = sent_straight_to_partner(scenario, 21, len(first))
    assert (by_partner(first).to_numpy() == picked).all()


def test_partner_rows_carry_the_vendor_group_and_its_handle_factor():
    contacts = simulate(overflow_scenario({"share": 0.3}, in_house=10), seed=22).contacts
    partner = contacts[by_partner(contacts)]
    in_house = contacts[~by_partner(contacts)]
    assert len(partner) > 50 and len(in_house) > 50
    assert (partner["partner"] == "Acme").all() and partner["agent_id"].str.startswith("vendor-").all()
    assert (in_house["partner"] == "in-house").all() and (in_house["agent_group"] == "staff").all()
    assert (partner["handle_s"] == HANDLE_S * PARTNER_FACTOR).all()  # 270 s, exactly
    assert (in_house["handle_s"] == HANDLE_S).all()
    np.testing.assert_allclose(partner["end_s"], partner["answer_s"] + 270.0, rtol=0, atol=ROUND_OFF_S)


def test_after_wait_moves_only_callers_who_waited_that_long():
    """In-house short of agents; the vendor takes who has waited 60 s. Only the callers the
    share draw sent straight to the vendor reach it sooner; in-house agents never answer a
    caller after the move."""
    scenario = overflow_scenario({"after_wait_s": 60, "share": 0.1}, in_house=5, volume=600)
    contacts = simulate(scenario, seed=23).contacts.sort_values("arrival_s")
    wait = contacts["answer_s"] - contacts["enqueue_s"]
    partner = by_partner(contacts).to_numpy()
    picked = sent_straight_to_partner(scenario, 23, len(contacts))
    # Callers still waiting in-house at the close stay unserved (the vendor's agents leave
    # too); they arrived in the last minute.
    unserved = (contacts["outcome"] == "unserved").to_numpy()
    assert (contacts.loc[unserved, "enqueue_s"] > 12 * 3600 - 60).all()
    assert not (picked & unserved).any()
    moved = partner & ~picked
    assert moved.sum() > 50 and picked.sum() > 20
    assert (wait[moved] >= 60 - ROUND_OFF_S).all()
    assert (wait[picked] < 60).any()  # share-routed callers need not wait
    assert not (picked & ~partner).any()  # every share-routed caller went to the vendor
    assert (wait[~partner & ~unserved] <= 60 + ROUND_OFF_S).all()  # in-house answers come before the move
    # The vendor has idle agents, so a moved caller is answered the moment it moves.
    np.testing.assert_allclose(wait[moved], 60.0, rtol=0, atol=ROUND_OFF_S)


def test_queue_length_rule_overflows_exactly_when_the_line_is_long():
    """A burst in one interval builds a line at 4 in-house agents; a caller goes to the
    vendor if and only if more than 5 callers wait in-house when it arrives."""
    volumes = [20, 20, 150, 20, 20, 20, 20, 20]
    scenario = overflow_scenario({"queue_length_above": 5}, in_house=4, volumes=volumes)
    contacts = simulate(scenario, seed=24).contacts
    assert (contacts["outcome"] == "answered").all()
    partner = by_partner(contacts)
    in_line = waiting_at(contacts[~partner], contacts["enqueue_s"].to_numpy())
    assert partner.sum() > 30 and (~partner).sum() > 100
    assert (partner.to_numpy() == (in_line > 5)).all()
    # Only the burst (interval 2, 09:00-09:30) drives the line that long.
    assert (contacts.loc[partner, "enqueue_s"] >= 9 * 3600).all()


# --- 3. Chat --------------------------------------------------------------------------------

CHAT_S, CHAT_WRAP_S = 300.0, 30.0
SLOWDOWN = {"chatters": 0.2, "blend": 0.5}
MAX_CHATS = {"chatters": 3, "blend": 2}


@pytest.fixture(scope="module")
def chat_log():
    """Chat agents holding up to 3 chats; a blended team taking phone first, then chats
    (up to 2). Deterministic handle, so every stretch is visible exactly."""
    scenario = parse_scenario({
        "name": "chat",
        "horizon": {"days": 1, "open_time": "08:00", "close_time": "12:00"},
        "queues": [
            {"name": "chat", "channel": "chat", "arrivals": {"daily_volume": 1100},
             "handle": {"dist": "deterministic", "mean_s": CHAT_S},
             "wrap": {"dist": "deterministic", "mean_s": CHAT_WRAP_S},
             "patience": {"dist": "exponential", "mean_s": 600}},
            {"name": "phone", "arrivals": {"daily_volume": 300},
             "handle": {"dist": "deterministic", "mean_s": 240},
             "patience": {"dist": "exponential", "mean_s": 300}},
        ],
        "agent_groups": [
            {"name": "chatters", "serves": ["chat"], "staffing": 6,
             "max_chats": MAX_CHATS["chatters"], "chat_slowdown": SLOWDOWN["chatters"]},
            {"name": "blend", "serves": ["phone", "chat"], "staffing": 6,
             "max_chats": MAX_CHATS["blend"], "chat_slowdown": SLOWDOWN["blend"]},
        ],
    })
    return simulate(scenario, seed=31)


def held_on_answer(rows: pd.DataFrame) -> np.ndarray:
    """Contacts each row's agent holds at its answer, itself included, from [answer, end).

    An agent with free slots takes several waiting chats at one instant, oldest first:
    of the rows answered at the same instant, those enqueued earlier came first."""
    held = np.zeros(len(rows), dtype=np.int64)
    for mine in rows.groupby("agent_id").groups.values():
        sub = rows.loc[mine]
        start, end = sub["answer_s"].to_numpy(), sub["end_s"].to_numpy()
        queued = sub["enqueue_s"].to_numpy()
        before = (start[None, :] < start[:, None]) | (
            (start[None, :] == start[:, None]) & (queued[None, :] <= queued[:, None]))
        counts = (before & (end[None, :] > start[:, None])).sum(axis=1)
        held[rows.index.get_indexer(mine)] = counts
    return held


def test_chat_agents_hold_several_chats_but_never_more_than_max_chats(chat_log):
    answered = worked(chat_log.contacts)
    held = held_on_answer(answered)
    for group, k in MAX_CHATS.items():
        mine = (answered["agent_group"] == group).to_numpy()
        assert held[mine].max() == k, group  # reached under load, never exceeded


def test_chat_handle_is_stretched_by_the_chats_held(chat_log):
    answered = worked(chat_log.contacts)
    held = held_on_answer(answered)
    chats = (answered["channel"] == "chat").to_numpy()
    for group, slowdown in SLOWDOWN.items():
        mine = chats & (answered["agent_group"] == group).to_numpy()
        expected = CHAT_S * (1 + slowdown * (held[mine] - 1))
        np.testing.assert_allclose(answered["handle_s"].to_numpy()[mine], expected, rtol=1e-12)
        observed = set(np.round(answered["handle_s"].to_numpy()[mine], 6))
        assert observed == {round(CHAT_S * (1 + slowdown * j), 6) for j in range(MAX_CHATS[group])}
    phone = ~chats
    assert (answered["handle_s"].to_numpy()[phone] == 240.0).all()  # phone is never stretched


def test_phone_and_chat_never_overlap_for_one_agent(chat_log):
    """A blended agent holding chats takes no phone call, and one on the phone takes no chat."""
    answered = worked(chat_log.contacts)
    blend = answered[answered["agent_group"] == "blend"]
    phone = blend[blend["channel"] == "phone"]
    assert len(phone) > 50 and (blend["channel"] == "chat").sum() > 50
    held = held_on_answer(blend)
    assert (held[(blend["channel"] == "phone").to_numpy()] == 1).all()  # nothing else in hand
    for row in phone.itertuples():  # and nothing taken during the call
        others = held_at(blend, row.agent_id, row.answer_s)
        during = blend[(blend["agent_id"] == row.agent_id) & (blend["answer_s"] > row.answer_s)
                       & (blend["answer_s"] < row.end_s)]
        assert len(others) == 1 and during.empty


def test_chat_agents_have_no_overlapping_spells_and_are_busy_while_holding_a_chat(chat_log):
    states = chat_log.agent_states
    answered = worked(chat_log.contacts)
    for agent, spells in states.groupby("agent_id"):
        spells = spells.sort_values("start_s")
        start, end = spells["start_s"].to_numpy(), spells["end_s"].to_numpy()
        assert (start[1:] >= end[:-1] - ROUND_OFF_S).all(), agent
        assert start[0] == 0 and end[-1] == states["end_s"].max()  # spells cover the run
        assert (start[1:] <= end[:-1] + ROUND_OFF_S).all(), agent  # without gaps
        mine = answered[(answered["agent_id"] == agent) & (answered["channel"] == "chat")]
        busy = spells[spells["state"] == "busy"]
        b_start, b_end = busy["start_s"].to_numpy(), busy["end_s"].to_numpy()
        for a, e in zip(mine["answer_s"], mine["end_s"]):  # inside one busy spell
            assert ((b_start <= a + ROUND_OFF_S) & (b_end >= e - ROUND_OFF_S)).any(), (agent, a, e)


# --- 4. E-mail ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def email_log():
    """A blended team takes phone first and e-mails when no caller waits; more e-mail than
    it can clear in a day, so a backlog carries over to day 2 and is left at the end."""
    scenario = parse_scenario({
        "name": "email",
        "horizon": {"days": 2, "open_time": "08:00", "close_time": "12:00"},
        "queues": [
            {"name": "phone", "arrivals": {"daily_volume": 400},
             "handle": {"dist": "exponential", "mean_s": 240},
             "patience": {"dist": "exponential", "mean_s": 120}},
            {"name": "mail", "channel": "email", "arrivals": {"daily_volume": 300},
             "handle": {"dist": "deterministic", "mean_s": 300}},
        ],
        "agent_groups": [{"name": "blend", "serves": ["phone", "mail"], "staffing": 9}],
    })
    return simulate(scenario, seed=41).contacts


def test_emails_are_never_abandoned(email_log):
    mail = email_log[email_log["channel"] == "email"]
    assert set(mail["outcome"]) == {"answered", "unserved"}
    assert mail["abandon_s"].isna().all()
    assert (email_log.loc[email_log["channel"] == "phone", "outcome"] == "abandoned").any()


def test_emails_are_worked_oldest_first(email_log):
    mail = email_log[email_log["channel"] == "email"]
    answered = mail[mail["outcome"] == "answered"].sort_values(["answer_s", "enqueue_s"])
    assert answered["enqueue_s"].is_monotonic_increasing
    # The backlog left at the end is the newest mail; day 1's leftovers were done on day 2.
    assert mail.loc[mail["outcome"] == "unserved", "enqueue_s"].min() > answered["enqueue_s"].max()
    assert ((answered["answer_s"] // DAY_S) > (answered["enqueue_s"] // DAY_S)).any()


def test_emails_are_taken_only_when_no_caller_waits(email_log):
    phone = email_log[email_log["channel"] == "phone"]
    mail = email_log[(email_log["channel"] == "email") & (email_log["outcome"] == "answered")]
    waiting = waiting_at(phone, mail["answer_s"].to_numpy())
    assert (waiting == 0).all(), f"{(waiting > 0).sum()} e-mails taken while callers waited"
    # Not vacuous: callers did queue at times in the day.
    assert (waiting_at(phone, phone["answer_s"].dropna().to_numpy()) > 0).any()


# --- 5. Shifts, breaks, absenteeism ---------------------------------------------------------

SHIFTS = [  # agents 1-4 on the first shift, 5-8 on the second (ranks follow the list)
    {"start": "07:30", "length_h": 6, "count": 4,
     "breaks": [{"after_h": 2, "length_min": 15}, {"after_h": 4, "length_min": 30}]},
    {"start": "13:00", "length_h": 7.5, "count": 4, "breaks": [{"after_h": 3, "length_min": 20}]},
]


def shift_of(agent_id: str) -> dict:
    return SHIFTS[(int(agent_id.rsplit("-", 1)[1]) - 1) // 4]


def clock(text: str) -> float:
    hours, minutes = text.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0


def windows_of(agent_id: str, days: int) -> list[tuple[float, float]]:
    shift = shift_of(agent_id)
    start = clock(shift["start"])
    return [(d * DAY_S + start, d * DAY_S + start + shift["length_h"] * 3600) for d in range(days)]


def duty_windows_of(agent_id: str, days: int) -> list[tuple[float, float]]:
    """Shift windows cut to the opening hours (08:00-20:00): the crew logs off at the close."""
    return [(max(ws, d * DAY_S + 8 * 3600.0), min(we, d * DAY_S + 20 * 3600.0))
            for d, (ws, we) in enumerate(windows_of(agent_id, days))]


@pytest.fixture(scope="module")
def shift_log():
    """Two days; agents on shifts with breaks, kept busy (deterministic 5-min calls) so
    that some breaks fall due while a call is in hand."""
    scenario = parse_scenario({
        "name": "shifts",
        "horizon": {"days": 2, "open_time": "08:00", "close_time": "20:00"},
        "queues": [{"name": "line", "arrivals": {"daily_volume": 350},
                    "handle": {"dist": "deterministic", "mean_s": 240},
                    "wrap": {"dist": "deterministic", "mean_s": 60},
                    "patience": {"dist": "exponential", "mean_s": 300}}],
        "agent_groups": [{"name": "team", "serves": ["line"], "shifts": SHIFTS}],
    })
    return simulate(scenario, seed=51)


def test_agents_are_on_duty_exactly_in_their_shift_windows(shift_log):
    states, answered = shift_log.agent_states, worked(shift_log.contacts)
    assert states["agent_id"].nunique() == 8
    for agent, spells in states.groupby("agent_id"):
        windows = duty_windows_of(agent, days=2)

        def inside(t0, t1, windows=windows):
            return any(ws - ROUND_OFF_S <= t0 and t1 <= we + ROUND_OFF_S for ws, we in windows)

        for spell in spells.itertuples():
            if spell.state in ("available", "break"):
                assert inside(spell.start_s, spell.end_s), (agent, spell)
            elif spell.state == "offline":  # off duty touches no window but at its edges
                assert all(spell.end_s <= ws + ROUND_OFF_S or spell.start_s >= we - ROUND_OFF_S
                           for ws, we in windows), (agent, spell)
        # Contacts are answered inside a window; one in hand at the window's end is finished.
        mine = answered[answered["agent_id"] == agent]
        assert all(inside(a, a) for a in mine["answer_s"]), agent
        on_duty = spells[spells["state"] != "offline"]
        assert on_duty["end_s"].max() >= windows[-1][1] - ROUND_OFF_S
    late = answered["end_s"] > answered["agent_id"].map(lambda a: duty_windows_of(a, 2)[-1][1])
    assert late.any()  # some agents did finish a call after their shift: the exception occurs


def test_breaks_last_exactly_and_start_when_due_or_when_the_agent_gets_free(shift_log):
    states, answered = shift_log.agent_states, worked(shift_log.contacts)
    delayed = on_time = 0
    for agent, spells in states.groupby("agent_id"):
        shift = shift_of(agent)
        breaks = spells[spells["state"] == "break"].sort_values("start_s")
        due = sorted((ws + b["after_h"] * 3600, b["length_min"] * 60)
                     for ws, _ in windows_of(agent, 2) for b in shift["breaks"])
        assert len(breaks) == len(due), agent
        mine = answered[answered["agent_id"] == agent]
        for (due_s, length_s), spell in zip(due, breaks.itertuples()):
            assert spell.end_s - spell.start_s == pytest.approx(length_s, abs=ROUND_OFF_S)
            if spell.start_s == due_s:
                on_time += 1
                continue
            # Late: the agent had a contact in hand at the due time and went on break as it ended.
            in_hand = mine[(mine["answer_s"] < due_s) & (mine["end_s"] > due_s)]
            assert len(in_hand) == 1 and in_hand["end_s"].iloc[0] == spell.start_s, (agent, due_s)
            delayed += 1
    assert delayed > 0 and on_time > 0, (delayed, on_time)


def test_no_contact_is_answered_during_a_break(shift_log):
    states, answered = shift_log.agent_states, worked(shift_log.contacts)
    breaks = states[states["state"] == "break"]
    assert len(breaks) == 4 * 2 * 2 + 4 * 1 * 2  # every due break was taken (agents x breaks x days)
    for spell in breaks.itertuples():
        mine = answered[answered["agent_id"] == spell.agent_id]
        assert not ((mine["answer_s"] >= spell.start_s) & (mine["answer_s"] < spell.end_s)).any()
        # Nor is the agent holding one: no busy or wrap spell overlaps the break.
        work = states[(states["agent_id"] == spell.agent_id) & states["state"].isin(["busy", "wrap"])]
        assert not ((work["start_s"] < spell.end_s) & (work["end_s"] > spell.start_s)).any()


def duty_days(states: pd.DataFrame) -> pd.DataFrame:
    """Per agent and day: seconds on duty (any state but offline)."""
    on = states[states["state"] != "offline"]
    table = on.assign(day=(on["start_s"] // DAY_S).astype(int), s=on["end_s"] - on["start_s"])
    return table.groupby(["agent_id", "day"])["s"].sum()


@pytest.mark.parametrize("by", ["shifts", "staffing"])
def test_absenteeism_removes_that_share_of_agent_days(by):
    """0.25 absence over 60 agents x 12 days = 720 agent-days: 4 SE = 0.065. An agent who is
    present works the whole roster of the day; an absent one is offline all day."""
    days, share = 12, 0.25
    if by == "shifts":
        group = {"shifts": [{"start": "08:00", "length_h": 2, "count": 60}]}
        window_s = {rank: 7200.0 for rank in range(60)}
    else:  # 40 agents the whole two hours, 20 more from 09:00
        group = {"staffing": [40, 40, 60, 60]}
        window_s = {rank: 7200.0 if rank < 40 else 3600.0 for rank in range(60)}
    scenario = parse_scenario({
        "name": "absence",
        "horizon": {"days": days, "open_time": "08:00", "close_time": "10:00"},
        "queues": [{"name": "line", "arrivals": {"daily_volume": 5},
                    "handle": {"dist": "deterministic", "mean_s": 60}}],
        "agent_groups": [{"name": "team", "serves": ["line"], "absenteeism": share, **group}],
    })
    # Another seed per case: both draw the same (60 agents x 12 days) table from one stream.
    log = simulate(scenario, seed=52 if by == "shifts" else 53)
    assert log.agent_states["agent_id"].nunique() == 60
    on_duty = duty_days(log.agent_states)
    present = len(on_duty)
    absent_share = 1 - present / (60 * days)
    assert within_4_se(absent_share, share, 60 * days), absent_share
    rank = on_duty.index.get_level_values("agent_id").str.rsplit("-", n=1).str[1].astype(int) - 1
    expected = np.asarray([window_s[r] for r in rank])
    # Each present agent-day is the full roster (plus a minute at most finishing a call).
    assert ((on_duty.to_numpy() >= expected - ROUND_OFF_S) & (on_duty.to_numpy() <= expected + 60)).all()


# --- 6. Costs in meta -----------------------------------------------------------------------


def cost_scenario(telephony: bool = True):
    costs = {"currency": "USD", **({"telephony_per_minute": 0.02} if telephony else {})}
    return parse_scenario({
        "name": "costs",
        "horizon": {"days": 1, "open_time": "08:00", "close_time": "10:00"},
        "costs": costs,
        "queues": [
            {"name": "line", "arrivals": {"daily_volume": 120},
             "handle": {"dist": "deterministic", "mean_s": 120},
             "wrap": {"dist": "deterministic", "mean_s": 30},
             "overflow": {"to": "vendor", "share": 0.25}},
            {"name": "mail", "channel": "email", "arrivals": {"daily_volume": 30},
             "handle": {"dist": "deterministic", "mean_s": 300}},
        ],
        "agent_groups": [
            {"name": "staff", "serves": ["line"], "staffing": 3, "hourly_cost": 30},
            {"name": "backoffice", "serves": ["mail"], "staffing": 1},  # no hourly_cost given
            {"name": "vendor", "serves": [], "staffing": 2, "partner": "Acme",
             "pricing": {"per_contact": 2.5, "per_minute": 0.4, "per_staffed_hour": 12}},
            {"name": "mailhouse", "serves": ["mail"], "staffing": 1, "partner": "Beta"},  # no pricing
        ],
    })


def test_meta_carries_the_scenarios_cost_rates_only():
    log = simulate(cost_scenario(), seed=61)
    assert log.meta.extra["costs"] == {
        "currency": "USD",
        "hourly_by_group": {"staff": 30.0},  # groups with an hourly_cost only
        "partners": {"Acme": {"per_handled_contact": 2.5, "per_handled_minute": 0.4,
                              "per_staffed_hour": 12.0}},  # partners with pricing only
        "telephony_per_minute": 0.02,
    }
    without = simulate(cost_scenario(telephony=False), seed=61).meta.extra["costs"]
    assert "telephony_per_minute" not in without


def test_cost_per_contact_uses_the_scenarios_rates():
    """Labour: every on-duty second (any state but offline) at the group's rate: staff 30/h,
    backoffice the KPI default 35/h (no rate given), Acme 12 per staffed hour, Beta the
    default vendor rate 25/h. Acme charges 2.5 per handled contact + 0.4 per handled minute
    (handle + wrap). Telephony: 0.02 per minute a phone customer is on the line: from
    arrival to the end of talk (answered), to the hang-up (abandoned), to the end of the IVR
    (none here) when never answered. Divided by the answered contacts."""
    log = simulate(cost_scenario(), seed=61)
    contacts, states = log.contacts, log.agent_states
    on = states[states["state"] != "offline"]
    hours = ((on["end_s"] - on["start_s"]) / 3600).groupby(on["agent_group"]).sum()
    assert 3 * 2 <= hours["staff"] <= 3 * 2 + 3 * 150 / 3600  # roster, plus a call finished late
    assert hours["vendor"] >= 2 * 2 and hours["backoffice"] >= 2 and hours["mailhouse"] >= 2
    labour = 30 * hours["staff"] + 35 * hours["backoffice"] + 12 * hours["vendor"] + 25 * hours["mailhouse"]
    answered = contacts[contacts["outcome"] == "answered"]
    acme = answered[answered["partner"] == "Acme"]
    assert len(acme) > 5 and (answered["partner"] == "Beta").any()
    vendor = (2.5 + 0.4 * (acme["handle_s"] + acme["wrap_s"]) / 60).sum()
    phone = contacts[contacts["channel"] == "phone"]
    on_line_until = np.select(
        [phone["outcome"] == "answered", phone["outcome"] == "abandoned"],
        [phone["answer_s"] + phone["handle_s"], phone["abandon_s"]], phone["enqueue_s"])
    telephony = 0.02 * ((on_line_until - phone["arrival_s"]) / 60).sum()
    expected = (labour + vendor + telephony) / len(answered)
    report = score(log)
    assert report["cost_per_contact"] == pytest.approx(expected, rel=1e-9)
    assert report["total_cost"] == pytest.approx(labour + vendor + telephony, rel=1e-9)


# --- 7. Validation --------------------------------------------------------------------------

VALID = {
    "name": "valid",
    "horizon": {"days": 1, "open_time": "08:00", "close_time": "10:00"},
    "queues": [{"name": "line", "arrivals": {"daily_volume": 10},
                "handle": {"dist": "deterministic", "mean_s": 60}}],
    "agent_groups": [{"name": "team", "serves": ["line"], "staffing": 2}],
}


def _edit(queue: dict | None = None, group: dict | None = None, drop: str | None = None,
          extra_group: dict | None = None):
    def apply(data):
        data["queues"][0].update(queue or {})
        data["agent_groups"][0].update(group or {})
        if drop:
            del data["agent_groups"][0][drop]
        if extra_group:
            data["agent_groups"].append(extra_group)
    return apply


ONE_SHIFT = [{"start": "08:00", "length_h": 2, "count": 1}]


@pytest.mark.parametrize("edit, expected", [
    pytest.param(_edit(queue={"channel": "chat", "callback": {"offer_above_wait_s": 60, "accept_share": 0.5}}),
                 "queues[0].callback: a callback offer needs channel 'phone', not 'chat'", id="callback-on-chat"),
    pytest.param(_edit(queue={"channel": "email", "callback": {"offer_above_wait_s": 60, "accept_share": 0.5}}),
                 "queues[0].callback: a callback offer needs channel 'phone', not 'email'", id="callback-on-email"),
    pytest.param(_edit(queue={"overflow": {"to": "nobody", "share": 0.1}}),
                 "queues[0].overflow.to: 'nobody' is not an agent group", id="overflow-to-unknown-group"),
    pytest.param(_edit(queue={"overflow": {"to": "team"}}), "queues[0].overflow: set after_wait_s",
                 id="overflow-without-rule"),
    pytest.param(_edit(drop="staffing"),
                 "agent_groups[0]: give either staffing (per interval) or shifts, not neither", id="no-staffing"),
    pytest.param(_edit(group={"shifts": ONE_SHIFT}),
                 "agent_groups[0]: give either staffing (per interval) or shifts, not both", id="both-staffings"),
    pytest.param(_edit(drop="staffing", group={"shifts": [{**ONE_SHIFT[0], "breaks": [
                     {"after_h": 1.9, "length_min": 10}]}]}),
                 "agent_groups[0].shifts[0].breaks[0]: ends after the 2 h shift", id="break-after-shift"),
    pytest.param(_edit(extra_group={"name": "idle", "serves": [], "staffing": 1}),
                 "agent_groups[1].serves: is empty and no queue overflows to 'idle'", id="serves-nothing"),
])
def test_invalid_behaviours_are_reported_with_their_field_path(edit, expected):
    data = {**VALID, "queues": [dict(VALID["queues"][0])], "agent_groups": [dict(VALID["agent_groups"][0])]}
    edit(data)
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_valid_behaviours_pass_validation():
    """The same edits made consistently are accepted (the rules reject only what is wrong)."""
    data = {**VALID, "queues": [dict(VALID["queues"][0], overflow={"to": "idle", "after_wait_s": 30},
                                     callback={"offer_above_wait_s": 60, "accept_share": 0.5})],
            "agent_groups": [dict(VALID["agent_groups"][0]),
                             {"name": "idle", "serves": [], "shifts": [{**ONE_SHIFT[0], "breaks": [
                                 {"after_h": 1, "length_min": 60}]}], "partner": "Acme"}]}
    scenario = parse_scenario(data)
    assert scenario.queues[0].overflow.to == "idle"
