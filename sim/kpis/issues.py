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

from sim.interaction_log import CHUNK_ROWS

if TYPE_CHECKING:
    from sim.kpis.context import ContactArrays
    from sim.kpis.grouping import Grouping


class IssueTable:
    """Per issue (in the order of its first contact's sorted position): its group, its
    customer and the facts the resolution KPIs count. Each full-length temporary is
    dropped as soon as it is used: at 10 million contacts each one is 80 MB."""

    def __init__(self, c: ContactArrays, grouping: Grouping, recontact_window_s: float):
        order = _inbound_issue_order(c)  # None: the rows are in that order already
        issue_sorted = _sorted(c.issue_id, order)
        starts = np.ones(len(issue_sorted), dtype=bool)
        starts[1:] = issue_sorted[1:] != issue_sorted[:-1]
        del issue_sorted
        start_at = _narrow(np.flatnonzero(starts))  # sorted position of an issue's first row
        first = start_at if order is None else order[start_at]  # and its row
        self.code = grouping.contact_code[first]  # group of the issue's first contact
        self.customer_id = c.customer_id[first]
        first_resolved = c.resolved[first] & ~c.transferred[first]
        self.first_resolution_unknown = c.resolution_unknown[first] & ~c.transferred[first]

        # One pass over the sorted rows, CHUNK_ROWS at a time (no full-length temporary
        # but flags): rows within the recontact window, each issue's first resolving row.
        later, came_back, offered = (np.empty(len(starts), dtype=bool) for _ in range(3))
        self.resolution_s = np.full(len(start_at), np.nan)  # NaN if never resolved
        issues_before, last_resolved = 0, -1
        for head in range(0, len(starts), CHUNK_ROWS):
            rows = slice(head, head + CHUNK_ROWS)
            issue_of = np.cumsum(starts[rows]) + (issues_before - 1)
            issues_before = int(issue_of[-1]) + 1
            limit = c.end[first[issue_of]] + recontact_window_s
            later[rows] = ~starts[rows] & (_sorted(c.arrival, order, rows) <= limit)
            # a new attempt, not a transfer
            came_back[rows] = later[rows] & (_sorted(c.segment, order, rows) == 1)
            offered[rows] = _sorted(c.offered, order, rows)
            resolving = np.flatnonzero(_sorted(c.resolved, order, rows))
            issue = issue_of[resolving]
            first_of_issue = issue != np.append(last_resolved, issue[:-1])
            issue, resolving = issue[first_of_issue], resolving[first_of_issue]
            self.resolution_s[issue] = (_sorted(c.end, order, rows)[resolving]
                                        - c.arrival[first[issue]])
            last_resolved = issue[-1] if len(issue) else last_resolved
        del order, first
        self.first_contact_resolved = first_resolved & ~_any_per_issue(later, start_at)
        self.recontacted = _any_per_issue(came_back, start_at)
        self.reached_queue = _any_per_issue(offered, start_at)


def _sorted(values: np.ndarray, order: np.ndarray | None, rows=slice(None)) -> np.ndarray:
    """`values` at sorted positions `rows` (no copy when `order` is None: rows as they are)."""
    return values[rows] if order is None else values[order[rows]]


def _inbound_issue_order(c: ContactArrays) -> np.ndarray | None:
    """Positions of the inbound rows sorted by (issue, arrival, segment); None if that is
    every row as it stands (then no sorted copy of a column is made)."""
    if c.inbound.all():  # no outbound row to leave out: sort the columns as they are
        order = _order_if_needed(c.issue_id, c.arrival, c.segment)
    else:
        rows = np.flatnonzero(c.inbound)
        order = _order_if_needed(c.issue_id[rows], c.arrival[rows], c.segment[rows])
        order = rows if order is None else rows[order]
    return None if order is None else _narrow(order)


def _narrow(positions: np.ndarray) -> np.ndarray:
    """Row positions as int32 when they fit: half the 80 MB of an int64 order of 10M rows."""
    fits = positions.max(initial=0) <= np.iinfo(np.int32).max
    return positions.astype(np.int32) if fits else positions


def _any_per_issue(flag: np.ndarray, start_at: np.ndarray) -> np.ndarray:
    """Per issue (its rows from start_at[i] to the next start): whether any row has `flag`."""
    if not len(start_at):
        return np.zeros(0, dtype=bool)
    return np.logical_or.reduceat(flag, start_at)


def issue_order(issue: np.ndarray, arrival: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Positions that sort rows by (issue, arrival, segment), as the stable np.lexsort.

    Logs are usually written in arrival order, often in issue order too: then a stable
    sort by issue alone, or none, gives the same order, seconds faster on millions of rows.
    """
    order = _order_if_needed(issue, arrival, segment)
    return np.arange(len(issue)) if order is None else order


def _order_if_needed(issue: np.ndarray, arrival: np.ndarray, segment: np.ndarray):
    """issue_order, or None when the rows are in that order already."""
    by_time = _in_order(arrival, segment)
    if by_time and np.all(issue[1:] >= issue[:-1]):
        return None
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
        pairs = customer_id.copy()  # sorted in place below
    elif customer_id.min(initial=0) >= 0 and customer_id.max(initial=0) < 2 ** 62 // n_groups:
        pairs = customer_id * n_groups  # one key per (customer, group) pair
        pairs += code  # in place: no second 80 MB array at 10 million issues
    else:
        pairs = pd.factorize(customer_id)[0].astype(np.int64) * n_groups + code
    flagged = _distinct_per_group(pairs[np.asarray(flag, bool)], n_groups)
    return _distinct_per_group(pairs, n_groups), flagged


def _distinct_per_group(pairs: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group (pair % n_groups): how many distinct pairs; sorts `pairs` in place. By
    sorting, not hashing (a hash table of 10 million keys takes several times their
    memory), and counted CHUNK_ROWS at a time."""
    pairs.sort()
    new = np.ones(len(pairs), dtype=bool)
    new[1:] = pairs[1:] != pairs[:-1]
    counts = np.zeros(n_groups, dtype=np.int64)
    for first in range(0, len(pairs), CHUNK_ROWS):
        rows = slice(first, first + CHUNK_ROWS)
        counts += np.bincount(pairs[rows][new[rows]] % n_groups, minlength=n_groups)
    return counts.astype(float)
