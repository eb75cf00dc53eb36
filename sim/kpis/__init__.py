"""The KPI engine: every KPI of KPIS.md from an InteractionLog, overall or per group.

    from sim.kpis import KpiSettings, score, score_by
    report = score(log)                       # report["service_level"], report.values()
    by_interval = score_by(log, "interval")   # one row per interval, one column per KPI id
"""

from sim.kpis.catalogue import CATALOGUE, OPTIONAL_CONTACT_COLUMNS, SPECS, position
from sim.kpis.engine import UNMAPPED_COLUMNS, KpiReport, KpiResult, score, score_by
from sim.kpis.grouping import KEYS
from sim.kpis.settings import (ABANDON_VARIANTS, SL_VARIANTS, CostRates, KpiSettings,
                               PartnerRates)

__all__ = [
    "ABANDON_VARIANTS", "CATALOGUE", "KEYS", "OPTIONAL_CONTACT_COLUMNS", "SL_VARIANTS",
    "SPECS", "UNMAPPED_COLUMNS", "CostRates", "KpiReport", "KpiResult", "KpiSettings",
    "PartnerRates", "position", "score", "score_by",
]
