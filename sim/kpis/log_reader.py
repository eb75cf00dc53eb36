"""A Parquet log read lean, so that a log of millions of contacts is scored in little memory.

`open_log` reads only the contact columns the KPIs use, row group by row group, straight
into preallocated numpy arrays of the narrowest type that holds the values exactly; text
stays dictionary-coded (a pandas Categorical: one small integer per row, each label once). The agent-state spells are not held at all:
the engine reads them again in chunks each time it totals agent time (kpis/states.py).
Types are checked as the log contract's `conform` does, with the same one-line errors.
A CSV log has no columns to read apart, so it is read whole by `read_log`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.interaction_log import (CHUNK_ROWS, InteractionLog, LogMeta, log_meta, read_log,
                                 table_paths)
from sim.kpis.catalogue import OPTIONAL_CONTACT_COLUMNS
from sim.log_schema import AGENT_STATE_COLUMNS, CONTACT_COLUMNS, Column

UNSCORED = ("attempt", "agent_id")  # contract columns no KPI reads (still required)
ID_COLUMNS = ("issue_id", "customer_id")  # kept int64: the KPIs compute keys from them
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError)


@dataclass(frozen=True)
class CompactLog:
    """A log as the KPI engine reads it: the contacts it needs, text as Categoricals, and
    where to read the agent-state spells from."""

    contacts: pd.DataFrame
    agent_states_path: Path
    meta: LogMeta

    def agent_state_chunks(self) -> Iterator[pd.DataFrame]:
        """The spells in chunks (a row group, or CHUNK_ROWS), typed as the contract says."""
        file = _parquet(self.agent_states_path, AGENT_STATE_COLUMNS, "agent_states")
        for batch in _batches(file, [c.name for c in AGENT_STATE_COLUMNS]):
            yield pd.DataFrame({c.name: _pandas(batch.column(c.name), c, "agent_states")
                                for c in AGENT_STATE_COLUMNS}, copy=False)
        pa.default_memory_pool().release_unused()  # the pages of the last batches


def open_log(log_dir: str | os.PathLike) -> CompactLog | InteractionLog:
    """A log directory for scoring: lean if Parquet, whole (`read_log`) if CSV."""
    paths = table_paths(log_dir)
    if any(path.suffix != ".parquet" for path in paths.values()):
        return read_log(log_dir)
    meta = log_meta(log_dir)
    _parquet(paths["agent_states"], AGENT_STATE_COLUMNS, "agent_states")  # columns there?
    return CompactLog(_read_contacts(paths["contacts"]), paths["agent_states"], meta)


def _parquet(path: Path, columns: tuple[Column, ...], table: str) -> pq.ParquetFile:
    """The open file, its text columns read as dictionaries; a missing column refused."""
    try:
        names = pq.read_schema(path).names
        text = [c.name for c in columns if c.dtype == "str" and c.name in names]
        file = pq.ParquetFile(path, read_dictionary=text)
    except (OSError, *ARROW_ERRORS) as err:
        raise InputError(f"{path}: cannot be read ({err})") from None
    missing = [c.name for c in columns if c.name not in names]
    if missing:
        raise InputError(f"{table}: missing required column(s) {', '.join(missing)}")
    return file


def _read_contacts(path: Path) -> pd.DataFrame:
    file = _parquet(path, CONTACT_COLUMNS, "contacts")
    names = file.schema_arrow.names
    wanted = [c for c in CONTACT_COLUMNS if c.name not in UNSCORED]
    wanted += [c for c in OPTIONAL_CONTACT_COLUMNS if c.name in names]
    n = file.metadata.num_rows
    columns = {c.name: _Column(c, n) for c in wanted}
    first = 0
    for batch in _batches(file, list(columns)):
        for column in columns.values():
            column.put(batch.column(column.spec.name), first)
        first += batch.num_rows
    pa.default_memory_pool().release_unused()  # Arrow keeps freed pages for reuse otherwise
    # copy=False: each column stays its own array (pandas would stack the floats: a copy)
    return pd.DataFrame({name: column.done() for name, column in columns.items()},
                        index=pd.RangeIndex(n), copy=False)


def _batches(file: pq.ParquetFile, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """`columns` a row group at a time (the fastest read), in batches of CHUNK_ROWS inside
    a row group much bigger than that (memory stays bounded whatever wrote the file)."""
    for group in range(file.num_row_groups):
        if file.metadata.row_group(group).num_rows <= 2 * CHUNK_ROWS:
            yield from file.read_row_group(group, columns=columns).to_batches()
        else:
            yield from file.iter_batches(batch_size=CHUNK_ROWS, row_groups=[group],
                                         columns=columns)


class _Column:
    """One contact column filled batch by batch into a preallocated array of the narrowest
    type that holds every value exactly (widened when a batch needs it): text as codes
    into labels kept once (sorted at the end, as pandas sorts labels), survey answers in
    a float16, a segment number in an int8."""

    def __init__(self, spec: Column, n_rows: int):
        self.spec = spec
        self.text = spec.dtype == "str"
        narrow = spec.name not in ID_COLUMNS
        dtype = {"str": np.int8, "boolean": np.int8, "bool": np.bool_, "float64": np.float16,
                 "int64": np.int8 if narrow else np.int64}[spec.dtype]
        self.values = np.empty(n_rows, dtype=dtype)
        self.labels: dict[str, int] = {}

    def put(self, array: pa.Array, first: int) -> None:
        rows = slice(first, first + len(array))
        if self.text:
            codes, labels = _dictionary(array)
            lookup = np.array([self.labels.setdefault(label, len(self.labels))
                               for label in labels] + [-1], dtype=np.int32)
            self._widen(lookup, first)
            self.values[rows] = lookup[codes]  # code -1 (missing) takes the last entry
        elif self.spec.dtype == "boolean":  # 1 true, 0 false, -1 missing
            flags = _cast(array, pa.bool_(), self.spec, "contacts")
            self.values[rows] = np.where(flags.is_null().to_numpy(zero_copy_only=False), -1,
                                         _numpy(pc.fill_null(flags, False)))
        else:
            values = _numbers(array, self.spec, "contacts")
            self._widen(values, first)
            self.values[rows] = values

    def _widen(self, values: np.ndarray, filled: int) -> None:
        """Widen the column (keeping its first `filled` rows) until it holds `values`."""
        while not _holds(self.values.dtype, values):
            wider = np.empty(len(self.values), dtype=WIDER[self.values.dtype])
            wider[:filled] = self.values[:filled]
            self.values = wider

    def done(self):
        if self.text:
            labels = np.array(list(self.labels), dtype=object)
            order = np.argsort(labels.astype(str), kind="stable")
            rank = np.empty(len(order) + 1, dtype=self.values.dtype)
            rank[order], rank[-1] = np.arange(len(order)), -1
            return pd.Categorical.from_codes(rank[self.values], categories=labels[order])
        if self.spec.dtype == "boolean":
            return pd.arrays.BooleanArray(self.values == 1, self.values < 0)
        return self.values


WIDER = {np.dtype(a): np.dtype(b) for a, b in (
    (np.int8, np.int16), (np.int16, np.int32), (np.int32, np.int64),
    (np.float16, np.float32), (np.float32, np.float64))}


def _holds(dtype: np.dtype, values: np.ndarray) -> bool:
    """Whether `dtype` holds every one of `values` exactly (NaN as NaN)."""
    if dtype not in WIDER or values.dtype == np.bool_:
        return True
    if dtype.kind == "f":
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            return np.array_equal(values.astype(dtype).astype(values.dtype), values,
                                  equal_nan=True)
    limits = np.iinfo(dtype)
    return len(values) == 0 or (limits.min <= values.min() and values.max() <= limits.max)


def _pandas(array: pa.Array, spec: Column, table: str):
    """One column of one chunk as the contract's pandas type (text as a Categorical)."""
    if spec.dtype == "str":
        codes, labels = _dictionary(array)
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object))
    return _numbers(array, spec, table)


