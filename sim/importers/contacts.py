"""Import a contact-level export (CSV / Parquet from an ACD or ticketing tool) as a log.

Every row either becomes a log row or is reported with its row number and reason: by
default one unreadable row fails the import; with `skip_bad_rows` the bad rows are left
out and returned in `rejected`. Log fields the export lacks are filled with a neutral
placeholder and listed in meta.extra["unmapped_columns"], so the KPI engine reports the
KPIs that need them as not available instead of scoring the placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.importers import parsing
from sim.importers.mapping import (BOOL_FIELDS, DURATION_FIELDS, LABEL_FIELDS, NUMBER_FIELDS,
                                   TIME_FIELDS, Mapping, label_key)
from sim.interaction_log import InteractionLog, LogMeta
from sim.kpis.engine import UNMAPPED_COLUMNS
from sim.kpis.validate import Violation, contact_violations, raise_if_any, show_value
from sim.log_schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS, OUTCOMES

REQUIRED = ("arrival_s", "outcome", "channel", "queue")  # a column or a default is needed
# Neutral values for fields an export lacks; the KPI engine is told which were filled in.
PLACEHOLDERS = {"segment": 1, "avoidable": False, "resolved": pd.NA, "transferred_to": None,
                "callback": False, "csat": np.nan, "nps": np.nan, "ces": np.nan,
                "reason": None, "agent_id": None, "agent_group": None, "partner": None}
TRACKED = ("issue_id", "customer_id", *PLACEHOLDERS)  # issue -> contact id, customer -> issue
OPTIONAL = ("churned", "qa_score", "converted", "direction")


@dataclass(frozen=True)
class ContactImport:
    log: InteractionLog
    rejected: pd.DataFrame  # row, column, value, reason: one line per problem of a left-out row
    notes: list[str]  # what the importer filled in or derived, for the user to check


def import_contacts(path: str | Path, mapping: Mapping,
                    skip_bad_rows: bool = False) -> ContactImport:
    frame = parsing.read_table(path, mapping.format, mapping.delimiter, mapping.encoding)
    _check_sources(frame, mapping, Path(path))
    rows = np.arange(1, len(frame) + 1)  # data rows from 1, header excluded
    fields, violations, notes = _read_fields(frame, mapping)
    origin = _origin(fields, mapping, violations, rows)
    contacts = _contacts(fields, mapping, origin, notes)
    unreadable = np.logical_or.reduce([v.bad for v in violations] + [np.zeros(len(frame), bool)])
    for rule in contact_violations(contacts):  # rows already reported are not reported twice
        if (rule.bad & ~unreadable).any():
            violations.append(replace(rule, bad=rule.bad & ~unreadable))
    bad = np.zeros(len(frame), dtype=bool)
    for violation in violations:
        bad |= violation.bad
    if bad.any() and not skip_bad_rows:
        raise_if_any(violations, rows)
    rejected = _rejected(violations, rows)
    contacts = contacts[~bad].reset_index(drop=True)
    if contacts.empty:
        raise InputError(f"{path}: no row could be imported ({len(rejected)} problem(s))")
    interval_s = mapping.interval_s or 1800.0
    last_arrival = contacts["arrival_s"].max()
    meta = LogMeta(
        interval_s=interval_s,
        horizon_s=float((last_arrival // interval_s + 1) * interval_s),
        start_date=origin.date().isoformat(),
        source=f"imported: {Path(path).name}",
        extra={UNMAPPED_COLUMNS: [f for f in TRACKED if _absent(f, mapping)],
               "rows_read": len(frame), "rows_rejected": int(bad.sum())},
    )
    empty_states = pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in AGENT_STATE_COLUMNS})
    notes.append("no agent-state spells: occupancy, utilization, per-hour and cost KPIs "
                 "are not available")
    return ContactImport(InteractionLog(contacts, empty_states, meta), rejected, notes)


def _check_sources(frame: pd.DataFrame, mapping: Mapping, path: Path) -> None:
    missing = [f"{source} (for {name})" for name, source in mapping.columns.items()
               if source not in frame.columns]
    if missing:
        raise InputError(f"{path}: required column(s) missing: {', '.join(missing)}; "
                         f"the file has: {', '.join(map(str, frame.columns))}")
    unfed = [f for f in REQUIRED if _absent(f, mapping)]
    unfed += [f for f in ("handle_s", "wrap_s") if _absent(f, mapping)]
    if unfed:
        raise InputError(f"mapping: {', '.join(unfed)} not mapped; name the export column "
                         "in [columns] or a constant in [defaults]")


def _absent(name: str, mapping: Mapping) -> bool:
    return mapping.source(name) is None and name not in mapping.defaults


def _read_fields(frame: pd.DataFrame, mapping: Mapping):
    """Parse every mapped column; returns {field: values}, violations, notes."""
    fields, violations, notes = {}, [], []
    for name, source in mapping.columns.items():
        series = frame[source]
        if name in TIME_FIELDS:
            parsed = parsing.parse_timestamp(series, mapping.time_format, mapping.timezone)
        elif name in DURATION_FIELDS:
            parsed = parsing.parse_duration(series, mapping.duration_unit)
        elif name in NUMBER_FIELDS:
            parsed = parsing.parse_number(series)
        elif name in BOOL_FIELDS:
            parsed = parsing.parse_bool(series, mapping.true_values, mapping.false_values)
        elif name in LABEL_FIELDS:
            parsed = parsing.parse_label(series)
        elif name == "outcome":
            parsed = _outcomes(series, mapping)
        else:
            ids, text, missing = parsing.parse_id(series)
            if text is not None:
                fields[f"source_{name}"] = text
                notes.append(f"{name}: text ids numbered from 1 in order of appearance; "
                             f"originals kept in source_{name}")
            parsed = parsing.Parsed(ids, missing, "set on every row")
        fields[name] = parsed.values
        if parsed.bad.any():
            violations.append(Violation(f"column {source!r} ({name})", parsed.bad,
                                        series.to_numpy(), f"must be {parsed.rule}"))
    return fields, violations, notes


def _outcomes(series: pd.Series, mapping: Mapping) -> parsing.Parsed:
    """Export labels matched stripped and case-insensitive; without [outcomes], the log's own."""
    table = mapping.outcomes or {label: label for label in OUTCOMES}
    text = parsing.parse_label(series).values
    values = text.map(label_key, na_action="ignore").map(
        {label_key(label): outcome for label, outcome in table.items()})
    known = ", ".join(map(repr, table))
    rule = (f"a label listed in [outcomes] ({known})" if mapping.outcomes else
            f"one of the log outcomes ({known}) or a label mapped in [outcomes]")
    return parsing.Parsed(values, values.isna().to_numpy(), rule)


