"""Import an agent-state export (login/logout, ready, talk, after-call work, break) into a log.

The states go into the log a contact import wrote (`ccplan import agent-states FILE --log
LOG_DIR`): same origin and time line, so the KPI engine can score occupancy, utilisation,
per-hour and cost KPIs of the imported contacts. One export row is one spell of one agent
in one state, with a start and an end (or a duration), or one state change (an event list:
login, ready, talk, ..., logout) that lasts until the agent's next event; export labels map
to the log states (available, busy, wrap, break, offline) or to `skip`. A workforce
export is small (a spell per agent and state change), so it is read whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.importers import parsing
from sim.importers.fields import read_field, report, source_columns
from sim.importers.mapping import SKIP, Mapping, label_key
from sim.importers.problems import Problems
from sim.importers.reader import open_table, read_whole
from sim.interaction_log import InteractionLog, LogMeta
from sim.kpis.validate import agent_state_violations
from sim.log_schema import AGENT_STATES, IN_HOUSE

NO_GROUP = "(none)"


@dataclass(frozen=True)
class StateImport:
    log: InteractionLog  # the contact log with these spells as its agent_states
    rejected: pd.DataFrame
    notes: list[str]
    skipped: dict[str, int]


def import_agent_states(path: str | Path, mapping: Mapping, log: InteractionLog,
                        skip_bad_rows: bool = False, max_bad_share: float = 0.01,
                        progress: bool = False) -> StateImport:
    zone = log.meta.extra.get("timezone", "UTC")
    if (mapping.timezone or "UTC") != zone:
        raise InputError(f"time.timezone: {mapping.timezone or 'UTC'!r} must be the log's "
                         f"time zone {zone!r} (the contact import's)")
    for need in ("agent_id", "start_s"):
        if mapping.source(need) is None:
            raise InputError(f"mapping [columns]: {need} is required for an agent-state export")
    if mapping.source("state") is None and "state" not in mapping.defaults:
        raise InputError("mapping: state not mapped; name the export column in [columns]")
    table = open_table(path, mapping.format, mapping.delimiter, mapping.encoding,
                       mapping.missing, progress)
    absent = [f"{c} (for {n})" for n, c in mapping.columns.items() if c not in table.columns]
    if absent:
        raise InputError(f"{path}: required column(s) missing: {', '.join(absent)}; the file "
                         f"has: {', '.join(table.columns)}{table.header_hint()}")
    frame, rows = read_whole(table)
    problems, skipped = Problems(), Counter()
    problems.add_malformed(table)
    state = _states(frame, rows, mapping, problems, skipped)
    keep = state != SKIP
    frame, rows, state = frame[keep].reset_index(drop=True), rows[keep], state[keep]
    origin = _origin_utc(log, mapping)
    values = {name: read_field(frame, rows, mapping, name, problems).values
              for name in ("start_s", "end_s", "duration_s", "agent_id", "agent_group",
                           "partner") if name in mapping.columns}
    start = parsing.seconds_since(values["start_s"], origin)
    notes = []
    if "end_s" in values:
        end = parsing.seconds_since(values["end_s"], origin)
    elif "duration_s" in values:
        end = start + values["duration_s"]
    else:
        end = _next_event(values["agent_id"], start)
        notes.append("no end_s or duration_s: each row is a state change lasting until the "
                     "agent's next one (an agent's last event, e.g. a logout, has no length)")
    last = np.isnan(end) & ~np.isnan(start) & ("end_s" not in values) & (
        "duration_s" not in values)
    end = np.where(last, start, end)  # an event list's last event: a zero-length spell
    before = np.nan_to_num(end, nan=1.0) <= 0
    if before.any():
        notes.append(f"{int(before.sum())} spell(s) ending before the log's day 0 left out")
    spells = pd.DataFrame({
        "agent_id": values["agent_id"],
        "agent_group": values.get("agent_group", _groups(values["agent_id"], log)),
        "partner": values.get("partner", pd.Series(mapping.defaults.get("partner", IN_HOUSE),
                                                   index=frame.index)),
        "state": state, "start_s": np.maximum(start, 0.0), "end_s": end})
    for name in ("agent_group", "partner"):
        if name in mapping.defaults and name not in mapping.columns:
            spells[name] = mapping.defaults[name]
    spells = spells[~before].reset_index(drop=True)
    frame, rows = frame[~before].reset_index(drop=True), rows[~before]
    for rule in agent_state_violations(spells):
        name = rule.where.split(".", 1)[1]
        columns = _columns(mapping, name)
        report(problems, frame, rows, columns, name, rule.bad, rule.rule)
    n_read = table.rows_read + len(table.malformed)
    n_bad = len(problems.bad_rows())
    if problems and not skip_bad_rows:
        problems.raise_all()
    if skip_bad_rows:
        problems.refuse_share(Path(path).name, n_read, max_bad_share)
    spells = spells[~np.isin(rows, problems.bad_rows())].reset_index(drop=True)
    if spells.empty:
        raise InputError(f"{path}: no agent-state spell could be imported")
    spells = spells[spells["end_s"] > spells["start_s"]]  # zero-length events say nothing
    spells = spells.sort_values(["agent_id", "start_s"], kind="stable", ignore_index=True)
    meta = log.meta
    extra = dict(meta.extra) | {"agent_states_source": Path(path).name,
                                "agent_state_rows_rejected": n_bad}
    new_meta = LogMeta(interval_s=meta.interval_s, horizon_s=meta.horizon_s,
                       start_date=meta.start_date, source=meta.source, seed=meta.seed,
                       extra=extra)
    return StateImport(InteractionLog(log.contacts, spells, new_meta), problems.rejected(),
                       notes, dict(skipped))


def _states(frame, rows, mapping: Mapping, problems: Problems, skipped: Counter) -> np.ndarray:
    source = mapping.source("state")
    if source is None:
        return np.repeat(np.asarray(mapping.defaults["state"], dtype=object), len(frame))
    text = parsing.parse_label(frame[source]).values
    table = mapping.states or {s: s for s in AGENT_STATES}
    keys = {label_key(label): state for label, state in table.items()}
    state = text.map(lambda t: keys.get(label_key(t)), na_action="ignore").to_numpy(object)
    unknown = pd.isna(state)
    report(problems, frame, rows, [source], "state", unknown,
           f"must be a label listed in [states] ({', '.join(map(repr, table))})")
    state = np.where(unknown, "offline", state)
    skip = state == SKIP
    skipped.update(text[skip].value_counts().to_dict())
    return state


def _next_event(agent_id: pd.Series, start: np.ndarray) -> np.ndarray:
    """End of each event-list row: the start of the same agent's next event (NaN if last)."""
    order = np.lexsort((start, pd.factorize(agent_id)[0]))
    agent = pd.factorize(agent_id)[0][order]
    following = np.r_[start[order][1:], np.nan]
    following[np.r_[agent[1:] != agent[:-1], True]] = np.nan
    end = np.empty(len(start))
    end[order] = following
    return end


