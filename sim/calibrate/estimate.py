"""Estimate a scenario from an interaction log (imported or simulated).

Per queue: arrivals per open interval (per weekday when the log spans two weeks or more)
and their day-to-day overdispersion, IVR containment and time, handle and wrap-up time,
patience (censored), the short-abandon threshold and redials. Per agent group: the queues
it served and its staffing per interval. Every estimate is written with its sample size;
the inferences a planner should doubt are listed as caveats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sim.calibrate.fits import (fit_duration, fit_patience, km_tolerance,
                                short_abandon_threshold)
from sim.errors import InputError
from sim.importers.patience import patience_from_log
from sim.interaction_log import InteractionLog
from sim.kpis.engine import UNMAPPED_COLUMNS
from sim.timefmt import clock

DAY_S = 86_400.0
WEEKLY_FROM_DAYS = 14  # per-weekday profiles once every weekday is seen twice
REDIAL_WINDOW_S = 86_400.0  # a customer calling again within a day of hanging up
ROUTING_MIN_SHARE = 0.01  # a group "serves" a queue giving it at least 1 % of its answers
ON_DUTY = ("available", "busy", "wrap")
CHANNELS = ("phone", "chat", "email")


@dataclass
class Calibration:
    scenario: dict  # plain data that `Scenario.model_validate` accepts
    notes: list[str] = field(default_factory=list)  # every estimate with its sample size
    caveats: list[str] = field(default_factory=list)  # the least certain inputs


def calibrate(log: InteractionLog, name: str = "calibrated") -> Calibration:
    c = log.contacts
    if c.empty:
        raise InputError("log: no contacts to calibrate from")
    interval_min = log.meta.interval_s / 60
    if interval_min not in (15, 30):
        raise InputError(f"log: interval_s {log.meta.interval_s:g} must be 900 or 1800 to "
                         "calibrate (a scenario plans in 15- or 30-min intervals); import "
                         "with --interval-s 1800")
    interval_s = log.meta.interval_s
    out = Calibration({})
    arrival = c["arrival_s"].to_numpy(float)
    days = int(np.floor(np.nanmax(arrival) / DAY_S)) + 1
    slot = np.floor((arrival % DAY_S) / interval_s).astype(int)
    first_slot, last_slot = int(slot.min()), int(slot.max())
    width = last_slot - first_slot + 1
    horizon = {"days": days, "interval_min": int(interval_min),
               "open_time": clock(first_slot * interval_s),
               "close_time": clock((last_slot + 1) * interval_s)}
    if log.meta.start_date:
        horizon["start_date"] = log.meta.start_date
    out.notes.append(f"horizon: {days} day(s), {horizon['open_time']}-{horizon['close_time']} "
                     f"(the first and last interval with an arrival), {interval_min:g}-min "
                     "intervals")
    if _spans_dst_change(log, days):
        out.caveats.append("times are on the UTC line from day 0 (a day after a DST change "
                           "is shifted by the change): the profile mixes both clocks")
    redial = _redials(log, out)
    legs = int((c["segment"].to_numpy() > 1).sum())
    if legs and "transferred_to" in log.meta.extra.get(UNMAPPED_COLUMNS, ()):
        out.caveats.append(f"{legs:,} transferred legs (segment > 1) are not simulated: the "
                           "log does not say where contacts were transferred")
    new = (c["segment"].to_numpy() == 1) & ~redial["is_redial"]
    weekday = _weekdays(log.meta.start_date, days)
    patience = patience_from_log(log)
    queues = []
    for queue in sorted(c["queue"].dropna().unique()):
        rows = (c["queue"] == queue).to_numpy()
        queues.append(_queue(c, rows, new, queue, days, first_slot, width, interval_s,
                             weekday, patience, redial, out))
    out.scenario = {"name": name, "description": f"calibrated from {log.meta.source or 'a log'}",
                    "seed": 1, "horizon": horizon, "queues": queues,
                    "agent_groups": _groups(log, days, first_slot, width, interval_s, out)}
    return out


def _spans_dst_change(log: InteractionLog, days: int) -> bool:
    """The log's UTC offset changes on some day of its span (imported logs only)."""
    origin, zone = log.meta.extra.get("origin"), log.meta.extra.get("timezone", "UTC")
    if origin is None or zone == "UTC":
        return False
    first = pd.Timestamp(origin).tz_convert(zone)
    days_end = first + pd.to_timedelta(np.arange(days + 1), unit="D")
    return len({stamp.utcoffset() for stamp in days_end}) > 1


