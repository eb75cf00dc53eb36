"""Cost KPIs: in-house paid hours, vendor charges and telephony over handled contacts.

In-house agents cost their group's loaded hourly rate for every on-duty hour (breaks are
paid); vendors charge per handled contact, per handled minute and per staffed hour, as
their contract says (settings.costs.partners); telephony is billed for the time the
customer is connected (`connected_s`). Labour is not attributable to a queue or a
channel (agents serve several), so cost KPIs cannot be grouped by those keys.
"""

from __future__ import annotations

import numpy as np

from sim.kpis.context import ContactArrays, Context, by_chunks, flags, per_label, ratio
from sim.kpis.settings import CostRates
from sim.log_schema import IN_HOUSE


def cost_kpis(ctx: Context) -> dict:
    c, g, rates = ctx.contacts, ctx.grouping, ctx.settings.costs
    labour = _labour_cost(ctx, rates)
    partner = c.frame["partner"]
    vendor = flags(partner.notna() & (partner != IN_HOUSE))

    def charge(rows: slice) -> np.ndarray:
        per_contact = per_label(partner.iloc[rows], _vendor_rate(rates, "per_handled_contact"))
        per_minute = per_label(partner.iloc[rows], _vendor_rate(rates, "per_handled_minute"))
        return per_contact + per_minute * (c.handle[rows] + c.wrap[rows]) / 60.0

    vendor_cost = g.total(by_chunks(len(vendor), charge), c.answered & vendor)
    phone = flags(c.frame["channel"].isin(list(rates.telephony_channels)))
    telephony = g.total(by_chunks(len(phone), lambda rows: connected_s(c, rows) / 60.0
                                  * rates.telephony_per_minute), phone)
    total = labour + vendor_cost + telephony
    return {"total_cost": total, "cost_per_contact": ratio(total, g.count(c.answered))}


def connected_s(c: ContactArrays, rows: slice) -> np.ndarray:
    """Seconds each row's customer is on the line, the time a carrier bills.

    From arrival (the IVR included) to the end of talk (answered: answer_s + handle_s, not
    the agent's wrap-up after the customer hung up), to the hang-up (abandoned), or to the
    end (self-served: the IVR session). Unserved and no_answer rows pay their IVR only
    (arrival to enqueue). A transfer segment starts at its enqueue (segment 1 paid the
    IVR); a callback starts at the agent's reaching call (the customer hung up to wait).
    Over `rows` only (a chunk: the temporaries of millions of rows never coexist).
    """
    outcome = c.frame["outcome"].iloc[rows]  # outbound calls are billed the same way
    answered = flags(outcome == "answered")
    enqueue, answer = c.enqueue[rows], c.answer[rows]
    start = np.where((c.segment[rows] > 1) & ~np.isnan(enqueue), enqueue, c.arrival[rows])
    start = np.where(c.callback[rows] & answered, answer, start)
    stop = np.select([answered, flags(outcome == "abandoned"),
                      flags(outcome.isin(["unserved", "no_answer"]))],
                     [answer + c.handle[rows], c.abandon[rows], enqueue], c.end[rows])
    return stop - start


def _labour_cost(ctx: Context, rates: CostRates) -> np.ndarray:
    pieces, states = ctx.state_pieces, ctx.states
    if pieces is None:
        return np.full(ctx.grouping.n, np.nan)
    partner = states.frame["partner"]
    in_house = flags(partner.isna() | (partner == IN_HOUSE))
    hourly = np.where(in_house,
                      per_label(states.frame["agent_group"],
                                _rate_of({None: rates.in_house_hourly, **rates.hourly_by_group})),
                      per_label(partner, _vendor_rate(rates, "per_staffed_hour")))
    on_duty = ~states.state["offline"]
    cost = pieces.seconds / 3600.0 * (hourly * on_duty)[pieces.row]
    return np.bincount(pieces.code, weights=cost, minlength=ctx.grouping.n)


def _vendor_rate(rates: CostRates, charge: str):
    """vendor -> rate of one charge; vendors not listed take partner_default's."""
    table = {None: getattr(rates.partner_default, charge)}
    return _rate_of(table | {name: getattr(p, charge) for name, p in rates.partners.items()})


def _rate_of(rate: dict):
    """label -> rate; labels not in `rate` (and missing ones) take rate[None]."""
    return lambda label: rate.get(label, rate[None])
