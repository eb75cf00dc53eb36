"""One chunk of a contact export -> compact arrays of its good rows, problems reported.

Times are kept as seconds from a reference instant fixed by the first chunk (UTC), so
chunks are parsed independently and rules between times (end before start, ...) are
checked while the raw cells are still at hand to name them. The importer shifts all
times to the origin once the whole export is read.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from sim.importers import parsing
from sim.importers.fields import raw_cells, read_field, report, source_columns, where
from sim.importers.mapping import (DURATION_FIELDS, ID_FIELDS, LABEL_FIELDS, TIME_FIELDS,
                                   Mapping, OutcomeRule, SKIP, label_key)
from sim.importers.problems import Problems
from sim.kpis.validate import contact_violations
from sim.log_schema import OUTCOMES

DAY_S = 86_400.0
MIDNIGHT_WRAP_S = 12 * 3600.0  # with a date column, a clock time this far before arrival is next day
CHECKED = ("arrival_s", "enqueue_s", "answer_s", "abandon_s", "end_s", "handle_s", "wrap_s",
           "csat", "nps", "ces")


def provenance(mapping: Mapping) -> dict[str, list[str]]:
    """The export columns each log field comes from, mapped or derived (docs/kpis.md)."""
    def cols(*names):
        out = []
        for name in names:
            if name in mapping.columns:
                out += [c for c in source_columns(mapping, name) if c not in out]
        return out

    enqueue = cols("enqueue_s") or cols("arrival_s", "ivr_s")
    end_parts = cols("end_s")
    waited = (cols("enqueue_s") or cols("arrival_s", "ivr_s")) + cols("wait_s")
    agent = cols("handle_s", "hold_s", "wrap_s")
    answer = cols("answer_s") or (waited if "wait_s" in mapping.columns else end_parts + agent)
    abandon = cols("abandon_s") or (waited if "wait_s" in mapping.columns else end_parts)
    out = {name: cols(name) for name in mapping.columns}
    out |= {"enqueue_s": enqueue, "answer_s": answer, "abandon_s": abandon,
            "end_s": end_parts or list(dict.fromkeys(answer + agent)),
            "handle_s": cols("handle_s", "hold_s")}
    return {name: columns or ["(default)"] for name, columns in out.items()}


class ChunkReader:
    def __init__(self, mapping: Mapping, problems: Problems, skipped: Counter, notes: dict):
        self.mapping, self.problems, self.skipped, self.notes = mapping, problems, skipped, notes
        self.ref: pd.Timestamp | None = None  # naive UTC instant: 0 s of the time line
        self.sources = provenance(mapping)

    # the time line: seconds from `ref` on UTC; local clock only when shown
    def seconds_of(self, local: pd.Timestamp) -> float:
        instant = local.tz_localize(self.mapping.timezone or "UTC").tz_convert("UTC")
        instant = instant.tz_localize(None)
        return (instant - (instant if self.ref is None else self.ref)).total_seconds()

    def local_midnight_s(self, seconds: float) -> float:
        return self.seconds_of(self.local(seconds).tz_localize(None).normalize())

    def local(self, seconds: float) -> pd.Timestamp:
        return ((self.ref + pd.Timedelta(seconds=seconds)).tz_localize("UTC")
                .tz_convert(self.mapping.timezone or "UTC"))

    def read(self, chunk) -> dict:
        found = Problems()
        frame, rows = chunk.frame, chunk.rows
        outcome, skip = self._outcomes(frame, rows, found)
        if skip.any():
            frame, rows, outcome = (frame[~skip].reset_index(drop=True), rows[~skip],
                                    outcome[~skip])
        values, later = {}, {}
        for name in self.mapping.columns:
            if name == "outcome":
                continue
            if name in ID_FIELDS:
                values[name] = self._ids(frame, rows, name, found)
                continue
            parsed = read_field(frame, rows, self.mapping, name, found)
            values[name], later[name] = parsed.values, parsed.later
        seconds = self._times(values, later)
        get = {**{k: v for k, v in values.items() if k not in TIME_FIELDS}, **seconds,
               "outcome": outcome}
        for name in DURATION_FIELDS:
            if name in get:
                report(found, frame, rows, self.sources[name], name, get[name] < 0,
                       "negative duration: must be >= 0")
        for name, value in self.mapping.defaults.items():
            get.setdefault(name, np.repeat(np.asarray(value, dtype=object), len(frame)))
        times = _derive_times(get, outcome, self.notes)
        self._rules(frame, rows, get, times, outcome, found)
        good = ~np.isin(rows, found.bad_rows())
        self.problems.merge(found)
        out = {"row": rows[good], "outcome": pd.Categorical(outcome[good])}
        kept = {k: v for k, v in get.items() if k not in self.mapping.defaults
                and k not in ("outcome", "ivr_s", "wait_s", "hold_s")}  # in the times now
        for name, value in (kept | times).items():
            value = (value[good] if isinstance(value, np.ndarray)
                     else pd.Series(value)[good].reset_index(drop=True))
            out[name] = pd.Categorical(value) if name in LABEL_FIELDS else value
        return out

    def _outcomes(self, frame, rows, problems: Problems):
        """Log outcome per row, and the rows an outcome label maps to `skip`."""
        mapping, n = self.mapping, len(frame)
        source = mapping.source("outcome")
        if source is None:
            return np.repeat(np.asarray(mapping.defaults["outcome"], dtype=object), n), (
                np.zeros(n, bool))
        text = parsing.parse_label(frame[source]).values
        codes, labels = pd.factorize(text)
        table = mapping.outcomes or {label: label for label in OUTCOMES}
        keys = {label_key(label): target for label, target in table.items()}
        outcome = np.full(n, None, dtype=object)
        for code, label in enumerate(labels):
            target = keys.get(label_key(label))
            hit = codes == code
            if isinstance(target, OutcomeRule):
                yes = target.condition.evaluate(frame[target.condition.column][hit],
                                                mapping.decimal)
                outcome[np.flatnonzero(hit)] = np.where(yes, target.then, target.otherwise)
            elif target is not None:
                outcome[hit] = target
        known = ", ".join(map(repr, table))
        rule = (f"must be a label listed in [outcomes] ({known})" if mapping.outcomes else
                f"must be one of the log outcomes ({known}) or a label mapped in [outcomes]")
        unknown = pd.isna(outcome)
        report(problems, frame, rows, [source], "outcome", unknown, rule)
        skip = outcome == SKIP
        if skip.any():
            self.skipped.update(text[skip].value_counts().to_dict())
        return outcome, skip

    def _ids(self, frame, rows, name, problems: Problems):
        """int64 ids, or text to number once the whole export is read. An empty customer
        or issue id (or a sentinel such as 0) makes the row its own customer or issue."""
        ids, text, missing = parsing.parse_id(frame[self.mapping.columns[name]])
        if name in ("customer_id", "issue_id"):
            if missing.any():
                ids[missing] = -rows[missing]  # unique, apart from the export's own ids
                self.notes[f"{name}: rows without one (empty or a [missing] value) are "
                           "each their own"] = None
        else:
            report(problems, frame, rows, self.sources[name], name, missing,
                   "must be set on every row")
        if text is None:
            return ids
        labels = parsing.parse_label(frame[self.mapping.columns[name]]).values.to_numpy(object)
        return np.where(missing, [f"(none, row {r})" for r in rows], labels)

    def _times(self, values: dict, later: dict) -> dict:
        """Seconds on the time line; a field other than arrival takes the later reading of
        a repeated DST hour, or the next day after a date-column midnight, when its first
        reading falls before the arrival."""
        arrival = values.get("arrival_s")
        if self.ref is None and arrival is not None and arrival.notna().any():
            self.ref = arrival.min().floor("D")
        ref = self.ref if self.ref is not None else pd.Timestamp("1970-01-01")
        seconds = {}
        for name in TIME_FIELDS:
            if name in values:
                seconds[name] = parsing.seconds_since(values[name], ref)
        if "arrival_s" not in seconds:
            return seconds
        start = seconds["arrival_s"]
        for name in set(seconds) - {"arrival_s"}:
            value = seconds[name]
            if later.get(name) is not None:
                second = parsing.seconds_since(later[name], ref)
                value = np.where((value < start) & (second >= start), second, value)
            if self.mapping.date_column:
                value = np.where(value < start - MIDNIGHT_WRAP_S, value + DAY_S, value)
            seconds[name] = value
        return seconds

    def _rules(self, frame, rows, get, times, outcome, problems: Problems) -> None:
        """The log contract's row rules, each named by the export columns it came from."""
        n = len(rows)
        nan = np.full(n, np.nan)
        checked = pd.DataFrame({name: times.get(name, get.get(name, nan)) for name in CHECKED})
        checked["arrival_s"] = get.get("arrival_s", nan)
        arrival = checked["arrival_s"].to_numpy()
        if np.isfinite(arrival).any():  # only the order of times matters here, not day 0
            shift = np.nanmin(arrival)
            for name in TIME_FIELDS:
                checked[name] -= shift
        checked["outcome"] = outcome
        checked["contact_id"] = np.arange(n)
        if "direction" in get:
            checked["direction"] = get["direction"]
        reported = np.isin(rows, problems.bad_rows())
        for rule in contact_violations(checked):
            bad = np.asarray(rule.bad, bool) & ~reported
            name = rule.where.split(".", 1)[1]
            columns = self.sources.get(name, [self.mapping.source(name) or "(default)"])
            if bad.any() and "(default)" not in columns:
                problems.add(where(columns, name), rule.rule, rows[bad],
                             raw_cells(frame, columns, bad))
            elif bad.any():
                problems.add(f"{name} (from [defaults] or derived)", rule.rule, rows[bad],
                             np.asarray(rule.values, dtype=object)[bad])


