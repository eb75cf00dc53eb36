"""Turns the raw record of a run into the two tables of the InteractionLog.

The loop records only what it must (answer, abandon, agent per contact; available and
offline spells per agent); everything derivable — end times, outcomes, busy and wrap
spells — is computed here with whole-column numpy operations.
"""

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.engine.arrivals import Customers
from sim.engine.core import AVAILABLE, Run
from sim.interaction_log import InteractionLog, LogMeta
from sim.log_schema import IN_HOUSE
from sim.scenario import DAY_S, Scenario


def build_log(scenario: Scenario, customers: Customers, run: Run, seed: int) -> InteractionLog:
    group_names = [g.name for g in scenario.agent_groups]
    pool = run.agents
    agent_ids = [f"{group_names[g]}-{k + 1:03d}" for g, k in zip(pool.group, pool.rank)]
    agent_groups = [group_names[g] for g in pool.group]
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


def labels(names: list[str], codes: np.ndarray) -> pd.Series:
    """Text column from integer codes into `names`; a negative code is a missing value.

    Arrow's take is several times faster than building Python strings row by row.
    """
    codes = np.asarray(codes, dtype=np.int64)
    taken = pa.array(names, pa.string()).take(pa.array(codes, mask=codes < 0))
    return pd.Series(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


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
            "channel": labels([x.channel for x in queues], q),
            "queue": labels([x.name for x in queues], q),
            "reason": labels([x.reason for x in queues], q),
            "avoidable": np.zeros(count, dtype=bool),
            "arrival_s": customers.arrival_s,
            "enqueue_s": customers.arrival_s,
            "answer_s": answer_s,
            "abandon_s": abandon_s,
            "end_s": np.where(answered, answer_s + handle_s + wrap_s, abandon_s),
            "outcome": labels(
                ["answered", "abandoned", "unserved"],
                np.where(answered, 0, np.where(np.isnan(abandon_s), 2, 1)),
            ),
            "agent_id": labels(agent_ids, agent),
            "agent_group": labels(agent_groups, agent),
            "partner": labels([IN_HOUSE], np.where(answered, 0, -1)),
            "handle_s": handle_s,
            "wrap_s": wrap_s,
            # Resolution is not modelled yet: unknown, rather than a claimed 100 % FCR.
            "resolved": pd.array([pd.NA] * count, dtype="boolean"),
            "transferred_to": labels([], np.full(count, -1)),
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
                np.where(np.asarray(pool.spell_state, dtype=np.int64) == AVAILABLE, 0, 1),
                np.full(len(who), 2),
                np.full(len(who), 3),
            ]),
            "start_s": np.concatenate([pool.spell_start_s, answer_s, talk_end_s]),
            "end_s": np.concatenate([pool.spell_end_s, talk_end_s, end_s]),
        }
    )
    spells = spells[spells["end_s"] > spells["start_s"]]  # no wrap, or zero handle time
    spells = spells.sort_values(["agent", "start_s"], kind="stable", ignore_index=True)
    agent = spells["agent"].to_numpy()
    return pd.DataFrame(
        {
            "agent_id": labels(agent_ids, agent),
            "agent_group": labels(agent_groups, agent),
            "partner": labels([IN_HOUSE], np.zeros(len(agent), dtype=np.int64)),
            "state": labels(["available", "offline", "busy", "wrap"], spells["state"].to_numpy()),
            "start_s": spells["start_s"],
            "end_s": spells["end_s"],
        }
    )
