"""Staffing solver against a linear scan, targets, shrinkage, concurrency, interval table."""

import numpy as np
import pytest

from sim.staffing.erlang import measures
from sim.errors import InputError
from sim.staffing.forecast import read_forecast
from sim.staffing.requirements import (Targets, measures_at, required_agents, requirements_table,
                          scheduled_fte)

EXAMPLE = "examples/forecast_day.csv"


def smallest_by_scan(calls_per_hour, aht_s, targets, patience_s=None, concurrency=1):
    """First N = 1, 2, ... that meets the targets (stable N only under Erlang C)."""
    load = calls_per_hour / 3600 * aht_s
    for agents in range(1, 2000):
        if patience_s is None and agents * concurrency <= load:
            continue
        m = measures_at(calls_per_hour, aht_s, agents, targets, patience_s, concurrency)
        if targets.met(m):
            return agents
    raise AssertionError("no staffing found")


TARGET_SETS = [
    Targets(service_level=0.8, threshold_s=20),
    Targets(asa_s=15),
    Targets(max_occupancy=0.85),
    Targets(service_level=0.9, threshold_s=30, asa_s=10, max_occupancy=0.8),
    Targets(service_level=0.7, threshold_s=0),
]


@pytest.mark.parametrize("targets", TARGET_SETS)
@pytest.mark.parametrize("patience_s", [None, 90.0])
def test_required_agents_is_the_smallest_that_meets_the_targets(targets, patience_s):
    calls = np.array([3.0, 40.0, 180.0, 777.0, 2500.0])
    got = required_agents(calls, 240, targets, patience_s)
    want = [smallest_by_scan(c, 240, targets, patience_s) for c in calls]
    assert got.tolist() == want


def test_abandonment_target_under_erlang_a():
    targets = Targets(max_abandon=0.02)
    got = required_agents([100, 900], 300, targets, patience_s=60)
    assert got.tolist() == [smallest_by_scan(c, 300, targets, 60) for c in (100, 900)]
    m = measures([900, 900], 300, [got[1] - 1, got[1]], 0, patience_s=60)
    assert m.p_abandon[0] > 0.02 >= m.p_abandon[1]


def test_published_example_needs_fourteen_agents():
    # 100 calls / 30 min, AHT 180 s, 80 % in 20 s: 14 agents (see tests/test_erlang.py).
    assert required_agents(200, 180, Targets(service_level=0.8, threshold_s=20)) == 14


def test_occupancy_cap_binds_exactly_under_erlang_c():
    got = required_agents(8500, 360, Targets(service_level=0.5, threshold_s=60,
                                             max_occupancy=0.85))
    assert got == np.ceil(8500 / 3600 * 360 / 0.85)  # 850 Erlangs -> 1000 agents


def test_large_vectors_agree_with_scalar_calls_and_keep_shape():
    rng = np.random.default_rng(3)
    calls = rng.uniform(0, 240_000, size=(4, 50))  # up to 20,000 Erlangs
    targets = Targets(service_level=0.8, threshold_s=20)
    got = required_agents(calls, 300, targets)
    assert got.shape == (4, 50)
    for index in [(0, 0), (1, 7), (3, 49)]:
        assert got[index] == required_agents(calls[index], 300, targets)
    m = measures(calls, 300, got, 20)
    worse = measures(calls, 300, np.maximum(got - 1, 1), 20)
    assert np.all(m.service_level >= 0.8) and np.all(worse.service_level < 0.8)


def test_zero_calls_need_zero_agents():
    got = required_agents([0, 100], 300, Targets(service_level=0.8, threshold_s=20))
    assert got.tolist()[0] == 0 and got[1] > 0


def test_concurrency_staffs_agents_as_groups_of_slots():
    targets = Targets(service_level=0.8, threshold_s=60)
    chat = required_agents(600, 600, targets, concurrency=3)  # 100 Erlangs of chats
    assert chat == smallest_by_scan(600, 600, targets, concurrency=3)
    slots = required_agents(600, 600, targets)
    assert chat == np.ceil(slots / 3)  # here rounding slots up to whole agents is enough


def test_shrinkage_turns_agents_into_scheduled_fte():
    assert scheduled_fte(14, 0.3) == pytest.approx(20.0)
    assert scheduled_fte([10, 0], 0.0).tolist() == [10, 0]
    with pytest.raises(InputError, match=r"shrinkage: 1 is not in \[0, 1\)"):
        scheduled_fte(10, 1.0)


