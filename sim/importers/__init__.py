"""Importers of real exports: contact-level (to an InteractionLog) and interval-level.

    from sim.importers import load_mapping, import_contacts, read_intervals
    result = import_contacts("calls.csv", load_mapping("calls.toml", "contacts"))
    data = read_intervals("acd.csv", load_mapping("acd.toml", "intervals"))
    with_states = import_agent_states("states.csv", load_mapping("states.toml",
                                      "agent_states"), result.log).log
    forecast, notes = to_forecast(data)
"""

from sim.importers.agent_states import StateImport, import_agent_states
from sim.importers.contacts import ContactImport, import_contacts
from sim.importers.intervals import IntervalData, read_intervals, score_intervals, to_forecast
from sim.importers.mapping import Mapping, load_mapping
from sim.importers.patience import patience_from_intervals, patience_from_log

__all__ = [
    "ContactImport", "IntervalData", "Mapping", "StateImport", "import_agent_states",
    "import_contacts", "load_mapping",
    "patience_from_intervals", "patience_from_log", "read_intervals", "score_intervals",
    "to_forecast",
]
