"""Behaviours that decide what happens to a contact and what follows it: contact reasons,
transfers, resolution and recontacts, the handle-time cut, redials, the IVR, surveys, and
common random numbers across them; plus the scenario rules for their fields.

Deterministic parts (times, links between follow-up rows and the rows they come from) are
checked exactly, or to 1e-6 s where the engine adds open-time pieces. Shares are checked
against binomial standard errors: the observed share of n independent Bernoulli(p) trials
has SE = sqrt(p (1 - p) / n), and every check allows 4 SE (two-sided false-alarm rate
6e-5 per check, so the file as a whole fails by chance with probability < 1e-3 for any
seed). The seeds are fixed; each scenario is sized so that 4 SE is far smaller than the
effect a wrong model would make (named next to each check).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.engine import simulate
from sim.engine.calendar import OpenHours
from sim.errors import InputError
from sim.scenario import DAY_S, parse_scenario

SEED = 20240607
ROUND_OFF_S = 1e-6


def det(mean_s: float) -> dict:
    return {"dist": "deterministic", "mean_s": mean_s}


def expo(mean_s: float) -> dict:
    return {"dist": "exponential", "mean_s": mean_s}


def scenario(queues: list[dict], groups: list[dict], days: int = 1, open_time: str = "08:00",
             close_time: str = "20:00", **extra):
    data = {"name": "behaviours", "horizon": {"days": days, "interval_min": 30, "open_time": open_time,
                                              "close_time": close_time},
            "queues": queues, "agent_groups": groups, **extra}
    return parse_scenario(data)


def assert_share(hits: int, n: int, p: float, what: str) -> None:
    """|hits / n - p| < 4 SE with SE = sqrt(p (1 - p) / n); exact when p is 0 or 1."""
    assert n >= 500, f"{what}: only {n} trials, too few for the test to have power"
    if p in (0.0, 1.0):
        assert hits == p * n, f"{what}: {hits}/{n}, expected all or none"
        return
    se = math.sqrt(p * (1 - p) / n)
    assert abs(hits / n - p) < 4 * se, f"{what}: {hits}/{n} = {hits / n:.4f}, expected {p:.4f} ± {4 * se:.4f}"


def is_false(resolved: pd.Series) -> np.ndarray:
    """Rows whose `resolved` is False (missing is neither True nor False)."""
    return resolved.eq(False).fillna(False).to_numpy(dtype=bool)


def is_true(resolved: pd.Series) -> np.ndarray:
    return resolved.eq(True).fillna(False).to_numpy(dtype=bool)


def back_at(start_s: float, delay_s: float, horizon) -> float:
    """Reference for "delay of open time after start": walk the open windows [open, close)
    day by day, spending the delay only inside them; NaN if it runs past the last close.
    Written independently of sim.engine.calendar (same convention: landing exactly on a
    close carries over to the next morning's open)."""
    for day in range(horizon.days):
        lo, hi = day * DAY_S + horizon.open_s, day * DAY_S + horizon.close_s
        begin = max(start_s, lo)
        if begin >= hi:
            continue
        if begin + delay_s < hi:
            return begin + delay_s
        delay_s -= hi - begin
    return math.nan


def follow_ups(contacts: pd.DataFrame, *, next_attempt: bool) -> pd.DataFrame:
    """Each row joined to the row that follows it on the same issue: the next segment of the
    same attempt (a transfer) or the first segment of the next attempt (redial, recontact).
    An issue's rows form one chain, so (issue, attempt, segment) is a key; the join keeps
    rows without a follow-up (follow-up columns NaN), suffix `_next`. With next_attempt,
    every segment of an attempt points at the next attempt: use it where nothing transfers."""
    assert not contacts.duplicated(["issue_id", "attempt", "segment"]).any()
    key = contacts[["issue_id", "attempt", "segment"]].copy()
    if next_attempt:
        key["attempt"] += 1
        key["segment"] = 1
    else:
        key["segment"] += 1
    nxt = contacts.rename(columns=lambda c: f"{c}_next")
    joined = pd.concat([contacts, key.add_suffix("_key")], axis=1).merge(
        nxt, left_on=["issue_id_key", "attempt_key", "segment_key"],
        right_on=["issue_id_next", "attempt_next", "segment_next"], how="left")
    assert len(joined) == len(contacts)
    return joined


# =============================================================================================
# 1. Contact reasons
# =============================================================================================

REASONS = [
    {
        "name": "sales",
        "arrivals": {"daily_volume": 12000},
        "reasons": [
            {"name": "billing", "share": 1, "handle": det(120)},
            {"name": "order", "share": 4},  # no handle of its own: the queue's
        ],
        "handle": det(400),
    },
    {
        "name": "support",
        "arrivals": {"daily_volume": 12000},
        "reasons": [  # "billing" again, with another share, handle and avoidable flag
            {"name": "billing", "share": 0.6, "handle": det(200), "avoidable": True},
            {"name": "outage", "share": 0.4, "handle": det(60)},
        ],
        "handle": det(999),
    },
    {"name": "info", "reason": "faq", "arrivals": {"daily_volume": 2000}, "handle": det(90)},
]


@pytest.fixture(scope="module")
def reasons_log():
    groups = [{"name": "team", "serves": ["sales", "support", "info"], "staffing": 150}]
    return simulate(scenario(REASONS, groups), seed=SEED).contacts


def test_reason_mix_per_queue_follows_the_configured_shares(reasons_log):
    """Shares are normalised per queue (1:4 → 0.2/0.8; 0.6/0.4). n = 12000 per queue gives
    4 SE ≈ 0.015 and 0.018: a mix drawn from the other queue's shares (0.2 vs 0.6) or
    unnormalised weights would be far outside."""
    for queue, shares in (("sales", {"billing": 0.2, "order": 0.8}),
                          ("support", {"billing": 0.6, "outage": 0.4})):
        rows = reasons_log[reasons_log["queue"] == queue]
        assert set(rows["reason"]) == set(shares)
        for reason, p in shares.items():
            assert_share(int((rows["reason"] == reason).sum()), len(rows), p, f"{queue}/{reason}")


def test_each_reason_uses_its_own_handle_distribution(reasons_log):
    """Deterministic handles, group handle_factor 1: exact per (queue, reason)."""
    answered = reasons_log[reasons_log["outcome"] == "answered"]
    assert len(answered) > 0.99 * len(reasons_log)
    expected = {("sales", "billing"): 120.0, ("sales", "order"): 400.0, ("support", "billing"): 200.0,
                ("support", "outage"): 60.0, ("info", "faq"): 90.0}
    seen = answered.groupby(["queue", "reason"])["handle_s"].agg(["min", "max"])
    assert set(seen.index) == set(expected)
    for key, handle_s in expected.items():
        assert seen.loc[key, "min"] == seen.loc[key, "max"] == handle_s, key


def test_avoidable_flag_lands_on_its_queue_and_reason(reasons_log):
    """"billing" is avoidable in support only: the flag follows (queue, reason), not the name."""
    flagged = (reasons_log["queue"] == "support") & (reasons_log["reason"] == "billing")
    assert flagged.any()
    assert (reasons_log["avoidable"] == flagged).all()


def test_queue_without_reasons_logs_its_reason_name(reasons_log):
    info = reasons_log[reasons_log["queue"] == "info"]
    assert len(info) > 1000 and (info["reason"] == "faq").all() and not info["avoidable"].any()


def test_follow_up_keeps_its_reason_where_the_next_queue_has_it():
    """A transfer keeps its reason name and takes the destination's reason of that name
    (its handle, its avoidable flag); where the destination has no such reason, its first
    reason applies (name, handle, flag)."""
    queues = [
        {"name": "front", "arrivals": {"daily_volume": 3000}, "handle": det(100),
         "reasons": [{"name": "billing", "share": 1, "transfer_prob": 1, "transfer_to": "back"},
                     {"name": "fraud", "share": 1, "transfer_prob": 1, "transfer_to": "back"}]},
        {"name": "back", "arrivals": {"daily_volume": 0}, "handle": det(999),
         "reasons": [{"name": "general", "share": 1, "handle": det(333), "avoidable": True},
                     {"name": "billing", "share": 1, "handle": det(250)}]},
    ]
    groups = [{"name": "a", "serves": ["front"], "staffing": 40},
              {"name": "b", "serves": ["back"], "staffing": 40}]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    joined = follow_ups(contacts, next_attempt=False)
    front = joined[joined["queue"] == "front"]
    assert front["queue_next"].eq("back").all()
    billing = front[front["reason"] == "billing"]
    fraud = front[front["reason"] == "fraud"]
    assert len(billing) > 1000 and len(fraud) > 1000
    assert (billing["reason_next"] == "billing").all() and not billing["avoidable_next"].any()
    assert (fraud["reason_next"] == "general").all() and fraud["avoidable_next"].all()
    # handle_s is logged once answered (a few late transfers find no agent after the close).
    for rows, handle_s in ((billing, 250.0), (fraud, 333.0)):
        answered = rows["outcome_next"] == "answered"
        assert answered.mean() > 0.95
        assert (rows.loc[answered, "handle_s_next"] == handle_s).all()


# =============================================================================================
# 2. Transfers
# =============================================================================================

TRANSFER_P = 0.3
TRANSFER_FACTORS = {"standard": 1.0, "senior": 0.5, "never": 0.0}


@pytest.fixture(scope="module")
def transfer_log():
    """L1 at ~93% utilisation over three groups so each answers ~6000 contacts; L2 has
    finite patience and too few agents (~19 Erlang offered to 10), so segments queue and
    abandon. L2 has an IVR time, which transfers must not pass through."""
    queues = [
        {"name": "L1", "arrivals": {"daily_volume": 18000},
         "reasons": [{"name": "billing", "share": 1, "transfer_prob": TRANSFER_P, "transfer_to": "L2"}],
         "handle": {"dist": "lognormal", "mean_s": 240, "cv": 0.6}, "wrap": det(30)},
        {"name": "L2", "arrivals": {"daily_volume": 0}, "handle": det(300), "wrap": det(10),
         "ivr": {"time": det(20)}, "patience": expo(60)},
    ]
    groups = [{"name": name, "serves": ["L1"], "staffing": 36, "transfer_factor": factor}
              for name, factor in TRANSFER_FACTORS.items()]
    groups.append({"name": "level2", "serves": ["L2"], "staffing": 10})
    return simulate(scenario(queues, groups), seed=SEED).contacts


def test_transferred_rows_name_the_target_and_are_unresolved(transfer_log):
    l1 = transfer_log[transfer_log["queue"] == "L1"]
    moved = l1["transferred_to"].notna()
    assert moved.sum() > 1000
    assert (l1.loc[moved, "transferred_to"] == "L2").all()
    assert is_false(l1.loc[moved, "resolved"]).all()
    assert (l1.loc[moved, "outcome"] == "answered").all()
    # No resolution model: the contacts kept in L1 have resolution unknown.
    assert l1.loc[~moved, "resolved"].isna().all()
    assert transfer_log.loc[transfer_log["queue"] == "L2", "transferred_to"].isna().all()


def test_each_transfer_is_one_next_segment_arriving_when_talk_ends(transfer_log):
    joined = follow_ups(transfer_log, next_attempt=False)
    moved = joined[joined["transferred_to"].notna()]
    kept = joined[joined["transferred_to"].isna()]
    assert kept["contact_id_next"].isna().all()  # no segment without a transfer before it
    assert moved["contact_id_next"].notna().all()
    assert len(transfer_log[transfer_log["segment"] == 2]) == len(moved)  # and no orphan segments
    assert (moved["queue_next"] == "L2").all()
    assert (moved["customer_id_next"] == moved["customer_id"]).all()
    assert (moved["attempt_next"] == moved["attempt"]).all()
    assert (moved["segment_next"] == moved["segment"] + 1).all()
    # The customer moves on when talk ends (exactly), while the agent wraps up.
    assert (moved["arrival_s_next"] == moved["answer_s"] + moved["handle_s"]).all()
    assert (moved["arrival_s_next"] < moved["end_s"]).all()
    # A transfer joins L2's line directly: no second pass through the IVR.
    assert (moved["enqueue_s_next"] == moved["arrival_s_next"]).all()


def test_transferred_segment_queues_and_can_abandon(transfer_log):
    l2 = transfer_log[transfer_log["queue"] == "L2"]
    outcomes = l2["outcome"].value_counts()
    assert outcomes.get("abandoned", 0) > 100 and outcomes.get("answered", 0) > 100
    answered = l2[l2["outcome"] == "answered"]
    assert (answered["answer_s"] > answered["enqueue_s"]).mean() > 0.5  # most waited
    abandoned = l2[l2["outcome"] == "abandoned"]
    assert (abandoned["abandon_s"] >= abandoned["enqueue_s"]).all()
    assert (l2["segment"] == 2).all()


def test_transfer_share_is_transfer_prob_times_group_factor(transfer_log):
    """p x transfer_factor: 0.3, 0.15 and exactly 0, each on ~6000 answered contacts
    (4 SE ≈ 0.024 and 0.018; ignoring the factor would put `senior` 0.15 off)."""
    l1 = transfer_log[(transfer_log["queue"] == "L1") & (transfer_log["outcome"] == "answered")]
    for group, factor in TRANSFER_FACTORS.items():
        rows = l1[l1["agent_group"] == group]
        assert_share(int(rows["transferred_to"].notna().sum()), len(rows), TRANSFER_P * factor, group)


def test_transfer_ping_pong_stops_at_segment_five():
    """L1 → L2 → L1 … with transfer_prob 1 both ways: every issue gets segments 1-5 exactly,
    alternating queues; the fifth is kept (no transfer, resolution unknown). Arrivals in the
    first half-hour only and plenty of agents, so every chain completes before the close."""
    queues = [
        {"name": "L1", "arrivals": {"interval_volumes": [300, 0, 0, 0]}, "handle": det(60),
         "reasons": [{"name": "x", "share": 1, "transfer_prob": 1, "transfer_to": "L2"}]},
        {"name": "L2", "arrivals": {"interval_volumes": [0, 0, 0, 0]}, "handle": det(60),
         "reasons": [{"name": "x", "share": 1, "transfer_prob": 1, "transfer_to": "L1"}]},
    ]
    groups = [{"name": "a", "serves": ["L1"], "staffing": 30}, {"name": "b", "serves": ["L2"], "staffing": 30}]
    contacts = simulate(scenario(queues, groups, close_time="10:00"), seed=SEED).contacts
    assert contacts["segment"].max() == 5
    assert (contacts["outcome"] == "answered").all()
    chains = contacts.sort_values(["issue_id", "segment"]).groupby("issue_id")
    assert chains["segment"].agg(list).map(lambda s: s == [1, 2, 3, 4, 5]).all()
    assert chains["queue"].agg(list).map(lambda q: q == ["L1", "L2", "L1", "L2", "L1"]).all()
    last = contacts[contacts["segment"] == 5]
    assert last["transferred_to"].isna().all() and last["resolved"].isna().all()
    earlier = contacts[contacts["segment"] < 5]
    assert (earlier["transferred_to"].notna()).all()
    joined = follow_ups(contacts, next_attempt=False).dropna(subset=["contact_id_next"])
    assert (joined["arrival_s_next"] == joined["answer_s"] + 60.0).all()


# =============================================================================================
# 3. Resolution and recontacts
# =============================================================================================

RESOLUTION_P = 0.7
RESOLUTION_FACTORS = {"good": 1.2, "weak": 0.6}
CUT, LOSS = 0.2, 0.5  # resolution scaled by 1 - 0.5 x 0.2 = 0.9


def test_resolution_share_is_prob_times_factor_times_cut_loss():
    """p = 0.7 x factor x 0.9: 0.756 and 0.378 on ~8000 answered contacts per group
    (4 SE ≈ 0.019 and 0.022). Leaving out the cut's loss (0.84, 0.42) or the factor
    (0.63) would fail."""
    queues = [{"name": "care", "arrivals": {"daily_volume": 16000}, "handle": expo(200),
               "handle_cut": CUT, "resolution_loss": LOSS, "recontact": {"share": 0},
               "reasons": [{"name": "claim", "share": 1, "resolution_prob": RESOLUTION_P}]}]
    groups = [{"name": name, "serves": ["care"], "staffing": 30, "resolution_factor": factor}
              for name, factor in RESOLUTION_FACTORS.items()]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    answered = contacts[contacts["outcome"] == "answered"]
    assert answered["resolved"].notna().all()
    assert contacts.loc[contacts["outcome"] != "answered", "resolved"].isna().all()
    assert (contacts["attempt"] == 1).all()  # recontact share 0: nobody comes back
    for group, factor in RESOLUTION_FACTORS.items():
        rows = answered[answered["agent_group"] == group]
        p = RESOLUTION_P * factor * (1 - LOSS * CUT)
        assert_share(int(rows["resolved"].sum()), len(rows), p, group)


def test_resolution_is_drawn_for_the_contacts_not_transferred():
    """Transfer first (p 0.3), then resolution (p 0.6) for the contacts kept: ~7000 kept
    contacts, 4 SE ≈ 0.023. Deciding resolution first and transferring only unresolved
    ones would give 0.6 / (0.6 + 0.4 x 0.7) ≈ 0.68 among the kept."""
    queues = [{"name": "L1", "arrivals": {"daily_volume": 10000}, "handle": expo(200), "recontact": {"share": 0},
               "reasons": [{"name": "r", "share": 1, "resolution_prob": 0.6, "transfer_prob": 0.3,
                            "transfer_to": "L2"}]},
              {"name": "L2", "arrivals": {"daily_volume": 0}, "handle": expo(200)}]
    groups = [{"name": "a", "serves": ["L1"], "staffing": 60}, {"name": "b", "serves": ["L2"], "staffing": 20}]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    l1 = contacts[(contacts["queue"] == "L1") & (contacts["outcome"] == "answered")]
    moved = l1["transferred_to"].notna()
    assert_share(int(moved.sum()), len(l1), 0.3, "transfer")
    assert is_false(l1.loc[moved, "resolved"]).all()
    kept = l1[~moved]
    assert_share(int(kept["resolved"].sum()), len(kept), 0.6, "resolution of the kept")
    # L2 has no resolution model of its own: its segments' resolution is unknown.
    assert contacts.loc[contacts["queue"] == "L2", "resolved"].isna().all()


def test_without_resolution_prob_resolution_is_unknown_and_nobody_comes_back():
    """Recontact share 1 with a short delay would bring every unresolved customer back;
    with no resolution model there are none."""
    queues = [
        {"name": "modelled_reasons", "arrivals": {"daily_volume": 3000}, "handle": expo(200),
         "recontact": {"share": 1.0, "delay": det(60)},
         "reasons": [{"name": "a", "share": 1}, {"name": "b", "share": 1, "avoidable": True}]},
        {"name": "no_reasons", "arrivals": {"daily_volume": 3000}, "handle": expo(200),
         "recontact": {"share": 1.0, "delay": det(60)}},
    ]
    groups = [{"name": "team", "serves": ["modelled_reasons", "no_reasons"], "staffing": 40}]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    assert (contacts["outcome"] == "answered").sum() > 5000
    assert contacts["resolved"].isna().all()
    assert (contacts["attempt"] == 1).all() and (contacts["segment"] == 1).all()


RECONTACT_SHARE = 0.6


@pytest.fixture(scope="module")
def recontact_run():
    """Same-day recontacts: unresolved `phone` customers come back on `retention` after 30
    min of open time; a 1-day horizon, so late ones are not simulated."""
    queues = [
        {"name": "phone", "arrivals": {"daily_volume": 10000}, "handle": expo(200),
         "reasons": [{"name": "claim", "share": 1, "resolution_prob": 0.55}],
         "recontact": {"share": RECONTACT_SHARE, "delay": det(1800), "queue": "retention"}},
        {"name": "retention", "arrivals": {"daily_volume": 0}, "handle": det(100), "ivr": {"time": det(15)}},
    ]
    groups = [{"name": "front", "serves": ["phone"], "staffing": 55},
              {"name": "keep", "serves": ["retention"], "staffing": 30}]
    spec = scenario(queues, groups)
    return spec, simulate(spec, seed=SEED).contacts


def test_unresolved_customers_come_back_on_the_recontact_queue(recontact_run):
    """Share of unresolved customers (whose return falls inside the horizon) who come back:
    0.6 on ~4000 (4 SE ≈ 0.03); resolved ones never come back."""
    spec, contacts = recontact_run
    joined = follow_ups(contacts, next_attempt=True)
    phone = joined[(joined["queue"] == "phone") & (joined["outcome"] == "answered")]
    assert_share(int(phone["resolved"].sum()), len(phone), 0.55, "resolution")
    assert phone.loc[is_true(phone["resolved"]), "contact_id_next"].isna().all()
    unresolved = phone[is_false(phone["resolved"])]
    talk_end_s = unresolved["answer_s"] + unresolved["handle_s"]
    expected_s = np.array([back_at(t, 1800.0, spec.horizon) for t in talk_end_s])
    in_horizon = ~np.isnan(expected_s)
    assert (~in_horizon).sum() > 50  # the last half hour's unresolved: not simulated
    assert unresolved.loc[~in_horizon, "contact_id_next"].isna().all()
    back = unresolved["contact_id_next"].notna().to_numpy()
    assert_share(int(back[in_horizon].sum()), int(in_horizon.sum()), RECONTACT_SHARE, "recontact")

    came = unresolved[back]
    assert (came["queue_next"] == "retention").all()
    assert (came["customer_id_next"] == came["customer_id"]).all()
    assert (came["attempt_next"] == came["attempt"] + 1).all() and (came["segment_next"] == 1).all()
    np.testing.assert_allclose(came["arrival_s_next"], expected_s[back], rtol=0, atol=ROUND_OFF_S)
    # Same day here: exactly 30 min after talk ends; then the retention IVR (15 s).
    assert (came["arrival_s_next"] == came["answer_s"] + came["handle_s"] + 1800.0).all()
    assert (came["enqueue_s_next"] == came["arrival_s_next"] + 15.0).all()
    # Every recontact row comes from an unresolved contact.
    assert (contacts["attempt"] > 1).sum() == back.sum()


def test_recontact_delay_runs_on_open_time_across_the_close():
    """Two days 08:00-10:00, every unresolved customer comes back after 1 h of open time.
    Talk ending before 09:00 → same day; between 09:00 and 10:00 → the rest of the hour on
    the next morning; after 10:00 (agents finish the contact in hand) → 09:00 next morning;
    on day 2 after 09:00 → beyond the last close, not simulated. Share 1: exact."""
    queues = [{"name": "phone", "arrivals": {"daily_volume": 700}, "handle": expo(200),
               "reasons": [{"name": "claim", "share": 1, "resolution_prob": 0.3}],
               "recontact": {"share": 1.0, "delay": det(3600)}}]
    groups = [{"name": "team", "serves": ["phone"], "staffing": 30}]
    spec = scenario(queues, groups, days=2, close_time="10:00")
    contacts = simulate(spec, seed=SEED).contacts
    joined = follow_ups(contacts, next_attempt=True)
    unresolved = joined[is_false(joined["resolved"])]
    talk_end_s = (unresolved["answer_s"] + unresolved["handle_s"]).to_numpy()
    expected_s = np.array([back_at(t, 3600.0, spec.horizon) for t in talk_end_s])
    came = unresolved["contact_id_next"].notna().to_numpy()
    np.testing.assert_array_equal(came, ~np.isnan(expected_s))
    np.testing.assert_allclose(unresolved["arrival_s_next"].to_numpy()[came], expected_s[came],
                               rtol=0, atol=ROUND_OFF_S)
    # Each case occurs, and the hand-written arithmetic of each agrees with the reference.
    h9, h10 = 9 * 3600.0, 10 * 3600.0
    same_day = talk_end_s < h9
    crossing = (talk_end_s >= h9) & (talk_end_s < h10)
    after_close = (talk_end_s >= h10) & (talk_end_s < DAY_S)
    too_late = talk_end_s >= DAY_S + h9
    for case in (same_day, crossing, after_close, too_late):
        assert case.sum() > 0
    np.testing.assert_allclose(expected_s[same_day], talk_end_s[same_day] + 3600.0, atol=ROUND_OFF_S)
    np.testing.assert_allclose(expected_s[crossing], DAY_S + 8 * 3600.0 + 3600.0 - (h10 - talk_end_s[crossing]),
                               atol=ROUND_OFF_S)
    np.testing.assert_allclose(expected_s[after_close], DAY_S + h9, atol=ROUND_OFF_S)
    assert np.isnan(expected_s[too_late]).all()
    assert unresolved["arrival_s_next"].max() < DAY_S + h10


@pytest.mark.parametrize("start_s, delay_s, expected_s", [
    (9 * 3600.0, 1800.0, 9.5 * 3600.0),  # inside the day
    (7 * 3600.0, 1800.0, 8.5 * 3600.0),  # before the open: counts from the open
    (9.5 * 3600.0, 3600.0, DAY_S + 8.5 * 3600.0),  # 30 min today, 30 min tomorrow
    (11 * 3600.0, 600.0, DAY_S + 8 * 3600.0 + 600.0),  # after the close: tomorrow
    (9.5 * 3600.0, 1800.0, DAY_S + 8 * 3600.0),  # lands exactly on the close: next open
    (DAY_S + 9.5 * 3600.0, 3600.0, None),  # past the last close
    (9 * 3600.0, 3 * 3600.0, None),  # needs more open time than the horizon has left
])
def test_open_hours_after(start_s, delay_s, expected_s):
    horizon = scenario([{"name": "q", "arrivals": {"daily_volume": 1}, "handle": det(1)}],
                       [{"name": "g", "serves": ["q"], "staffing": 1}], days=2, close_time="10:00").horizon
    assert OpenHours(horizon).after(start_s, delay_s) == expected_s
    reference = back_at(start_s, delay_s, horizon)
    assert (math.isnan(reference) if expected_s is None else reference == expected_s)


# =============================================================================================
# 4. The handle_cut trade-off
# =============================================================================================

HANDLE_FACTORS = {"slow": 1.5, "fast": 0.8}


def _cut_run(cut: float):
    queues = [
        {"name": "claims", "arrivals": {"daily_volume": 8000}, "handle": det(300),
         "handle_cut": cut, "resolution_loss": 0.8, "recontact": {"share": 0},
         "reasons": [{"name": "claim", "share": 1, "resolution_prob": 0.9}]},
        {"name": "plain", "arrivals": {"daily_volume": 3000}, "handle": det(200), "handle_cut": cut},
    ]
    groups = [{"name": name, "serves": ["claims", "plain"], "staffing": 40, "handle_factor": factor}
              for name, factor in HANDLE_FACTORS.items()]
    return simulate(scenario(queues, groups), seed=SEED).contacts


@pytest.mark.parametrize("cut", [0.0, 0.25])
def test_handle_cut_scales_handle_and_costs_resolution(cut):
    """handle_s = need x (1 - cut) x handle_factor (to round-off), both with an outcome model
    and without. Resolution 0.9 x (1 - 0.8 x cut): 0.9 uncut, 0.72 cut, on ~8000 contacts
    (4 SE ≈ 0.014 and 0.02, far below the 0.18 the cut should cost)."""
    contacts = _cut_run(cut)
    answered = contacts[contacts["outcome"] == "answered"]
    assert len(answered) > 0.99 * len(contacts)
    for queue, need_s in (("claims", 300.0), ("plain", 200.0)):
        for group, factor in HANDLE_FACTORS.items():
            rows = answered[(answered["queue"] == queue) & (answered["agent_group"] == group)]
            assert len(rows) > 500, (queue, group)
            np.testing.assert_allclose(rows["handle_s"], need_s * (1 - cut) * factor, rtol=1e-12, atol=0)
    claims = answered[answered["queue"] == "claims"]
    assert_share(int(claims["resolved"].sum()), len(claims), 0.9 * (1 - 0.8 * cut), f"resolution, cut {cut}")
    assert answered.loc[answered["queue"] == "plain", "resolved"].isna().all()


# =============================================================================================
# 5. Redials
# =============================================================================================

REDIAL_SHARE, REDIAL_DELAY_S, IVR_S = 0.4, 900.0, 30.0


def _redial_run(share: float):
    """Two days, ~35 Erlang of first calls (plus redials) on 30 agents with 2-min patience:
    thousands of abandons, some late enough that their redial falls overnight or past the end."""
    queues = [{"name": "phone", "arrivals": {"daily_volume": 5000}, "handle": expo(300),
               "patience": expo(120), "ivr": {"time": det(IVR_S)},
               "redial": {"share": share, "delay": det(REDIAL_DELAY_S)}}]
    groups = [{"name": "team", "serves": ["phone"], "staffing": 30}]
    spec = scenario(queues, groups, days=2)
    return spec, simulate(spec, seed=SEED).contacts


def test_abandoned_callers_redial_with_the_configured_share_after_open_time_delay():
    """Share 0.4 of the ~2500 abandons (of every attempt) whose redial falls inside the
    horizon: 4 SE ≈ 0.039. Abandons whose redial would fall past the last close: none."""
    spec, contacts = _redial_run(REDIAL_SHARE)
    joined = follow_ups(contacts, next_attempt=True)
    assert joined.loc[joined["outcome"] != "abandoned", "contact_id_next"].isna().all()
    abandoned = joined[joined["outcome"] == "abandoned"]
    expected_s = np.array([back_at(t, REDIAL_DELAY_S, spec.horizon) for t in abandoned["abandon_s"]])
    in_horizon = ~np.isnan(expected_s)
    assert (~in_horizon).sum() > 0
    redialled = abandoned["contact_id_next"].notna().to_numpy()
    assert not redialled[~in_horizon].any()
    assert_share(int(redialled[in_horizon].sum()), int(in_horizon.sum()), REDIAL_SHARE, "redial")

    again = abandoned[redialled]
    assert (again["queue_next"] == "phone").all()
    assert (again["customer_id_next"] == again["customer_id"]).all()
    assert (again["attempt_next"] == again["attempt"] + 1).all() and (again["segment_next"] == 1).all()
    np.testing.assert_allclose(again["arrival_s_next"], expected_s[redialled], rtol=0, atol=ROUND_OFF_S)
    same_day = (again["abandon_s"] + REDIAL_DELAY_S) % DAY_S < spec.horizon.close_s
    assert (again.loc[same_day, "arrival_s_next"] == again.loc[same_day, "abandon_s"] + REDIAL_DELAY_S).all()
    assert (~same_day).sum() > 0  # some redial the next morning
    # The redial passes the IVR again.
    assert (again["enqueue_s_next"] == again["arrival_s_next"] + IVR_S).all()
    assert contacts["attempt"].max() >= 3  # redials abandon and redial too
    assert (contacts["segment"] == 1).all()


def test_no_redials_with_share_zero():
    _, contacts = _redial_run(0.0)
    assert (contacts["outcome"] == "abandoned").sum() > 1000
    assert (contacts["attempt"] == 1).all()


# =============================================================================================
# 6. IVR and self-service
# =============================================================================================

def test_ivr_contains_its_share_and_delays_the_others():
    """Self-service share 0.3 of ~10000 arrivals (4 SE ≈ 0.018); IVR time 45 s exactly."""
    queues = [{"name": "phone", "arrivals": {"daily_volume": 10000}, "handle": expo(180),
               "ivr": {"self_service_share": 0.3, "time": det(45)}, "patience": expo(300)}]
    groups = [{"name": "team", "serves": ["phone"], "staffing": 40}]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    served = contacts["outcome"] == "self_served"
    assert_share(int(served.sum()), len(contacts), 0.3, "self-service")
    own = contacts[served]
    assert own[["enqueue_s", "answer_s", "abandon_s", "handle_s", "wrap_s"]].isna().all().all()
    assert own[["agent_id", "agent_group", "partner"]].isna().all().all()
    assert own["resolved"].isna().all() and own["csat"].isna().all()
    assert (own["end_s"] == own["arrival_s"] + 45.0).all()
    others = contacts[~served]
    assert (others["enqueue_s"] == others["arrival_s"] + 45.0).all()
    assert set(others["outcome"]) <= {"answered", "abandoned"}


# =============================================================================================
# 7. Surveys
# =============================================================================================

SURVEY_FACTORS = {"expert": 1.3, "novice": 0.7}
# Odd parameter values so that no combination with zero wait lands on a rounding tie.
EXACT_SURVEY = {"response_share": 0.35, "noise_sd": 0.0, "base": 0.8137, "per_wait_min": 0.0413,
                "max_wait_penalty": 0.0871, "per_transfer": 0.1031, "per_earlier_attempt": 0.1173,
                "unresolved": 0.2917, "per_proficiency": 0.2063}


def _survey_run(survey: dict, staffing: int = 30, patience_s: float = 90.0):
    """Every term of the survey model occurs: waits (some past the cap), transfers
    (segment 2), redials and recontacts (attempt > 1), resolved and unresolved contacts,
    two groups with different resolution factors."""
    queues = [
        {"name": "L1", "arrivals": {"daily_volume": 9000}, "handle": expo(240), "patience": expo(patience_s),
         "reasons": [{"name": "r", "share": 1, "resolution_prob": 0.6, "transfer_prob": 0.2, "transfer_to": "L2"}],
         "redial": {"share": 0.3, "delay": det(300)}, "recontact": {"share": 0.5, "delay": det(600)}},
        {"name": "L2", "arrivals": {"daily_volume": 0}, "handle": expo(300), "patience": expo(patience_s),
         "reasons": [{"name": "r", "share": 1, "resolution_prob": 0.8}],
         "recontact": {"share": 0.5, "delay": det(600), "queue": "L1"}},
    ]
    groups = [{"name": name, "serves": ["L1", "L2"], "staffing": staffing, "resolution_factor": factor}
              for name, factor in SURVEY_FACTORS.items()]
    return simulate(scenario(queues, groups, survey=survey), seed=SEED).contacts


@pytest.fixture(scope="module")
def survey_log():
    return _survey_run({"response_share": 0.35})


@pytest.fixture(scope="module")
def exact_survey_log():
    return _survey_run(EXACT_SURVEY)


def test_survey_response_share_among_answered(survey_log):
    """0.35 of ~10000 answered contacts (4 SE ≈ 0.019); the three answers come together."""
    answered = survey_log[survey_log["outcome"] == "answered"]
    responded = answered["csat"].notna()
    assert_share(int(responded.sum()), len(answered), 0.35, "response")
    assert (answered["nps"].notna() == responded).all() and (answered["ces"].notna() == responded).all()
    unanswered = survey_log[survey_log["outcome"] != "answered"]
    assert len(unanswered) > 500
    assert unanswered[["csat", "nps", "ces"]].isna().all().all()


def test_survey_answers_are_integers_on_their_scales(survey_log):
    for column, low, high in (("csat", 1, 5), ("nps", 0, 10), ("ces", 1, 7)):
        values = survey_log[column].dropna()
        assert len(values) > 1000
        assert (values == np.round(values)).all(), column
        assert values.between(low, high).all(), column
        assert values.nunique() >= 3, column  # noise spreads the answers over the scale


def test_survey_without_noise_follows_the_documented_formula(exact_survey_log):
    """Survey docstring: effort = base - min(per_wait_min x wait_min, max_wait_penalty)
    - per_transfer x (segment - 1) - per_earlier_attempt x (attempt - 1); satisfaction =
    effort - unresolved x [resolved is False] + per_proficiency x (resolution_factor - 1);
    clipped to [0, 1]; CSAT = 1 + round(4 s), NPS = round(10 s), CES = 1 + round(6 effort)."""
    s = EXACT_SURVEY
    rows = exact_survey_log[exact_survey_log["csat"].notna()]
    wait_min = (rows["answer_s"] - rows["enqueue_s"]).to_numpy() / 60
    effort = (s["base"] - np.minimum(s["per_wait_min"] * wait_min, s["max_wait_penalty"])
              - s["per_transfer"] * (rows["segment"].to_numpy() - 1)
              - s["per_earlier_attempt"] * (rows["attempt"].to_numpy() - 1))
    unresolved = is_false(rows["resolved"])
    factor = rows["agent_group"].map(SURVEY_FACTORS).to_numpy(dtype=float)
    satisfaction = effort - s["unresolved"] * unresolved + s["per_proficiency"] * (factor - 1)
    np.testing.assert_array_equal(rows["csat"], 1 + np.round(4 * np.clip(satisfaction, 0, 1)))
    np.testing.assert_array_equal(rows["nps"], np.round(10 * np.clip(satisfaction, 0, 1)))
    np.testing.assert_array_equal(rows["ces"], 1 + np.round(6 * np.clip(effort, 0, 1)))
    # Every term was exercised.
    assert (rows["segment"] > 1).any() and (rows["attempt"] > 1).any()
    assert unresolved.any() and (~unresolved).any() and len(set(factor)) == 2
    assert (s["per_wait_min"] * wait_min > s["max_wait_penalty"]).any() and (wait_min == 0).any()


def test_longer_waits_give_lower_csat():
    """Everyone surveyed; 60 vs 24 agents per group. Means compared with the Welch SE of the
    difference: the gap must exceed 4 SE (it is a cap-sized 0.4 x 4 ≈ 1.6 points at most)."""
    survey = {"response_share": 1.0}
    plenty, few = _survey_run(survey, staffing=60), _survey_run(survey, staffing=24, patience_s=600)
    waits = []
    for contacts in (plenty, few):
        answered = contacts[contacts["outcome"] == "answered"]
        waits.append((answered["answer_s"] - answered["enqueue_s"]).mean())
    assert waits[1] > waits[0] + 60
    a, b = plenty["csat"].dropna(), few["csat"].dropna()
    se = math.sqrt(a.var() / len(a) + b.var() / len(b))
    assert a.mean() - b.mean() > 4 * se, (a.mean(), b.mean(), se)


def test_response_share_zero_means_no_answers():
    contacts = _survey_run({"response_share": 0.0})
    assert (contacts["outcome"] == "answered").sum() > 1000
    assert contacts[["csat", "nps", "ces"]].isna().all().all()


# =============================================================================================
# 8. Common random numbers: a behaviour on one queue leaves the others' customers alone
# =============================================================================================

def _crn_scenario(a_reason: dict, a_queue: dict):
    """A (resolution modelled, nobody recontacts unless the variant says so) and B, each
    with its own group; B is overstaffed with patient customers."""
    queues = [
        {"name": "A", "arrivals": {"daily_volume": 5000}, "handle": expo(300), "patience": expo(120),
         "reasons": [{"name": "a1", "share": 1, "resolution_prob": 0.7, **a_reason}],
         "recontact": {"share": 0}, **a_queue},
        {"name": "B", "arrivals": {"daily_volume": 5000}, "handle": {"dist": "lognormal", "mean_s": 200, "cv": 0.8},
         "wrap": {"dist": "gamma", "mean_s": 20, "cv": 0.5},
         "reasons": [{"name": "b1", "share": 1}, {"name": "b2", "share": 2, "handle": expo(100)}]},
    ]
    groups = [{"name": "ga", "serves": ["A"], "staffing": 25}, {"name": "gb", "serves": ["B"], "staffing": 60}]
    return scenario(queues, groups)


CRN_VARIANTS = {  # (A's reason fields, A's queue fields)
    "transfer A→B": ({"transfer_prob": 0.4, "transfer_to": "B"}, {}),
    "redial on A": ({}, {"redial": {"share": 0.7, "delay": expo(300)}}),
    "recontact A→B": ({}, {"recontact": {"share": 1.0, "delay": det(600), "queue": "B"}}),
    "IVR on A": ({}, {"ivr": {"self_service_share": 0.3, "time": expo(40)}}),
}


@pytest.mark.parametrize("variant", list(CRN_VARIANTS))
def test_behaviour_on_queue_a_leaves_queue_b_first_contacts_unchanged(variant):
    """B's first contacts (attempt 1, segment 1) keep their ids, arrival times, reasons,
    handle and wrap draws bit for bit when A transfers, redials, recontacts into B or gets
    an IVR; A's own arrivals and reasons do not move either. All B's first contacts are
    answered in both runs, so their handle_s (NaN unless answered) can be compared."""
    base = simulate(_crn_scenario({}, {}), seed=SEED).contacts
    other = simulate(_crn_scenario(*CRN_VARIANTS[variant]), seed=SEED).contacts
    assert len(other) != len(base) or not other["outcome"].equals(base["outcome"])  # the behaviour acted

    def firsts(contacts, queue):
        rows = contacts[(contacts["queue"] == queue) & (contacts["attempt"] == 1) & (contacts["segment"] == 1)]
        return rows.reset_index(drop=True)

    b0, b1 = firsts(base, "B"), firsts(other, "B")
    assert len(b0) > 4000 and (b0["outcome"] == "answered").all() and (b1["outcome"] == "answered").all()
    for column in ("contact_id", "arrival_s", "reason", "handle_s", "wrap_s"):
        pd.testing.assert_series_equal(b1[column], b0[column], check_exact=True, obj=f"B.{column}")
    a0, a1 = firsts(base, "A"), firsts(other, "A")
    for column in ("contact_id", "arrival_s", "reason"):
        pd.testing.assert_series_equal(a1[column], a0[column], check_exact=True, obj=f"A.{column}")


def test_a_behaviour_on_queue_a_leaves_queue_b_decisions_unchanged():
    """Each queue draws its decisions from its own streams: giving A a transfer (which
    consumes transfer draws and changes A's resolution draws) leaves every resolved flag
    of B's first contacts as it was."""
    def run(a_reason):
        queues = [
            {"name": "A", "arrivals": {"daily_volume": 3000}, "handle": expo(300),
             "reasons": [{"name": "a", "share": 1, "resolution_prob": 0.7, **a_reason}], "recontact": {"share": 0}},
            {"name": "B", "arrivals": {"daily_volume": 3000}, "handle": expo(300),
             "reasons": [{"name": "b", "share": 1, "resolution_prob": 0.7}], "recontact": {"share": 0}},
            {"name": "C", "arrivals": {"daily_volume": 0}, "handle": expo(300)},
        ]
        groups = [{"name": "ga", "serves": ["A", "C"], "staffing": 40},
                  {"name": "gb", "serves": ["B"], "staffing": 40}]
        contacts = simulate(scenario(queues, groups), seed=SEED).contacts
        return contacts[contacts["queue"] == "B"].reset_index(drop=True)

    base, other = run({}), run({"transfer_prob": 0.4, "transfer_to": "C"})
    assert (base["outcome"] == "answered").all() and len(base) > 2500
    pd.testing.assert_series_equal(other["resolved"], base["resolved"], check_exact=True)


def test_a_caller_who_hangs_up_after_a_transfer_redials_the_number_first_dialled():
    """Abandoning in L2 (reached by transfer), the customer calls L1 again, under L1's
    redial settings (L2 has none): attempt + 1, segment 1, on L1, through L1's IVR."""
    queues = [
        {"name": "L1", "arrivals": {"daily_volume": 2000}, "handle": det(120), "patience": expo(300),
         "ivr": {"time": det(20)}, "redial": {"share": 1.0, "delay": det(600)},
         "reasons": [{"name": "r", "share": 1, "transfer_prob": 1.0, "transfer_to": "L2"}]},
        {"name": "L2", "arrivals": {"daily_volume": 0}, "handle": det(600), "patience": expo(60)},
    ]
    groups = [{"name": "l1", "serves": ["L1"], "staffing": 30}, {"name": "l2", "serves": ["L2"], "staffing": 3}]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    gave_up = contacts[(contacts["queue"] == "L2") & (contacts["outcome"] == "abandoned")]
    assert len(gave_up) > 500
    nxt = contacts.set_index(["issue_id", "attempt", "segment"])
    back = [(i, a + 1, 1) for i, a in zip(gave_up["issue_id"], gave_up["attempt"]) if (i, a + 1, 1) in nxt.index]
    assert len(back) > 0.8 * len(gave_up)  # the others would come back after the close
    again = nxt.loc[back]
    assert (again["queue"] == "L1").all()
    assert np.allclose(again["enqueue_s"] - again["arrival_s"], 20.0)


def test_a_customer_left_unresolved_after_a_transfer_comes_back_where_they_first_came():
    """L2 resolves half of what L1 escalates; the others come back under L1's recontact
    settings (L2 has recontact share 0): to L1, attempt + 1, one business hour later."""
    queues = [
        {"name": "L1", "arrivals": {"daily_volume": 1500}, "handle": det(120),
         "recontact": {"share": 1.0, "delay": det(3600)},
         "reasons": [{"name": "r", "share": 1, "transfer_prob": 1.0, "transfer_to": "L2"}]},
        {"name": "L2", "arrivals": {"daily_volume": 0}, "handle": det(300), "recontact": {"share": 0.0},
         "reasons": [{"name": "r", "share": 1, "resolution_prob": 0.5}]},
    ]
    groups = [{"name": "l1", "serves": ["L1"], "staffing": 20}, {"name": "l2", "serves": ["L2"], "staffing": 30}]
    contacts = simulate(scenario(queues, groups), seed=SEED).contacts
    unresolved = contacts[(contacts["queue"] == "L2") & is_false(contacts["resolved"])
                          & (contacts["answer_s"] + 300 + 3600 < 20 * 3600)]
    assert len(unresolved) > 200
    nxt = contacts.set_index(["issue_id", "attempt", "segment"])
    back = nxt.loc[[(i, a + 1, 1) for i, a in zip(unresolved["issue_id"], unresolved["attempt"])]]
    assert (back["queue"] == "L1").all()
    np.testing.assert_allclose(back["arrival_s"].to_numpy(),
                               unresolved["answer_s"].to_numpy() + 300 + 3600, rtol=0, atol=ROUND_OFF_S)


# =============================================================================================
# 9. Scenario validation of these fields
# =============================================================================================

def _two_queues() -> dict:
    return {
        "name": "tiny",
        "horizon": {"days": 1, "interval_min": 30, "open_time": "08:00", "close_time": "10:00"},
        "queues": [
            {"name": "sales", "arrivals": {"daily_volume": 100}, "handle": expo(300),
             "reasons": [{"name": "buy", "share": 1}]},
            {"name": "mail", "channel": "email", "arrivals": {"daily_volume": 10}, "handle": expo(300)},
        ],
        "agent_groups": [{"name": "team", "serves": ["sales", "mail"], "staffing": 2}],
    }


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["queues"][0]["reasons"][0].update(transfer_prob=0.2),
     "queues[0].reasons[0].transfer_to: is required when transfer_prob > 0"),
    (lambda d: d["queues"][0]["reasons"][0].update(transfer_prob=0.2, transfer_to="billing"),
     "queues[0].reasons[0].transfer_to: 'billing' is not a queue (queues: sales, mail)"),
    (lambda d: d["queues"][0]["reasons"][0].update(transfer_prob=0.2, transfer_to="sales"),
     "queues[0].reasons[0].transfer_to: 'sales' is this queue itself"),
    (lambda d: d["queues"][0].update(recontact={"queue": "chat"}),
     "queues[0].recontact.queue: 'chat' is not a queue (queues: sales, mail)"),
    (lambda d: d["queues"][0]["reasons"][0].update(share=-1),
     "queues[0].reasons[0].share: -1 is not > 0"),
    (lambda d: d["queues"][0].update(redial={"share": -0.1}),
     "queues[0].redial.share: -0.1 is not >= 0"),
    (lambda d: d["queues"][0].update(recontact={"share": 1.5}),
     "queues[0].recontact.share: 1.5 is not <= 1"),
    (lambda d: d["queues"][0]["reasons"][0].update(resolution_prob=-0.2),
     "queues[0].reasons[0].resolution_prob: -0.2 is not >= 0"),
    (lambda d: d["queues"][0].update(ivr={"self_service_share": 1}),
     "queues[0].ivr.self_service_share: 1 is not < 1"),
    (lambda d: d["queues"][0].update(handle_cut=1),
     "queues[0].handle_cut: 1 is not < 1"),
    (lambda d: d["agent_groups"][0].update(transfer_factor=-1),
     "agent_groups[0].transfer_factor: -1 is not >= 0"),
    (lambda d: d.update(survey={"response_share": 2}),
     "survey.response_share: 2 is not <= 1"),
    (lambda d: d["queues"][1].update(patience=expo(60)),
     "queues[1].patience: e-mails are never abandoned; leave patience out for channel 'email'"),
    (lambda d: d["queues"][0].update(reasons=[{"name": "buy", "share": 1}, {"name": "buy", "share": 2}]),
     "queues[0].reasons[1].name: 'buy' is used by another reason"),
])
def test_behaviour_fields_are_refused_by_path(edit, message):
    data = _two_queues()
    parse_scenario(data)  # the base is valid
    edit(data)
    with pytest.raises(InputError) as caught:
        parse_scenario(data)
    assert any(p.startswith(message) for p in caught.value.problems), caught.value.problems
