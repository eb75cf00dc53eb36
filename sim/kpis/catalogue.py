"""The KPI catalogue as data: ids, names, units, what each needs, and reference bands.

Kept apart from the formulas so the app, the CLI and the docs read one list, and so a
reference band can be changed without touching any computation. Ids follow KPIS.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.log_schema import Column

# Extra contact columns some exports carry; KPIs that need them are "not available" without.
OPTIONAL_CONTACT_COLUMNS = (
    Column("churned", "boolean", "the customer had left by the end of the horizon"),
    Column("qa_score", "float64", "quality-evaluation grid score 0-100; NaN if not evaluated"),
    Column("converted", "boolean", "the contact ended in a sale / successful outcome"),
    Column("direction", "str", "'inbound' (default when absent) or 'outbound'"),
)

AGENT_STATES_NEED = "agent_states"  # a `needs` entry: the log must have agent-state spells


@dataclass(frozen=True)
class Range:
    low: float = -math.inf
    high: float = math.inf

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Band:
    """Industry reference figures from KPIS.md, for showing where a value sits."""

    better: str | None  # "higher", "lower", or None when both extremes are bad
    good: Range | None = None
    typical: Range | None = None
    note: str = ""


@dataclass(frozen=True)
class KpiSpec:
    id: str
    name: str
    unit: str  # "share" is a fraction 0-1; "s" seconds; "currency" is settings.costs.currency
    definition: str
    needs: tuple[str, ...] = ()  # log columns (contract or optional) or AGENT_STATES_NEED
    band: Band | None = None


def _spec(id, name, unit, definition, needs=(), band=None) -> KpiSpec:
    return KpiSpec(id, name, unit, definition, tuple(needs), band)


CATALOGUE = (
    # volumes: the denominators, so every rate can be checked
    _spec("contacts", "Contacts", "contacts",
          "customer contacts: inbound rows with segment 1 (transfers are not new contacts)",
          needs=("segment",)),
    _spec("offered", "Offered", "contacts",
          "inbound rows that reached an agent queue (answered, abandoned, unserved, or a "
          "callback never reached: no_answer)"),
    _spec("answered", "Answered (handled)", "contacts", "offered rows an agent answered"),
    _spec("abandoned", "Abandoned", "contacts", "offered rows the customer hung up on"),
    # accessibility and queue
    _spec("service_level", "Service level", "share",
          "answered within T over a denominator chosen by sl_variant",
          band=Band("higher", good=Range(0.80, 1.0), note="80/20 is the classic target")),
    _spec("asa", "Average speed of answer", "s",
          "sum(answer_s - enqueue_s) / answered (IVR time excluded)"),
    _spec("avg_wait_all", "Average wait (all)", "s",
          "mean queue wait of offered rows: to answer, to abandon, to the run's end if "
          "unserved, to the last try's end if no_answer"),
    _spec("abandon_rate", "Abandonment rate", "share", "chosen by abandon_variant",
          band=Band("lower", good=Range(0.0, 0.05), typical=Range(0.10, 0.15))),
    _spec("answer_rate", "Answer rate", "share", "answered / offered"),
    _spec("max_wait", "Longest wait", "s", "largest queue wait of an offered row"),
    _spec("queue_len", "Queue length (time-average)", "contacts",
          "seconds spent queued (clipped to the group's time span) / that span"),
    _spec("first_response_time", "First response time (mean)", "s",
          "async channels: mean of answer_s - enqueue_s over answered rows",
          band=Band("lower", note="cross-industry average around 4 h for tickets")),
    _spec("first_response_time_median", "First response time (median)", "s",
          "async channels: median of answer_s - enqueue_s"),
    _spec("first_response_time_p90", "First response time (90th percentile)", "s",
          "async channels: 90th percentile (linear interpolation) of answer_s - enqueue_s"),
    # handling and productivity
    _spec("aht", "Average handle time", "s", "sum(handle_s + wrap_s) / answered",
          needs=("handle_s", "wrap_s"),
          band=Band("lower", good=Range(0, 180), typical=Range(180, 300),
                    note="depends on domain complexity")),
    _spec("occupancy", "Occupancy", "share",
          "(busy + wrap) / (busy + wrap + available) agent time", needs=(AGENT_STATES_NEED,),
          band=Band(None, good=Range(0.75, 0.85),
                    note="above 85-90 % for long = burnout risk")),
    _spec("utilization", "Utilization", "share",
          "(busy + wrap) / paid time (every state but offline)", needs=(AGENT_STATES_NEED,)),
    _spec("handled_per_hour", "Handled per agent hour", "contacts per hour",
          "answered / staffed hours (every state but offline)", needs=(AGENT_STATES_NEED,)),
    _spec("resolved_per_hour", "Resolved per agent hour", "contacts per hour",
          "answered rows with resolved true / staffed hours",
          needs=(AGENT_STATES_NEED, "resolved")),
    _spec("avg_resolution_time", "Average resolution time", "s",
          "per resolved issue: end of its first resolving contact - its first arrival",
          needs=("issue_id", "resolved")),
    _spec("transfer_rate", "Transfer rate", "share",
          "level-1 (segment 1) answered rows transferred / level-1 answered rows",
          needs=("transferred_to", "segment")),
    _spec("transfer_rate_by_destination", "Transfer rate by destination", "share",
          "transfer_rate split by transferred_to", needs=("transferred_to", "segment")),
    _spec("cost_per_contact", "Cost per contact", "currency",
          "(in-house paid hours x rate + vendor charges + telephony) / answered",
          needs=(AGENT_STATES_NEED, "segment"),  # telephony: a transfer is billed from enqueue
          band=Band("lower", note="example: 5 EUR per call")),
    _spec("total_cost", "Total cost", "currency", "numerator of cost_per_contact",
          needs=(AGENT_STATES_NEED, "segment")),
    # resolution and customer experience
    _spec("fcr", "First-contact resolution", "share",
          "issues whose first contact was answered, resolved, not transferred, with no other "
          "row of the issue arriving within the recontact window / issues that reached a queue",
          needs=("issue_id", "resolved", "transferred_to"),
          band=Band("higher", good=Range(0.85, 1.0), typical=Range(0.70, 0.80))),
    _spec("recontact_rate", "Recontact rate", "share",
          "customers with a new attempt (segment 1) on an issue within the recontact window "
          "after that issue's first contact / customers",
          needs=("issue_id", "customer_id", "segment")),
    _spec("csat", "CSAT (% satisfied)", "share", "responses >= csat_satisfied_min / responses",
          needs=("csat",),
          band=Band("higher", good=Range(0.90, 1.0), typical=Range(0.75, 0.85),
                    note="best technical hotlines approach 95 %")),
    _spec("csat_mean", "CSAT (mean)", "score 1-5", "mean response", needs=("csat",)),
    _spec("nps", "Net Promoter Score", "points",
          "100 x (responses 9-10 - responses 0-6) / responses", needs=("nps",),
          band=Band("higher", good=Range(50, 100), note="above +50 is excellent")),
    _spec("ces", "Customer effort score", "score", "mean response; scale and direction in "
          "the variant", needs=("ces",)),
    _spec("retention_rate", "Retention", "share",
          "customers without churned true / customers", needs=("churned", "customer_id"),
          band=Band("higher", note="example: 90 %")),
    _spec("qa_score", "Quality score", "share", "mean qa_score / 100 over evaluated rows",
          needs=("qa_score",), band=Band("higher", note="example: 90 %")),
    _spec("avoidable_contact_rate", "Avoidable contacts", "share",
          "contacts with avoidable true / contacts", needs=("avoidable", "segment")),
    _spec("self_service_rate", "Self-service rate", "share",
          "contacts with outcome self_served / contacts", needs=("segment",)),
    _spec("channel_mix", "Channel mix", "share", "contacts per channel / contacts",
          needs=("segment",)),
    # outbound
    _spec("outbound_calls_per_hour", "Outbound calls per agent hour", "contacts per hour",
          "rows with direction outbound / staffed hours",
          needs=("direction", AGENT_STATES_NEED)),
    _spec("conversion_rate", "Conversion rate", "share",
          "answered rows with converted true / answered rows with converted recorded",
          needs=("converted",)),
)

SPECS = {spec.id: spec for spec in CATALOGUE}


def position(kpi_id: str, value: float | None) -> str | None:
    """Where `value` sits against the KPI's reference band, or None without ranges."""
    band = SPECS[kpi_id].band
    if band is None or value is None or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    if band.good is None and band.typical is None:
        return None
    if band.good is not None and value in band.good:
        return "good"
    if band.typical is not None and value in band.typical:
        return "typical"
    if band.better is None:
        return "outside good range"
    if band.typical is None:
        return "below good range" if band.better == "higher" else "above good range"
    toward_good = value > band.typical.high if band.better == "higher" else (
        value < band.typical.low)
    return "between typical and good" if toward_good else "worse than typical"
