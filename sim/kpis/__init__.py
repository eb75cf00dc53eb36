"""The KPI engine: every KPI of KPIS.md from an InteractionLog, overall or per group.

    from sim.kpis import KpiSettings, score, score_by
    report = score(log)                       # report["service_level"], report.values()
    by_interval = score_by(log, "interval")   # one row per interval, one column per KPI id
    big = open_log("runs/big")                # a Parquet log read lean, for score/score_by

The names below are loaded on first use, so `from sim.kpis import KEYS` (for a CLI's
choices) does not import numpy and pandas.
"""

import importlib

_EXPORTS = {
    "CATALOGUE": "catalogue", "OPTIONAL_CONTACT_COLUMNS": "catalogue", "SPECS": "catalogue",
    "position": "catalogue",
    "UNMAPPED_COLUMNS": "engine", "KpiReport": "engine", "KpiResult": "engine",
    "score": "engine", "score_by": "engine",
    "KEYS": "keys", "CompactLog": "log_reader", "open_log": "log_reader",
    "ABANDON_VARIANTS": "settings", "SL_VARIANTS": "settings", "CostRates": "settings",
    "KpiSettings": "settings", "PartnerRates": "settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"sim.kpis.{_EXPORTS[name]}"), name)