@pytest.mark.parametrize("make, message", [
    (lambda: Targets(service_level=1.0, threshold_s=0), "target_sl: 1 is not in \\(0, 1\\)"),
    (lambda: Targets(service_level=0.8), "threshold_s: missing"),
    (lambda: Targets(), "targets: none given"),
    (lambda: Targets(asa_s=0), "target_asa_s: 0 is not > 0"),
    (lambda: Targets(max_occupancy=1.2), "max_occupancy: 1.2 is not in \\(0, 1\\]"),
    (lambda: required_agents(-5, 300, Targets(asa_s=20)), "calls_per_hour: -5 is not >= 0"),
    (lambda: required_agents(100, 0, Targets(asa_s=20)), "aht_s: 0 is not > 0"),
    (lambda: required_agents(100, 300, Targets(max_abandon=0.05)), "max_abandon: needs"),
    (lambda: required_agents(2e10, 300, Targets(asa_s=20)), "targets: ASA <= 20 s unreachable"),
])
def test_invalid_or_unreachable_targets_raise(make, message):
    with pytest.raises(InputError, match=message):
        make()


def test_requirements_table_of_the_example_day():
    forecast = read_forecast(EXAMPLE)
    targets = Targets(service_level=0.8, threshold_s=20, max_abandon=0.05)
    result = requirements_table(forecast, targets, patience_s=120, shrinkage=0.3)
    table, totals = result.intervals, result.totals.loc[""]
    calls_per_hour = forecast["calls"] * 2  # 30-min intervals
    assert table["agents"].tolist() == required_agents(
        calls_per_hour, forecast["aht_s"], targets, patience_s=120).tolist()
    assert np.all(table["service_level"] >= 0.8) and np.all(table["p_abandon"] <= 0.05)
    assert table["scheduled_fte"].tolist() == pytest.approx((table["agents"] / 0.7).tolist())
    assert totals["agent_hours"] == pytest.approx(table["agents"].sum() * 0.5)
    assert totals["fte"] == pytest.approx(totals["agent_hours"] / 0.7 / 8)
    weights = table["calls"] / table["calls"].sum()
    assert totals["service_level"] == pytest.approx((weights * table["service_level"]).sum())
    assert totals["calls"] == forecast["calls"].sum()
    morning, lunch = table.set_index("interval_start").loc[["10:00", "12:30"], "agents"]
    assert morning > lunch  # the morning peak needs more agents than lunch time


def test_requirements_table_with_queues_and_empty_intervals(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("queue,interval_start,calls,aht_s\n"
                    "sales,2026-01-05T08:00,0,\nsales,2026-01-05T08:15,30,200\n"
                    "care,2026-01-05T08:00,50,400\ncare,2026-01-06T08:00,60,400\n")
    result = requirements_table(read_forecast(path, interval_min=15),
                                Targets(service_level=0.8, threshold_s=20))
    assert result.intervals["agents"].tolist()[0] == 0
    assert list(result.totals.index) == ["sales", "care"]
    care = result.totals.loc["care"]
    assert care["fte"] == pytest.approx(care["agent_hours"] / (8 * 2))  # two days


@pytest.mark.parametrize("call, message", [
    (lambda: measures_at(200, 180, 0, Targets(service_level=0.8, threshold_s=20)),
     "agents: 0 while calls arrive"),
    (lambda: measures_at(200, 180, 2.5, Targets(service_level=0.8, threshold_s=20)),
     "agents: 2.5 is not a whole number >= 0"),
    (lambda: required_agents(200, 180, Targets(service_level=0.8, threshold_s=20), concurrency=np.inf),
     "concurrency: inf is not a whole number >= 1"),
    (lambda: Targets(service_level="x", threshold_s=20), "target_sl: 'x' is not a number"),
    (lambda: Targets(service_level=[0.8, 0.9], threshold_s=20), "target_sl: .* is not a single number"),
    (lambda: measures_at([200, 300], [180, 180, 180], [3, 4], Targets(asa_s=20)), "do not match"),
    (lambda: required_agents(200, 180, Targets(max_occupancy=1e-9)),
     r"targets: occupancy <= 1e-09 unreachable .*\(load 10 Erlangs\)"),
])
def test_api_inputs_are_refused_with_the_rule(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_targets_keep_the_checked_number():
    assert Targets(service_level="0.8", threshold_s="20").service_level == 0.8
