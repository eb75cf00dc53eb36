"""The mapping file (TOML): which export column feeds which log field, and how to read it.

One small file per export layout, so a new ACD or ticketing tool needs a mapping, not code.
CLI options override single entries of the file (or replace it for simple exports).
"""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path

from sim.errors import InputError
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
        allowed = KINDS[self.kind]
        for table, names in (("columns", self.columns), ("defaults", self.defaults)):
            unknown = sorted(set(names) - set(allowed))
            if unknown:
                raise InputError(f"mapping [{table}]: unknown field(s) {', '.join(unknown)} "
                                 f"for a {self.kind} export (known: {', '.join(allowed)})")
        bad = {k: v for k, v in self.outcomes.items() if v not in OUTCOMES}
        if bad:
            label, value = next(iter(bad.items()))
            raise InputError(f"mapping [outcomes]: {label!r} = {value!r} must map to one of "
                             f"{', '.join(OUTCOMES)}")
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise InputError(f"time.timezone: {self.timezone!r} is not a known time zone "
                                 "(e.g. Europe/Paris, UTC)") from None
        if self.interval_s is not None and not (self.interval_s > 0
                                                and 86400 % self.interval_s == 0):
            raise InputError(f"time.interval_s: {self.interval_s!r} must be > 0 and divide "
                             "a day")

    def source(self, log_field: str) -> str | None:
        return self.columns.get(log_field)


_SECTIONS = {
    "source": {"format": "format", "delimiter": "delimiter", "encoding": "encoding"},
    "time": {"format": "time_format", "timezone": "timezone", "origin": "origin",
             "duration_unit": "duration_unit", "interval_s": "interval_s"},
    "settings": {"sl_threshold_s": "sl_threshold_s"},
}


def load_mapping(path: str | Path | None, kind: str, **overrides) -> Mapping:
    """Read a mapping file (or none), then apply CLI overrides.

    Overrides: `columns` / `outcomes` entries are merged into the file's tables; other
    keyword arguments (time_format, timezone, ...) replace the file's value when not None.
    """
    data = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text())
        except OSError as err:
            raise InputError(f"mapping: {path} cannot be read ({err.strerror})") from None
        except tomllib.TOMLDecodeError as err:
            raise InputError(f"mapping: {path} is not valid TOML ({err})") from None
    known = set(_SECTIONS) | {"columns", "outcomes", "defaults", "booleans"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(f"mapping: unknown table(s) [{'], ['.join(unknown)}] "
                         f"(known: {', '.join(sorted(known))})")
    values = {}
    for section, keys in _SECTIONS.items():
        table = data.get(section, {})
        extra = sorted(set(table) - set(keys))
        if extra:
            raise InputError(f"mapping [{section}]: unknown key(s) {', '.join(extra)} "
                             f"(known: {', '.join(keys)})")
        values |= {keys[k]: v for k, v in table.items()}
    booleans = data.get("booleans", {})
    if set(booleans) - {"true", "false"}:
        raise InputError("mapping [booleans]: only the keys true and false are allowed")
    if "true" in booleans:
        values["true_values"] = tuple(str(v) for v in booleans["true"])
    if "false" in booleans:
        values["false_values"] = tuple(str(v) for v in booleans["false"])
    columns = dict(data.get("columns", {})) | dict(overrides.pop("columns", None) or {})
    outcomes = dict(data.get("outcomes", {})) | dict(overrides.pop("outcomes", None) or {})
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
