"""The KPI engine: score an InteractionLog overall (`score`) or per group (`score_by`).

Reads only the log and the settings, so a simulated log and an imported export are scored
the same way. A KPI whose data the log does not carry is reported as not available, with
the reason; it is never filled with a guess.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.interaction_log import CHUNK_ROWS, InteractionLog
from sim.kpis.catalogue import AGENT_STATES_NEED, CATALOGUE, Band, KpiSpec, position
from sim.kpis.context import ContactArrays, Context, StateArrays
from sim.kpis.costs import cost_kpis
from sim.kpis.experience import (contact_mix_kpis, optional_column_kpis, resolution_kpis,
                                 survey_kpis)
from sim.kpis.grouping import AGENT_LABEL_KEYS, TIME_KEYS, build, spell_edge_s
from sim.kpis.handling import handling_kpis
from sim.kpis.log_reader import CompactLog
from sim.kpis.queue import queue_kpis, volume_kpis
from sim.kpis.settings import KpiSettings, with_log_costs, with_log_graces
from sim.kpis.states import StateTotals, total_states
from sim.kpis.validate import contact_rules, duplicate_ids
from sim.kpis.validate_chunks import Tally

# The two families that read the issue table (ctx.issues, kept once built) come last, so
# the others' temporaries never sit on top of it.
FAMILIES = (volume_kpis, queue_kpis, survey_kpis, contact_mix_kpis, optional_column_kpis,
            cost_kpis, handling_kpis, resolution_kpis)
UNMAPPED_COLUMNS = "unmapped_columns"  # meta.extra key: columns an importer had to fill in
Progress = Callable[[float], None]  # called with the fraction of the work done
# What the engine scores: a log in memory, or a Parquet log read lean (log_reader.open_log).
ScoredLog = InteractionLog | CompactLog
# Flags where missing means "not known", not "no": all missing would read as 0 % / 100 %.
UNKNOWN_WHEN_MISSING = ("resolved", "churned")


@dataclass(frozen=True)
class KpiResult:
    id: str
    name: str
    unit: str
    definition: str
    variant: str  # the definition variant and parameters used ('' if there is one)
    value: float | dict[str, float] | None  # None: no data, or not available
    position: str | None  # against the reference band: "good", "typical", ...
    band: Band | None
    unavailable: str | None  # why the log cannot give this KPI; None if computed


@dataclass(frozen=True)
class KpiReport:
    """Overall KPI values with their metadata, in catalogue order."""

    results: dict[str, KpiResult]
    settings: KpiSettings

    def __getitem__(self, kpi_id: str):
        return self.results[kpi_id].value

    def values(self) -> dict:
        """{kpi id: value}: the JSON-ready view."""
        return {kpi_id: result.value for kpi_id, result in self.results.items()}

    def to_frame(self) -> pd.DataFrame:
        rows = [{"id": r.id, "name": r.name, "value": r.value, "unit": r.unit,
                 "variant": r.variant, "position": r.position, "unavailable": r.unavailable}
                for r in self.results.values()]
        return pd.DataFrame(rows).set_index("id")


def score(log: ScoredLog, settings: KpiSettings = KpiSettings(),
          progress: Progress | None = None) -> KpiReport:
    """Every KPI of the catalogue over the whole log. `progress(fraction done)` is called
    after each step (for a progress bar)."""
    settings = with_log_graces(with_log_costs(settings, log.meta.extra), log.meta.extra)
    values, unavailable, _ = _evaluate(log, (), settings, progress)
    overall = {kpi_id: _overall(v) for kpi_id, v in values.items() if kpi_id not in unavailable}
    return make_report(overall, unavailable, settings)


def make_report(values: dict, unavailable: dict[str, str], settings: KpiSettings,
                variants: dict[str, str] | None = None,
                default_reason: str | None = None) -> KpiReport:
    """A report over the whole catalogue from overall values (any source of figures).

    KPIs in neither `values` nor `unavailable` are not available for `default_reason`.
    """
    results = {}
    for spec in CATALOGUE:
        reason = unavailable.get(spec.id) or (None if spec.id in values else default_reason)
        value = None if reason else values[spec.id]
        variant = (variants or {}).get(spec.id, settings.variant(spec.id))
        results[spec.id] = KpiResult(
            spec.id, spec.name, _unit(spec, settings), spec.definition, variant, value,
            position(spec.id, value), spec.band, reason)
    return KpiReport(results, settings)


def score_by(log: ScoredLog, by: str | Sequence[str],
             settings: KpiSettings = KpiSettings(),
             progress: Progress | None = None) -> pd.DataFrame:
    """One row per group, one column per KPI id (dict-valued KPIs as `id.label` columns).

    `by` is a key or a list of keys (see grouping.KEYS). Time keys give every interval /
    day of the log, empty ones included; other groupings list only groups with activity.
    `frame.attrs` holds "variants", "units" and "unavailable" (KPI id -> reason).
    `progress` as for `score`.
    """
    keys = (by,) if isinstance(by, str) else tuple(by)
    if not keys:
        raise InputError("by: give at least one grouping key (use score() for overall)")
    settings = with_log_graces(with_log_costs(settings, log.meta.extra), log.meta.extra)
    values, unavailable, ctx = _evaluate(log, keys, settings, progress)
    n = ctx.grouping.n
    columns = {}
    for spec in CATALOGUE:
        if spec.id in unavailable:
            columns[spec.id] = np.full(n, np.nan)
        elif isinstance(values[spec.id], dict):
            columns |= {f"{spec.id}.{label}": v for label, v in values[spec.id].items()}
        else:
            columns[spec.id] = values[spec.id]
    frame = pd.DataFrame(columns, index=ctx.grouping.index)
    if not set(keys) <= set(TIME_KEYS):
        active = np.bincount(ctx.grouping.contact_code, minlength=n) > 0
        frame = frame[active | (ctx.staffed_hours > 0)]
    frame.attrs = {
        "variants": {s.id: settings.variant(s.id) for s in CATALOGUE if settings.variant(s.id)},
        "units": {s.id: _unit(s, settings) for s in CATALOGUE},
        "unavailable": unavailable,
    }
    return frame


def _evaluate(log: ScoredLog, keys: tuple[str, ...], settings: KpiSettings,
              progress: Progress | None = None):
    steps = 2 + len(FAMILIES)  # validation, grouping, then one step per KPI family
    report = progress or (lambda fraction: None)
    interval_s = float(log.meta.interval_s)
    states = _checked_totals(log, spell_edge_s(keys, interval_s), settings)
    report(1 / steps)
    grouping = build(keys, log.contacts, states, interval_s, log.meta.horizon_s)
    report(2 / steps)
    ctx = Context(ContactArrays(log.contacts, settings), StateArrays(states.frame),
                  grouping, settings)
    values = {}
    for done, family in enumerate(FAMILIES, start=3):
        values |= family(ctx)
        report(done / steps)
    unavailable = {}
    for spec in CATALOGUE:
        reason = _why_unavailable(spec, log, keys, states.n_spells)
        if reason:
            unavailable[spec.id] = reason
    return values, unavailable, ctx


def _checked_totals(log: ScoredLog, edge_s: float | None,
                    settings: KpiSettings) -> StateTotals:
    """Check both tables chunk by chunk (one InputError naming every broken rule) and
    total the agent time, so neither table is copied whole into temporary arrays."""
    tally, contacts = Tally(), log.contacts
    duplicate = duplicate_ids(contacts["contact_id"].to_numpy())  # int64, or narrower
    for first in range(0, len(contacts), CHUNK_ROWS):
        chunk = contacts.iloc[first:first + CHUNK_ROWS]
        tally.add("contacts", contact_rules(chunk, (settings.ces_min, settings.ces_max),
                                            duplicate[first:first + CHUNK_ROWS]), first)
    states = total_states(log.agent_state_chunks, edge_s, tally)
    tally.raise_if_any()
    return states


def _why_unavailable(spec: KpiSpec, log: ScoredLog, keys: tuple[str, ...],
                     n_spells: int) -> str | None:
    unmapped = set(log.meta.extra.get(UNMAPPED_COLUMNS, ()))
    for need in spec.needs:
        if need == AGENT_STATES_NEED:
            if n_spells == 0:
                return "the log has no agent-state spells (agent time is unknown)"
            foreign = [k for k in keys if k not in TIME_KEYS + AGENT_LABEL_KEYS]
            if foreign:
                return f"agent time cannot be split by {foreign[0]} (agents serve several)"
        elif need in unmapped:
            return f"the source export had no {need} column (the importer filled it in)"
        elif need not in log.contacts.columns:
            return f"the log has no {need} column"
        elif need in UNKNOWN_WHEN_MISSING and log.contacts[need].isna().all():
            return f"the log records no {need} value (every row is missing)"
    return None


def _overall(value):
    if isinstance(value, dict):
        return {label: _overall(v) for label, v in value.items()}
    number = float(value[0])
    return None if math.isnan(number) else number


def _unit(spec: KpiSpec, settings: KpiSettings) -> str:
    return settings.costs.currency if spec.unit == "currency" else spec.unit

