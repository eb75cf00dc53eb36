"""The KPI-interactions page's presets: one lever on one shipped scenario, and the chain of
KPIs it moves, each link with a plain-words caption a trainer can read out.

Data only: the page runs both scenarios and shows the measured values; the captions
explain the mechanism, never a number (the numbers come from the simulation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sim.scenario import Scenario, with_field


@dataclass(frozen=True)
class Lesson:
    title: str
    scenario: str  # file stem under scenarios/
    lever_label: str
    field: str  # scenario field path set to lever value x scale
    default: float
    low: float
    high: float
    step: float
    relative: bool  # True: the lever is a % of the file's value; False: a % set as a share
    story: str
    chain: tuple[tuple[str, str], ...]  # (KPI id, what this link means)

    def apply(self, scenario: Scenario, lever_pct: float) -> Scenario:
        """`scenario` with the lever's field moved to `lever_pct` (validated)."""
        if not self.relative:
            return with_field(scenario, self.field, lever_pct / 100)
        value = _value_at(scenario.model_dump(mode="json"), self.field)
        if isinstance(value, list):  # agents per interval stay whole agents
            return with_field(scenario, self.field, [round(v * lever_pct / 100) for v in value])
        if isinstance(value, int):
            return with_field(scenario, self.field, round(value * lever_pct / 100))
        return with_field(scenario, self.field, value * lever_pct / 100)


def _value_at(data, path: str):
    for name, index in re.findall(r"(\w+)|\[(\d+)\]", path):
        data = data[name] if name else data[int(index)]
    return data


LESSONS = (
    Lesson(
        "Cut handle time: faster calls, more repeat calls",
        "helpdesk_l1_l2", "Handle-time cut on L1 (%)", "queues[0].handle_cut",
        20.0, 0.0, 50.0, 5.0, False,
        "Level-1 agents are told to keep calls short. Rushed calls fix fewer problems "
        "(this desk loses 0.8 x the cut in resolution).",
        (("aht", "Calls get shorter: the lever itself."),
         ("fcr", "Rushed calls resolve fewer issues on the first contact."),
         ("recontact_rate", "Unresolved employees call back a few hours later."),
         ("offered", "Those call-backs add to the calls the desk must answer."),
         ("service_level", "Extra calls eat the time the cut saved: the queue does not shrink "
                           "as much as the shorter calls promised."),
         ("occupancy", "Agents are busy a similar share of the time, now on more calls."),
         ("csat", "Customers who had to call again, or were not helped, are less satisfied."),
         ("cost_per_contact", "Cheaper per contact, but more contacts per problem."))),
    Lesson(
        "Remove the flex team: peaks without a buffer",
        "default", "Flex agents on duty (% of plan)", "agent_groups[2].staffing",
        0.0, 0.0, 200.0, 25.0, True,
        "The small multi-skilled team that covers both queues at the peaks is cut.",
        (("service_level", "Fewer agents at the peaks: more callers wait beyond the threshold."),
         ("asa", "The average wait grows faster than the staff cut: queues are non-linear."),
         ("abandon_rate", "Callers run out of patience and hang up."),
         ("occupancy", "The remaining agents have almost no idle time: burnout risk."),
         ("cost_per_contact", "Fewer paid hours over nearly the same answered calls."))),
    Lesson(
        "Volume surge: ten percent more calls",
        "default", "Billing volume (% of forecast)", "queues[0].arrivals.daily_volume",
        110.0, 50.0, 150.0, 5.0, True,
        "A billing letter goes out and more customers call than forecast; staffing stays.",
        (("offered", "More calls arrive for the same agents."),
         ("occupancy", "Agents run closer to 100 % busy."),
         ("service_level", "Near full occupancy a small surge costs a lot of service level."),
         ("asa", "Waits grow sharply as occupancy approaches 100 %."),
         ("abandon_rate", "More callers give up, which hides part of the surge."))),
    Lesson(
        "Drop the outsourcing partner in a peak week",
        "seasonal_peak_outsourcing", "Partner agents on duty (% of contract)",
        "agent_groups[1].staffing", 0.0, 0.0, 150.0, 25.0, True,
        "The overflow partner, paid per call, takes callers who waited 15 s. What if it is "
        "not contracted?",
        (("service_level", "Without the overflow, callers wait for the in-house team."),
         ("abandon_rate", "Many more hang up, and half of them redial."),
         ("fcr", "A caller who hangs up leaves the issue open: first-contact resolution falls."),
         ("total_cost", "The partner's per-call fees go away..."),
         ("cost_per_contact", "...but fewer answered calls share the in-house costs."),
         ("csat", "Long waits lower satisfaction."))),
)