def _weekdays(start_date: str | None, days: int) -> np.ndarray:
    if start_date is None:
        return np.arange(days) % 7
    first = date.fromisoformat(start_date)
    return np.array([(first + timedelta(days=d)).weekday() for d in range(days)])


def _queue(c, rows, new, queue, days, first_slot, width, interval_s, weekday, patience,
           redial, out: Calibration) -> dict:
    arrival = c["arrival_s"].to_numpy(float)
    counts = np.zeros((days, width))
    day = np.floor(arrival / DAY_S).astype(int)
    slot = np.floor((arrival % DAY_S) / interval_s).astype(int) - first_slot
    take = rows & new
    np.add.at(counts, (day[take], slot[take]), 1)
    expected, per_weekday = _expected(counts, weekday)
    cv, cv_note = _day_to_day_cv(counts.sum(axis=1), expected.sum(axis=1), weekday,
                                 per_weekday)
    volumes = expected[0] if not per_weekday else expected.ravel()
    table = {"name": str(queue)}
    channel = c.loc[rows, "channel"].mode()
    table["channel"] = channel.iloc[0] if len(channel) and channel.iloc[0] in CHANNELS else (
        "phone")
    if table["channel"] != (channel.iloc[0] if len(channel) else "phone"):
        out.caveats.append(f"{queue}: channel {channel.iloc[0]!r} is not one the simulator "
                           "knows; simulated as phone")
    table["arrivals"] = {"interval_volumes": [float(f"{v:.4g}") for v in volumes],
                         "day_to_day_cv": cv}
    out.notes.append(f"{queue}: arrivals {int(take.sum()):,} new contacts over {days} day(s)"
                     f" ({'mean per weekday and interval' if per_weekday else 'mean per interval'}"
                     f"; redials left to the redial model); {cv_note}")
    outcome = c["outcome"].to_numpy(str)
    self_served = (outcome == "self_served") & take
    queued = rows & np.isin(outcome, ["answered", "abandoned", "unserved", "no_answer"])
    ivr_share = self_served.sum() / max(take.sum(), 1)
    ivr_time = fit_duration((c["enqueue_s"] - c["arrival_s"]).to_numpy(float)[queued & new],
                            f"{queue} IVR time")
    if ivr_share > 0 or (ivr_time and ivr_time.dist != {"dist": "deterministic",
                                                        "mean_s": 0.0}):
        table["ivr"] = {"self_service_share": float(f"{min(ivr_share, 0.99):.4g}")}
        if ivr_time:
            table["ivr"]["time"] = ivr_time.dist
            out.notes.append(ivr_time.note)
        out.notes.append(f"{queue}: IVR contains {ivr_share:.1%} ({int(self_served.sum()):,} "
                         f"of {int(take.sum()):,} new contacts)")
    answered = rows & (outcome == "answered")
    for key, column in (("handle", "handle_s"), ("wrap", "wrap_s")):
        fit = fit_duration(c[column].to_numpy(float)[answered], f"{queue} {key}")
        if fit is None and key == "handle":
            raise InputError(f"log: queue {queue!r} has no answered contact with a handle "
                             "time; its handle time cannot be calibrated")
        if fit is not None:
            table[key] = fit.dist
            out.notes.append(fit.note)
            if fit.dist["dist"] == "empirical":
                out.caveats.append(f"{queue}: {key} time fits neither lognormal nor gamma "
                                   "(empirical used)")
    wait, abandoned = _waits(c, rows)
    mean = patience["mean_patience_s"].get(queue)
    fit = fit_patience(wait, abandoned, None if pd.isna(mean) else float(mean),
                       f"{queue} patience")
    reasons = _transfer_reasons(c, answered, queue, out)
    if reasons:
        table["reasons"] = reasons
    table["patience"] = fit.dist
    out.notes.append(fit.note)
    if fit.km_gap is not None and fit.km_gap > km_tolerance(fit.abandoned):
        out.caveats.append(f"{queue}: patience is not exponential (Kaplan-Meier gap "
                           f"{fit.km_gap:.3f}); abandonment by wait band will be off")
    threshold, note = short_abandon_threshold(wait, abandoned, None if pd.isna(mean)
                                              else float(mean))
    table["short_abandon_s"] = threshold
    out.notes.append(f"{queue} {note}")
    share, delay_s, n = redial["by_queue"].get(queue, (None, None, 0))
    if share == 0:
        out.notes.append(f"{queue}: no redial among {n:,} abandoned callers")
    elif share is not None:
        table["redial"] = {"share": float(f"{share:.4g}"),
                           "delay": {"dist": "exponential", "mean_s": float(f"{delay_s:.4g}")}}
        out.notes.append(f"{queue}: redial share {share:.1%} of {n:,} abandoned callers, mean "
                         f"delay {delay_s:.0f} s (exponential, from the median delay)")
    return table


