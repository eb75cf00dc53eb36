"""A small hand-built log whose KPIs are worked out by hand in the KPI tests.

Eleven contact rows (interval 1800 s) and three agents. The hand computations in the
tests refer to rows as r1..r11 (contact_id = row number).
"""

import math

import pandas as pd

from sim.interaction_log import InteractionLog, LogMeta

NAN = math.nan
CONTACT_FIELDS = (
    "contact_id issue_id customer_id attempt segment channel queue reason avoidable "
    "arrival_s enqueue_s answer_s abandon_s end_s outcome agent_id agent_group partner "
    "handle_s wrap_s resolved transferred_to csat nps ces"
).split()
# fmt: off
CONTACT_ROWS = [
    # id iss cust att seg channel queue   reason    avoid  arr   enq   ans   ab    end   outcome       agent grp         partner    hdl  wrap resolved tr_to  csat nps  ces
    (1, 10, 100, 1, 1, "phone", "billing", "invoice", True, 0, 10, 20, NAN, 140, "answered", "a1", "g1", "in-house", 100, 20, True, None, 5, 10, 7),
    (2, 11, 101, 1, 1, "phone", "billing", "invoice", True, 100, 110, 140, NAN, 380, "answered", "a2", "g1", "in-house", 200, 40, False, "tech", 2, 6, 3),
    (3, 11, 101, 1, 2, "phone", "tech", "invoice", True, 340, 340, 400, NAN, 760, "answered", "v1", "vendor_g", "acme", 300, 60, True, None, NAN, NAN, NAN),
    (4, 12, 102, 1, 1, "phone", "billing", "plan", False, 200, 210, NAN, 213, 213, "abandoned", None, None, None, NAN, NAN, None, None, NAN, NAN, NAN),
    (5, 12, 102, 2, 1, "phone", "billing", "plan", False, 1000, 1010, NAN, 1050, 1050, "abandoned", None, None, None, NAN, NAN, None, None, NAN, NAN, NAN),
    (6, 13, 103, 1, 1, "phone", "billing", "balance", True, 1500, NAN, NAN, NAN, 1560, "self_served", None, None, None, NAN, NAN, None, None, NAN, NAN, NAN),
    (7, 14, 104, 1, 1, "email", "email", "plan", False, 1700, 1700, 8900, NAN, 9500, "answered", "a1", "g1", "in-house", 600, 0, True, None, 4, NAN, NAN),
    (8, 15, 100, 1, 1, "phone", "tech", "outage", True, 1900, 1920, 1935, NAN, 2115, "answered", "a2", "g1", "in-house", 150, 30, True, None, NAN, 9, NAN),
    (9, 10, 100, 2, 1, "phone", "billing", "invoice", True, 2000, 2005, 2030, NAN, 2090, "answered", "v1", "vendor_g", "acme", 60, 0, True, None, NAN, NAN, NAN),
    (10, 16, 105, 1, 1, "email", "email", "plan", False, 2500, 2500, 6100, NAN, 6460, "answered", "a2", "g1", "in-house", 300, 60, False, None, NAN, NAN, NAN),
    (11, 17, 106, 1, 1, "chat", "tech", "outage", True, 3000, 3000, NAN, NAN, 5400, "unserved", None, None, None, NAN, NAN, None, None, NAN, NAN, NAN),
]
STATE_ROWS = [
    ("a1", "g1", "in-house", "available", 0, 600), ("a1", "g1", "in-house", "busy", 600, 1200),
    ("a1", "g1", "in-house", "wrap", 1200, 1500), ("a1", "g1", "in-house", "break", 1500, 1800),
    ("a1", "g1", "in-house", "available", 1800, 3600),
    ("a2", "g1", "in-house", "busy", 0, 900), ("a2", "g1", "in-house", "available", 900, 1800),
    ("a2", "g1", "in-house", "offline", 1800, 3600),
    ("v1", "vendor_g", "acme", "available", 0, 1800), ("v1", "vendor_g", "acme", "busy", 1800, 2700),
    ("v1", "vendor_g", "acme", "wrap", 2700, 3600),
]
# fmt: on
STATE_FIELDS = ["agent_id", "agent_group", "partner", "state", "start_s", "end_s"]


def contacts_frame() -> pd.DataFrame:
    frame = pd.DataFrame(CONTACT_ROWS, columns=CONTACT_FIELDS)
    frame.insert(frame.columns.get_loc("csat"), "callback", False)
    return frame


def states_frame() -> pd.DataFrame:
    return pd.DataFrame(STATE_ROWS, columns=STATE_FIELDS)


def small_log(contacts: pd.DataFrame | None = None, states: pd.DataFrame | None = None,
              **meta) -> InteractionLog:
    contacts = contacts_frame() if contacts is None else contacts
    states = states_frame() if states is None else states
    return InteractionLog(contacts, states,
                          LogMeta(**{"interval_s": 1800.0, "horizon_s": 7200.0, **meta}))
