"""The mapping file (TOML): which export column feeds which log field, and how to read it.

One small file per export layout, so a new ACD, ticketing or workforce tool needs a
mapping, not code. CLI options override single entries of the file (or replace it for
simple exports). Every value is checked by pydantic when the mapping is built, file or
CLI, so a typo or a misplaced table fails at once with its key named in one line, never
later with a traceback or by being ignored.
"""

from __future__ import annotations

import codecs
import tomllib
import zoneinfo
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt,
                      StrictStr, ValidationError, field_validator, model_validator)

from sim.errors import InputError
from sim.importers.conditions import Condition, parse_condition
from sim.importers.parsing import DURATION_UNITS
from sim.log_schema import AGENT_STATES, OUTCOMES

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
STATE_FIELDS = ("agent_id", "agent_group", "partner", "state", "start_s", "end_s",
                "duration_s")
KINDS = {"contacts": CONTACT_FIELDS, "intervals": INTERVAL_FIELDS,
         "agent_states": STATE_FIELDS}
STAMP_FIELDS = {"contacts": TIME_FIELDS, "intervals": ("interval_start",),
                "agent_states": ("start_s", "end_s")}
TRUE_VALUES = ("true", "yes", "y", "1", "t")
FALSE_VALUES = ("false", "no", "n", "0", "f")
SKIP = "skip"  # an outcome or state label whose rows are left out and counted


def label_key(label: str) -> str:
    """How an export label is matched: stripped, case-insensitive."""
    return label.strip().casefold()


