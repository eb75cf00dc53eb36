"""Rules that involve several fields of a scenario, each message naming the full path.

`scenario_problems` returns every broken rule at once (an empty list when all hold), so a
person fixes a file in one pass rather than one error per run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.distributions import NoAbandonment

if TYPE_CHECKING:
    from sim.scenario.model import Arrivals, Horizon, Scenario


def scenario_problems(scenario: Scenario) -> list[str]:
    problems = _horizon_problems(scenario.horizon)
    if problems:
        return problems  # every table length depends on the opening hours
    return _queue_problems(scenario) + _group_problems(scenario)


def _horizon_problems(horizon: Horizon) -> list[str]:
    span_s = horizon.close_s - horizon.open_s
    if span_s <= 0:
        return [f"horizon.close_time: {horizon.close_time!r} is not after open_time {horizon.open_time!r}"]
    if span_s % horizon.interval_s:
        return [
            f"horizon: opening hours {horizon.open_time}-{horizon.close_time} are not a whole "
            f"number of {horizon.interval_min}-min intervals"
        ]
    return []


def _unique(path: str, names: list[str], what: str) -> list[str]:
    seen, problems = set(), []
    for i, name in enumerate(names):
        if name in seen:
            problems.append(f"{path}[{i}].name: {name!r} is used by another {what}; names must be unique")
        seen.add(name)
    return problems


def _known(path: str, name: str | None, names: list[str], kind: str) -> list[str]:
    if name is None or name in names:
        return []
    article = "an" if kind[0] in "aeiou" else "a"
    return [f"{path}: {name!r} is not {article} {kind} ({kind}s: {', '.join(names)})"]


def _queue_problems(scenario: Scenario) -> list[str]:
    queues = scenario.queue_names
    groups = [g.name for g in scenario.agent_groups]
    problems = _unique("queues", queues, "queue")
    for i, queue in enumerate(scenario.queues):
        path = f"queues[{i}]"
        problems += _arrival_problems(f"{path}.arrivals", queue.arrivals, scenario.horizon)
        served = any(queue.name in g.serves for g in scenario.agent_groups)
        if not served and queue.overflow is None:
            problems.append(f"{path}.name: {queue.name!r} is served by no agent group")
        elif not served and queue.overflow.share != 1:
            problems.append(f"{path}.overflow.share: {queue.overflow.share!r} is not 1; a queue no "
                            f"group serves sends every contact to {queue.overflow.to!r}")
        if queue.reasons is not None:
            problems += _unique(f"{path}.reasons", [r.name for r in queue.reasons], "reason")
            for j, reason in enumerate(queue.reasons):
                problems += _known(f"{path}.reasons[{j}].transfer_to", reason.transfer_to, queues, "queue")
                if reason.transfer_to == queue.name:
                    problems.append(f"{path}.reasons[{j}].transfer_to: {queue.name!r} is this queue itself")
        problems += _known(f"{path}.recontact.queue", queue.recontact.queue, queues, "queue")
        if queue.overflow is not None:
            problems += _known(f"{path}.overflow.to", queue.overflow.to, groups, "agent group")
        if queue.callback is not None and queue.channel != "phone":
            problems.append(f"{path}.callback: a callback offer needs channel 'phone', not {queue.channel!r}")
        if queue.channel == "email" and not isinstance(queue.patience, NoAbandonment):
            problems.append(f"{path}.patience: e-mails are never abandoned; leave patience out for channel 'email'")
    return problems


def _table_length_problem(path: str, values: list, horizon: Horizon) -> list[str]:
    width = horizon.intervals_per_day
    if len(values) in (width, width * horizon.days):
        return []
    allowed = f"{width}" if horizon.days == 1 else f"{width} (one day) or {width * horizon.days}"
    return [
        f"{path}: has {len(values)} values; needs {allowed}, one per "
        f"{horizon.interval_min}-min interval from {horizon.open_time} to {horizon.close_time}"
    ]


def _arrival_problems(path: str, arrivals: Arrivals, horizon: Horizon) -> list[str]:
    by_volume = arrivals.daily_volume is not None
    by_table = arrivals.interval_volumes is not None
    if by_volume == by_table:
        return [f"{path}: give either daily_volume (with an optional profile) or interval_volumes, "
                f"not {'both' if by_volume else 'neither'}"]
    if by_table:
        if arrivals.profile is not None:
            return [f"{path}.profile: applies to daily_volume only; interval_volumes are already per interval"]
        return _table_length_problem(f"{path}.interval_volumes", arrivals.interval_volumes, horizon)
    problems = []
    if isinstance(arrivals.daily_volume, list) and len(arrivals.daily_volume) != horizon.days:
        problems.append(
            f"{path}.daily_volume: has {len(arrivals.daily_volume)} values; needs one number "
            f"or {horizon.days} (one per day)"
        )
    if arrivals.profile is not None:
        if len(arrivals.profile) != horizon.intervals_per_day:
            problems.append(
                f"{path}.profile: has {len(arrivals.profile)} values; needs {horizon.intervals_per_day}, "
                f"one per {horizon.interval_min}-min interval from {horizon.open_time} to {horizon.close_time}"
            )
        elif sum(arrivals.profile) <= 0:
            problems.append(f"{path}.profile: all weights are 0; at least one must be > 0")
    return problems


def _group_problems(scenario: Scenario) -> list[str]:
    queues = scenario.queue_names
    overflow_targets = {q.overflow.to for q in scenario.queues if q.overflow is not None}
    problems = _unique("agent_groups", [g.name for g in scenario.agent_groups], "group")
    for i, group in enumerate(scenario.agent_groups):
        path = f"agent_groups[{i}]"
        for j, queue in enumerate(group.serves):
            problems += _known(f"{path}.serves[{j}]", queue, queues, "queue")
        if len(set(group.serves)) != len(group.serves):
            problems.append(f"{path}.serves: lists a queue twice")
        if not group.serves and group.name not in overflow_targets:
            problems.append(f"{path}.serves: is empty and no queue overflows to {group.name!r}")
        if (group.staffing is None) == (group.shifts is None):
            problems.append(f"{path}: give either staffing (per interval) or shifts, "
                            f"not {'neither' if group.staffing is None else 'both'}")
        if isinstance(group.staffing, list):
            problems += _table_length_problem(f"{path}.staffing", group.staffing, scenario.horizon)
        for j, shift in enumerate(group.shifts or []):
            for k, pause in enumerate(shift.breaks):
                if (pause.after_h * 60 + pause.length_min) > shift.length_h * 60:
                    problems.append(f"{path}.shifts[{j}].breaks[{k}]: ends after the "
                                    f"{shift.length_h:g} h shift")
    return problems
