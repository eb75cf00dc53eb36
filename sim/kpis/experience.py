"""Resolution and customer-experience KPIs: FCR, recontacts, surveys, retention, deflection.

Survey KPIs are means over the rows that carry an answer; a row without an answer is "not
surveyed", never a zero. KPIs that need an optional column are computed only when the log
has it (the engine reports them as not available otherwise).
"""

from __future__ import annotations

import numpy as np

from sim.kpis.context import Context, floats, flags, ratio
from sim.kpis.issues import customer_share


def resolution_kpis(ctx: Context) -> dict:
    g, issues = ctx.grouping, ctx.issues
    customers, recontacting = customer_share(issues.code, issues.customer_id,
                                             issues.recontacted, g.n)
    # An issue whose first contact was answered with no resolution recorded cannot be
    # judged: it is left out rather than counted as unresolved.
    judged = issues.reached_queue & ~issues.first_resolution_unknown
    return {
        "fcr": ratio(g.count(issues.first_contact_resolved & judged, issues.code),
                     g.count(judged, issues.code)),
        "recontact_rate": ratio(recontacting, customers),
    }


def survey_kpis(ctx: Context) -> dict:
    c, g, s = ctx.contacts, ctx.grouping, ctx.settings

    def answers(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(each row's answer, rows answered, responses per group): one score at a time,
        so only one full-length float copy of a survey column exists at once."""
        score = floats(c.frame, name)
        answered = c.inbound & ~np.isnan(score)
        return score, answered, g.count(answered)

    csat, answered, responses = answers("csat")
    out = {"csat": ratio(g.count(answered & (csat >= s.csat_satisfied_min)), responses),
           "csat_mean": ratio(g.total(csat, answered), responses)}
    del csat
    nps, answered, responses = answers("nps")
    promoters = g.count(answered & (nps >= 9))
    detractors = g.count(answered & (nps <= 6))
    out["nps"] = 100.0 * ratio(promoters - detractors, responses)
    del nps
    ces, answered, responses = answers("ces")
    out["ces"] = ratio(g.total(ces, answered), responses)
    return out


def contact_mix_kpis(ctx: Context) -> dict:
    c, g = ctx.contacts, ctx.grouping
    contacts_n = g.count(c.contact)
    by_channel = g.count_by_label(c.frame["channel"], c.contact)
    return {
        "avoidable_contact_rate": ratio(g.count(c.contact & flags(c.frame["avoidable"])),
                                        contacts_n),
        "self_service_rate": ratio(g.count(c.contact & c.self_served), contacts_n),
        "channel_mix": {channel: ratio(n, contacts_n) for channel, n in by_channel.items()},
    }


def optional_column_kpis(ctx: Context) -> dict:
    """retention_rate, qa_score, conversion_rate, outbound_calls_per_hour: only from
    columns the log carries."""
    c, g = ctx.contacts, ctx.grouping
    out = {}
    churned = c.optional("churned")
    if churned is not None:
        customers, churners = customer_share(g.contact_code[c.inbound],
                                             c.customer_id[c.inbound],
                                             flags(churned)[c.inbound], g.n)
        out["retention_rate"] = ratio(customers - churners, customers)
    qa = c.optional("qa_score")
    if qa is not None:
        qa = qa.to_numpy(dtype=float, na_value=np.nan)
        evaluated = ~np.isnan(qa)
        out["qa_score"] = ratio(g.total(qa, evaluated), g.count(evaluated)) / 100.0
    converted = c.optional("converted")
    if converted is not None:
        recorded = c.answered | (c.outbound & flags(c.frame["outcome"] == "answered"))
        recorded &= flags(converted.notna())
        out["conversion_rate"] = ratio(g.count(recorded & flags(converted)), g.count(recorded))
    if "direction" in c.frame.columns:
        out["outbound_calls_per_hour"] = ratio(g.count(c.outbound), ctx.staffed_hours)
    return out