def _transfer_reasons(c: pd.DataFrame, answered: np.ndarray, queue: str,
                      out: Calibration) -> list[dict]:
    """Transfers as reasons: one reason per target queue whose contacts are all handed on,
    weighted by how many answered contacts went there, and the rest as one plain reason."""
    targets = c.loc[answered, "transferred_to"].dropna()
    targets = targets[targets.isin(set(c["queue"].dropna())) & (targets != queue)]
    if targets.empty:
        return []
    counts = targets.value_counts()
    reasons = [{"name": f"transferred to {target}", "share": int(n), "transfer_prob": 1.0,
                "transfer_to": str(target)} for target, n in counts.items()]
    rest = int(answered.sum()) - int(counts.sum())
    if rest > 0:
        reasons.append({"name": "general", "share": rest})
    out.notes.append(f"{queue}: transfers " + ", ".join(
        f"{n / answered.sum():.1%} to {t}" for t, n in counts.items())
        + f" of {int(answered.sum()):,} answered (as reasons; arrivals of the target queue "
        "exclude transferred legs)")
    return reasons


def _expected(counts: np.ndarray, weekday: np.ndarray) -> tuple[np.ndarray, bool]:
    """Mean per interval: over all days, or per weekday once the log spans two weeks."""
    if len(counts) < WEEKLY_FROM_DAYS:
        return np.tile(counts.mean(axis=0), (len(counts), 1)), False
    expected = np.zeros_like(counts)
    for day in range(7):
        same = weekday == day
        expected[same] = counts[same].mean(axis=0)
    return expected, True


def _day_to_day_cv(daily, expected, weekday, per_weekday) -> tuple[float, str]:
    """CV of the Gamma day factor: Var(daily) = E + cv^2 E^2 (negative binomial).

    Each day's squared deviation from its fitted mean is scaled by k / (k - 1), k the
    days sharing that mean, so the fitted means do not bias the variance down.
    """
    groups = weekday if per_weekday else np.zeros(len(daily), int)
    k = np.array([np.sum(groups == g) for g in groups], float)
    usable = (k > 1) & (expected > 0)
    if usable.sum() < 3:
        return 0.0, f"day_to_day_cv 0 (n={len(daily)} day(s): too few to estimate)"
    excess = ((daily - expected) ** 2 * k / (k - 1) - expected)[usable]
    cv2 = max(excess.sum() / (expected[usable] ** 2).sum(), 0.0)
    cv = float(f"{min(np.sqrt(cv2), 2.0):.3g}")
    return cv, (f"day_to_day_cv {cv:g} (n={int(usable.sum())} days; Poisson alone "
                "would give 0)")


