"""Import a contact-level export (CSV / TSV / Parquet from an ACD or ticketing tool) as a log.

The export is read chunk by chunk (`reader`), so a 10M-row file is never whole as Python
objects. Every row either becomes a log row, is skipped by an outcome label mapped to
`skip` (counted), or is reported with its row number, export column and raw value: by
default any problem fails the import, listing them all; with `skip_bad_rows` bad rows are
left out and returned in `rejected`, unless more than `max_bad_share` of the rows are bad.
Log fields the export lacks are filled with a neutral placeholder and listed in
meta.extra["unmapped_columns"], so the KPI engine reports the KPIs that need them as not
available instead of scoring the placeholder.

Times are seconds from the origin (local midnight of day 0) measured on the UTC time line,
so a contact across a daylight-saving change keeps its true duration; meta.extra keeps the
time zone and the origin instant for showing local clock time at the edges.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.importers.contact_chunks import ChunkReader, provenance
from sim.importers.fields import where
from sim.importers.mapping import TIME_FIELDS, Mapping
from sim.importers.parsing import parse_id
from sim.importers.problems import Problems
from sim.importers.reader import open_table
from sim.interaction_log import InteractionLog, LogMeta
from sim.kpis.engine import UNMAPPED_COLUMNS
from sim.log_schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS

REQUIRED = ("arrival_s", "outcome", "channel", "queue")  # a column or a default is needed
# Neutral values for fields an export lacks; the KPI engine is told which were filled in.
PLACEHOLDERS = {"segment": 1, "avoidable": False, "resolved": pd.NA, "transferred_to": None,
                "callback": False, "csat": np.nan, "nps": np.nan, "ces": np.nan,
                "reason": None, "agent_id": None, "agent_group": None, "partner": None}
# issue -> contact id, customer -> issue. Not segment: an export without transfer legs has
# one segment per contact, so 1 is the true value, not a placeholder.
TRACKED = ("issue_id", "customer_id", *(f for f in PLACEHOLDERS if f != "segment"))
OPTIONAL = ("churned", "qa_score", "converted", "direction")
OUTLIER_DAYS = 31  # an arrival this far outside the 5-95 % range of dates is refused
MAX_BAD_SHARE = 0.01


@dataclass(frozen=True)
class ContactImport:
    log: InteractionLog
    rejected: pd.DataFrame  # row, column, value, reason: one line per problem of a left-out row
    notes: list[str]  # what the importer filled in or derived, for the user to check
    skipped: dict[str, int]  # export outcome label -> rows left out by a `skip` rule


def import_contacts(path: str | Path, mapping: Mapping, skip_bad_rows: bool = False,
                    max_bad_share: float = MAX_BAD_SHARE,
                    progress: bool = False) -> ContactImport:
    table = open_table(path, mapping.format, mapping.delimiter, mapping.encoding,
                       mapping.missing, progress)
    _check_sources(table, mapping)
    problems, skipped, notes = Problems(), Counter(), {}
    reader = ChunkReader(mapping, problems, skipped, notes)
    parts = [reader.read(chunk) for chunk in table.chunks()]
    problems.add_malformed(table)
    data = {k: _concat([p.pop(k) for p in parts]) for k in list(parts[0])} if parts else {}
    rows_read = table.rows_read + len(table.malformed)
    _global_checks(data, mapping, problems, reader)
    bad = np.isin(data.get("row", np.zeros(0)), problems.bad_rows())
    if not (~bad).any():  # nothing left: the problems say why, else the skips do
        problems.raise_all()
        raise InputError(f"{path}: no row could be imported ({len(problems.bad_rows())} "
                         f"rejected, {sum(skipped.values())} skipped)")
    origin_s = _origin_s({k: v[~bad] for k, v in data.items()}, mapping, reader)
    bad |= _before_origin(data, mapping, problems, reader, origin_s)
    if problems and not skip_bad_rows:
        problems.raise_all()
    if skip_bad_rows:
        problems.refuse_share(Path(path).name, rows_read, max_bad_share)
    n_bad = len(problems.bad_rows())
    data = {k: v[~bad] for k, v in data.items()}
    contacts = _contacts(data, mapping, origin_s, notes)
    interval_s = float(mapping.interval_s or 1800.0)
    origin = reader.local(origin_s)
    meta = LogMeta(
        interval_s=interval_s,
        horizon_s=float((contacts["arrival_s"].max() // interval_s + 1) * interval_s),
        start_date=origin.date().isoformat(),
        source=f"imported: {Path(path).name}",
        extra={UNMAPPED_COLUMNS: [f for f in TRACKED if _absent(f, mapping)],
               "rows_read": rows_read, "rows_rejected": n_bad,
               "rows_skipped": dict(skipped), "timezone": mapping.timezone or "UTC",
               "origin": origin.isoformat()},
    )
    empty_states = pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in AGENT_STATE_COLUMNS})
    out_notes = list(notes) + ["no agent-state spells: occupancy, utilization, per-hour and "
                               "cost KPIs are not available until `ccplan import "
                               "agent-states` adds them to this log"]
    return ContactImport(InteractionLog(contacts, empty_states, meta), problems.rejected(),
                         out_notes, dict(skipped))


def _check_sources(table, mapping: Mapping) -> None:
    needed = {f"{source} (for {name})": source for name, source in mapping.columns.items()}
    if mapping.date_column:
        needed[f"{mapping.date_column} (time.date_column)"] = mapping.date_column
    for label, rule in mapping.outcomes.items():
        if not isinstance(rule, str):
            needed[f"{rule.condition.column} (outcome rule {label})"] = rule.condition.column
    missing = [label for label, source in needed.items() if source not in table.columns]
    if missing:
        raise InputError(f"{table.path}: required column(s) missing: {', '.join(missing)}; "
                         f"the file has: {', '.join(map(str, table.columns))}"
                         f"{table.header_hint()}")
    unfed = [f for f in REQUIRED + ("handle_s", "wrap_s") if _absent(f, mapping)]
    if unfed:
        raise InputError(f"mapping: {', '.join(unfed)} not mapped; name the export column "
                         "in [columns] or a constant in [defaults]")


def _absent(name: str, mapping: Mapping) -> bool:
    return mapping.source(name) is None and name not in mapping.defaults


def _concat(parts: list):
    if isinstance(parts[0], pd.Categorical):
        return pd.api.types.union_categoricals(parts, ignore_order=True)
    if isinstance(parts[0], pd.Series):
        return pd.concat(parts, ignore_index=True)
    return np.concatenate(parts)


def _origin_s(data: dict, mapping: Mapping, reader: ChunkReader) -> float:
    """Seconds of day 0's local midnight on the reader's time line."""
    if mapping.origin is not None:
        return reader.seconds_of(pd.Timestamp(mapping.origin))
    arrival = data.get("arrival_s", np.zeros(0))
    good = arrival[np.isfinite(arrival)] if len(arrival) else arrival
    if not len(good):
        reader.problems.raise_all()
        raise InputError("arrival_s: no readable arrival time in the export")
    return reader.local_midnight_s(float(good.min()))


def _before_origin(data: dict, mapping: Mapping, problems: Problems, reader: ChunkReader,
                   origin_s: float) -> np.ndarray:
    """Rows arriving before a `time.origin` the mapping sets (reported)."""
    if mapping.origin is None or not data:
        return np.zeros(len(data.get("row", ())), dtype=bool)
    early = data["arrival_s"] < origin_s
    problems.add(where(provenance(mapping)["arrival_s"], "arrival_s"),
                 f"must be on or after time.origin {mapping.origin}", data["row"][early],
                 [reader.local(s).isoformat() for s in data["arrival_s"][early]])
    return early


def _global_checks(data: dict, mapping: Mapping, problems: Problems,
                   reader: ChunkReader) -> None:
    """Rules only the whole export can check: unique ids, arrivals near the other dates."""
    if not data:
        return
    rows, arrival = data["row"], data["arrival_s"]
    columns = provenance(mapping)
    if "contact_id" in data and data["contact_id"].dtype != object:
        twice = pd.Series(data["contact_id"]).duplicated().to_numpy()
        problems.add(where(columns["contact_id"], "contact_id"), "must be unique",
                     rows[twice], data["contact_id"][twice])
    days = np.floor(arrival / 86400.0)
    finite = np.isfinite(days)
    if finite.sum() >= 20:
        low, high = np.quantile(days[finite], [0.05, 0.95])
        far = finite & ((days < low - OUTLIER_DAYS) | (days > high + OUTLIER_DAYS))
        problems.add(where(columns["arrival_s"], "arrival_s"),
                     f"must lie within {OUTLIER_DAYS} days of the export's other dates "
                     f"(90 % of arrivals lie within {int(high - low) + 1} day(s)); a wrong "
                     "date or format?", rows[far],
                     [reader.local(s).isoformat() for s in arrival[far]])


def _contacts(data: dict, mapping: Mapping, origin_s: float, notes: dict) -> pd.DataFrame:
    """The log's contacts table, each column built once in its final type (10M rows fit)."""
    n = len(data.pop("row"))
    get = data
    for name in TIME_FIELDS:
        if name in get:
            get[name] = get[name] - origin_s
    for name, value in mapping.defaults.items():
        if name not in get:
            get[name] = pd.Series(value, index=pd.RangeIndex(n))
    ids = {}
    for name in ("contact_id", "issue_id", "customer_id", "attempt", "segment"):
        if name not in get:
            continue
        values = np.asarray(get.pop(name))
        if values.dtype != object:
            ids[name] = values.astype(np.int64)
            continue
        ids[name], text, _ = parse_id(pd.Series(values).astype("str"))
        if text is not None:
            get[f"source_{name}"] = text.to_numpy()
            notes[f"{name}: text ids numbered from 1 in order of appearance; originals "
                  f"kept in source_{name}"] = None
    contact_id = ids.get("contact_id", np.arange(1, n + 1))
    issue_id = ids.get("issue_id", contact_id)
    out = {"contact_id": contact_id, "issue_id": issue_id,
           "customer_id": ids.get("customer_id", issue_id),
           "attempt": ids.get("attempt", _attempt(issue_id, get["arrival_s"])),
           "segment": ids.get("segment", np.ones(n, np.int64))}
    index = pd.RangeIndex(n)
    for column in CONTACT_COLUMNS:
        if column.name in out:
            continue
        values = get.pop(column.name, None)
        if column.dtype == "str":
            out[column.name] = pd.Series(_text(values, n), index=index, copy=False)
            continue
        if values is None:
            values = pd.Series(PLACEHOLDERS.get(column.name), index=index)
        out[column.name] = pd.Series(values, index=index, copy=False).astype(column.dtype)
    for name in OPTIONAL + tuple(k for k in get if k.startswith("source_")):
        if name in get:
            out[name] = pd.Series(np.asarray(get[name]), index=index, copy=False)
    return pd.DataFrame(out, copy=False)


def _text(values, n: int):
    """A "str" column without a Python object per row (the slow part on 10M rows)."""
    import pyarrow as pa

    if values is None:
        return pd.array(pa.nulls(n, pa.large_string()), dtype="str")
    if isinstance(values, pd.Categorical):
        labels = pd.array(values.categories.astype("str"), dtype="str")
        return labels.take(values.codes, allow_fill=True)
    return pd.Series(values).astype("str").array


def _attempt(issue_id: np.ndarray, arrival: np.ndarray) -> np.ndarray:
    """1, 2, ... per issue in order of arrival: each row of an issue is a new attempt."""
    order = np.lexsort((arrival, issue_id))
    sorted_issue = issue_id[order]
    starts = np.r_[True, sorted_issue[1:] != sorted_issue[:-1]]
    index = np.arange(len(order))
    rank = index - np.maximum.accumulate(np.where(starts, index, 0)) + 1
    attempt = np.empty(len(order), np.int64)
    attempt[order] = rank
    return attempt
