"""The InteractionLog contract: column names, types and meanings of its two tables.

The simulator writes these columns, importers map real exports onto them, and the KPI
engine reads nothing else. Times are seconds from the start of the horizon (day 0, 00:00);
the time of an event that did not happen is NaN, a text that does not apply is missing.
Light to import (pandas only inside `conform`), so the CLI can offer its choices quickly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("parquet", "csv")  # file formats of a log directory


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # a pandas dtype name; "str" and "boolean" hold missing values
    doc: str


# What happened to a queue visit. Further labels are added here, never elsewhere.
OUTCOMES = {
    "answered": "an agent took the contact (answer_s, end_s, agent_id set)",
    "abandoned": "the customer hung up while queued (abandon_s set)",
    "self_served": "contained by the IVR or a bot; never queued for an agent",
    "unserved": "still queued when the run ended with no agent left on duty "
    "(infinite patience only)",
    "no_answer": "a callback the customer never picked up: every try failed (the row "
    "shows the last; earlier tries are agent busy time only)",
}

AGENT_STATES = {
    "available": "on duty and idle, ready for a contact",
    "busy": "handling a contact (talk and hold)",
    "wrap": "after-contact work",
    "break": "scheduled break while on shift",
    "offline": "not on duty",
}

CONTACT_COLUMNS = (
    Column("contact_id", "int64", "unique id of this queue visit"),
    Column("issue_id", "int64", "customer problem; shared by transfers, redials, recontacts"),
    Column("customer_id", "int64", "the customer"),
    Column("attempt", "int64", "1 for the first try at an issue, +1 per redial or recontact"),
    Column("segment", "int64", "1 for the first queue of an attempt, +1 per transfer"),
    Column("channel", "str", "phone, chat, email, ..."),
    Column("queue", "str", "queue (contact type) name"),
    Column("reason", "str", "contact reason"),
    Column("avoidable", "bool", "the reason is tagged avoidable"),
    Column("arrival_s", "float64", "the customer reached the system (IVR start)"),
    Column("enqueue_s", "float64", "joined the agent queue (after IVR); NaN if self-served"),
    Column("answer_s", "float64", "an agent answered; NaN if not answered"),
    Column("abandon_s", "float64", "the customer hung up while queued; NaN otherwise"),
    Column("end_s", "float64", "the contact left the system (after wrap if answered); the run's end if unserved"),
    Column("outcome", "str", "one of OUTCOMES"),
    Column("agent_id", "str", "agent who answered; missing if not answered"),
    Column("agent_group", "str", "group of that agent; missing if not answered"),
    Column("partner", "str", "'in-house' or the outsourcing vendor's name; missing if not answered"),
    Column("handle_s", "float64", "talk + hold time; NaN if not answered"),
    Column("wrap_s", "float64", "after-contact work time; NaN if not answered"),
    Column("resolved", "boolean", "the issue was resolved by this contact; missing if not answered "
           "or not known (no resolution model in the scenario, no such field in an export)"),
    Column("transferred_to", "str", "queue the contact was transferred to; missing if none"),
    Column("callback", "bool", "the contact was a callback (virtual hold)"),
    Column("csat", "float64", "survey answer 1-5; NaN if not surveyed"),
    Column("nps", "float64", "survey answer 0-10; NaN if not surveyed"),
    Column("ces", "float64", "survey answer 1-7 (7 = very easy); NaN if not surveyed"),
)

AGENT_STATE_COLUMNS = (
    Column("agent_id", "str", "the agent"),
    Column("agent_group", "str", "the agent's group"),
    Column("partner", "str", "'in-house' or the outsourcing vendor's name"),
    Column("state", "str", "one of AGENT_STATES"),
    Column("start_s", "float64", "spell start"),
    Column("end_s", "float64", "spell end (> start_s)"),
)

IN_HOUSE = "in-house"


def conform(frame: pd.DataFrame, columns: tuple[Column, ...], table: str) -> pd.DataFrame:
    """Return `frame` with the contract's columns first, each cast to its declared type.

    Extra columns are kept after the contract's. A missing column, or a value that cannot
    take the declared type, raises `InputError` naming the table and the column.
    """
    import pandas as pd

    from sim.errors import InputError

    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        raise InputError(f"{table}: missing required column(s) {', '.join(missing)}")
    names = [c.name for c in columns]
    if (list(frame.columns[:len(names)]) == names and isinstance(frame.index, pd.RangeIndex)
            and frame.index.start == 0 and frame.index.step == 1
            and all(frame[c.name].dtype == c.dtype for c in columns)):
        return frame  # already conforming (a simulated log): no copy
    out = {}
    for column in columns:
        values = frame[column.name]
        if values.dtype == column.dtype:
            out[column.name] = values
            continue
        try:
            out[column.name] = values.astype(column.dtype)
        except (TypeError, ValueError) as err:
            raise InputError(
                f"{table}.{column.name}: cannot be read as {column.dtype} ({err})"
            ) from None
    extras = {name: frame[name] for name in frame.columns if name not in names}
    return pd.DataFrame({**out, **extras}, index=pd.RangeIndex(len(frame)))
