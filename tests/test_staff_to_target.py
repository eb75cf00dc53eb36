"""Staff to target: a requirement table put back into a scenario's specialist teams."""

from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.scenario import load_scenario, parse_scenario
from sim.staffing.forecast import forecast_from_scenario
from sim.staffing.plan import staff_to_requirement
from sim.staffing.requirements import Targets, requirements_table

DEFAULT = Path(__file__).parent.parent / "scenarios" / "default.toml"


def test_specialists_together_meet_the_requirement_keeping_their_split():
    scenario = load_scenario(DEFAULT)
    table = requirements_table(forecast_from_scenario(scenario), Targets(0.8, 20)).intervals
    required = {q: rows["agents"].to_numpy() for q, rows in table.groupby("queue")}
    staffed = staff_to_requirement(scenario, required)
    billing, moves, flex = (staffed.staffing(g)[0] for g in staffed.agent_groups)
    np.testing.assert_array_equal(billing, required["billing"])  # the only billing specialist
    np.testing.assert_array_equal(moves + flex, required["moves"])  # moves is first for both
    old_moves, old_flex = (scenario.staffing(g)[0] for g in scenario.agent_groups[1:])
    share = old_flex / (old_moves + old_flex)
    assert np.all(np.abs(flex - share * required["moves"]) < 1)  # split as before, whole agents


def test_even_split_where_nobody_was_on_duty(minimal):
    data = minimal(agent_groups=[{"name": "a", "serves": ["sales"], "staffing": [0, 0, 2, 2]},
                                 {"name": "b", "serves": ["sales"], "staffing": [0, 0, 2, 0]}])
    staffed = staff_to_requirement(parse_scenario(data), {"sales": [3, 4, 4, 5]})
    a, b = (staffed.staffing(g)[0] for g in staffed.agent_groups)
    np.testing.assert_array_equal(a + b, [3, 4, 4, 5])
    np.testing.assert_array_equal(b, [1, 2, 2, 0])  # even where empty, kept 0 where it was


def test_wrong_length_and_shifts_are_refused(minimal):
    scenario = parse_scenario(minimal())
    with pytest.raises(InputError, match="1 interval"):
        staff_to_requirement(scenario, {"sales": [3]})
    shifts = parse_scenario(minimal(agent_groups=[{"name": "team", "serves": ["sales"],
                                                    "shifts": [{"start": "08:00", "length_h": 2,
                                                                "count": 3}]}]))
    with pytest.raises(InputError, match="shifts"):
        staff_to_requirement(shifts, {"sales": [3, 4, 4, 3]})
