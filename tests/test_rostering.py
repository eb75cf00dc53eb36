"""Rostering: hand-checkable optima, refused inputs, the CLI's JSON, and the simulate loop."""

import json
import textwrap

import numpy as np
import pytest

from sim.cli import main
from sim.errors import InputError
from sim.scenario import parse_scenario
from sim.staffing.rostering import make_roster, parse_rules, read_requirement
from sim.staffing.rostering.scenario_bridge import put_into_scenario


def requirement_csv(tmp_path, rows: dict, interval_min=30, name="req.csv"):
    """rows: {(day index from 0, "HH:MM"): agents}; written as `ccplan staff --csv` writes a
    week (its labels number days from 1)."""
    lines = ["queue,interval_start,calls,agents,scheduled_fte"]
    lines += [f"q,day {d + 1} {t},10,{a},{a}" for (d, t), a in sorted(rows.items())]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def clock_range(first: str, last: str, step_min=30) -> list[str]:
    h, m = map(int, first.split(":"))
    lh, lm = map(int, last.split(":"))
    out, minutes = [], h * 60 + m
    while minutes <= lh * 60 + lm:
        out.append(f"{minutes // 60:02d}:{minutes % 60:02d}")
        minutes += step_min
    return out


def solve(tmp_path, rows: dict, rules: dict):
    return make_roster(read_requirement(requirement_csv(tmp_path, rows)), parse_rules(rules))


def starts(roster) -> dict:
    table = roster.shifts.groupby(["day", "start_slot"])["count"].sum()
    return {(d, f"{s // 2:02d}:{s % 2 * 30:02d}"): int(n) for (d, s), n in table.items()}


def test_one_shift_covers_the_requirement_exactly(tmp_path):
    rows = {(0, t): 3 for t in clock_range("08:00", "11:30")}
    rules = {"shifts": [{"name": "4h", "length_h": 4, "starts": ["07:00", "08:00", "09:00"]}]}
    roster = solve(tmp_path, rows, rules)
    assert starts(roster) == {(0, "08:00"): 3}
    assert roster.paid_hours == 12
    assert roster.lower_bound_paid_hours == pytest.approx(12) and roster.gap == 0
    coverage = roster.coverage()
    assert (coverage["scheduled"] == coverage["required"]).all()


def test_two_overlapping_shifts(tmp_path):
    need = {"08:00": 1, "08:30": 1, "09:00": 1, "09:30": 1, "10:00": 2, "10:30": 2, "11:00": 2,
            "11:30": 2, "12:00": 1, "12:30": 1, "13:00": 1, "13:30": 1}
    rules = {"shifts": [{"name": "4h", "length_h": 4,
                         "starts": {"first": "07:00", "last": "11:00", "every_min": 30}}]}
    roster = solve(tmp_path, {(0, t): a for t, a in need.items()}, rules)
    assert starts(roster) == {(0, "08:00"): 1, (0, "10:00"): 1}
    assert roster.paid_hours == 8


def test_breaks_fall_where_the_requirement_dips(tmp_path):
    need = {t: 2 for t in clock_range("08:00", "11:30")}
    need["10:00"] = need["10:30"] = 1
    rules = {"shifts": [{"name": "4h", "length_h": 4, "starts": ["08:00"], "breaks": [
        {"length_min": 30, "paid": False, "earliest_after_h": 1.5, "latest_after_h": 2.5}]}]}
    roster = solve(tmp_path, {(0, t): a for t, a in need.items()}, rules)
    assert starts(roster) == {(0, "08:00"): 2}
    breaks = sorted(b for b, n in zip(roster.shifts["breaks"], roster.shifts["count"]) for _ in range(n))
    assert breaks == [((4, 1),), ((5, 1),)]  # slots after the start: 10:00 and 10:30
    assert roster.paid_hours == 7  # 2 x (4 h - 30 min unpaid)
    assert (roster.coverage()["under"] == 0).all()


def test_consecutive_days_off_force_the_pattern(tmp_path):
    """Work needed Wed-Sun only: 5 days with 2 consecutive days off must be Wed-Sun."""
    rows = {(d, t): 1 for d in range(2, 7) for t in clock_range("08:00", "11:30")}
    rows[(0, "08:00")] = 0  # day 0 and 1 are in the table with nothing required
    rules = {"week": {"days": 7}, "shifts": [{"name": "4h", "length_h": 4, "starts": ["08:00"],
                                              "days_per_week": 5, "consecutive_days_off": True}]}
    roster = solve(tmp_path, rows, rules)
    assert roster.patterns[["days_worked", "agents"]].values.tolist() == [[(2, 3, 4, 5, 6), 1]]


