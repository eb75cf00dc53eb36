"""Issue- and customer-level facts: FCR, recontacts, resolution time, per-customer shares.

One sort of the inbound rows by (issue, arrival, segment) gives each issue's first contact
and everything after it, without a Python loop per issue. An issue is counted in the group
of its first contact; a customer is counted once in every group where one of their issues
started (overall: once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.kpis.context import ContactArrays
    from sim.kpis.grouping import Grouping


class IssueTable:
    def __init__(self, c: ContactArrays, grouping: Grouping, recontact_window_s: float):
        rows = np.flatnonzero(c.inbound)
        order = rows[np.lexsort((c.segment[rows], c.arrival[rows], c.issue_id[rows]))]
        issue_sorted = c.issue_id[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = issue_sorted[1:] != issue_sorted[:-1]
        issue_of = np.cumsum(starts) - 1  # issue number of each sorted row
        first = order[starts]
        n = len(first)
        self.code = grouping.contact_code[first]  # group of the issue's first contact
        self.customer_id = c.customer_id[first]

        limit = c.end[first] + recontact_window_s
        later = ~starts & (c.arrival[order] <= limit[issue_of])
        self.other_row_in_window = np.bincount(issue_of[later], minlength=n) > 0
        came_back = later & (c.segment[order] == 1)  # a new attempt, not a transfer
        self.recontacted = np.bincount(issue_of[came_back], minlength=n) > 0
        self.reached_queue = np.bincount(issue_of, weights=c.offered[order], minlength=n) > 0
        self.first_contact_resolved = (c.resolved[first] & ~c.transferred[first]
                                       & ~self.other_row_in_window)
        self.first_resolution_unknown = c.resolution_unknown[first] & ~c.transferred[first]

        resolving = np.flatnonzero(c.resolved[order])  # sorted positions, in arrival order
        issue_resolved = issue_of[resolving]
        keep = np.ones(len(resolving), dtype=bool)
        keep[1:] = issue_resolved[1:] != issue_resolved[:-1]
        resolved_end = np.full(n, np.nan)
        resolved_end[issue_resolved[keep]] = c.end[order[resolving[keep]]]
        self.resolution_s = resolved_end - c.arrival[first]  # NaN if never resolved


def customer_share(code: np.ndarray, customer_id: np.ndarray, flag: np.ndarray,
                   n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: distinct customers among the rows, and those with `flag` on any row."""
    key_codes, _ = pd.factorize(customer_id)
    pair_codes, pair_uniques = pd.factorize(key_codes.astype(np.int64) * n_groups + code)
    flagged = np.bincount(pair_codes, weights=flag, minlength=len(pair_uniques)) > 0
    group = pair_uniques % n_groups
    return (np.bincount(group, minlength=n_groups).astype(float),
            np.bincount(group, weights=flagged, minlength=n_groups))
