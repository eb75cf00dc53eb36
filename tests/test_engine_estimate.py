"""A run too large for the machine is refused before it starts, with the estimate."""

import pytest

import sim.engine.estimate as estimate
from sim.engine import expected_contacts, simulate
from sim.errors import InputError
from sim.scenario import parse_scenario


def one_queue(daily_volume: float, days: int = 1):
    return parse_scenario({
        "name": "big", "horizon": {"days": days, "open_time": "08:00", "close_time": "10:00"},
        "queues": [{"name": "q", "arrivals": {"daily_volume": daily_volume, "profile": [1, 2, 2, 1]},
                    "handle": {"dist": "exponential", "mean_s": 300}}],
        "agent_groups": [{"name": "g", "serves": ["q"], "staffing": 3}]})


def test_expected_contacts_is_volume_times_days():
    assert expected_contacts(one_queue(100, days=3)) == pytest.approx(300)


def test_a_trillion_contacts_is_refused_with_the_estimate_not_a_numpy_crash():
    with pytest.raises(InputError) as err:
        simulate(one_queue(1e12))
    message = str(err.value)
    assert "about 1,000,000,000,000 contacts" in message
    assert "about 850 TB of memory" in message
    assert "allow_large=True" in message and "\n" not in message


def test_the_limit_is_the_available_memory_and_allow_large_overrides(monkeypatch):
    scenario = one_queue(100)  # ~100 contacts, ~85 kB
    monkeypatch.setattr(estimate, "available_memory_bytes", lambda: 50_000)
    with pytest.raises(InputError, match=r"about 100 contacts, about 85 kB .*\(50 kB\)"):
        simulate(scenario, seed=1)
    assert len(simulate(scenario, seed=1, allow_large=True).contacts) > 50
    monkeypatch.setattr(estimate, "available_memory_bytes", lambda: 200_000)
    assert len(simulate(scenario, seed=1).contacts) > 50


def test_available_memory_is_read_from_the_machine():
    available = estimate.available_memory_bytes()
    assert available is None or available > 10_000_000


@pytest.mark.parametrize("count, text", [(1.1e12, "1.1 TB"), (13.9e9, "14 GB"), (230e6, "230 MB"), (999, "999 B")])
def test_readable_bytes(count, text):
    assert estimate.readable_bytes(count) == text
