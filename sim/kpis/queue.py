"""Volumes, accessibility and queue KPIs: SL, ASA, waits, abandonment, queue length, FRT.

Live channels (phone, chat, ...) are scored on seconds-scale waits; async channels
(settings.async_channels) are scored by first-response time instead, because a 20-second
service level over e-mails would drown the phone figures in a blended total.
"""

from __future__ import annotations

import numpy as np

from sim.kpis.context import Context, per_label, ratio


def volume_kpis(ctx: Context) -> dict:
    c, g = ctx.contacts, ctx.grouping
    return {
        "contacts": g.count(c.contact),
        "offered": g.count(c.offered),
        "answered": g.count(c.answered),
        "abandoned": g.count(c.abandoned),
    }


def queue_kpis(ctx: Context) -> dict:
    c, g, s = ctx.contacts, ctx.grouping, ctx.settings
    live = c.live
    leave_s = c.leave_s()
    queued_s, wait_pieces = g.spell_totals(c.enqueue, leave_s, "contacts", np.flatnonzero(live))
    wait = c.wait_s(leave_s)  # NaN if not offered
    del leave_s
    answered, abandoned = live & c.answered, live & c.abandoned
    offered_n, answered_n = g.count(live), g.count(answered)
    abandoned_n = g.count(abandoned)
    grace_s = per_label(c.frame["queue"], s.grace_s)  # each row's queue's grace
    short_n = g.count(abandoned & (wait <= grace_s))
    within_t_n = g.count(answered & (wait <= s.sl_threshold_s))
    sl_denominator = {
        "answered_within_t_over_offered": offered_n,
        "answered_within_t_over_offered_minus_short_abandons": offered_n - short_n,
        "answered_within_t_over_answered": answered_n,
    }[s.sl_variant]
    abandon_rate = {
        "abandoned_over_offered": ratio(abandoned_n, offered_n),
        "abandoned_minus_short_over_offered_minus_short": ratio(abandoned_n - short_n,
                                                                offered_n - short_n),
    }[s.abandon_variant]
    # no live row arrived in the group nor waited in it: no data (e.g. an e-mail-only
    # channel), not an empty queue
    seen = (offered_n > 0) | (wait_pieces > 0)
    return {
        "service_level": ratio(within_t_n, sl_denominator),
        "asa": ratio(g.total(wait, answered), answered_n),
        "avg_wait_all": ratio(g.total(wait, live), offered_n),
        "abandon_rate": abandon_rate,
        "answer_rate": ratio(answered_n, offered_n),
        "max_wait": g.maximum(wait, live),
        "queue_len": np.where(seen, ratio(queued_s, g.observed_s), np.nan),
        **first_response_kpis(ctx, wait),
    }


def first_response_kpis(ctx: Context, wait: np.ndarray) -> dict:
    c, g = ctx.contacts, ctx.grouping
    replied = c.async_ & c.answered
    code, response_s = g.contact_code[replied], wait[replied]
    return {
        "first_response_time": ratio(g.total(wait, replied), g.count(replied)),
        "first_response_time_median": group_quantile(code, response_s, g.n, 0.5),
        "first_response_time_p90": group_quantile(code, response_s, g.n, 0.9),
    }


def group_quantile(code: np.ndarray, values: np.ndarray, n_groups: int, q: float):
    """The q-quantile of `values` per group, interpolated linearly as numpy.quantile does."""
    order = np.lexsort((values, code))
    ordered = values[order]
    counts = np.bincount(code, minlength=n_groups)
    position = (np.cumsum(counts) - counts) + q * np.maximum(counts - 1, 0)
    low = np.minimum(np.floor(position).astype(np.int64), max(len(ordered) - 1, 0))
    high = np.minimum(low + 1, np.cumsum(counts) - 1).clip(min=0)
    if len(ordered) == 0:
        return np.full(n_groups, np.nan)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - np.floor(position))
    return np.where(counts > 0, value, np.nan)