def _origin(fields: dict, mapping: Mapping, violations: list, rows: np.ndarray) -> pd.Timestamp:
    if mapping.origin is not None:
        return pd.Timestamp(mapping.origin).normalize()
    arrivals = fields.get("arrival_s")
    first = arrivals.min() if arrivals is not None else pd.NaT
    if pd.isna(first):  # the parse error says why (column, a value, the format)
        raise_if_any([v for v in violations if v.where.endswith("(arrival_s)")], rows)
        raise InputError("arrival_s: no readable arrival time in the export")
    return first.normalize()


def _contacts(fields: dict, mapping: Mapping, origin: pd.Timestamp, notes: list) -> pd.DataFrame:
    n = len(next(iter(fields.values())))
    get = {}
    for name in [c.name for c in CONTACT_COLUMNS] + list(DURATION_FIELDS) + list(OPTIONAL):
        if name in fields:
            value = fields[name]
            get[name] = (parsing.seconds_since(value, origin) if name in TIME_FIELDS
                         else np.asarray(value) if name in DURATION_FIELDS + NUMBER_FIELDS
                         else value)
        elif name in mapping.defaults:
            get[name] = np.repeat(np.asarray(mapping.defaults[name], dtype=object), n)
    outcome = pd.Series(get["outcome"], dtype="str").to_numpy()
    arrival = get["arrival_s"]
    times = _derive_times(get, arrival, outcome, notes)
    contact_id = get.get("contact_id", np.arange(1, n + 1))
    issue_id = get.get("issue_id", contact_id)
    out = {
        "contact_id": contact_id, "issue_id": issue_id,
        "customer_id": get.get("customer_id", issue_id),
        "attempt": get.get("attempt", _attempt(issue_id, arrival)),
        "arrival_s": arrival, **times, "outcome": outcome,
    }
    for column in CONTACT_COLUMNS:
        if column.name not in out:
            out[column.name] = get.get(column.name, np.repeat(
                np.asarray(PLACEHOLDERS.get(column.name), dtype=object), n))
    frame = pd.DataFrame(out)[[c.name for c in CONTACT_COLUMNS]]
    for column in CONTACT_COLUMNS:
        frame[column.name] = frame[column.name].astype(column.dtype)
    for name in OPTIONAL:
        if name in get:
            frame[name] = get[name]
    for name in [k for k in fields if k.startswith("source_")]:
        frame[name] = fields[name]
    return frame


