"""Scenario TOML writing: load -> edit -> write -> load gives the same Scenario."""

import tomllib
from pathlib import Path

import pytest

from sim.errors import InputError
from sim.scenario import load_scenario, parse_scenario, with_field
from sim.scenario.write import scenario_to_toml, write_scenario

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_round_trips(path, tmp_path):
    scenario = load_scenario(path)
    assert load_scenario(write_scenario(scenario, tmp_path / "out.toml")) == scenario


def test_edited_scenario_round_trips(tmp_path):
    scenario = load_scenario(SCENARIOS[0].parent / "default.toml")
    edited = with_field(scenario, "queues[0].handle.mean_s", 300)
    edited = with_field(edited, "agent_groups[2].staffing", 0)
    edited = with_field(edited, "queues[1].callback", {"offer_above_wait_s": 45, "accept_share": 0.3})
    back = load_scenario(write_scenario(edited, tmp_path / "edited.toml"))
    assert back == edited and back != scenario
    assert back.queues[1].callback.accept_share == 0.3


def test_defaults_are_left_out_and_tags_kept(minimal):
    text = scenario_to_toml(parse_scenario(minimal()))
    data = tomllib.loads(text)
    assert data["queues"][0]["handle"] == {"dist": "exponential", "mean_s": 300}
    assert "wrap" not in data["queues"][0] and "survey" not in data  # defaults stay out
    assert text.index("name =") < text.index("[horizon]")  # plain values before tables


def test_unwritable_path_is_an_input_error(minimal, tmp_path):
    with pytest.raises(InputError, match="cannot be written"):
        write_scenario(parse_scenario(minimal()), tmp_path / "no" / "such" / "dir.toml")