class OutcomeRule(BaseModel):
    """`HANG = {when = "q_time == 0", then = "self_served", else = "abandoned"}`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    when: StrictStr
    then: StrictStr
    otherwise: StrictStr = Field(alias="else")

    @property
    def condition(self) -> Condition:
        return parse_condition(self.when)


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str  # "contacts", "intervals" or "agent_states"
    columns: dict[str, StrictStr] = {}  # log field -> export column
    outcomes: dict[str, StrictStr | OutcomeRule] = {}  # export label -> outcome or rule
    states: dict[str, StrictStr] = {}  # agent-state export label -> log state (or skip)
    defaults: dict[str, StrictStr | StrictBool | StrictInt | StrictFloat] = {}
    missing: dict[str, tuple[StrictStr, ...]] = {}  # export column -> texts meaning missing
    time_format: StrictStr = "iso"  # strptime format, "iso", "epoch_s" or "epoch_ms"
    date_column: StrictStr | None = None  # export column giving the date of clock-time fields
    date_format: StrictStr = "%Y-%m-%d"  # strptime format of date_column
    timezone: StrictStr | None = None  # zone of the wall clock; aware stamps are converted
    origin: StrictStr | None = None  # ISO date of day 0; default: the first arrival's date
    duration_unit: StrictStr = "s"  # "s", "ms", "min", "h" or "hms" ([h:]mm:ss)
    interval_s: StrictFloat | StrictInt | None = None  # contacts: 1800; intervals: inferred
    sl_threshold_s: StrictFloat | StrictInt | None = None  # intervals: T of the SL % column
    true_values: tuple[StrictStr, ...] = TRUE_VALUES
    false_values: tuple[StrictStr, ...] = FALSE_VALUES
    format: Literal["csv", "parquet"] | None = None  # default: from the file suffix
    delimiter: StrictStr | None = None  # default "," (tab for .tsv)
    decimal: Literal[".", ","] = "."
    encoding: StrictStr = "utf-8"

    def source(self, log_field: str) -> str | None:
        return self.columns.get(log_field)

    @field_validator("kind")
    @classmethod
    def _kind(cls, kind):
        if kind not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return kind

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value):
        if value is not None and len(value) != 1:
            raise ValueError('must be one character, e.g. "," or ";" or "\\t"')
        return value

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value):
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError("must be a known text encoding, e.g. utf-8, cp1252") from None
        return value

    @field_validator("time_format")
    @classmethod
    def _time_format(cls, value):
        if value not in ("iso", "epoch_s", "epoch_ms") and "%" not in value:
            raise ValueError("must be iso, epoch_s, epoch_ms or a strptime format such as "
                             "%d/%m/%Y %H:%M:%S")
        return value

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, value):
        if "%" not in value:
            raise ValueError("must be a strptime format such as %y%m%d or %d/%m/%Y")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value):
        if value is not None:
            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError("must be a known time zone (e.g. Europe/Paris, UTC)") from None
        return value

    @field_validator("origin")
    @classmethod
    def _origin(cls, value):
        if value is not None:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError("must be an ISO date YYYY-MM-DD") from None
        return value

    @field_validator("duration_unit")
    @classmethod
    def _unit(cls, value):
        if value not in DURATION_UNITS:
            raise ValueError(f"must be one of {', '.join(DURATION_UNITS)}")
        return value

    @field_validator("interval_s")
    @classmethod
    def _interval(cls, value):
        if value is not None and not (0 < value and 86400 % value == 0):
            raise ValueError("must be a number of seconds > 0 that divides a day")
        return value

    @field_validator("sl_threshold_s")
    @classmethod
    def _sl(cls, value):
        if value is not None and value < 0:
            raise ValueError("must be a number of seconds >= 0")
        return value

    @field_validator("true_values", "false_values")
    @classmethod
    def _words(cls, value):
        if not value:
            raise ValueError('must be a list of texts, e.g. true = ["Y"]')
        return value

    @model_validator(mode="after")
    def _whole(self):
        _check_kind_settings(self)
        _check_columns(self)
        _check_outcomes(self)
        _check_states(self)
        _check_defaults(self)
        both = {v.lower() for v in self.true_values} & {v.lower() for v in self.false_values}
        if both:
            _refuse("booleans", sorted(both), "listed in true or in false, not both")
        return self


def _refuse(key: str, value, rule: str) -> None:
    raise InputError(f"{key}: {value!r} must be {rule}")


def _check_kind_settings(m: Mapping) -> None:
    """Settings one kind of export does not use are refused, never silently ignored."""
    if m.origin is not None and m.kind == "intervals":
        _refuse("time.origin", m.origin, "left out: an interval export keeps its dates")
    if m.sl_threshold_s is not None and m.kind != "intervals":
        _refuse("settings.sl_threshold_s", m.sl_threshold_s,
                "left out: only an interval export has an SL % column")
    if m.date_column is not None and m.time_format in ("iso", "epoch_s", "epoch_ms"):
        _refuse("time.format", m.time_format, "a strptime clock format such as %H:%M:%S "
                "when time.date_column gives the date")


def _check_columns(m: Mapping) -> None:
    allowed = KINDS[m.kind]
    for table, names in (("columns", m.columns), ("defaults", m.defaults)):
        unknown = sorted(set(names) - set(allowed))
        if unknown:
            raise InputError(f"mapping [{table}]: unknown field(s) {', '.join(unknown)} "
                             f"for a {m.kind} export (known: {', '.join(allowed)})")
    for name, column in m.columns.items():
        if not column.strip():
            _refuse(f"columns.{name}", column, "the name of an export column, in quotes")


def _check_outcomes(m: Mapping) -> None:
    if m.outcomes and m.kind != "contacts":
        raise InputError("mapping [outcomes]: only a contacts export has outcome labels")
    allowed = (*OUTCOMES, SKIP)
    seen = {}
    for label, target in m.outcomes.items():
        rule = target if isinstance(target, OutcomeRule) else None
        for key, outcome in ((("then", rule.then), ("else", rule.otherwise)) if rule
                             else (("", target),)):
            if outcome not in allowed:
                where = f"{label}.{key}" if key else label
                raise InputError(f"mapping [outcomes]: {where!r} = {outcome!r} must map to "
                                 f"one of {', '.join(allowed)}")
        if rule:
            try:
                rule.condition
            except InputError as err:
                raise InputError(f"mapping [outcomes]: {label}.when: {err}") from None
        key = label_key(label)
        if key in seen and seen[key][1] != target:
            raise InputError(f"mapping [outcomes]: {seen[key][0]!r} and {label!r} are the same "
                             "label (matched stripped, case-insensitive) but map differently")
        seen[key] = (label, target)


def _check_states(m: Mapping) -> None:
    if m.states and m.kind != "agent_states":
        raise InputError("mapping [states]: only an agent-state export has state labels")
    allowed = (*AGENT_STATES, SKIP)
    for label, state in m.states.items():
        if state not in allowed:
            raise InputError(f"mapping [states]: {label!r} = {state!r} must map to one of "
                             f"{', '.join(allowed)}")


def _check_defaults(m: Mapping) -> None:
    """A constant must have its field's type: it becomes the value of every row."""
    if m.defaults and m.kind == "intervals":
        raise InputError("mapping [defaults]: an interval export takes no constants")
    for name, value in m.defaults.items():
        key = f"defaults.{name}"
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if name in STAMP_FIELDS[m.kind]:
            _refuse(key, value, "left out: a time cannot be a constant; map an export column")
        elif name in DURATION_FIELDS + ("duration_s",) and not (number and value >= 0):
            _refuse(key, value, "a number of seconds >= 0 (without quotes)")
        elif name in NUMBER_FIELDS and not number:
            _refuse(key, value, "a number (without quotes)")
        elif name in BOOL_FIELDS and not isinstance(value, bool):
            _refuse(key, value, "true or false (without quotes)")
        elif name in LABEL_FIELDS and not isinstance(value, str):
            _refuse(key, value, "a text in quotes")
        elif name in ID_FIELDS and not (isinstance(value, int) and not isinstance(value, bool)):
            _refuse(key, value, "a whole number (without quotes)")
        elif name == "outcome" and value not in OUTCOMES:
            _refuse(key, value, f"one of {', '.join(OUTCOMES)}")
        elif name == "state" and value not in AGENT_STATES:
            _refuse(key, value, f"one of {', '.join(AGENT_STATES)}")


