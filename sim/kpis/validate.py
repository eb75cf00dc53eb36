"""Row rules of the log contract that types alone cannot check (end before start, ...).

`conform` in log_schema checks columns and types; these checks catch logically impossible
rows before they turn into silently wrong KPIs. Importers call them with the source file's
row numbers, so the message points at the line a person must fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import InputError
from sim.log_schema import AGENT_STATES, OUTCOMES

MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Violation:
    """One rule broken by the rows where `bad` is true."""

    where: str  # "contacts.end_s", or the export column an importer could not read
    bad: np.ndarray
    values: object  # the column's values, indexed like `bad`
    rule: str


def contact_violations(contacts: pd.DataFrame,
                       ces_range: tuple[float, float] = (1.0, 7.0)) -> list[Violation]:
    """Every broken rule of the contacts table."""
    ids = contacts["contact_id"]
    return _broken("contacts", contact_rules(contacts, ces_range, ids.duplicated().to_numpy()))


def contact_rules(contacts: pd.DataFrame, ces_range: tuple[float, float],
                  duplicate_id: np.ndarray) -> list[tuple]:
    """Every row rule of the contacts table as (column, bad rows, values, rule), in a fixed
    order (whether broken or not), so rules checked chunk by chunk can be merged.
    `duplicate_id` marks repeated contact ids, a rule over the whole table."""
    col = {name: contacts[name].to_numpy(dtype=float, na_value=np.nan) for name in (
        "arrival_s", "enqueue_s", "answer_s", "abandon_s", "end_s", "handle_s", "wrap_s",
        "csat", "nps", "ces")}
    outcome = contacts["outcome"]
    known = outcome.isin(list(OUTCOMES)).to_numpy()
    answered = (outcome == "answered").to_numpy(dtype=bool, na_value=False)
    abandoned = (outcome == "abandoned").to_numpy(dtype=bool, na_value=False)
    queued = answered | abandoned | outcome.isin(["unserved", "no_answer"]).to_numpy(
        dtype=bool, na_value=False)
    nan = {name: np.isnan(values) for name, values in col.items()}
    rules = [
        ("outcome", ~known, outcome, f"must be one of {', '.join(OUTCOMES)}"),
        ("arrival_s", ~np.isfinite(col["arrival_s"]) | (col["arrival_s"] < 0), col["arrival_s"],
         "must be a finite number of seconds >= 0 from the horizon start"),
        ("end_s", nan["end_s"], col["end_s"], "must be set on every row"),
        ("end_s", col["end_s"] < col["arrival_s"], col["end_s"],
         "end before start: end_s must be >= arrival_s"),
        ("enqueue_s", col["enqueue_s"] < col["arrival_s"], col["enqueue_s"],
         "must be >= arrival_s"),
        ("enqueue_s", queued & nan["enqueue_s"], col["enqueue_s"],
         "must be set when outcome is answered, abandoned, unserved or no_answer"),
        ("answer_s", col["answer_s"] < col["enqueue_s"], col["answer_s"], "must be >= enqueue_s"),
        ("answer_s", answered & nan["answer_s"], col["answer_s"],
         "must be set when outcome is answered"),
        ("abandon_s", col["abandon_s"] < col["enqueue_s"], col["abandon_s"],
         "must be >= enqueue_s"),
        ("abandon_s", abandoned & nan["abandon_s"], col["abandon_s"],
         "must be set when outcome is abandoned"),
        ("end_s", col["end_s"] < col["answer_s"], col["end_s"], "must be >= answer_s"),
        ("handle_s", col["handle_s"] < 0, col["handle_s"], "negative duration: must be >= 0"),
        ("wrap_s", col["wrap_s"] < 0, col["wrap_s"], "negative duration: must be >= 0"),
        ("handle_s", answered & nan["handle_s"], col["handle_s"],
         "must be set when outcome is answered"),
        ("wrap_s", answered & nan["wrap_s"], col["wrap_s"],
         "must be set when outcome is answered (0 if there is no after-contact work)"),
        ("csat", (col["csat"] < 1) | (col["csat"] > 5), col["csat"], "must lie in 1-5"),
        ("nps", (col["nps"] < 0) | (col["nps"] > 10), col["nps"], "must lie in 0-10"),
        ("ces", (col["ces"] < ces_range[0]) | (col["ces"] > ces_range[1]), col["ces"],
         f"must lie in {ces_range[0]:g}-{ces_range[1]:g} (settings ces_min, ces_max)"),
        ("contact_id", duplicate_id, contacts["contact_id"], "must be unique"),
    ]
    if "direction" in contacts.columns:
        way = direction(contacts["direction"])
        rules.append(("direction", ~np.isin(way, ["inbound", "outbound", ""]),
                      contacts["direction"], "must be inbound or outbound (any case)"))
    return rules


def duplicate_ids(ids: np.ndarray) -> np.ndarray:
    """Rows whose id an earlier row already has (as pandas' `duplicated`). Logs list ids
    in increasing order, which proves them unique without a hash table of millions."""
    if len(ids) < 2 or np.all(ids[1:] > ids[:-1]):
        return np.zeros(len(ids), dtype=bool)
    return pd.Series(ids).duplicated().to_numpy()


def direction(values: pd.Series) -> np.ndarray:
    """'inbound' / 'outbound' as written in any case and spacing ('' if missing).

    Dialers write "Outbound" or " OUTBOUND"; normalising the few distinct labels, not
    every row, keeps this cheap on millions of rows.
    """
    codes, uniques = pd.factorize(values)
    labels = np.array([str(u).strip().lower() for u in uniques] + [""], dtype=object)
    return labels[codes]  # code -1 (missing) takes the last entry


def agent_state_violations(states: pd.DataFrame) -> list[Violation]:
    start, end = spell_times(states)
    agent, labels = pd.factorize(states["agent_id"])
    return _broken("agent_states", [*state_rules(states, start, end),
                                    overlapping_spells(agent, labels, start, end)])


def spell_times(states: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return (states["start_s"].to_numpy(dtype=float, na_value=np.nan),
            states["end_s"].to_numpy(dtype=float, na_value=np.nan))


def state_rules(states: pd.DataFrame, start: np.ndarray, end: np.ndarray) -> list[tuple]:
    """The rules of each agent-state row alone (the overlap rule spans rows)."""
    return [
        ("state", ~states["state"].isin(list(AGENT_STATES)).to_numpy(), states["state"],
         f"must be one of {', '.join(AGENT_STATES)}"),
        ("start_s", ~np.isfinite(start) | (start < 0), start, "must be a finite number >= 0"),
        ("end_s", ~np.isfinite(end), end, "must be a finite number"),
        ("end_s", end < start, end, "end before start: end_s must be >= start_s"),
    ]


OVERLAP_TOLERANCE_S = 1e-3  # spells laid end to end by float sums may touch with noise


def overlapping_spells(agent: np.ndarray, labels, start: np.ndarray, end: np.ndarray) -> tuple:
    """Spells that start before the agent's previous spell (by start) ends: an agent is in
    one state at a time, and overlapping spells would count the same seconds twice. Any
    overlap shows between two neighbours in start order, so one comparison finds it.
    `agent` holds codes in order of first appearance (-1: no id), `labels[code]` the ids.
    Logs usually list each agent's spells together and in time order; the sort, the
    costly part on millions of spells, is skipped then."""
    in_order = np.all(agent[1:] >= agent[:-1]) and np.all(
        (agent[1:] != agent[:-1]) | (start[1:] >= start[:-1]))
    order = np.arange(len(agent)) if in_order else np.lexsort((end, start, agent))
    same = (agent[order][1:] == agent[order][:-1]) & (agent[order][1:] >= 0)  # -1: no id
    clash = same & (start[order][1:] < end[order][:-1] - OVERLAP_TOLERANCE_S)
    bad = np.zeros(len(start), dtype=bool)
    bad[order[1:][clash]] = True
    rule = OVERLAP_RULE
    if clash.any():  # name the first bad row, as `describe` does, and the row it overlaps
        k = np.argmin(order[1:][clash])
        row, earlier = order[1:][clash][k], order[:-1][clash][k]
        rule = overlap_rule(labels[agent[row]], row, earlier, end[earlier])
    return ("start_s", bad, start, rule)


OVERLAP_RULE = "spells of one agent must not overlap"


def overlap_rule(agent_id, row: int, earlier: int, earlier_end_s: float) -> str:
    """The overlap rule naming its first bad row and the row it overlaps (rows from 0)."""
    return (f"{OVERLAP_RULE} (agent {agent_id!r}: row {row + 1} starts before row "
            f"{earlier + 1} ends at {earlier_end_s:g})")


def raise_if_any(violations: list[Violation], row_numbers: np.ndarray | None = None) -> None:
    """One InputError for all violations; `row_numbers[i]` names row i (default i + 1)."""
    raise_problems([describe(v, row_numbers) for v in violations])


def raise_problems(problems: list[str]) -> None:
    """One InputError for all `problems` lines (none: nothing to raise)."""
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InputError(problems[0] + more, problems)


def describe(violation: Violation, row_numbers: np.ndarray | None = None) -> str:
    """'contacts.end_s: 12 at row 3, 7 (2 row(s)): rule', naming the first rows."""
    rows = np.flatnonzero(violation.bad)
    shown = rows[:MAX_ROWS_SHOWN]
    numbers = row_numbers[shown] if row_numbers is not None else shown + 1
    return problem_line(violation.where, numbers, len(rows),
                        value_at(violation.values, rows[0]), violation.rule)


def problem_line(where: str, row_numbers, n_rows: int, first_value, rule: str) -> str:
    listing = ", ".join(str(int(n)) for n in row_numbers)
    extra = f" and {n_rows - len(row_numbers)} more" if n_rows > len(row_numbers) else ""
    return f"{where}: {show_value(first_value)} at row {listing}{extra} ({n_rows} row(s)): {rule}"


def value_at(values, row: int):
    """One value of a column (numpy array or pandas Series) without converting it whole."""
    return values.iloc[row] if isinstance(values, pd.Series) else np.asarray(values)[row]


def _broken(table: str, rules: list) -> list[Violation]:
    found = []
    for column, bad, values, rule in rules:
        bad = np.asarray(bad, dtype=bool)
        if bad.any():
            found.append(Violation(f"{table}.{column}", bad, values, rule))
    return found


def show_value(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "empty value"
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, (float, np.floating)):
        return f"{float(value):g}"
    return repr(value.item() if hasattr(value, "item") else value)