def test_split_days_off_need_a_second_agent_when_off_days_must_touch(tmp_path):
    """Work needed on days 0, 1, 2, 4, 5 of 7: one agent if days off may be apart (3 and 6),
    two if the 2 days off must be consecutive (no block of 2 days misses exactly 3 and 6)."""
    rows = {(d, t): 1 for d in (0, 1, 2, 4, 5) for t in clock_range("08:00", "11:30")}
    shift = {"name": "4h", "length_h": 4, "starts": ["08:00"], "days_per_week": 5}
    apart = solve(tmp_path, rows, {"week": {"days": 7}, "shifts": [shift]})
    assert apart.patterns[["days_worked", "agents"]].values.tolist() == [[(0, 1, 2, 4, 5), 1]]
    assert apart.paid_hours == 20
    together = solve(tmp_path, rows, {"week": {"days": 7},
                                      "shifts": [shift | {"consecutive_days_off": True}]})
    assert together.patterns["agents"].sum() == 2 and together.paid_hours == 40
    for days in together.patterns["days_worked"]:
        off = sorted(set(range(7)) - set(days))
        assert (off[1] - off[0]) in (1, 6)  # one block, possibly round the week's end


def test_requirement_outside_every_shift_is_refused_naming_the_interval(tmp_path):
    rows = {(0, "06:00"): 2, (0, "08:00"): 1, (0, "08:30"): 1}
    rules = {"shifts": [{"name": "4h", "length_h": 4, "starts": ["08:00"]}]}
    with pytest.raises(InputError, match=r"2 agents needed on day 1 at 06:00 for queue 'q' but no "
                                         r"allowed shift covers"):
        solve(tmp_path, rows, rules)


def test_head_count_cap_makes_it_infeasible_unless_under_coverage_is_allowed(tmp_path):
    rows = {(0, t): 3 for t in clock_range("08:00", "11:30")}
    capped = {"name": "4h", "length_h": 4, "starts": ["08:00"], "max_agents": 2}
    with pytest.raises(InputError, match="no roster can meet the requirement"):
        solve(tmp_path, rows, {"shifts": [capped]})
    roster = solve(tmp_path, rows, {"under_coverage_penalty": 100, "shifts": [capped]})
    assert roster.patterns["agents"].sum() == 2
    assert roster.coverage()["under"].sum() == 8  # one agent short in each of 8 intervals
    assert roster.lower_bound_paid_hours is None  # the objective is no longer paid hours


def test_a_cheap_penalty_leaves_a_lone_interval_uncovered(tmp_path):
    """One agent for 30 min: a 4-h shift costs 4; being short costs penalty x 0.5 h."""
    rows = {(0, "08:00"): 1, (0, "08:30"): 0}
    shift = {"name": "4h", "length_h": 4, "starts": ["08:00"]}
    assert solve(tmp_path, rows, {"under_coverage_penalty": 6, "shifts": [shift]}).paid_hours == 0
    assert solve(tmp_path, rows, {"under_coverage_penalty": 10, "shifts": [shift]}).paid_hours == 4


@pytest.mark.parametrize("rules, message", [
    ({"shifts": [{"name": "x", "length_h": 30, "starts": ["08:00"]}]}, r"shifts\[0\]\.length_h: 30 is not <= 24$"),
    ({"shifts": [{"name": "x", "length_h": 4, "start": ["08:00"]}]}, r"shifts\[0\]\.start: is not a known field \(did you mean 'starts'\?\)"),
    ({"shifts": []}, r"shifts: must not be empty"),
    ({"shifts": [{"name": "x", "length_h": 4, "starts": ["8h"]}]}, r"shifts\[0\]\.starts\[0\]: .*not a clock time"),
    ({"shifts": [{"name": "x", "length_h": 4, "starts": ["08:00"], "breaks": [
        {"length_min": 30, "earliest_after_h": 3, "latest_after_h": 3.75}]}]},
     r"shifts\[0\]\.breaks\[0\]\.latest_after_h: a break starting 3\.75 h in ends after the 4-h shift"),
    ({"shifts": [{"name": "x", "length_h": 4, "starts": ["08:00"], "days_per_week": [5, 3]}]},
     r"shifts\[0\]\.days_per_week: \[5, 3\] is not \[min, max\]"),
    ({"cover": "fte", "shifts": [{"name": "x", "length_h": 4, "starts": ["08:00"]}]}, r"cover: 'fte' is not one of"),
])
def test_bad_rules_name_the_field_and_the_rule(rules, message):
    with pytest.raises(InputError, match=message) as err:
        parse_rules(rules)
    assert all(":" in line for line in err.value.problems)


