"""InteractionLog: the two tables of the log contract plus the facts needed to read them.

Written by the simulator and by importers, read by the KPI engine. A log directory holds
`contacts.parquet`, `agent_states.parquet` (or `.csv`) and `meta.json`; writing is atomic,
so a failed or interrupted write never leaves a half-written log that looks whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError
from sim.log_schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS, FORMATS, conform

TABLES = {"contacts": CONTACT_COLUMNS, "agent_states": AGENT_STATE_COLUMNS}


@dataclass(frozen=True)
class LogMeta:
    """How to read the times of a log: interval length, horizon, calendar anchor."""

    interval_s: float = 1800.0
    horizon_s: float | None = None  # end of the last arrival interval, if known
    start_date: str | None = None  # ISO date of day 0, for display only
    source: str = ""  # e.g. "simulated: default.toml" or "imported: acd.csv"
    seed: int | None = None
    extra: dict = field(default_factory=dict)


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


def write_log(log: InteractionLog, out_dir: str | os.PathLike, fmt: str = "parquet") -> Path:
    """Write `log` into `out_dir` atomically and return the directory.

    Files are first written to a hidden temporary directory beside `out_dir`, then moved
    into place by rename, so readers see either the old files or the complete new ones.
    """
    if fmt not in FORMATS:
        raise InputError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise InputError(f"out: {out} exists and is not a directory")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's private 0700 would stick to the renamed directory
    try:
        for name in TABLES:
            frame = getattr(log, name)
            path = staging / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.to_parquet(path, index=False)
            else:
                frame.to_csv(path, index=False)
        (staging / "meta.json").write_text(json.dumps(asdict(log.meta), indent=2))
        if not out.exists():
            staging.rename(out)
            return out
        for stale in (f"{name}.{other}" for name in TABLES for other in FORMATS):
            (out / stale).unlink(missing_ok=True)  # a leftover of the other format would mislead
        for written in staging.iterdir():
            os.replace(written, out / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def read_log(log_dir: str | os.PathLike) -> InteractionLog:
    """Read a log directory written by `write_log` (Parquet or CSV)."""
    root = Path(log_dir)
    if not root.is_dir():
        raise InputError(f"log: {root} is not a directory")
    tables = {}
    for name in TABLES:
        found = [root / f"{name}.{fmt}" for fmt in FORMATS if (root / f"{name}.{fmt}").exists()]
        if not found:
            raise InputError(f"log: {root} has no {name}.parquet or {name}.csv")
        tables[name] = _read_table(found[0])
    meta_path = root / "meta.json"
    meta = LogMeta(**json.loads(meta_path.read_text())) if meta_path.exists() else LogMeta()
    return InteractionLog(tables["contacts"], tables["agent_states"], meta)


def _read_table(path: Path) -> pd.DataFrame:
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot be read ({err})") from None
