"""Turns the raw record of a run into the two tables of the InteractionLog.

The loop records only what it must (per contact: times, agent, outcome codes; per agent:
available, break and offline spells); everything derivable — labels, busy and wrap
spells, survey answers — is computed here with whole-column numpy operations.
"""

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.engine.agents import STATE_LABELS
from sim.engine.core import Run
from sim.engine.reasons import reason_table
from sim.engine.record import ANSWERED, NO, NO_ANSWER, OUTCOME_LABELS, UNKNOWN, YES
from sim.engine.survey import survey_answers
from sim.interaction_log import InteractionLog, LogMeta
from sim.scenario import DAY_S, Scenario


def build_log(scenario: Scenario, run: Run, seed: int) -> InteractionLog:
    groups = scenario.agent_groups
    pool = run.agents
    agent_ids = [f"{groups[g].name}-{k + 1:03d}" for g, k in zip(pool.group, pool.rank)]
    agent_group = np.asarray(pool.group + [-1], dtype=np.int64)  # [-1]: no agent
    contacts = _contacts(scenario, run, agent_ids, agent_group)
    states = _agent_states(scenario, run, agent_ids)
    meta = LogMeta(
        interval_s=scenario.horizon.interval_s,
        horizon_s=scenario.horizon.days * DAY_S,
        start_date=scenario.horizon.start_date,
        source=f"simulated: {scenario.name}",
        seed=seed,
        extra={
            "short_abandon_s": {q.name: q.short_abandon_s for q in scenario.queues},
            "costs": cost_data(scenario),
        },
    )
    return InteractionLog(contacts, states, meta)


def cost_data(scenario: Scenario) -> dict:
    """The scenario's cost figures in the KPI engine's cost-settings form; only the rates
    the scenario gives (the simulator computes no cost)."""
    groups = scenario.agent_groups
    costs = {
        "currency": scenario.costs.currency,
        "hourly_by_group": {g.name: g.hourly_cost for g in groups
                            if not g.is_partner and g.hourly_cost is not None},
        "partners": {g.partner: {"per_handled_contact": g.pricing.per_contact,
                                 "per_handled_minute": g.pricing.per_minute,
                                 "per_staffed_hour": g.pricing.per_staffed_hour}
                     for g in groups if g.is_partner and g.pricing is not None},
    }
    if scenario.costs.telephony_per_minute is not None:
        costs["telephony_per_minute"] = scenario.costs.telephony_per_minute
    return costs


