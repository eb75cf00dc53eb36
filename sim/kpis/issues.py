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
        if c.inbound.all():  # no outbound row to leave out: sort the columns as they are
            order = issue_order(c.issue_id, c.arrival, c.segment)
        else:
            rows = np.flatnonzero(c.inbound)
            order = rows[issue_order(c.issue_id[rows], c.arrival[rows], c.segment[rows])]
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
        self.reached_queue = np.bincount(issue_of[c.offered[order]], minlength=n) > 0
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


def issue_order(issue: np.ndarray, arrival: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Positions that sort rows by (issue, arrival, segment), as the stable np.lexsort.

    Logs are usually written in arrival order, often in issue order too: then a stable
    sort by issue alone, or none, gives the same order, seconds faster on millions of rows.
    """
    by_time = _in_order(arrival, segment)
    if by_time and np.all(issue[1:] >= issue[:-1]):
        return np.arange(len(issue))
    if by_time:
        return np.argsort(issue, kind="stable")
    return np.lexsort((segment, arrival, issue))


def _in_order(major: np.ndarray, minor: np.ndarray) -> bool:
    """Whether the rows are sorted by (major, minor)."""
    later, same = major[1:] > major[:-1], major[1:] == major[:-1]
    return bool(np.all(later | (same & (minor[1:] >= minor[:-1]))))


def customer_share(code: np.ndarray, customer_id: np.ndarray, flag: np.ndarray,
                   n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: distinct customers among the rows, and those with `flag` on any row."""
    if n_groups <= 1:  # overall (or no group at all): customers alone
        pairs = customer_id
    elif customer_id.min(initial=0) >= 0 and customer_id.max(initial=0) < 2 ** 62 // n_groups:
        pairs = customer_id * n_groups + code  # one hash of (customer, group) pairs
    else:
        pairs = pd.factorize(customer_id)[0].astype(np.int64) * n_groups + code
    pair_codes, pair_uniques = pd.factorize(pairs)
    flagged = np.bincount(pair_codes[np.asarray(flag, bool)], minlength=len(pair_uniques)) > 0
    group = pair_uniques % n_groups
    return (np.bincount(group, minlength=n_groups).astype(float),
            np.bincount(group, weights=flagged, minlength=n_groups))