_SECTIONS = {
    "source": {"format": "format", "delimiter": "delimiter", "encoding": "encoding",
               "decimal": "decimal"},
    "time": {"format": "time_format", "timezone": "timezone", "origin": "origin",
             "duration_unit": "duration_unit", "interval_s": "interval_s",
             "date_column": "date_column", "date_format": "date_format"},
    "settings": {"sl_threshold_s": "sl_threshold_s"},
}
KEY_NAMES = {attr: f"{section}.{key}" for section, keys in _SECTIONS.items()
             for key, attr in keys.items()} | {"true_values": "booleans.true",
                                               "false_values": "booleans.false"}
TABLES = {"contacts": ("source", "time", "columns", "outcomes", "booleans", "defaults",
                       "missing"),
          "intervals": ("source", "time", "columns", "settings", "missing"),
          "agent_states": ("source", "time", "columns", "states", "defaults", "missing")}


TYPE_RULES = {  # what a value of the wrong type should have been, said as for a bad value
    "interval_s": "must be a number of seconds > 0 that divides a day (without quotes)",
    "sl_threshold_s": "must be a number of seconds >= 0 (without quotes)",
    "timezone": "must be a known time zone (e.g. Europe/Paris, UTC), in quotes",
    "origin": "must be an ISO date YYYY-MM-DD",
    "true_values": 'must be a list of texts, e.g. true = ["Y"]',
    "false_values": 'must be a list of texts, e.g. false = ["N"]',
    "columns": "must be the name of an export column, in quotes",
    "format": "must be csv or parquet", "decimal": 'must be "." or ","',
}


def build_mapping(**values) -> Mapping:
    """A Mapping, or one InputError line naming the mapping key, its value and the rule."""
    try:
        return Mapping(**values)
    except ValidationError as err:
        error = err.errors()[0]
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, InputError):
            raise cause from None
        loc = [str(part) for part in error["loc"]]
        key = KEY_NAMES.get(loc[0], ".".join(loc)) if loc else "mapping"
        if loc and loc[0] in ("columns", "outcomes", "states", "defaults", "missing"):
            key = f"{loc[0]}.{'.'.join(loc[1:2])}"
        rule = error["msg"].removeprefix("Value error, ")
        if error["type"] != "value_error":
            rule = TYPE_RULES.get(loc[0] if loc else "", rule.replace("Input should be",
                                                                        "must be"))
        raise InputError(f"{key}: {error.get('input')!r} {rule}") from None


def load_mapping(path: str | Path | None, kind: str, **overrides) -> Mapping:
    """Read a mapping file (or none), then apply CLI overrides.

    Overrides: `columns` / `outcomes` entries are merged into the file's tables (an outcome
    label replaces the file's one it matches); other keyword arguments (time_format,
    timezone, delimiter, ...) replace the file's value when not None. A table or key the
    export kind does not use is refused, so a misplaced setting never goes silently unused.
    """
    data = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as err:
            raise InputError(f"mapping: {path} cannot be read ({err.strerror})") from None
        except tomllib.TOMLDecodeError as err:
            raise InputError(f"mapping: {path} is not valid TOML ({err})") from None
    if kind not in TABLES:
        _refuse("kind", kind, f"one of {', '.join(TABLES)}")
    tables = TABLES[kind]
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
        if not isinstance(booleans[key], list):
            _refuse(f"booleans.{key}", booleans[key], f'a list of texts, e.g. {key} = ["Y"]')
        values[f"{key}_values"] = tuple(booleans[key])
    missing = {}
    for column, texts in data.get("missing", {}).items():
        texts = texts if isinstance(texts, list) else [texts]
        if not all(isinstance(t, (str, int, float)) and not isinstance(t, bool) for t in texts):
            _refuse(f"missing.{column}", texts, 'a text or a list of texts, e.g. ["NO_SERVER"]')
        missing[column] = tuple(str(t) for t in texts)
    columns = dict(data.get("columns", {})) | dict(overrides.pop("columns", None) or {})
    cli_outcomes = dict(overrides.pop("outcomes", None) or {})
    cli_keys = {label_key(label) for label in cli_outcomes}
    outcomes = {label: outcome for label, outcome in data.get("outcomes", {}).items()
                if label_key(label) not in cli_keys} | cli_outcomes
    defaults = dict(data.get("defaults", {})) | dict(overrides.pop("defaults", None) or {})
    states = dict(data.get("states", {})) | dict(overrides.pop("states", None) or {})
    missing |= dict(overrides.pop("missing", None) or {})
    values |= {k: v for k, v in overrides.items() if v is not None}
    return build_mapping(kind=kind, columns=columns, outcomes=outcomes, states=states,
                         missing=missing, defaults=defaults, **values)


def pairs(entries: list[str] | None, option: str) -> dict[str, str]:
    """CLI `A=B` entries as a dict, with a clear error for a malformed one."""
    out = {}
    for entry in entries or ():
        key, sep, value = entry.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"{option}: {entry!r} must look like NAME=VALUE")
        out[key.strip()] = value.strip()
    return out
