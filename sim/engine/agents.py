"""Agents during a run: who is on duty, on a break, idle or busy, and their state spells.

An agent's load is the number of contacts in hand (several only for chat). The loop
records only the spells that contacts cannot tell (available, break, offline); busy and
wrap spells are derived from the contacts afterwards.
"""

from collections import OrderedDict

from sim.engine.rosters import AgentRoster

OFFLINE, AVAILABLE, BUSY, BREAK = range(4)
STATE_LABELS = ["offline", "available", "busy", "break"]


class AgentPool:
    def __init__(self, rosters: list[AgentRoster], group_count: int, max_chats: list[int]):
        self.group = [r.group_idx for r in rosters]
        self.rank = [r.rank for r in rosters]
        count = len(rosters)
        self.capacity = [max_chats[g] for g in self.group]
        self.load = [0] * count
        self.scheduled = [False] * count  # inside a duty window
        self.break_due_s = [0.0] * count  # break time waiting for the agent to be free
        self.break_until_s = [0.0] * count  # end of the break the agent is on
        self.chats_held = [0] * count  # an agent holds either chats only or one other contact
        self.state = [OFFLINE] * count
        self.since_s = [0.0] * count
        self.on_duty = [0] * group_count  # scheduled agents per group
        self.idle = [OrderedDict() for _ in range(group_count)]  # load 0, longest idle first
        self.chatting = [OrderedDict() for _ in range(group_count)]  # holding chats, room for more
        self.spells: list[float] = []  # flat: agent, state, start_s, end_s of each spell

    def __len__(self) -> int:
        return len(self.group)

    def enter(self, agent: int, state: int, now: float) -> None:
        """Close the agent's current spell at `now` and start `state`."""
        since = self.since_s[agent]
        if now > since and self.state[agent] != BUSY:
            self.spells += (agent, self.state[agent], since, now)
        self.state[agent] = state
        self.since_s[agent] = now
