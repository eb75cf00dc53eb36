"""Turns the raw record of a run into the two tables of the InteractionLog.

The loop records only what it must (answer, abandon, agent per contact; available and
offline spells per agent); everything derivable — end times, outcomes, busy and wrap
spells — is computed here with whole-column numpy operations.
"""

import numpy as np
import pandas as pd

from sim.engine.arrivals import Customers
from sim.engine.core import AVAILABLE, Run
from sim.interaction_log import InteractionLog, LogMeta
from sim.log_schema import IN_HOUSE
from sim.scenario import DAY_S, Scenario


def build_log(scenario: Scenario, customers: Customers, run: Run, seed: int) -> InteractionLog:
    group_names = [g.name for g in scenario.agent_groups]
    pool = run.agents
    # Index 0 is "no agent", so agent index + 1 looks up labels for every contact at once.
    agent_ids = np.asarray(
        [None] + [f"{group_names[g]}-{k + 1:03d}" for g, k in zip(pool.group, pool.rank)], dtype=object
    )
    agent_groups = np.asarray([None] + [group_names[g] for g in pool.group], dtype=object)
    agent = np.asarray(run.agent_of, dtype=np.int64)
    contacts = _contacts(scenario, customers, run, agent, agent_ids, agent_groups)
    states = _agent_states(run, contacts, agent, agent_ids, agent_groups)
    meta = LogMeta(
        interval_s=scenario.horizon.interval_s,
        horizon_s=scenario.horizon.days * DAY_S,
        start_date=scenario.horizon.start_date,
        source=f"simulated: {scenario.name}",
        seed=seed,
        extra={"short_abandon_s": {q.name: q.short_abandon_s for q in scenario.queues}},
    )
    return InteractionLog(contacts, states, meta)


def _contacts(scenario, customers, run, agent, agent_ids, agent_groups) -> pd.DataFrame:
    count = len(customers)
    queues = scenario.queues
    q = customers.queue_idx
    answered = agent >= 0
    answer_s = np.asarray(run.answer_s, dtype=float)
    abandon_s = np.asarray(run.abandon_s, dtype=float)
    handle_s = np.where(answered, customers.handle_s, np.nan)
    wrap_s = np.where(answered, customers.wrap_s, np.nan)
    ids = np.arange(count, dtype=np.int64)
    return pd.DataFrame(
        {
            "contact_id": ids,
            "issue_id": ids,
            "customer_id": ids,
            "attempt": np.ones(count, dtype=np.int64),
            "segment": np.ones(count, dtype=np.int64),
            "channel": np.asarray([x.channel for x in queues], dtype=object)[q],
            "queue": np.asarray([x.name for x in queues], dtype=object)[q],
            "reason": np.asarray([x.reason for x in queues], dtype=object)[q],
            "avoidable": np.zeros(count, dtype=bool),
            "arrival_s": customers.arrival_s,
            "enqueue_s": customers.arrival_s,
            "answer_s": answer_s,
            "abandon_s": abandon_s,
            "end_s": np.where(answered, answer_s + handle_s + wrap_s, abandon_s),
            "outcome": np.where(
                answered, "answered", np.where(np.isnan(abandon_s), "unserved", "abandoned")
            ),
            "agent_id": agent_ids[agent + 1],
            "agent_group": agent_groups[agent + 1],
            "partner": np.where(answered, IN_HOUSE, None),
            "handle_s": handle_s,
            "wrap_s": wrap_s,
            # Resolution is not modelled yet: unknown, rather than a claimed 100 % FCR.
            "resolved": pd.array([pd.NA] * count, dtype="boolean"),
            "transferred_to": np.full(count, None, dtype=object),
            "callback": np.zeros(count, dtype=bool),
            "csat": np.full(count, np.nan),
            "nps": np.full(count, np.nan),
            "ces": np.full(count, np.nan),
        }
    )


def _agent_states(run, contacts, agent, agent_ids, agent_groups) -> pd.DataFrame:
    """Loop-recorded available/offline spells plus busy and wrap spells of every contact."""
    pool = run.agents
    answered = agent >= 0
    who = agent[answered]
    answer_s = contacts["answer_s"].to_numpy()[answered]
    talk_end_s = answer_s + contacts["handle_s"].to_numpy()[answered]
    end_s = contacts["end_s"].to_numpy()[answered]
    spells = pd.DataFrame(
        {
            "agent": np.concatenate([pool.spell_agent, who, who]).astype(np.int64),
            "state": np.concatenate([
                np.where(np.asarray(pool.spell_state) == AVAILABLE, "available", "offline"),
                np.full(len(who), "busy"),
                np.full(len(who), "wrap"),
            ]),
            "start_s": np.concatenate([pool.spell_start_s, answer_s, talk_end_s]),
            "end_s": np.concatenate([pool.spell_end_s, talk_end_s, end_s]),
        }
    )
    spells = spells[spells["end_s"] > spells["start_s"]]  # no wrap, or zero handle time
    spells = spells.sort_values(["agent", "start_s"], kind="stable", ignore_index=True)
    index = spells["agent"].to_numpy() + 1
    return pd.DataFrame(
        {
            "agent_id": agent_ids[index],
            "agent_group": agent_groups[index],
            "partner": IN_HOUSE,
            "state": spells["state"],
            "start_s": spells["start_s"],
            "end_s": spells["end_s"],
        }
    )