def _waits(c, rows) -> tuple[np.ndarray, np.ndarray]:
    """Queue wait of live queued contacts, and whether it ended by abandonment."""
    outcome = c["outcome"]
    live = rows & outcome.isin(["answered", "abandoned", "unserved"]).to_numpy() & (
        ~c["channel"].isin(["email", "ticket", "messaging"]).to_numpy())
    leave = c["answer_s"].fillna(c["abandon_s"]).fillna(c["end_s"])
    wait = (leave - c["enqueue_s"]).to_numpy(float)[live]
    return np.nan_to_num(wait), (outcome == "abandoned").to_numpy()[live]


def _redials(log: InteractionLog, out: Calibration) -> dict:
    """Contacts that follow an abandonment of the same customer within a day."""
    c = log.contacts
    n = len(c)
    result = {"is_redial": np.zeros(n, bool), "by_queue": {}}
    unmapped = set(log.meta.extra.get(UNMAPPED_COLUMNS, ()))
    if "customer_id" in unmapped:
        out.caveats.append("no customer ids: redials cannot be told from new calls (no redial "
                           "model; arrivals include redials)")
        return result
    order = np.lexsort((c["arrival_s"].to_numpy(), c["customer_id"].to_numpy()))
    customer = c["customer_id"].to_numpy()[order]
    same = np.r_[False, customer[1:] == customer[:-1]]
    prev_abandon = np.r_[np.nan, c["abandon_s"].to_numpy(float)[order][:-1]]
    gap = c["arrival_s"].to_numpy(float)[order] - prev_abandon
    is_redial = same & (gap >= 0) & (gap <= REDIAL_WINDOW_S)
    result["is_redial"][order] = is_redial
    queue = c["queue"].to_numpy()[order]
    abandoned = (c["outcome"].to_numpy()[order] == "abandoned")
    followed = np.r_[is_redial[1:], False]
    gaps = np.r_[gap[1:], np.nan]
    for name in np.unique(queue[abandoned]):
        mine = abandoned & (queue == name)
        k = int(followed[mine].sum())
        # median / ln 2: the exponential mean, robust to redials deferred past a close
        delay = float(np.median(gaps[mine & followed]) / np.log(2)) if k else 600.0
        result["by_queue"][name] = (k / mine.sum(), max(delay, 1.0), int(mine.sum()))
    return result


def _groups(log: InteractionLog, days, first_slot, width, interval_s, out) -> list[dict]:
    c = log.contacts
    answered = c[c["outcome"] == "answered"]
    unmapped = set(log.meta.extra.get(UNMAPPED_COLUMNS, ()))
    group = answered["agent_group"].fillna("agents") if "agent_group" not in unmapped else (
        pd.Series("agents", index=answered.index))
    if "agent_group" in unmapped:
        out.caveats.append("no agent groups in the log: one group serving every queue")
    served = pd.crosstab(group, answered["queue"])
    states = log.agent_states
    with_states = not states.empty
    if with_states and "agent_group" not in unmapped:
        names = sorted(set(served.index) | set(states["agent_group"].dropna()))
    else:
        names = list(served.index)
    tables = []
    for name in names:
        counts = served.loc[name] if name in served.index else pd.Series(dtype=float)
        share = counts / max(counts.sum(), 1)
        serves = [str(q) for q in share[share >= ROUTING_MIN_SHARE].sort_values(
            ascending=False).index]
        if with_states:
            spells = states if "agent_group" in unmapped else states[states["agent_group"] == name]
            staffing = _staffing_from_states(spells, days, first_slot, width, interval_s)
            how = "median agents available, busy or in wrap-up (agent states)"
        else:
            rows = answered[(group == name).to_numpy()]
            staffing = _staffing_from_busy(rows, days, first_slot, width, interval_s)
            how = "distinct agents seen busy (no agent states: a lower bound)"
        if not serves:
            out.notes.append(f"group {name}: answered no contact; left out")
            continue
        flat = staffing[0].tolist() if (staffing == staffing[0]).all() else staffing.ravel(
            ).tolist()
        table = {"name": str(name), "serves": serves, "staffing": [int(v) for v in flat]}
        chats = answered[(group == name).to_numpy() & (answered["channel"] == "chat").to_numpy()]
        held = _max_chats(chats)
        if held > 1:
            table["max_chats"] = held
            out.notes.append(f"group {name}: holds up to {held} chats at once (the most any "
                             f"of its agents held, over {len(chats):,} chats)")
        tables.append(table)
        out.notes.append(f"group {name}: serves {', '.join(serves)} "
                         f"({int(counts.sum()):,} answered: "
                         + ", ".join(f"{q} {int(counts[q]):,}" for q in serves)
                         + f"); staffing per interval = {how}, mean {staffing.mean():.1f}")
    if not with_states:
        out.caveats.append("staffing inferred from agents seen busy, without agent states: "
                           "idle agents are invisible, so staffing is understated and "
                           "simulated waits overstated where agents were idle")
    return tables