def _numbers(array: pa.Array, spec: Column, table: str) -> np.ndarray:
    if spec.dtype == "bool":  # a missing flag reads as False, as pandas' astype(bool)
        return _numpy(pc.fill_null(_cast(array, pa.bool_(), spec, table), False))
    values = _cast(array, {"float64": pa.float64(), "int64": pa.int64()}[spec.dtype], spec,
                   table)
    if spec.dtype == "int64" and values.null_count:
        raise InputError(f"{table}.{spec.name}: cannot be read as int64 "
                         f"({values.null_count:,} missing value(s))")
    return _numpy(values)  # a missing float is NaN


def _cast(array: pa.Array, to: pa.DataType, spec: Column, table: str) -> pa.Array:
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    try:
        return pc.cast(array, to)
    except ARROW_ERRORS as err:
        raise InputError(f"{table}.{spec.name}: cannot be read as {spec.dtype} ({err})"
                         ) from None


def _dictionary(array: pa.Array) -> tuple[np.ndarray, list[str]]:
    """A text column as (code per row, -1 if missing; the labels): never one string per row."""
    if not pa.types.is_dictionary(array.type):
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            array = pc.cast(array, pa.large_string())  # a number column read as text
        array = pc.dictionary_encode(array)
    codes = _numpy(pc.fill_null(array.indices, -1)).astype(np.int32)
    return codes, [str(label) for label in array.dictionary.to_pylist()]


def _numpy(array: pa.Array) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)