def _origin_utc(log: InteractionLog, mapping: Mapping) -> pd.Timestamp:
    """The log's day 0 as a naive UTC instant (the contact import's time line)."""
    origin = log.meta.extra.get("origin")
    if origin is None:
        if log.meta.start_date is None:
            raise InputError("log: has no start_date; import its contacts first")
        origin = pd.Timestamp(log.meta.start_date).tz_localize(mapping.timezone or "UTC")
    return pd.Timestamp(origin).tz_convert("UTC").tz_localize(None)


def _groups(agent_id: pd.Series, log: InteractionLog) -> pd.Series:
    """An agent's group as the contact log shows it (its most frequent one)."""
    seen = log.contacts.dropna(subset=["agent_id", "agent_group"])
    groups = seen.groupby("agent_id")["agent_group"].agg(lambda g: g.mode().iloc[0])
    return agent_id.map(groups).astype(object).fillna(NO_GROUP)


def _columns(mapping: Mapping, name: str) -> list[str]:
    if name in ("start_s", "end_s") and mapping.source(name):
        return source_columns(mapping, name)
    if name == "end_s":
        return source_columns(mapping, "start_s") + (
            [mapping.columns["duration_s"]] if mapping.source("duration_s") else [])
    return [mapping.source(name) or mapping.source("agent_id")]

