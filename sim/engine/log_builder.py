"""Turns the raw record of a run into the two tables of the InteractionLog, batch by batch.

The loop records only what it must (per contact: times, agent, outcome codes; per agent:
available, break and offline spells); everything derivable — labels, busy and wrap
spells, survey answers — is computed here with whole-column numpy operations, once per
batch of finished contacts (see `Run._flush`). A log is its batches one after the other:
contacts by id and agent spells by agent and start within each batch, so a log streamed
to disk and one built in memory are the same rows in the same order.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.engine.agents import STATE_LABELS, AgentPool
from sim.engine.reasons import reason_table
from sim.engine.record import ANSWERED, NO, NO_ANSWER, OUTCOME_LABELS, UNKNOWN, YES, ContactRecord
from sim.engine.survey import survey_answers
from sim.interaction_log import LogMeta
from sim.scenario import DAY_S, Scenario


@dataclass(frozen=True)
class Batch:
    contacts: pd.DataFrame
    agent_states: pd.DataFrame


def simulated_meta(scenario: Scenario, seed: int) -> LogMeta:
    return LogMeta(
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


class LogBuilder:
    """The tables of a run's finished contacts and closed agent spells, batch by batch.

    Chats an agent holds at once overlap and merge into one busy spell; a merged spell
    still open when a batch is cut (it ends at or after the cut, where a later chat may
    join it) waits for a later batch.
    """

    def __init__(self, scenario: Scenario, pool: AgentPool, follow_ups: bool):
        """`follow_ups`: whether the scenario can give a contact anything but its first
        contact's defaults (a later attempt or segment, a callback, a resolution or a
        transfer); without, those columns are filled in, not read from the record."""
        self.scenario, self.pool = scenario, pool
        groups, queues = scenario.agent_groups, scenario.queues
        reasons = reason_table(scenario)
        partners = sorted({g.partner for g in groups})
        # Label texts (see `labels`) and, per code, the code of a derived label or flag:
        # built once per run, as a run may cut its log into many batches.
        self.text = {name: pa.array(values, pa.large_string()) for name, values in {
            "agent": [f"{groups[g].name}-{k + 1:03d}" for g, k in zip(pool.group, pool.rank)],
            "group": [g.name for g in groups], "partner": partners,
            "channel": [q.channel for q in queues], "queue": [q.name for q in queues],
            "reason": reasons.names, "outcome": OUTCOME_LABELS, "state": STATE_LABELS + ["wrap"],
        }.items()}
        self.group_of_agent = np.asarray(pool.group + [-1], dtype=np.int64)  # [-1]: no agent
        self.partner_of_group = np.asarray([partners.index(g.partner) for g in groups] + [-1])
        self.resolution_factor = np.asarray([g.resolution_factor for g in groups] + [1.0])
        self.holds_many = np.asarray([g.max_chats > 1 for g in groups] + [False])
        self.is_chat = np.asarray([q.channel == "chat" for q in queues])
        # Flat index of (queue, reason position) into every queue's reasons: its name and flag.
        self.reason_offset = np.cumsum([0] + [len(r) for r in reasons.by_queue])
        self.reason_name = np.asarray([n for names in reasons.name_idx for n in names], dtype=np.int64)
        self.avoidable = np.asarray([r.avoidable for rs in reasons.by_queue for r in rs], dtype=bool)
        self.open_chats = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0))  # (agent, start, end)
        # Converting a list to numpy costs ~25 ns a value: read only the columns that vary.
        self.read = {name: dtype for name, dtype in _RECORD_DTYPES.items()
                     if (follow_ups or name not in (*_FIRST_CONTACT_DEFAULTS, "issue"))
                     and (name != "key" or scenario.survey.response_share > 0)}

    def batch(self, record: ContactRecord, slots, now: float, last: bool) -> Batch:
        """Rows of the contacts at `slots` (finished) and the agent spells closed so far;
        `last`: the run has ended, every spell is closed."""
        everyone = len(slots) == len(record)
        slots = np.asarray(slots, dtype=np.int64)
        columns = {name: (_array(getattr(record, name), dtype) if everyone
                          else _array(getattr(record, name), dtype)[slots])
                   for name, dtype in self.read.items()}
        for name, value in _FIRST_CONTACT_DEFAULTS.items():
            if name not in self.read:
                columns[name] = np.full(len(slots), value, _RECORD_DTYPES[name])
        if "issue" not in self.read:
            columns["issue"] = columns["contact_id"]  # every contact is its issue's first
        if "key" not in self.read:
            columns["key"] = np.zeros(len(slots), np.uint64)  # read by the survey only
        order = np.argsort(columns["contact_id"], kind="stable")
        if (order != np.arange(len(order))).any():
            columns = {name: values[order] for name, values in columns.items()}
        return Batch(self._contacts(columns), self._agent_states(columns, record, now, last))

    def _contacts(self, c: dict[str, np.ndarray]) -> pd.DataFrame:
        text = self.text
        q = c["queue"]
        flat = self.reason_offset[q] + c["reason_pos"]
        outcome = c["outcome"]
        worked = (outcome == ANSWERED) | (outcome == NO_ANSWER)  # an agent spent time on it
        agent = c["agent"]
        group = self.group_of_agent[agent]  # agent -1 reads the [-1] sentinel
        resolved = c["resolved"]
        surveyed = survey_answers(self.scenario.survey, c, outcome == ANSWERED, resolved == NO,
                                  self.resolution_factor[group])
        return pd.DataFrame({
            "contact_id": c["contact_id"],
            "issue_id": c["issue"],
            "customer_id": c["issue"],  # a customer is numbered by their issue's first contact
            "attempt": c["attempt"],
            "segment": c["segment"],
            "channel": labels(text["channel"], q),
            "queue": labels(text["queue"], q),
            "reason": labels(text["reason"], self.reason_name[flat]),
            "avoidable": self.avoidable[flat],
            "arrival_s": c["arrival_s"],
            "enqueue_s": c["enqueue_s"],
            "answer_s": c["answer_s"],
            "abandon_s": c["abandon_s"],
            "end_s": c["end_s"],
            "outcome": labels(text["outcome"], outcome),
            "agent_id": labels(text["agent"], agent),
            "agent_group": labels(text["group"], group),
            "partner": labels(text["partner"], self.partner_of_group[group]),
            "handle_s": np.where(worked, c["handle_s"], np.nan),
            "wrap_s": np.where(worked, c["wrap_s"], np.nan),
            "resolved": pd.arrays.BooleanArray(resolved == YES, resolved == UNKNOWN),
            "transferred_to": labels(text["queue"], c["transferred_to"]),
            "callback": c["callback"],
            **surveyed,
            # Beyond the contract: how many times the company called a callback customer.
            "callback_tries": c["callback_tries"],
        })

    def _agent_states(self, c: dict[str, np.ndarray], record: ContactRecord, now: float,
                      last: bool) -> pd.DataFrame:
        """Loop-recorded spells plus busy and wrap spells derived from the contacts worked.

        A contact handled on its own gives a busy spell (talk) and a wrap spell. The chats of
        an agent who holds several at once overlap: they merge into busy spells covering talk
        and wrap.
        """
        pool = self.pool
        worked = (c["outcome"] == ANSWERED) | (c["outcome"] == NO_ANSWER)
        who = c["agent"][worked]
        start = c["answer_s"][worked]
        talk_end = start + c["handle_s"][worked]
        end = c["end_s"][worked]
        # Chats of agents who hold several at once overlap; anything else is one at a time.
        many = self.holds_many[self.group_of_agent[who]] & self.is_chat[c["queue"][worked]]
        one = ~many
        held_agent, held_start, held_end = self.open_chats
        merged_agent, merged_start, merged_end = _merge(np.concatenate([held_agent, who[many]]),
                                                        np.concatenate([held_start, start[many]]),
                                                        np.concatenate([held_end, end[many]]))
        closed = np.ones(len(merged_agent), bool) if last else merged_end < now
        self.open_chats = (merged_agent[~closed], merged_start[~closed], merged_end[~closed])
        merged_agent, merged_start, merged_end = merged_agent[closed], merged_start[closed], merged_end[closed]
        tries = record.try_agent  # unanswered callback tries: busy
        busy, wrap = STATE_LABELS.index("busy"), len(STATE_LABELS)
        spells = _array(pool.spells, np.float64).reshape(-1, 4)  # agent, state, start, end
        pool.spells.clear()
        agent = np.concatenate([spells[:, 0].astype(np.int64), who[one], who[one], merged_agent, _ints(tries)])
        state = np.concatenate([spells[:, 1].astype(np.int64), np.full(one.sum(), busy), np.full(one.sum(), wrap),
                                np.full(len(merged_agent) + len(tries), busy)]).astype(np.int64)
        start_s = np.concatenate([spells[:, 2], start[one], talk_end[one], merged_start,
                                  _floats(record.try_start_s)])
        end_s = np.concatenate([spells[:, 3], talk_end[one], end[one], merged_end,
                                _floats(record.try_end_s)])
        kept = np.flatnonzero(end_s > start_s)  # no wrap, or zero handle time
        order = kept[np.lexsort((start_s[kept], agent[kept]))]  # by agent, then start; stable
        agent, state, start_s, end_s = agent[order], state[order], start_s[order], end_s[order]
        groups = self.group_of_agent[agent]
        return pd.DataFrame({
            "agent_id": labels(self.text["agent"], agent),
            "agent_group": labels(self.text["group"], groups),
            "partner": labels(self.text["partner"], self.partner_of_group[groups]),
            "state": labels(self.text["state"], state),
            "start_s": start_s,
            "end_s": end_s,
        })


# Columns a contact keeps from its admission unless a behaviour changes them.
_FIRST_CONTACT_DEFAULTS = {"attempt": 1, "segment": 1, "callback": False, "callback_tries": 0,
                           "resolved": UNKNOWN, "transferred_to": -1}
# The record's columns a batch reads, as numpy types.
_RECORD_DTYPES = {
    "contact_id": np.int64, "issue": np.int64, "key": np.uint64, "attempt": np.int64,
    "segment": np.int64, "queue": np.int64, "reason_pos": np.int64, "arrival_s": np.float64,
    "enqueue_s": np.float64, "answer_s": np.float64, "abandon_s": np.float64,
    "end_s": np.float64, "outcome": np.int64, "agent": np.int64, "handle_s": np.float64,
    "wrap_s": np.float64, "resolved": np.int64, "transferred_to": np.int64, "callback": bool,
    "callback_tries": np.int64,
}


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


def labels(texts: pa.Array, codes: np.ndarray) -> pd.Series:
    """Text column from integer codes into `texts`; a negative code is a missing value.

    Arrow's take is several times faster than building Python strings row by row, and
    large_string is what pandas' text dtype holds (no cast).
    """
    taken = texts.take(pa.array(codes, mask=codes < 0))
    return pd.Series(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _array(values: list, dtype) -> np.ndarray:
    """A list of Python numbers as numpy: fromiter with a known length is ~30 % faster than
    asarray on the long columns of a batch."""
    return np.fromiter(values, dtype=dtype, count=len(values))


def _ints(values: list[int]) -> np.ndarray:
    return _array(values, np.int64)


def _floats(values: list[float]) -> np.ndarray:
    return _array(values, np.float64)


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