def labels(names: list[str], codes) -> pd.Series:
    """Text column from integer codes into `names`; a negative code is a missing value.

    Arrow's take is several times faster than building Python strings row by row.
    """
    codes = np.asarray(codes, dtype=np.int64)
    taken = pa.array(names, pa.string()).take(pa.array(codes, mask=codes < 0))
    return pd.Series(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _partners(scenario: Scenario) -> tuple[list[str], np.ndarray]:
    """Partner labels, and each group's code into them (the last entry, -1, is "no group")."""
    partners = sorted({g.partner for g in scenario.agent_groups})
    codes = [partners.index(g.partner) for g in scenario.agent_groups] + [-1]
    return partners, np.asarray(codes, dtype=np.int64)


def _contacts(scenario, run: Run, agent_ids, agent_group) -> pd.DataFrame:
    record = run.record
    count = len(record)
    queues = scenario.queues
    reasons = reason_table(scenario)
    q = _ints(record.queue)
    # Flat index of (queue, reason position) into every queue's reasons, for per-reason flags.
    offsets = np.cumsum([0] + [len(r) for r in reasons.by_queue])
    flat = offsets[q] + _ints(record.reason_pos)
    reason_name = np.asarray([n for names in reasons.name_idx for n in names], dtype=np.int64)
    avoidable = np.asarray([r.avoidable for rs in reasons.by_queue for r in rs], dtype=bool)
    outcome = _ints(record.outcome)
    worked = (outcome == ANSWERED) | (outcome == NO_ANSWER)  # an agent spent time on it
    agent = _ints(record.agent)
    group = agent_group[agent]  # agent -1 reads the [-1] sentinel
    resolved = _ints(record.resolved)
    group_names = [g.name for g in scenario.agent_groups]
    queue_names = [x.name for x in queues]
    partners, partner_of_group = _partners(scenario)
    numbers = {
        "issue_id": _ints(record.issue),
        "attempt": _ints(record.attempt),
        "segment": _ints(record.segment),
        "enqueue_s": _floats(record.enqueue_s),
        "answer_s": _floats(record.answer_s),
    }
    surveyed = survey_answers(
        scenario.survey, numbers, outcome == ANSWERED, resolved == NO,
        np.asarray([g.resolution_factor for g in scenario.agent_groups] + [1.0])[group],
        np.asarray(record.issue_key, dtype=np.uint64))
    return pd.DataFrame({
        "contact_id": np.arange(count, dtype=np.int64),
        "issue_id": numbers["issue_id"],
        "customer_id": _ints(record.customer),
        "attempt": numbers["attempt"],
        "segment": numbers["segment"],
        "channel": labels([x.channel for x in queues], q),
        "queue": labels(queue_names, q),
        "reason": labels(reasons.names, reason_name[flat]),
        "avoidable": avoidable[flat],
        "arrival_s": _floats(record.arrival_s),
        "enqueue_s": numbers["enqueue_s"],
        "answer_s": numbers["answer_s"],
        "abandon_s": _floats(record.abandon_s),
        "end_s": _floats(record.end_s),
        "outcome": labels(OUTCOME_LABELS, outcome),
        "agent_id": labels(agent_ids, agent),
        "agent_group": labels(group_names, group),
        "partner": labels(partners, partner_of_group[group]),
        "handle_s": np.where(worked, _floats(record.handle_s), np.nan),
        "wrap_s": np.where(worked, _floats(record.wrap_s), np.nan),
        "resolved": pd.arrays.BooleanArray(resolved == YES, resolved == UNKNOWN),
        "transferred_to": labels(queue_names, record.transferred_to),
        "callback": np.asarray(record.callback, dtype=bool),
        **surveyed,
        # Beyond the contract: how many times the company called a callback customer.
        "callback_tries": _ints(record.callback_tries),
    })


def _ints(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _floats(values: list[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64)


def _agent_states(scenario, run: Run, agent_ids) -> pd.DataFrame:
    """Loop-recorded spells plus busy and wrap spells derived from the contacts worked.

    A contact handled on its own gives a busy spell (talk) and a wrap spell. The chats of
    an agent who holds several at once overlap: they merge into busy spells covering talk
    and wrap.
    """
    pool, record = run.agents, run.record
    # Full-length conversions are indexed at once, so they die here (peak memory).
    outcome = _ints(record.outcome)
    worked = (outcome == ANSWERED) | (outcome == NO_ANSWER)
    who = _ints(record.agent)[worked]
    start = _floats(record.answer_s)[worked]
    talk_end = start + _floats(record.handle_s)[worked]
    end = _floats(record.end_s)[worked]
    group_of_agent = np.asarray(pool.group, dtype=np.int64)
    holds_many = np.asarray([g.max_chats > 1 for g in scenario.agent_groups] + [False])
    is_chat = np.asarray([q.channel == "chat" for q in scenario.queues])
    # Chats of agents who hold several at once overlap; anything else is one at a time.
    many = (holds_many[group_of_agent[who]] & is_chat[_ints(record.queue)[worked]]
            if len(who) else np.zeros(0, dtype=bool))
    one = ~many
    merged_agent, merged_start, merged_end = _merge(who[many], start[many], end[many])
    tries = record.try_agent  # unanswered callback tries: busy
    state_names = STATE_LABELS + ["wrap"]
    busy, wrap = STATE_LABELS.index("busy"), len(STATE_LABELS)
    agent = np.concatenate([_ints(pool.spell_agent), who[one], who[one], merged_agent, _ints(tries)])
    state = np.concatenate([_ints(pool.spell_state), np.full(one.sum(), busy), np.full(one.sum(), wrap),
                            np.full(len(merged_agent) + len(tries), busy)]).astype(np.int64)
    start_s = np.concatenate([np.asarray(pool.spell_start_s, dtype=np.float64), start[one], talk_end[one],
                              merged_start, np.asarray(record.try_start_s, dtype=np.float64)])
    end_s = np.concatenate([np.asarray(pool.spell_end_s, dtype=np.float64), talk_end[one], end[one],
                            merged_end, np.asarray(record.try_end_s, dtype=np.float64)])
    kept = np.flatnonzero(end_s > start_s)  # no wrap, or zero handle time
    order = kept[np.lexsort((start_s[kept], agent[kept]))]  # by agent, then start; stable
    del kept
    # Reordered one by one, so each unordered column is freed before the next (peak memory).
    agent = agent[order]
    state = state[order]
    start_s = start_s[order]
    end_s = end_s[order]
    del order
    groups = group_of_agent[agent]
    partners, partner_of_group = _partners(scenario)
    return pd.DataFrame({
        "agent_id": labels(agent_ids, agent),
        "agent_group": labels([g.name for g in scenario.agent_groups], groups),
        "partner": labels(partners, partner_of_group[groups]),
        "state": labels(state_names, state),
        "start_s": start_s,
        "end_s": end_s,
    })


def _merge(agent: np.ndarray, start: np.ndarray, end: np.ndarray):
    """Union of each agent's [start, end) intervals, as (agent, start, end) arrays."""
    if len(agent) == 0:
        return agent, start, end
    order = np.lexsort((start, agent))
    agent, start, end = agent[order], start[order], end[order]
    new_agent = np.r_[True, agent[1:] != agent[:-1]]
    # Running latest end within each agent; offsetting each agent's times by more than
    # the whole time span keeps one agent's ends from leaking into the next agent's.
    span = float(end.max() - start.min() + 1.0)
    offset = (np.cumsum(new_agent) - 1) * span
    reach = np.maximum.accumulate(end + offset) - offset
    new_spell = new_agent | (start > np.r_[-np.inf, reach[:-1]])
    firsts = np.flatnonzero(new_spell)
    return agent[firsts], start[firsts], np.maximum.reduceat(end, firsts)
