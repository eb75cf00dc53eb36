"""Read an export in chunks: delimited text (.csv, .txt, .tsv) or Parquet.

A 10M-row export is never held whole as Python objects: pyarrow streams the file in
blocks and each chunk is parsed into compact arrays before the next is read. Every cell
arrives as text (Parquet keeps its types); an empty cell or a per-column sentinel
(`[missing]` in the mapping) arrives as missing. A row with fewer or more fields than the
header is not guessed at: it is kept out and reported as a short or long row with its
number (data rows from 1, header excluded).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError

TEXT_SUFFIXES = {"csv": ",", "txt": ",", "tsv": "\t", "tab": "\t"}
PARQUET_SUFFIXES = ("parquet", "pq")
BLOCK_BYTES = 8 << 20  # ~100k-200k rows of a typical ACD export per chunk
PARQUET_ROWS = 250_000
OTHER_DELIMITERS = (";", "\t", "|", ",")


@dataclass(frozen=True)
class Chunk:
    frame: pd.DataFrame  # raw cells, missing as NA, index 0..n-1
    rows: np.ndarray  # the data row number of each frame row (from 1, header excluded)


@dataclass
class Malformed:
    row: int
    fields: int
    text: str


@dataclass
class ExportTable:
    """An export opened for reading: its columns now, its rows chunk by chunk."""

    path: Path
    fmt: str
    delimiter: str
    encoding: str
    missing: dict = field(default_factory=dict)  # export column -> texts meaning missing
    progress: bool = False
    columns: list[str] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    rows_read: int = 0

    def header_hint(self) -> str:
        """Why the expected columns may be missing: a header in one joined column."""
        if len(self.columns) != 1:
            return ""
        for other in OTHER_DELIMITERS:
            if other != self.delimiter and other in self.columns[0]:
                shown = "\\t" if other == "\t" else other
                return (f" (the header arrived as one column joined by {shown!r}: set "
                        f"--delimiter '{shown}' or source.delimiter)")
        return ""

    def chunks(self) -> Iterator[Chunk]:
        reader = _parquet_chunks(self) if self.fmt == "parquet" else _text_chunks(self)
        for frame, rows in reader:
            for column, texts in self.missing.items():
                if column in frame.columns:
                    cells = frame[column]
                    sentinel = cells.astype("str").str.strip().isin(texts) & cells.notna()
                    frame[column] = cells.where(~sentinel.to_numpy(bool))
            self.rows_read += len(frame)
            yield Chunk(frame, rows)
        if self.rows_read == 0 and not self.malformed:
            raise InputError(f"{self.path}: no data rows (only a header: "
                             f"{', '.join(self.columns)})")


def open_table(path: str | Path, fmt: str | None = None, delimiter: str | None = None,
               encoding: str = "utf-8", missing: dict | None = None,
               progress: bool = False) -> ExportTable:
    """Open `path`, read its header; the format comes from `fmt` or the file suffix."""
    path = Path(path)
    suffix = path.suffix.lstrip(".").lower()
    fmt = fmt or ("parquet" if suffix in PARQUET_SUFFIXES else
                  "csv" if suffix in TEXT_SUFFIXES else suffix)
    if fmt not in ("csv", "parquet"):
        raise InputError(f"source.format: {fmt!r} must be csv or parquet (a .csv, .txt, "
                         ".tsv or .parquet file, or set --format / source.format)")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    table = ExportTable(path, fmt, delimiter or TEXT_SUFFIXES.get(suffix, ","), encoding,
                        dict(missing or {}), progress)
    table.columns = _parquet_columns(path) if fmt == "parquet" else _text_header(table)
    return table


def _text_header(table: ExportTable) -> list[str]:
    encoding = "utf-8-sig" if table.encoding.lower().replace("_", "-") in (
        "utf-8", "utf8") else table.encoding
    try:
        with open(table.path, encoding=encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=table.delimiter), None)
    except UnicodeDecodeError as err:
        raise InputError(f"{table.path}: cannot be read as {table.encoding} text ({err.reason} "
                         f"at byte {err.start}); set --encoding, e.g. cp1252") from None
    except (OSError, csv.Error) as err:
        raise InputError(f"{table.path}: cannot be read as csv ({err})") from None
    if not header or not any(cell.strip() for cell in header):
        raise InputError(f"{table.path}: the file is empty (expected a header row and data "
                         "rows)")
    columns = [cell.strip() for cell in header]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise InputError(f"{table.path}: column name(s) {', '.join(map(repr, twice))} appear "
                         "more than once in the header")
    return columns


def _text_chunks(table: ExportTable):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def bad_row(row) -> str:
        table.malformed.append(Malformed(int(row.number) - 1, row.actual_columns, row.text))
        return "skip"

    handle = open(table.path, "rb")
    stream = handle
    if table.progress:
        from tqdm import tqdm
        stream = tqdm.wrapattr(handle, "read", total=table.path.stat().st_size,
                               file=sys.stderr, desc=table.path.name, unit="B",
                               unit_scale=True, unit_divisor=1024, leave=False)
    try:
        with stream as source:
            reader = pacsv.open_csv(
                source,
                read_options=pacsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES,
                                               skip_rows=1, column_names=table.columns,
                                               encoding=table.encoding),
                parse_options=pacsv.ParseOptions(delimiter=table.delimiter,
                                                  invalid_row_handler=bad_row),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in table.columns},
                    strings_can_be_null=True, null_values=[""]))
            next_row, seen = 1, 0  # seen: malformed rows already placed
            for batch in reader:
                frame = batch.to_pandas()
                rows, next_row, seen = _row_numbers(len(frame), next_row, seen, table.malformed)
                yield frame, rows
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError) as err:
        raise InputError(f"{table.path}: cannot be read as csv ({err})") from None
    finally:
        handle.close()


def _row_numbers(n: int, next_row: int, seen: int, malformed: list[Malformed]):
    """Numbers of the next `n` kept rows, stepping over rows reported as malformed."""
    skipped = []
    end = next_row + n
    while seen + len(skipped) < len(malformed) and malformed[seen + len(skipped)].row < end:
        skipped.append(malformed[seen + len(skipped)].row)
        end += 1
    rows = np.setdiff1d(np.arange(next_row, end), skipped, assume_unique=True)
    return rows, end, seen + len(skipped)


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot be read as parquet ({err})") from None


def _parquet_chunks(table: ExportTable):
    import pyarrow.parquet as pq

    next_row = 1
    for batch in pq.ParquetFile(table.path).iter_batches(batch_size=PARQUET_ROWS):
        frame = batch.to_pandas()
        yield frame, np.arange(next_row, next_row + len(frame))
        next_row += len(frame)


def read_whole(table: ExportTable) -> tuple[pd.DataFrame, np.ndarray]:
    """All chunks as one frame (for interval exports: a few thousand rows)."""
    parts = list(table.chunks())
    frame = pd.concat([p.frame for p in parts], ignore_index=True) if parts else pd.DataFrame(
        columns=table.columns)
    rows = np.concatenate([p.rows for p in parts]) if parts else np.zeros(0, np.int64)
    return frame, rows
