"""Agents coming on and off duty, and taking breaks: the roster's side of the event loop.

A mixin of `Run` (sim/engine/core.py), kept apart so each file reads as one concern. A
break that comes due while the agent is busy starts when the contact in hand ends; breaks
that come due together add up and are taken back to back; a break still running when the
shift ends is cut there. A busy agent whose shift ends finishes the contact in hand.
Agents who work e-mail while the center is closed take the live queue at the open.
"""

from sim.engine.agents import AVAILABLE, BREAK, OFFLINE
from sim.engine.events import At


class AgentDuty:
    def _on_duty_start(self, event) -> None:
        agent, now = event._value, event.time_s
        agents = self.agents
        g = agents.group[agent]
        agents.scheduled[agent] = True
        agents.on_duty[g] += 1
        self._partner_arrived(g, now)
        if agents.load[agent] == 0 and agents.state[agent] == OFFLINE:
            self._seek_work(agent, now)
        elif agents.chats_held[agent] and agents.load[agent] < agents.capacity[agent]:
            agents.chatting[g][agent] = None  # still holding chats from the last window
            self._fill_chats(agent, now)

    def _on_duty_end(self, event) -> None:
        agent, now = event._value, event.time_s
        agents = self.agents
        g = agents.group[agent]
        agents.scheduled[agent] = False
        agents.on_duty[g] -= 1
        agents.chatting[g].pop(agent, None)
        agents.break_due_s[agent] = 0.0
        if agents.load[agent] == 0:
            if agents.state[agent] == AVAILABLE:
                agents.idle[g].pop(agent, None)
            agents.break_until_s[agent] = 0.0  # a break running now is cut here
            agents.enter(agent, OFFLINE, now)
        # A busy agent finishes the contact in hand; _free reads `scheduled`.

    def _on_open(self, event) -> None:
        """Agents who worked e-mail while the center was closed and sit idle at the open
        take the live callers who waited for it."""
        now, agents = event.time_s, self.agents
        for g in self.after_hours_groups:
            idle = agents.idle[g]
            while idle:
                agent = next(iter(idle))
                del idle[agent]
                if not self._seek(agent, self.lines.serves[g], now):
                    idle[agent] = None
                    idle.move_to_end(agent, last=False)  # still the longest idle
                    break
                if agents.capacity[agent] > 1:
                    self._fill_chats(agent, now)

    def _on_break_due(self, event) -> None:
        (agent, length_s), now = event._value, event.time_s
        agents = self.agents
        if not agents.scheduled[agent]:
            return
        agents.break_due_s[agent] += length_s
        agents.chatting[agents.group[agent]].pop(agent, None)  # no new chat before the break
        if agents.state[agent] == AVAILABLE:
            agents.idle[agents.group[agent]].pop(agent, None)
            self._free(agent, now)

    def _on_break_end(self, event) -> None:
        agent, now = event._value, event.time_s
        agents = self.agents
        if agents.state[agent] != BREAK or agents.break_until_s[agent] != now:
            return  # that break was cut by the end of the shift
        agents.break_until_s[agent] = 0.0
        self._free(agent, now)

    def _free(self, agent: int, now: float) -> None:
        """The agent has nothing in hand: off duty, a due break, or the next contact."""
        agents = self.agents
        if not agents.scheduled[agent]:
            agents.break_due_s[agent] = 0.0
            agents.enter(agent, OFFLINE, now)
        elif agents.break_due_s[agent]:
            agents.enter(agent, BREAK, now)
            until_s = agents.break_until_s[agent] = now + agents.break_due_s[agent]
            agents.break_due_s[agent] = 0.0
            At(self.env, until_s, self._on_break_end, agent)
        else:
            self._seek_work(agent, now)