def _derive_times(get: dict, arrival, outcome, notes: list) -> dict:
    """Times the export does not give, from the ones it does (rules in docs/kpis.md).

    A no_answer row (a callback whose tries never reached the customer) keeps the agent
    time the export gives, and its times derive like an answered row's. An empty hold or
    IVR cell means none (0 s): ACD exports leave it blank for calls without one.
    """
    n = len(arrival)
    nan = np.full(n, np.nan)
    abandoned = outcome == "abandoned"
    worked = (outcome == "answered") | (outcome == "no_answer")  # an agent spent time
    queued = worked | abandoned | (outcome == "unserved")
    ivr = np.nan_to_num(np.asarray(get.get("ivr_s", np.zeros(n)), float))
    hold = np.nan_to_num(np.asarray(get.get("hold_s", np.zeros(n)), float))
    handle = np.where(worked, np.asarray(get["handle_s"], float) + hold, np.nan)
    wrap = np.where(worked, np.asarray(get["wrap_s"], float), np.nan)
    enqueue = get.get("enqueue_s", np.where(queued, arrival + ivr, np.nan))
    wait = np.asarray(get["wait_s"], float) if "wait_s" in get else None
    end = get.get("end_s")
    if "answer_s" in get:
        answer = get["answer_s"]
    elif wait is not None:
        answer = np.where(worked, enqueue + wait, np.nan)
    else:
        answer = np.where(worked, end - handle - wrap, np.nan) if end is not None else nan
    if "abandon_s" in get:
        abandon = get["abandon_s"]
    elif wait is not None:
        abandon = np.where(abandoned, enqueue + wait, np.nan)
    else:
        abandon = np.where(abandoned, end, np.nan) if end is not None else nan
    if end is None:
        agent_s = np.nan_to_num(handle) + np.nan_to_num(wrap)  # a no_answer row may lack them
        end = np.where(worked, answer + agent_s, np.where(
            abandoned, abandon, np.where(outcome == "self_served", arrival + ivr, np.nan)))
    for name in ("enqueue_s", "answer_s", "abandon_s", "end_s"):
        if name not in get:
            notes.append(f"{name}: not in the export, derived (see docs/kpis.md)")
    return {"enqueue_s": enqueue, "answer_s": answer, "abandon_s": abandon, "end_s": end,
            "handle_s": handle, "wrap_s": wrap}


def _attempt(issue_id: np.ndarray, arrival: np.ndarray) -> np.ndarray:
    """1, 2, ... per issue in order of arrival: each row of an issue is a new attempt."""
    order = pd.DataFrame({"issue": issue_id, "arrival": arrival}).sort_values(
        ["issue", "arrival"], kind="stable")
    rank = order.groupby("issue").cumcount() + 1
    return rank.reindex(range(len(issue_id))).to_numpy(np.int64)


def _rejected(violations: list[Violation], rows: np.ndarray) -> pd.DataFrame:
    records = []
    for violation in violations:
        values = np.asarray(violation.values)
        for i in np.flatnonzero(violation.bad):
            records.append((int(rows[i]), violation.where, show_value(values[i]),
                            violation.rule))
    rejected = pd.DataFrame(records, columns=["row", "column", "value", "reason"])
    return rejected.sort_values("row", kind="stable").reset_index(drop=True)