def _derive_times(get: dict, outcome: np.ndarray, notes: dict) -> dict:
    """Times the export does not give, from the ones it does (rules in docs/kpis.md).

    A no_answer row (a callback whose tries never reached the customer) keeps the agent
    time the export gives, and its times derive like an answered row's. An empty hold or
    IVR cell means none (0 s): ACD exports leave it blank for calls without one.
    """
    arrival = np.asarray(get.get("arrival_s", np.full(len(outcome), np.nan)), float)
    n = len(arrival)
    nan = np.full(n, np.nan)
    outcome = outcome.astype(str)
    abandoned = outcome == "abandoned"
    worked = (outcome == "answered") | (outcome == "no_answer")  # an agent spent time
    queued = worked | abandoned | (outcome == "unserved")
    number = lambda name, default: np.asarray(get.get(name, default), float)  # noqa: E731
    ivr = np.nan_to_num(number("ivr_s", np.zeros(n)))
    hold = np.nan_to_num(number("hold_s", np.zeros(n)))
    handle = np.where(worked, number("handle_s", nan) + hold, np.nan)
    wrap = np.where(worked, number("wrap_s", nan), np.nan)
    enqueue = get.get("enqueue_s", np.where(queued, arrival + ivr, np.nan))
    wait = number("wait_s", nan) if "wait_s" in get else None
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
            notes[f"{name}: not in the export, derived (see docs/kpis.md)"] = None
    return {"enqueue_s": enqueue, "answer_s": answer, "abandon_s": abandon, "end_s": end,
            "handle_s": handle, "wrap_s": wrap}
