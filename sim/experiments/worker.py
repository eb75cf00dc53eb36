"""The work of one replication, run inside a worker process: simulate, score, flatten.

`run_kpis` is a top-level function of plain picklable arguments, so any
`concurrent.futures` executor (a process pool, a Dask cluster) can run it; it returns a
small dict of floats, never the log (a day's log pickles to ~3 MB).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable

from sim.errors import InputError


def run_kpis(scenario, seed: int, settings=None, kpis: Iterable[str] | None = None) -> dict[str, float]:
    """Simulate `scenario` with `seed`, score it, return {kpi: value} flattened.

    Dict-valued KPIs become one entry per label (`channel_mix.phone`); a KPI the log
    cannot give is NaN. `kpis` keeps only those ids (a dict KPI keeps all its labels).
    """
    from sim.engine import simulate
    from sim.kpis import KpiSettings, score

    report = score(simulate(scenario, seed=seed), settings or KpiSettings())
    wanted = None if kpis is None else set(kpis)
    row: dict[str, float] = {}
    for kpi_id, value in report.values().items():
        if wanted is not None and kpi_id not in wanted:
            continue
        if isinstance(value, dict):
            row |= {f"{kpi_id}.{label}": _number(v) for label, v in value.items()}
        else:
            row[kpi_id] = _number(value)
    return row


def check_kpis(kpis: Iterable[str] | None) -> tuple[str, ...] | None:
    """The KPI ids asked for, checked against the catalogue (None = every KPI)."""
    from sim.kpis import CATALOGUE

    if kpis is None:
        return None
    if isinstance(kpis, str):
        kpis = [k.strip() for k in kpis.split(",") if k.strip()]
    kpis = tuple(kpis)
    known = [spec.id for spec in CATALOGUE]
    for kpi in kpis:
        if kpi not in known:
            close = difflib.get_close_matches(kpi, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"kpis: {kpi!r} is not a KPI id{hint}; known: {', '.join(known)}")
    if not kpis:
        raise InputError("kpis: empty; give KPI ids such as service_level,asa")
    return kpis


def _number(value) -> float:
    return math.nan if value is None else float(value)
