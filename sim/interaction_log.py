"""InteractionLog: the two tables of the log contract plus the facts needed to read them.

Written by the simulator and by importers, read by the KPI engine. A log directory holds
`contacts.parquet`, `agent_states.parquet` (or `.csv`) and `meta.json`. Writing is
atomic: the new log is built in a sibling directory that then takes the old one's place,
so a reader sees the old log or the new one, never a mix and never neither.
"""

from __future__ import annotations

import json
import numbers
import os
import shutil
import tempfile
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.errors import InputError
from sim.log_schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS, FORMATS, conform

TABLES = {"contacts": CONTACT_COLUMNS, "agent_states": AGENT_STATE_COLUMNS}
DAY_S = 86400.0
CHUNK_ROWS = 1_000_000  # rows per piece when a table is read or checked in pieces
# meta.json's layout. A file without the key predates versioning and has version 1's
# keys, so it is read as version 1. Raise it when a key changes meaning or is removed.
META_SCHEMA_VERSION = 1


def _python_number(value):
    """A numpy number (a seed from np.arange, a float32 horizon) as the Python number it
    is; strict mode still refuses text and booleans."""
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, int, float)):
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    return value


class LogMeta(BaseModel):
    """How to read the times of a log: interval length, horizon, calendar anchor.

    Validated like a scenario (unknown keys and wrong types refused), because it is read
    back from a file a person may have edited. A bad value raises `InputError`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    interval_s: float = 1800.0
    horizon_s: float | None = Field(None, gt=0)  # end of the last arrival interval, if known
    start_date: str | None = None  # ISO date of day 0, for display only
    source: str = ""  # e.g. "simulated: default.toml" or "imported: acd.csv"
    seed: int | None = Field(None, ge=0)
    extra: dict = Field(default_factory=dict)  # source-specific facts, e.g. cost rates

    def __init__(self, **data):
        try:
            super().__init__(**data)
        except ValidationError as err:
            problem = _meta_problem(err)
            raise InputError(f"meta.{problem}", [problem]) from None

    _numbers = field_validator("interval_s", "horizon_s", "seed", mode="before")(
        _python_number)

    @field_validator("interval_s")
    @classmethod
    def _divides_a_day(cls, interval_s: float) -> float:
        if not (interval_s > 0 and DAY_S % interval_s == 0):
            raise ValueError(f"{interval_s!r} must be > 0 and divide a day")
        return interval_s


def _meta_problem(err: ValidationError) -> str:
    """The first problem of `err` as `key: value rule` (one line)."""
    error = err.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "meta"
    value, kind = error.get("input"), error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(["schema_version", *LogMeta.model_fields])
        return f"{key}: unknown key (allowed: {allowed})"
    if kind == "value_error":
        return f"{key}: {error['ctx']['error']}"
    if kind in ("greater_than", "greater_than_equal"):
        bound = error["ctx"].get("gt", error["ctx"].get("ge"))
        return f"{key}: {value!r} must be {'>' if kind == 'greater_than' else '>='} {bound}"
    expected = {"float_type": "a number", "int_type": "a whole number", "string_type": "a text",
                "dict_type": "a JSON object"}.get(kind, f"valid ({error['msg']})")
    return f"{key}: {value!r} must be {expected}"


def meta_json(meta: LogMeta) -> str:
    """meta.json's text: the schema version first, then every field."""
    return json.dumps({"schema_version": META_SCHEMA_VERSION, **meta.model_dump()}, indent=2)


