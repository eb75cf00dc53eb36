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
from sim.engine.dice import position
from sim.engine.reasons import reason_table
from sim.engine.record import ANSWERED, NO_ANSWER, OUTCOME_LABELS, UNKNOWN, YES
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
    q = np.asarray(record.queue, dtype=np.int64)
    pos = np.asarray(record.reason_pos, dtype=np.int64)
    # Flat index of (queue, reason position) into every queue's reasons, for per-reason flags.
    offsets = np.cumsum([0] + [len(r) for r in reasons.by_queue])
    flat = offsets[q] + pos
    reason_name = np.asarray([n for names in reasons.name_idx for n in names], dtype=np.int64)
    avoidable = np.asarray([r.avoidable for rs in reasons.by_queue for r in rs], dtype=bool)
    outcome = np.asarray(record.outcome, dtype=np.int64)
    worked = (outcome == ANSWERED) | (outcome == NO_ANSWER)  # an agent spent time on it
    agent = np.asarray(record.agent, dtype=np.int64)
    group = agent_group[agent]  # agent -1 reads the [-1] sentinel
    resolved = np.asarray(record.resolved, dtype=np.int64)
    group_names = [g.name for g in scenario.agent_groups]
    partners, partner_of_group = _partners(scenario)
    frame = pd.DataFrame({
        "contact_id": np.arange(count, dtype=np.int64),
        "issue_id": np.asarray(record.issue, dtype=np.int64),
        "customer_id": np.asarray(record.customer, dtype=np.int64),
        "attempt": np.asarray(record.attempt, dtype=np.int64),
        "segment": np.asarray(record.segment, dtype=np.int64),
        "channel": labels([x.channel for x in queues], q),
        "queue": labels([x.name for x in queues], q),
        "reason": labels(reasons.names, reason_name[flat]),
        "avoidable": avoidable[flat],
        "arrival_s": np.asarray(record.arrival_s),
        "enqueue_s": np.asarray(record.enqueue_s),
        "answer_s": np.asarray(record.answer_s),
        "abandon_s": np.asarray(record.abandon_s),
        "end_s": np.asarray(record.end_s),
        "outcome": labels(OUTCOME_LABELS, outcome),
        "agent_id": labels(agent_ids, agent),
        "agent_group": labels(group_names, group),
        "partner": labels(partners, partner_of_group[group]),
        "handle_s": np.where(worked, record.handle_s, np.nan),
        "wrap_s": np.where(worked, record.wrap_s, np.nan),
        "resolved": pd.arrays.BooleanArray(resolved == YES, resolved == UNKNOWN),
        "transferred_to": labels([x.name for x in queues], record.transferred_to),
        "callback": np.asarray(record.callback, dtype=bool),
    })
    keys = np.asarray(record.issue_key, dtype=np.uint64)[frame["issue_id"].to_numpy()]
    positions = position(frame["attempt"].to_numpy(), frame["segment"].to_numpy())
    surveyed = survey_answers(scenario.survey, frame, np.asarray(
        [g.resolution_factor for g in scenario.agent_groups] + [1.0])[group], keys, positions)
    # Beyond the contract: how many times the company called a callback customer.
    return frame.assign(**surveyed, callback_tries=np.asarray(record.callback_tries, dtype=np.int64))


def _agent_states(scenario, run: Run, agent_ids) -> pd.DataFrame:
    """Loop-recorded spells plus busy and wrap spells derived from the contacts worked.

    A contact handled on its own gives a busy spell (talk) and a wrap spell. The chats of
    an agent who holds several at once overlap: they merge into busy spells covering talk
    and wrap.
    """
    pool, record = run.agents, run.record
    outcome = np.asarray(record.outcome, dtype=np.int64)
    worked = (outcome == ANSWERED) | (outcome == NO_ANSWER)
    who = np.asarray(record.agent, dtype=np.int64)[worked]
    start = np.asarray(record.answer_s)[worked]
    talk_end = start + np.asarray(record.handle_s)[worked]
    end = np.asarray(record.end_s)[worked]
    group_of_agent = np.asarray(pool.group, dtype=np.int64)
    holds_many = np.asarray([g.max_chats > 1 for g in scenario.agent_groups] + [False])
    is_chat = np.asarray([q.channel == "chat" for q in scenario.queues])
    # Chats of agents who hold several at once overlap; anything else is one at a time.
    many = (holds_many[group_of_agent[who]] & is_chat[np.asarray(record.queue, dtype=np.int64)[worked]]
            if len(who) else np.zeros(0, dtype=bool))
    one = ~many
    merged_agent, merged_start, merged_end = _merge(who[many], start[many], end[many])
    tries = np.asarray(record.try_agent, dtype=np.int64)  # unanswered callback tries: busy
    state_names = STATE_LABELS + ["wrap"]
    busy, wrap = STATE_LABELS.index("busy"), len(STATE_LABELS)
    spells = pd.DataFrame({
        "agent": np.concatenate([pool.spell_agent, who[one], who[one], merged_agent, tries]).astype(np.int64),
        "state": np.concatenate([pool.spell_state, np.full(one.sum(), busy), np.full(one.sum(), wrap),
                                 np.full(len(merged_agent) + len(tries), busy)]).astype(np.int64),
        "start_s": np.concatenate([pool.spell_start_s, start[one], talk_end[one], merged_start,
                                   record.try_start_s]),
        "end_s": np.concatenate([pool.spell_end_s, talk_end[one], end[one], merged_end, record.try_end_s]),
    })
    spells = spells[spells["end_s"] > spells["start_s"]]  # no wrap, or zero handle time
    spells = spells.sort_values(["agent", "start_s"], kind="stable", ignore_index=True)
    codes = spells["agent"].to_numpy()
    groups = group_of_agent[codes]
    partners, partner_of_group = _partners(scenario)
    return pd.DataFrame({
        "agent_id": labels(agent_ids, codes),
        "agent_group": labels([g.name for g in scenario.agent_groups], groups),
        "partner": labels(partners, partner_of_group[groups]),
        "state": labels(state_names, spells["state"].to_numpy()),
        "start_s": spells["start_s"],
        "end_s": spells["end_s"],
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