def _max_chats(chats: pd.DataFrame) -> int:
    """The most contacts any agent held at once (talk spans, answer to answer + handle)."""
    if chats.empty:
        return 1
    start = chats["answer_s"].to_numpy(float)
    end = start + chats["handle_s"].to_numpy(float)
    agent = pd.factorize(chats["agent_id"].fillna("?"))[0]
    times = np.r_[start, end]
    step = np.r_[np.ones(len(start)), -np.ones(len(end))]
    who = np.r_[agent, agent]
    order = np.lexsort((step, times, who))  # an end before a start at the same instant
    held = np.zeros(len(order))
    running = 0.0
    last = -1
    for k, i in enumerate(order):  # chats are few: a plain sweep is clear enough
        if who[i] != last:
            running, last = 0.0, who[i]
        running += step[i]
        held[k] = running
    return max(1, int(held.max()))


def _staffing_from_states(spells, days, first_slot, width, interval_s) -> np.ndarray:
    """Median over the interval's minutes of the agents on duty (available, busy, wrap).

    The median, not the time average: an agent rostered off at 10:00 who finishes a call
    until 10:10 is not staffing the 10:00 interval. One who finishes a call past 10:15
    is (states cannot tell an overrun from a roster), so staffing may read one high where
    it drops.
    """
    on = spells[spells["state"].isin(ON_DUTY)]
    starts = np.sort(on["start_s"].to_numpy(float))
    ends = np.sort(on["end_s"].to_numpy(float))
    grid = _grid(days, first_slot, width, interval_s)
    minutes = grid[:, None] + 30.0 + 60.0 * np.arange(int(interval_s // 60))[None, :]
    count = np.searchsorted(starts, minutes, "right") - np.searchsorted(ends, minutes, "right")
    return np.rint(np.median(count, axis=1)).astype(int).reshape(days, width)


def _staffing_from_busy(rows, days, first_slot, width, interval_s) -> np.ndarray:
    grid = _grid(days, first_slot, width, interval_s)
    start = rows["answer_s"].to_numpy(float)
    end = rows["end_s"].to_numpy(float)
    agent = rows["agent_id"].fillna("?").to_numpy()
    counts = np.zeros(len(grid), int)
    for who in np.unique(agent):
        mine = agent == who
        counts += _overlap(start[mine], end[mine], grid, interval_s) > 0
    return counts.reshape(days, width)


def _grid(days, first_slot, width, interval_s) -> np.ndarray:
    return (np.arange(days)[:, None] * DAY_S + (first_slot + np.arange(width))[None, :]
            * interval_s).ravel()


def _overlap(start, end, grid, interval_s) -> np.ndarray:
    """Seconds of the spells [start, end) inside each interval of `grid`.

    F(t), the spell time before t, is t x #starts before t - sum of those starts, minus
    the same for ends; each interval's share is F(b + interval) - F(b). Sorting once keeps
    this O((spells + intervals) log spells) for a month of agent states.
    """
    ok = np.isfinite(start) & np.isfinite(end) & (end > start)
    starts, ends = np.sort(start[ok]), np.sort(end[ok])
    sum_starts, sum_ends = np.r_[0.0, np.cumsum(starts)], np.r_[0.0, np.cumsum(ends)]

    def before(t):
        i, j = np.searchsorted(starts, t), np.searchsorted(ends, t)
        return (t * i - sum_starts[i]) - (t * j - sum_ends[j])

    return before(grid + interval_s) - before(grid)