def read_meta(path: Path) -> LogMeta:
    """Read and validate meta.json; every failure is one line naming the file and the key."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror})") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: is not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: must hold a JSON object of meta keys, not {data!r:.40}")
    version = data.pop("schema_version", 1)
    if version != META_SCHEMA_VERSION or isinstance(version, bool):
        raise InputError(f"{path}: schema_version: {version!r} is not supported (this "
                         f"ccplan reads version {META_SCHEMA_VERSION})")
    try:
        return LogMeta(**data)
    except InputError as err:
        raise InputError(f"{path}: {err.problems[0]}") from None


@dataclass(frozen=True)
class InteractionLog:
    contacts: pd.DataFrame
    agent_states: pd.DataFrame
    meta: LogMeta = LogMeta()

    def __post_init__(self):
        object.__setattr__(self, "contacts", conform(self.contacts, CONTACT_COLUMNS, "contacts"))
        object.__setattr__(
            self, "agent_states", conform(self.agent_states, AGENT_STATE_COLUMNS, "agent_states")
        )

    def agent_state_chunks(self):
        """The agent-state spells in slices of CHUNK_ROWS: how the KPI engine reads them,
        from memory as from a file (sim.kpis.log_reader)."""
        states, rows = self.agent_states, CHUNK_ROWS
        return (states.iloc[first:first + rows] for first in range(0, len(states), rows))


LOG_FILES = {f"{name}.{fmt}" for name in TABLES for fmt in FORMATS} | {"meta.json"}


def check_writable(out_dir: str | os.PathLike) -> Path:
    """Refuse, before any work, an output directory `write_log` could not fill.

    Creates the missing parents and a probe directory beside `out_dir` (removed at once).
    An existing `out_dir` must be a directory holding only log files, since writing
    replaces it whole. Returns the absolute path.
    """
    out = Path(os.path.realpath(out_dir))  # a symlinked log directory: replace its target
    blocker = next((p for p in (out, *out.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        where = "exists and is not" if blocker == out else f"is under {blocker}, a file, not"
        raise InputError(f"out: {out_dir} {where} a directory")
    with _os_errors(out_dir):
        if out.is_dir():
            foreign = sorted(p.name for p in out.iterdir() if p.name not in LOG_FILES)
            if foreign:
                raise InputError(
                    f"out: {out_dir} holds files that are not part of a log "
                    f"({', '.join(foreign[:3])}{', ...' if len(foreign) > 3 else ''}); writing "
                    "replaces the directory whole, so choose a new or empty one")
        out.parent.mkdir(parents=True, exist_ok=True)
        os.rmdir(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=out.parent))
    return out


def write_log(log: InteractionLog, out_dir: str | os.PathLike, fmt: str = "parquet") -> Path:
    """Write `log` into `out_dir` atomically and return the directory (see LogWriter)."""
    with LogWriter(out_dir, fmt) as writer:
        writer.write(log.contacts, log.agent_states)
        writer.finish(log.meta)
    return Path(out_dir)


class LogWriter:
    """Writes a log batch by batch, so a log need never be whole in memory: each batch of
    each table is a Parquet row group (or more CSV rows).

    The files grow in a hidden sibling directory of `out_dir`, which `finish(meta)` puts in
    `out_dir`'s place (the old one renamed aside, the new one renamed in, the old one
    removed). Leaving the `with` block without `finish` — an error, Ctrl-C — removes the
    partial files and leaves `out_dir` as it was.
    """

    def __init__(self, out_dir: str | os.PathLike, fmt: str = "parquet"):
        if fmt not in FORMATS:
            raise InputError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
        self.out_dir, self.fmt = out_dir, fmt
        self.out = check_writable(out_dir)
        with _os_errors(out_dir):
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.partial-", dir=self.out.parent))
        self.staging.chmod(0o755)  # mkdtemp's private 0700 would stick to the renamed directory
        self._writers: dict = {}  # table name -> open pyarrow ParquetWriter or CSV file

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, *exc) -> None:
        self._close_files()
        shutil.rmtree(self.staging, ignore_errors=True)  # gone already if finished

    def write(self, contacts: pd.DataFrame, agent_states: pd.DataFrame) -> None:
        """Append one batch of rows to each table."""
        with _os_errors(self.out_dir):
            for name, frame in (("contacts", contacts), ("agent_states", agent_states)):
                frame = conform(frame, TABLES[name], name)
                if self.fmt == "parquet":
                    self._write_parquet(name, frame)
                else:
                    self._write_csv(name, frame)

    def _write_parquet(self, name: str, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = self._writers.get(name)
        schema = writer.schema if writer is not None else None
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        if writer is None:
            writer = self._writers[name] = pq.ParquetWriter(self.staging / f"{name}.parquet", table.schema)
        writer.write_table(table)

    def _write_csv(self, name: str, frame: pd.DataFrame) -> None:
        file = self._writers.get(name)
        first = file is None
        if first:
            file = self._writers[name] = open(self.staging / f"{name}.csv", "w", newline="", encoding="utf-8")
        frame.to_csv(file, index=False, header=first)

    def finish(self, meta: LogMeta) -> Path:
        """Close the tables, write meta.json and put the log in place; returns `out_dir`."""
        with _os_errors(self.out_dir):
            missing = [name for name in TABLES if name not in self._writers]
            if missing:
                raise ValueError(f"no batch was written ({', '.join(missing)})")
            self._close_files()
            (self.staging / "meta.json").write_text(meta_json(meta), encoding="utf-8")
            _swap_in(self.staging, self.out)
        return Path(self.out_dir)

    def _close_files(self) -> None:
        writers, self._writers = self._writers, {}
        for writer in writers.values():
            writer.close()


def _swap_in(staging: Path, out: Path) -> None:
    """Put directory `staging` where `out` is. The old log stays whole until the new one
    is in place; an interruption between the two renames puts the old one back."""
    if not out.exists():
        staging.rename(out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    try:
        out.replace(aside)  # a directory may replace an empty one
        staging.rename(out)
    except BaseException:
        if not out.exists():
            aside.replace(out)
        else:
            with suppress(OSError):
                aside.rmdir()  # still empty: the old log never moved
        raise
    shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def _os_errors(out_dir):
    """An OS refusal (permission, read-only mount, ...) as one line naming `out_dir`."""
    try:
        yield
    except OSError as err:
        raise InputError(f"out: {out_dir} cannot be written ({err.strerror or err})") from None


def read_log(log_dir: str | os.PathLike) -> InteractionLog:
    """Read a log directory written by `write_log` (Parquet or CSV)."""
    paths = table_paths(log_dir)
    tables = {name: _read_table(path, TABLES[name]) for name, path in paths.items()}
    return InteractionLog(tables["contacts"], tables["agent_states"], log_meta(log_dir))


def table_paths(log_dir: str | os.PathLike) -> dict[str, Path]:
    """The file of each table in a log directory (Parquet before CSV)."""
    root = Path(log_dir)
    if not root.is_dir():
        raise InputError(f"log: {root} is not a directory")
    paths = {}
    for name in TABLES:
        found = [root / f"{name}.{fmt}" for fmt in FORMATS if (root / f"{name}.{fmt}").exists()]
        if not found:
            raise InputError(f"log: {root} has no {name}.parquet or {name}.csv")
        paths[name] = found[0]
    return paths


def log_meta(log_dir: str | os.PathLike) -> LogMeta:
    """A log directory's meta.json, or the defaults if it has none."""
    meta_path = Path(log_dir) / "meta.json"
    return read_meta(meta_path) if meta_path.exists() else LogMeta()


def _read_table(path: Path, columns) -> pd.DataFrame:
    """One table; a CSV's text columns are read as text, so a label such as '0800' keeps
    its leading zero (CSV has no types; the contract has)."""
    text = {c.name: str for c in columns if c.dtype == "str"}
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=text)
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot be read ({err})") from None
