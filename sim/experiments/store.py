"""Results kept as they complete: one Parquet part per replication in an output directory.

`DIR/experiment.json` says what the parts belong to (scenarios, seed, KPIs, settings); a
rerun of the same experiment in the same directory loads the parts it finds and runs only
the missing replications. A directory holding another experiment is refused rather than
mixed. Each part is written to a temporary name and renamed, so a part is whole or absent.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sim.errors import InputError

MANIFEST = "experiment.json"


def fingerprint(obj) -> str:
    """A short stable hash of a JSON-able description (a scenario's model_dump, ...)."""
    text = json.dumps(obj, sort_keys=True, default=repr)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


class PartStore:
    """Parts `DIR/<group>/rep-<n>.parquet`, each one row: rep, seed and the KPI values."""

    def __init__(self, out_dir: str | os.PathLike, manifest: dict):
        self.root = Path(out_dir)
        manifest = json.loads(json.dumps(manifest, sort_keys=True, default=repr))  # as read back
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"out: {self.root} exists and is not a directory")
        path = self.root / MANIFEST
        if path.exists():
            try:
                found = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise InputError(f"out: {path} cannot be read ({err})") from None
            if found != manifest:
                raise InputError(f"out: {self.root} holds another experiment ({_difference(found, manifest)}); "
                                 "use a new directory")
        else:
            if self.root.exists() and any(self.root.iterdir()):
                raise InputError(f"out: {self.root} is not empty and holds no {MANIFEST}; "
                                 "use a new directory")
            self.root.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, json.dumps(manifest, indent=2, sort_keys=True).encode())

    def path(self, key: str) -> Path:
        return self.root / f"{key}.parquet"

    def load(self, key: str) -> dict | None:
        import pandas as pd

        path = self.path(key)
        if not path.exists():
            return None
        return pd.read_parquet(path).to_dict("records")[0]  # per-column types: seeds stay exact

    def save(self, key: str, row: dict) -> None:
        import pandas as pd

        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        pd.DataFrame([row]).to_parquet(tmp, index=False)
        os.replace(tmp, path)


def write_frame(out_dir: str | os.PathLike, name: str, frame) -> Path:
    """Write a finished experiment's table (.parquet) or summary (.csv) whole, or not at all."""
    path = Path(out_dir) / name
    tmp = path.with_name(f".{path.name}.tmp")
    if name.endswith(".parquet"):
        frame.to_parquet(tmp, index=False)
    else:
        frame.to_csv(tmp)
    os.replace(tmp, path)
    return path


def _difference(found: dict, wanted: dict) -> str:
    keys = sorted(k for k in set(found) | set(wanted) if found.get(k) != wanted.get(k))
    return "differs in " + ", ".join(keys)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
