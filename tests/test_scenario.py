"""Scenario files: the shipped examples load, and every bad value is refused by name."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.scenario import load_scenario, parse_scenario, with_field

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InputError) as caught:
        parse_scenario(data)
    return caught.value.problems


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_load(path):
    scenario = load_scenario(path)
    assert scenario.queues and scenario.agent_groups


def test_default_scenario_is_a_realistic_day():
    scenario = load_scenario(Path(__file__).parent.parent / "scenarios" / "default.toml")
    expected = sum(scenario.expected_arrivals(q).sum() for q in scenario.queues)
    assert scenario.horizon.interval_min == 30 and 3000 < expected < 10000
    per_interval = sum(scenario.expected_arrivals(q)[0] for q in scenario.queues)
    peaks = [i for i in range(1, len(per_interval) - 1)
             if per_interval[i - 1] < per_interval[i] >= per_interval[i + 1]]
    assert len(peaks) == 2  # a morning and an afternoon peak


def test_daily_volume_is_spread_by_profile(minimal):
    scenario = parse_scenario(minimal())
    np.testing.assert_allclose(scenario.expected_arrivals(scenario.queues[0]), [[100 / 6, 100 / 3, 100 / 3, 100 / 6]])
    np.testing.assert_array_equal(scenario.staffing(scenario.agent_groups[0]), [[2, 3, 3, 2]])


def test_one_day_tables_repeat_over_the_horizon(minimal):
    data = minimal(horizon={"days": 3, "open_time": "08:00", "close_time": "10:00"})
    data["queues"][0]["arrivals"] = {"daily_volume": [10, 20, 30]}
    scenario = parse_scenario(data)
    np.testing.assert_allclose(scenario.expected_arrivals(scenario.queues[0]).sum(axis=1), [10, 20, 30])
    assert scenario.staffing(scenario.agent_groups[0]).shape == (3, 4)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["queues"][0]["arrivals"].update(daily_volume=-5),
         "queues[0].arrivals.daily_volume: -5 is not >= 0"),
        (lambda d: d["queues"][0]["handle"].update(mean_s=0),
         "queues[0].handle.mean_s: 0 is not > 0"),
        (lambda d: d["queues"][0]["handle"].update(dist="weibull"),
         "queues[0].handle: dist 'weibull' is not one of"),
        (lambda d: d["queues"][0].update(patience={"dist": "lognormal", "mean_s": 60}),
         "queues[0].patience.cv: is required"),
        (lambda d: d["queues"][0].update(arivals={}),
         "queues[0].arivals: is not a known field (did you mean 'arrivals'?)"),
        (lambda d: d["horizon"].update(interval_min=20),
         "horizon.interval_min: 20 is not one of 15 or 30"),
        (lambda d: d["horizon"].update(open_time="8h"),
         "horizon.open_time: '8h' is not a clock time HH:MM"),
        (lambda d: d["horizon"].update(close_time="07:00"),
         "horizon.close_time: '07:00' is not after open_time '08:00'"),
        (lambda d: d["horizon"].update(close_time="10:10"),
         "horizon: opening hours 08:00-10:10 are not a whole number of 30-min intervals"),
        (lambda d: d["queues"][0]["arrivals"].update(profile=[1, 2]),
         "queues[0].arrivals.profile: has 2 values; needs 4"),
        (lambda d: d["queues"][0]["arrivals"].update(profile=[0, 0, 0, 0]),
         "queues[0].arrivals.profile: all weights are 0"),
        (lambda d: d["queues"][0]["arrivals"].update(interval_volumes=[1, 2, 3, 4]),
         "queues[0].arrivals: give either daily_volume (with an optional profile) or interval_volumes, not both"),
        (lambda d: d["agent_groups"][0].update(serves=["sales", "billing"]),
         "agent_groups[0].serves[1]: 'billing' is not a queue (queues: sales)"),
        (lambda d: d["agent_groups"][0].update(serves=["billing"]),
         "queues[0].name: 'sales' is served by no agent group"),
        (lambda d: d["agent_groups"][0].update(staffing=[1, -1, 1, 1]),
         "agent_groups[0].staffing[1]: -1 is not >= 0"),
        (lambda d: d["agent_groups"][0].update(staffing=[1, 1, 1]),
         "agent_groups[0].staffing: has 3 values; needs 4"),
        (lambda d: d["agent_groups"].append(dict(d["agent_groups"][0])),
         "agent_groups[1].name: 'team' is used by another group"),
        (lambda d: d["queues"][0].update(channel="fax"),
         "queues[0].channel: 'fax' is not one of 'phone'"),
        (lambda d: d.update(seed=-1), "seed: -1 is not >= 0"),
        (lambda d: d.pop("queues"), "queues: is required"),
        (lambda d: d["queues"][0].update(wrap={"dist": "empirical", "values_s": [10, 20], "weights": [1]}),
         "queues[0].wrap.weights: has 1 values, values_s has 2; they must match"),
        # TOML has types: a quoted number is a typo, never read as a number
        (lambda d: d["queues"][0]["arrivals"].update(daily_volume="4200"),
         "queues[0].arrivals.daily_volume: '4200' is not a number (write it without quotes)"),
        (lambda d: d["queues"][0]["handle"].update(mean_s="300"),
         "queues[0].handle.mean_s: '300' is not a number (write it without quotes)"),
        (lambda d: d["horizon"].update(days="2"),
         "horizon.days: '2' is not a whole number (write it without quotes)"),
        (lambda d: d["agent_groups"][0].update(staffing=[1, 2.5, 1, 1]),
         "agent_groups[0].staffing[1]: 2.5 is not a whole number"),
        (lambda d: d["queues"][0].update(name=7), "queues[0].name: 7 is not a text"),
    ],
)
def test_bad_values_are_refused_by_name_value_and_rule(edit, message, minimal):
    data = minimal()
    edit(data)
    problems = problems_of(data)
    assert any(p.startswith(message) for p in problems), problems


def test_every_problem_is_reported_at_once(minimal):
    data = minimal()
    data["queues"][0]["arrivals"]["profile"] = [1]
    data["agent_groups"][0]["serves"] = ["sales", "nope"]
    assert len(problems_of(data)) == 2


def test_bad_file_messages_name_the_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("name = 'x\n")
    with pytest.raises(InputError, match="broken.toml: is not valid TOML"):
        load_scenario(broken)
    with pytest.raises(InputError, match="missing.toml: cannot be read"):
        load_scenario(tmp_path / "missing.toml")


def test_with_field_changes_one_field_and_revalidates(minimal):
    scenario = parse_scenario(minimal())
    changed = with_field(scenario, "queues[0].handle.mean_s", 240)
    assert changed.queues[0].handle.mean_s == 240 and scenario.queues[0].handle.mean_s == 300
    assert with_field(scenario, "agent_groups[0].staffing", 5).staffing(changed.agent_groups[0]).shape == (1, 4)
    with pytest.raises(InputError, match=r"queues\[0\].handle.mean_s: -1 is not > 0"):
        with_field(scenario, "queues[0].handle.mean_s", -1)
    with pytest.raises(InputError, match=r"queues\[0\].handel: no such field"):
        with_field(scenario, "queues[0].handel", 1)
    with pytest.raises(InputError, match=r"queues\[3\].name: no such field"):
        with_field(scenario, "queues[3].name", "x")


def test_scenario_pickles(minimal):
    scenario = parse_scenario(minimal())
    assert pickle.loads(pickle.dumps(scenario)) == scenario


def test_with_field_takes_numpy_numbers_as_the_numbers_they_hold(minimal):
    scenario = parse_scenario(minimal())
    assert with_field(scenario, "agent_groups[0].staffing", np.int64(4)).agent_groups[0].staffing == 4
    edited = with_field(scenario, "agent_groups[0].staffing", np.array([1, 2, 2, 1]))
    assert edited.agent_groups[0].staffing == [1, 2, 2, 1]
    assert with_field(scenario, "seed", [np.int64(3)][0]).seed == 3
    with pytest.raises(InputError, match="2.5 is not a whole number"):
        with_field(scenario, "agent_groups[0].staffing", np.float64(2.5))
