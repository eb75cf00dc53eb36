"""The mapping file (TOML): which export column feeds which log field, and how to read it.

One small file per export layout, so a new ACD or ticketing tool needs a mapping, not code.
CLI options override single entries of the file (or replace it for simple exports). Every
value is checked when the mapping is built, file or CLI, so a typo or a misplaced table
fails at once with its key named, never later with a traceback or by being ignored.
"""

from __future__ import annotations

import codecs
import math
import tomllib
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sim.errors import InputError
from sim.importers.parsing import DURATION_UNITS
from sim.log_schema import OUTCOMES

TIME_FIELDS = ("arrival_s", "enqueue_s", "answer_s", "abandon_s", "end_s")
DURATION_FIELDS = ("handle_s", "wrap_s", "ivr_s", "wait_s", "hold_s")
NUMBER_FIELDS = ("csat", "nps", "ces", "qa_score")
BOOL_FIELDS = ("avoidable", "resolved", "callback", "churned", "converted")
LABEL_FIELDS = ("channel", "queue", "reason", "agent_id", "agent_group", "partner",
                "transferred_to", "direction")
ID_FIELDS = ("contact_id", "issue_id", "customer_id", "attempt", "segment")
CONTACT_FIELDS = (TIME_FIELDS + DURATION_FIELDS + NUMBER_FIELDS + BOOL_FIELDS + LABEL_FIELDS
                  + ID_FIELDS + ("outcome",))
INTERVAL_FIELDS = ("interval_start", "queue", "offered", "handled", "abandoned", "aht_s",
                   "talk_s", "hold_s", "acw_s", "asa_s", "avg_abandon_s",
                   "service_level_pct")
KINDS = {"contacts": CONTACT_FIELDS, "intervals": INTERVAL_FIELDS}
TRUE_VALUES = ("true", "yes", "y", "1", "t")
FALSE_VALUES = ("false", "no", "n", "0", "f")


@dataclass(frozen=True)
class Mapping:
    kind: str  # "contacts" or "intervals"
    columns: dict[str, str] = field(default_factory=dict)  # log field -> export column
    outcomes: dict[str, str] = field(default_factory=dict)  # export label -> log outcome
    defaults: dict[str, object] = field(default_factory=dict)  # log field -> constant
    time_format: str = "iso"  # strptime format, "iso", "epoch_s" or "epoch_ms"
    timezone: str | None = None  # zone of the wall clock; aware stamps are converted to it
    origin: str | None = None  # ISO date of day 0; default: the first arrival's date
    duration_unit: str = "s"  # "s", "ms", "min", "h" or "hms" ([h:]mm:ss)
    interval_s: float | None = None  # contacts: default 1800; intervals: inferred
    sl_threshold_s: float | None = None  # intervals: the T of the export's SL %
    true_values: tuple[str, ...] = TRUE_VALUES
    false_values: tuple[str, ...] = FALSE_VALUES
    format: str | None = None  # "csv" or "parquet"; default: the file suffix
    delimiter: str = ","
    encoding: str = "utf-8"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InputError(f"kind: {self.kind!r} must be one of {', '.join(KINDS)}")
        _check_settings(self)
        _check_columns(self)
        _check_outcomes(self)
        _check_defaults(self)

    def source(self, log_field: str) -> str | None:
        return self.columns.get(log_field)


def label_key(label: str) -> str:
    """How an export label is matched: stripped, case-insensitive."""
    return label.strip().casefold()


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _refuse(key: str, value, rule: str) -> None:
    raise InputError(f"{key}: {value!r} must be {rule}")


