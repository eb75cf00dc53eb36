"""`rosters()` gives the same duty windows and breaks as pinned in tests/data/rosters_pinned.json.

The file was written by the per-interval Python loop that `rosters()` had before it was
vectorized (#16), for the shipped scenarios and for built ones that reach the corners:
staffing that changes every interval, a 24-hour center whose windows join across
midnight, absence on per-interval staffing, a group with nobody rostered. Re-pin after a
deliberate change of roster rules only: `.venv/bin/python tests/test_engine_rosters.py`.
"""

import json
from pathlib import Path

import pytest

from sim.engine.rosters import rosters
from sim.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parent.parent
PINNED = Path(__file__).resolve().parent / "data" / "rosters_pinned.json"
SHIPPED = ["default", "helpdesk_l1_l2", "omnichannel", "retail_bank_week", "seasonal_peak_outsourcing"]
EXTRA_SEED = 99  # a second draw of absence


def varying_scenario(open_time: str, close_time: str, absenteeism: float):
    """Three days; one group's staffing changes every interval (zeros included), one is empty."""
    horizon = {"days": 3, "open_time": open_time, "close_time": close_time, "interval_min": 30}
    probe = parse_scenario({"name": "probe", "horizon": horizon,
                            "queues": [{"name": "q", "arrivals": {"daily_volume": 1},
                                        "handle": {"dist": "exponential", "mean_s": 60}}],
                            "agent_groups": [{"name": "g", "serves": ["q"], "staffing": 1}]})
    width = probe.horizon.intervals_per_day
    staffing = [(3 * i * i + 7 * i) % 11 for i in range(3 * width)]  # 0..10, any pattern
    staffing[width - 1] = staffing[width] = 10  # the same level on both sides of a day's end
    return parse_scenario({
        "name": f"varying {open_time}-{close_time}", "horizon": horizon,
        "queues": [{"name": "q", "arrivals": {"daily_volume": 100},
                    "handle": {"dist": "exponential", "mean_s": 60}}],
        "agent_groups": [
            {"name": "varying", "serves": ["q"], "staffing": staffing, "absenteeism": absenteeism},
            {"name": "flat", "serves": ["q"], "staffing": 4, "absenteeism": absenteeism},
            {"name": "nobody", "serves": ["q"], "staffing": 0, "absenteeism": absenteeism},
            {"name": "shifts", "serves": ["q"], "absenteeism": absenteeism, "shifts": [
                {"start": "20:00", "length_h": 9, "count": 2, "breaks": [{"after_h": 4, "length_min": 30}]}]},
        ]})


def cases() -> dict:
    """name -> (scenario, seed)"""
    found = {}
    for name in SHIPPED:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        found[f"{name}/seed {scenario.seed}"] = (scenario, scenario.seed)
        found[f"{name}/seed {EXTRA_SEED}"] = (scenario, EXTRA_SEED)
    for open_time, close_time in [("00:00", "24:00"), ("07:30", "19:00")]:
        for absenteeism in (0.0, 0.2):
            scenario = varying_scenario(open_time, close_time, absenteeism)
            found[f"{scenario.name}, absence {absenteeism}"] = (scenario, 3)
    return found


def as_plain(scenario, seed: int) -> list:
    return [[a.group_idx, a.rank, [list(w) for w in a.windows], [list(b) for b in a.breaks]]
            for a in rosters(scenario, seed)]


@pytest.fixture(scope="module")
def pinned() -> dict:
    return json.loads(PINNED.read_text())


@pytest.mark.parametrize("name", list(cases()))
def test_rosters_match_the_pinned_ones(name, pinned):
    scenario, seed = cases()[name]
    assert as_plain(scenario, seed) == pinned[name]  # JSON keeps floats exact (shortest repr)


def test_the_pinned_cases_reach_the_corners(pinned):
    """Guards the pins' power: windows joined across midnight, absence on interval staffing."""
    day_long = pinned["varying 00:00-24:00, absence 0.0"]
    assert any(end - start > 86_400 for _, _, windows, _ in day_long for start, end in windows)
    absent = pinned["varying 07:30-19:00, absence 0.2"]
    present = pinned["varying 07:30-19:00, absence 0.0"]
    flat_days = [len(windows) for g, _, windows, _ in absent if g == 1]
    assert min(flat_days) < 3 == max(len(windows) for g, _, windows, _ in present if g == 1)


if __name__ == "__main__":
    PINNED.write_text(json.dumps({name: as_plain(*case) for name, case in cases().items()}) + "\n")
    print(f"wrote {PINNED}")
