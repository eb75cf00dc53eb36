"""Shared test data, offered as fixtures: `tests/` is not a package, so a test module never
imports another (a `tests` package installed by some dependency would shadow it)."""

import pytest


def minimal_scenario(**changes) -> dict:
    """The smallest valid scenario as plain data: one queue, one group, two hours."""
    data = {
        "name": "tiny",
        "horizon": {"days": 1, "interval_min": 30, "open_time": "08:00", "close_time": "10:00"},
        "queues": [{
            "name": "sales",
            "arrivals": {"daily_volume": 100, "profile": [1, 2, 2, 1]},
            "handle": {"dist": "exponential", "mean_s": 300},
        }],
        "agent_groups": [{"name": "team", "serves": ["sales"], "staffing": [2, 3, 3, 2]}],
    }
    data.update(changes)
    return data


@pytest.fixture(scope="session")
def minimal():
    """The builder of `minimal_scenario`: `minimal(horizon={...})` gives a fresh dict."""
    return minimal_scenario