@pytest.mark.parametrize("rules, message", [
    ({"shifts": [{"name": "x", "length_h": 4.25, "starts": ["08:00"]}]},
     r"shifts\[0\]\.length_h: 4\.25 h is not a whole number of 30-min slots"),
    ({"shifts": [{"name": "x", "length_h": 4, "starts": ["08:00"], "days_per_week": 5}]},
     r"shifts\[0\]\.days_per_week: 5 is more than the 1-day week"),
])
def test_rules_that_do_not_fit_the_requirement_are_refused(tmp_path, rules, message):
    with pytest.raises(InputError, match=message):
        solve(tmp_path, {(0, "08:00"): 1, (0, "08:30"): 1}, rules)


@pytest.mark.parametrize("text, message", [
    ("queue,interval_start,calls\nq,08:00,3\n", r"lacks column\(s\) agents"),
    ("interval_start,agents\n08:00,3\n08:30,many\n", r"row 3: agents: 'many' is not a number >= 0"),
    ("interval_start,agents\n08:00,3\n08:30,-1\n", r"row 3: agents: '-1' is not a number >= 0"),
    ("interval_start,agents\n08:00,3\n25:30,1\n", r"row 3: interval_start: '25:30' is not a time of day"),
    ("interval_start,agents\n08:00,3\n08:00,1\n", r"row 3: interval_start: '08:00' repeats an earlier row"),
    ("", r"is not a readable CSV"),
])
def test_bad_requirement_tables_are_refused(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_requirement(path)


def test_requirement_reads_iso_datetimes_and_one_queue(tmp_path):
    path = tmp_path / "iso.csv"
    path.write_text("queue,interval_start,agents\na,2026-01-05T08:00,2\na,2026-01-05T08:15,3\n"
                    "b,2026-01-06T09:00,4\nb,2026-01-06T09:15,1\n")
    requirement = read_requirement(path, queue="b")
    assert requirement.interval_s == 900 and requirement.day_labels == ["2026-01-05", "2026-01-06"]
    assert requirement.table[["day", "start_s", "required"]].values.tolist() == [[1, 32400, 4], [1, 33300, 1]]
    combined = read_requirement(path, combine_queues=True)
    assert combined.queues == ["all queues"] and combined.table["required"].sum() == 10


def write_rules(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(text))
    return path


def test_cli_json_shape(tmp_path, capsys):
    req = requirement_csv(tmp_path, {(0, t): 2 for t in clock_range("08:00", "11:30")})
    rules = write_rules(tmp_path, """
        [[shifts]]
        name = "4h"
        length_h = 4
        starts = ["08:00"]
    """)
    assert main(["roster", str(req), "--rules", str(rules), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["total_paid_hours"] == 8 and result["lower_bound_paid_hours"] == 8
    assert len(result["intervals"]) == 8
    assert set(result["intervals"][0]) >= {"day", "interval_start", "required", "scheduled"}
    assert result["intervals"][0] | {} == {"queue": "q", "day": 1, "day_label": "day 1",
                                           "interval_start": "08:00", "required": 2.0, "scheduled": 2.0}


def test_cli_writes_every_table_and_refuses_bad_input_without_output(tmp_path, capsys):
    req = requirement_csv(tmp_path, {(0, t): 2 for t in clock_range("08:00", "11:30")})
    good = write_rules(tmp_path, '[[shifts]]\nname = "4h"\nlength_h = 4\nstarts = ["08:00"]\n')
    out = tmp_path / "out"
    assert main(["roster", str(req), "--rules", str(good), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "agents.csv", "agents_week.csv", "coverage.csv", "patterns.csv", "scenario_fragment.toml",
        "shifts.csv", "summary.json"]
    fragment = (out / "scenario_fragment.toml").read_text()
    assert 'start = "08:00"' in fragment and "count = 2" in fragment
    bad = write_rules(tmp_path, '[[shifts]]\nname = "4h"\nlength_h = 4\nstarts = ["10:00"]\n')
    capsys.readouterr()
    assert main(["roster", str(req), "--rules", str(bad), "--out", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: requirement: 2 agents needed on day 1 at 08:00") and "Traceback" not in err
    assert not (tmp_path / "none").exists()


def small_scenario(minimal, days=1):
    return parse_scenario(minimal(horizon={"days": days, "interval_min": 30, "open_time": "08:00",
                                           "close_time": "12:00"},
                                  queues=[{"name": "q", "arrivals": {"daily_volume": 240},
                                           "handle": {"dist": "exponential", "mean_s": 240}}],
                                  agent_groups=[{"name": "team", "serves": ["q"], "staffing": 1,
                                                 "hourly_cost": 30}]))


def test_one_day_roster_becomes_shifts_with_breaks(tmp_path, minimal):
    rows = {(0, t): 5 for t in clock_range("08:00", "11:30")}
    rules = {"shifts": [{"name": "4h", "length_h": 4, "starts": ["08:00"], "breaks": [
        {"length_min": 30, "earliest_after_h": 1, "latest_after_h": 2}]}]}
    roster = solve(tmp_path, rows, rules)
    scenario, notes = put_into_scenario(small_scenario(minimal), roster)
    (group,) = scenario.agent_groups
    assert group.name == "team" and group.hourly_cost == 30 and group.staffing is None
    # 5 on the floor while a third of the agents is on break: N - ceil(N / 3) >= 5 gives 8.
    assert sum(s.count for s in group.shifts) == roster.patterns["agents"].sum() == 8
    on_break = [b.after_h for s in group.shifts for b in s.breaks for _ in range(s.count)]
    assert len(on_break) == 8 and max(on_break.count(h) for h in (1, 1.5, 2)) == 3
    assert notes == ["group 'team' replaced by the roster"]


def test_week_roster_becomes_staffing_equal_to_agents_on_the_floor(tmp_path, minimal):
    rows = {(d, t): 2 + d for d in range(3) for t in clock_range("08:00", "11:30")}
    rules = {"week": {"days": 3}, "shifts": [{"name": "4h", "length_h": 4, "starts": ["08:00"],
                                              "days_per_week": [1, 3], "breaks": [
        {"length_min": 30, "earliest_after_h": 1, "latest_after_h": 2}]}]}
    roster = solve(tmp_path, rows, rules)
    scenario, _ = put_into_scenario(small_scenario(minimal, days=6), roster)
    staffing = scenario.staffing(scenario.agent_groups[0])
    floor = roster.coverage()["scheduled"].to_numpy().reshape(3, 8)
    np.testing.assert_array_equal(staffing, np.vstack([floor, floor]))  # the week repeats


def test_simulate_loop_reports_sl_per_interval(tmp_path, minimal, capsys):
    from sim.staffing.forecast import forecast_from_scenario
    from sim.staffing.requirements import Targets, requirements_table

    scenario_path = tmp_path / "scenario.toml"
    import tomli_w
    scenario_path.write_text(tomli_w.dumps(small_scenario(minimal).model_dump(mode="json", exclude_none=True)))
    table = requirements_table(forecast_from_scenario(small_scenario(minimal)),
                               Targets(service_level=0.8, threshold_s=20)).intervals
    req = tmp_path / "req.csv"
    table.to_csv(req, index=False)
    rules = write_rules(tmp_path, '[[shifts]]\nname = "2h"\nlength_h = 2\n'
                                  'starts = {first = "08:00", last = "10:00", every_min = 30}\n')
    args = ["roster", str(req), "--rules", str(rules), "--scenario", str(scenario_path), "--simulate",
            "--target-sl", "0.8", "--threshold-s", "20", "--seed", "3", "--json"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)["simulation"]
    assert len(result["intervals"]) == 8 and result["intervals_with_calls"] == 8
    for row in result["intervals"]:
        assert row["scheduled"] >= row["required"] == table["agents"].iloc[0]
        assert 0 <= row["service_level"] <= 1 and row["offered"] > 0
        assert row["short"] == (row["service_level"] < 0.8) and bool(row["why"]) == row["short"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["simulation"] == result  # same seed, same figures
    assert main(args[:6] + ["--simulate"]) == 2
    assert "--simulate: needs --target-sl and --threshold-s" in capsys.readouterr().err


def test_named_agents_work_their_pattern_and_every_shift_is_dealt(tmp_path):
    rows = {(d, t): 2 + (d == 0) for d in range(5) for t in clock_range("08:00", "15:30")}
    rules = {"week": {"days": 7, "day_names": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]},
             "shifts": [{"name": "8h", "length_h": 8, "starts": ["08:00"], "days_per_week": 5,
                         "consecutive_days_off": True},
                        {"name": "4h", "length_h": 4, "starts": ["08:00", "12:00"], "days_per_week": [1, 3]}]}
    roster = solve(tmp_path, rows, rules)
    agents = roster.agents()
    assert len(agents) == roster.shifts["count"].sum()  # every shift has one named agent
    worked = agents.groupby("agent")["day"].apply(tuple).to_dict()
    expected = sorted(days for days, n in zip(roster.patterns["days_worked"], roster.patterns["agents"])
                      for _ in range(n))
    assert sorted(worked.values()) == expected
    assert set(agents.loc[agents["shift_type"] == "8h", "day_label"]) == {"Mon", "Tue", "Wed", "Thu", "Fri"}


def test_breaks_shorter_than_the_scenario_interval_are_rounded_down_and_said(tmp_path, minimal):
    rows = {(d, t): 2 for d in range(2) for t in clock_range("08:00", "11:30")}
    rules = {"slot_min": 15, "shifts": [{"name": "4h", "length_h": 4, "starts": ["08:00"], "breaks": [
        {"length_min": 15, "earliest_after_h": 1, "latest_after_h": 1.5}]}]}
    # 2 on the floor in every 15-min slot: 3 agents, one on break at each of 09:00, 09:15, 09:30.
    roster = solve(tmp_path, rows, rules)
    assert roster.patterns["agents"].sum() == 3
    assert roster.on_floor[0, 36:40].tolist() == [2, 2, 2, 3]  # slots 09:00 to 09:45
    scenario, notes = put_into_scenario(small_scenario(minimal, days=2), roster)
    # 09:30-10:00 has 2.5 agents on average: rounded down to 2, never up, and said.
    assert scenario.staffing(scenario.agent_groups[0])[0].tolist() == [3, 3, 2, 2, 3, 3, 3, 3]
    assert any(note.startswith("2 interval value(s) rounded down") for note in notes)  # once a day


def test_shrinkage_and_the_covered_column(tmp_path):
    rows = {(0, t): 3 for t in clock_range("08:00", "11:30")}
    shift = {"name": "4h", "length_h": 4, "starts": ["08:00"]}
    assert solve(tmp_path, rows, {"shrinkage": 0.25, "shifts": [shift]}).patterns["agents"].sum() == 4  # 3 / 0.75
    path = tmp_path / "fte.csv"
    path.write_text("interval_start,agents,scheduled_fte\n08:00,3,4.2\n08:30,3,4.2\n")
    roster = make_roster(read_requirement(path, cover="scheduled_fte"), parse_rules({"shifts": [shift]}))
    assert roster.patterns["agents"].sum() == 5  # 4.2 rounded up to whole agents


def test_cli_queue_choice(tmp_path, capsys):
    path = tmp_path / "two.csv"
    path.write_text("queue,interval_start,agents\na,08:00,1\na,08:30,1\nb,08:00,2\nb,08:30,2\n")
    rules = write_rules(tmp_path, '[[shifts]]\nname = "1h"\nlength_h = 1\nstarts = ["08:00"]\n')
    assert main(["roster", str(path), "--rules", str(rules), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["head_count"] == 3  # one team per queue: 1 + 2
    assert main(["roster", str(path), "--rules", str(rules), "--json", "--queue", "b"]) == 0
    assert json.loads(capsys.readouterr().out)["head_count"] == 2
    assert main(["roster", str(path), "--rules", str(rules), "--json", "--queue", "c"]) == 2
    assert "queue: 'c' is not in" in capsys.readouterr().err


def test_a_night_shift_runs_past_midnight_into_the_next_day_of_the_week(tmp_path):
    """Day 0 22:00-24:00 and day 1 00:00-02:00: one shift from 22:00 covers both; the
    week wraps, so day 1's 22:00 shift covers day 0's early hours."""
    rows = {(d, t): 1 for d in range(2) for t in ["00:00", "00:30", "01:00", "01:30", "22:00", "22:30",
                                                    "23:00", "23:30"]}
    rules = {"shifts": [{"name": "night", "length_h": 4, "starts": ["20:00", "22:00"]}]}
    roster = solve(tmp_path, rows, rules)
    assert starts(roster) == {(0, "22:00"): 1, (1, "22:00"): 1}
    assert roster.paid_hours == 8 and (roster.coverage()["under"] == 0).all()


def test_the_staff_table_of_a_dated_scenario_is_read_as_it_is(tmp_path, capsys):
    """The README's workflow: `ccplan staff --csv` labels days 'Mon 2026-11-23 08:30'."""
    req = tmp_path / "req.csv"
    assert main(["staff", "--scenario", "scenarios/retail_bank_week.toml", "--target-sl", "0.8",
                 "--threshold-s", "20", "--csv"]) == 0
    req.write_text(capsys.readouterr().out)
    requirement = read_requirement(req)
    assert requirement.days == 5 and requirement.interval_s == 900
    assert requirement.day_labels[0] == "2026-11-23"
    first = requirement.table.iloc[0]
    assert (first["day"], first["start_s"]) == (0, 8.5 * 3600)