def _check_settings(m: Mapping) -> None:
    """Every scalar setting, file or CLI, against its type and rule."""
    if m.format is not None and m.format not in ("csv", "parquet"):
        _refuse("source.format", m.format, "csv or parquet")
    if not (isinstance(m.delimiter, str) and len(m.delimiter) == 1):
        _refuse("source.delimiter", m.delimiter, "one character, e.g. \",\" or \";\"")
    try:
        codecs.lookup(m.encoding)
    except (LookupError, TypeError):
        _refuse("source.encoding", m.encoding, "a known text encoding, e.g. utf-8, cp1252")
    if not (isinstance(m.time_format, str)
            and (m.time_format in ("iso", "epoch_s", "epoch_ms") or "%" in m.time_format)):
        _refuse("time.format", m.time_format,
                "iso, epoch_s, epoch_ms or a strptime format such as %d/%m/%Y %H:%M:%S")
    if m.timezone is not None:
        try:
            zoneinfo.ZoneInfo(m.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
            _refuse("time.timezone", m.timezone, "a known time zone (e.g. Europe/Paris, UTC)")
    if m.origin is not None:
        if m.kind != "contacts":
            _refuse("time.origin", m.origin, "left out: an interval export keeps its dates")
        try:
            date.fromisoformat(m.origin)
        except (ValueError, TypeError):
            _refuse("time.origin", m.origin, "an ISO date YYYY-MM-DD")
    if not isinstance(m.duration_unit, str) or m.duration_unit not in DURATION_UNITS:
        _refuse("time.duration_unit", m.duration_unit, f"one of {', '.join(DURATION_UNITS)}")
    if m.interval_s is not None and not (_number(m.interval_s) and m.interval_s > 0
                                         and 86400 % m.interval_s == 0):
        _refuse("time.interval_s", m.interval_s, "a number of seconds > 0 that divides a day")
    if m.sl_threshold_s is not None:
        if m.kind != "intervals":
            _refuse("settings.sl_threshold_s", m.sl_threshold_s,
                    "left out: only an interval export has an SL % column")
        if not (_number(m.sl_threshold_s) and m.sl_threshold_s >= 0):
            _refuse("settings.sl_threshold_s", m.sl_threshold_s, "a number of seconds >= 0")
    for key, values in (("true", m.true_values), ("false", m.false_values)):
        if not (isinstance(values, tuple) and values and all(isinstance(v, str) for v in values)):
            _refuse(f"booleans.{key}", values, f'a list of texts, e.g. {key} = ["Y"]')
    both = {v.lower() for v in m.true_values} & {v.lower() for v in m.false_values}
    if both:
        _refuse("booleans", sorted(both), "listed in true or in false, not both")


def _check_columns(m: Mapping) -> None:
    allowed = KINDS[m.kind]
    for table, names in (("columns", m.columns), ("defaults", m.defaults)):
        unknown = sorted(set(names) - set(allowed))
        if unknown:
            raise InputError(f"mapping [{table}]: unknown field(s) {', '.join(unknown)} "
                             f"for a {m.kind} export (known: {', '.join(allowed)})")
    for name, column in m.columns.items():
        if not (isinstance(column, str) and column.strip()):
            _refuse(f"columns.{name}", column, "the name of an export column, in quotes")


def _check_outcomes(m: Mapping) -> None:
    if m.outcomes and m.kind != "contacts":
        raise InputError("mapping [outcomes]: only a contacts export has outcome labels")
    seen = {}
    for label, outcome in m.outcomes.items():
        if not isinstance(outcome, str) or outcome not in OUTCOMES:
            raise InputError(f"mapping [outcomes]: {label!r} = {outcome!r} must map to one of "
                             f"{', '.join(OUTCOMES)}")
        key = label_key(label)
        if seen.setdefault(key, (label, outcome))[1] != outcome:
            raise InputError(f"mapping [outcomes]: {seen[key][0]!r} and {label!r} are the same "
                             f"label (matched stripped, case-insensitive) but map to "
                             f"{seen[key][1]!r} and {outcome!r}")


def _check_defaults(m: Mapping) -> None:
    """A constant must have its field's type: it becomes the value of every row."""
    if m.defaults and m.kind != "contacts":
        raise InputError("mapping [defaults]: only a contacts export takes constants")
    for name, value in m.defaults.items():
        key = f"defaults.{name}"
        if name in TIME_FIELDS:
            _refuse(key, value, "left out: a time cannot be a constant; map an export column")
        elif name in DURATION_FIELDS and not (_number(value) and value >= 0):
            _refuse(key, value, "a number of seconds >= 0 (without quotes)")
        elif name in NUMBER_FIELDS and not _number(value):
            _refuse(key, value, "a number (without quotes)")
        elif name in BOOL_FIELDS and not isinstance(value, bool):
            _refuse(key, value, "true or false (without quotes)")
        elif name in LABEL_FIELDS and not isinstance(value, str):
            _refuse(key, value, "a text in quotes")
        elif name in ID_FIELDS and not (isinstance(value, int) and not isinstance(value, bool)):
            _refuse(key, value, "a whole number (without quotes)")
        elif name == "outcome" and not (isinstance(value, str) and value in OUTCOMES):
            _refuse(key, value, f"one of {', '.join(OUTCOMES)}")


_SECTIONS = {
    "source": {"format": "format", "delimiter": "delimiter", "encoding": "encoding"},
    "time": {"format": "time_format", "timezone": "timezone", "origin": "origin",
             "duration_unit": "duration_unit", "interval_s": "interval_s"},
    "settings": {"sl_threshold_s": "sl_threshold_s"},
}
TABLES = {"contacts": ("source", "time", "columns", "outcomes", "booleans", "defaults"),
          "intervals": ("source", "time", "columns", "settings")}


def load_mapping(path: str | Path | None, kind: str, **overrides) -> Mapping:
    """Read a mapping file (or none), then apply CLI overrides.

    Overrides: `columns` / `outcomes` entries are merged into the file's tables (an outcome
    label replaces the file's one it matches); other keyword arguments (time_format,
    timezone, ...) replace the file's value when not None. A table or key the export kind
    does not use is refused, so a misplaced setting never goes silently unused.
    """
    data = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as err:
            raise InputError(f"mapping: {path} cannot be read ({err.strerror})") from None
        except tomllib.TOMLDecodeError as err:
            raise InputError(f"mapping: {path} is not valid TOML ({err})") from None
    tables = TABLES.get(kind, ())
    unknown = sorted(set(data) - set(tables))
    if unknown:
        raise InputError(f"mapping: table(s) [{'], ['.join(unknown)}] not used to import "
                         f"{kind} (tables for {kind}: {', '.join(tables)})")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise InputError(f"mapping: {name} = {table!r} must be a table [{name}]")
    values = {}
    for section in set(_SECTIONS) & set(tables):
        keys = _SECTIONS[section]
        table = data.get(section, {})
        extra = sorted(set(table) - set(keys))
        if extra:
            raise InputError(f"mapping [{section}]: unknown key(s) {', '.join(extra)} "
                             f"(known: {', '.join(keys)})")
        values |= {keys[k]: v for k, v in table.items()}
    if isinstance(values.get("origin"), date):  # an unquoted TOML date
        values["origin"] = values["origin"].isoformat()
    booleans = data.get("booleans", {})
    if set(booleans) - {"true", "false"}:
        raise InputError("mapping [booleans]: only the keys true and false are allowed")
    for key in booleans:
        words = booleans[key]
        if not (isinstance(words, list) and all(isinstance(w, str) for w in words)):
            _refuse(f"booleans.{key}", words, f'a list of texts, e.g. {key} = ["Y"]')
        values[f"{key}_values"] = tuple(words)
    columns = dict(data.get("columns", {})) | dict(overrides.pop("columns", None) or {})
    cli_outcomes = dict(overrides.pop("outcomes", None) or {})
    cli_keys = {label_key(label) for label in cli_outcomes}
    outcomes = {label: outcome for label, outcome in data.get("outcomes", {}).items()
                if label_key(label) not in cli_keys} | cli_outcomes
    mapping = Mapping(kind, columns=columns, outcomes=outcomes,
                      defaults=dict(data.get("defaults", {})), **values)
    return replace(mapping, **{k: v for k, v in overrides.items() if v is not None})


def pairs(entries: list[str] | None, option: str) -> dict[str, str]:
    """CLI `A=B` entries as a dict, with a clear error for a malformed one."""
    out = {}
    for entry in entries or ():
        key, sep, value = entry.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{option}: {entry!r} must look like NAME=VALUE")
        out[key.strip()] = value.strip()
    return out
