"""Every page of the what-if app through Streamlit's AppTest: move a lever, rerun, and the
KPI that must move does move; bad input is one red message, never an exception."""

import json
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from sim.scenario import load_scenario, with_field  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "planner_app" / "app.py")


def open_page(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    if page:
        at.switch_page(f"views/{page}.py")
        at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def metric(at: AppTest, label: str):
    return next(m for m in at.metric if m.label.startswith(label))


def percent(text: str) -> float:
    return float(text.split()[0].replace(",", ""))


def test_scenario_edit_reaches_simulate_and_slows_service():
    at = open_page()
    assert "no change" in at.success[0].value
    at.number_input(key="lever.q0.aht").set_value(400.0).run()  # billing talk 330 s -> 400 s
    assert_clean(at)
    assert "differs from the file" in at.success[0].value
    at.switch_page("views/simulate.py").run()
    assert_clean(at)
    sl = metric(at, "Service level")
    assert sl.delta.startswith("-") and percent(sl.value) < 80  # from 89 % at the file's AHT


def test_scenario_upload_errors_are_one_line_messages():
    at = open_page()
    at.file_uploader(key="load.upload").set_value(("broken.toml", b"name = [", "application/toml")).run()
    assert_clean(at)
    assert "broken.toml: is not valid TOML" in at.error[0].value
    bad = (ROOT / "scenarios" / "default.toml").read_text().replace("daily_volume = 4200",
                                                                    "daily_volume = -5")
    at.file_uploader(key="load.upload").set_value(("bad.toml", bad.encode(), "application/toml")).run()
    assert_clean(at)
    assert "queues[0].arrivals.daily_volume: -5 is not >= 0" in at.error[0].value


def test_staff_to_target_and_a_higher_target_need_more_agents():
    at = open_page("staffing")
    before = percent(metric(at, "Required, Erlang C").value)
    at.number_input(key="target.sl").set_value(95.0).run()
    assert_clean(at)
    assert percent(metric(at, "Required, Erlang C").value) > before
    assert percent(metric(at, "Required, Erlang A").value) <= percent(metric(at, "Required, Erlang C").value)


def test_simulate_fewer_agents_lower_service_level_with_intervals():
    at = open_page("simulate")
    full = percent(metric(at, "Service level").value)
    at.number_input(key="sim.staffing").set_value(80.0).run()
    assert_clean(at)
    cut = metric(at, "Service level")
    assert percent(cut.value) < full - 5 and cut.delta.startswith("-")
    at.number_input(key="sim.reps").set_value(3).run()
    assert_clean(at)
    assert any("95 % CI" in c.value and "(3 runs)" in c.value for c in at.caption)
    charts = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    assert len(charts) == 5  # SL, ASA, abandonment, queue length, occupancy
    lines, target = charts[0]["layer"][:2]
    assert lines["encoding"]["y"]["title"] == "Service level (%)"
    assert lines["encoding"]["x"]["title"] == "interval start"
    assert target["mark"]["type"] == "rule"  # the sidebar's 80 % target line


def test_compare_staffing_levels_with_a_clear_difference():
    at = open_page("compare")
    at.multiselect(key="cmp.levels").set_value([100, 80])
    at.number_input(key="cmp.reps").set_value(2).run()
    assert_clean(at)
    table = at.dataframe[0].value.set_index("KPI")
    assert table.at["Service level", "change"].startswith("-")
    assert table.at["Total cost", "change"].startswith("-")


def test_outsourcing_more_in_house_staff_costs_more_and_serves_better():
    peak = load_scenario(ROOT / "scenarios" / "seasonal_peak_outsourcing.toml")
    one_day = with_field(with_field(peak, "queues[0].arrivals.daily_volume", 9000), "horizon.days", 1)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["scenario"] = at.session_state["baseline"] = one_day
    at.run()
    at.switch_page("views/outsourcing.py").run()
    at.multiselect(key="out.staffing").set_value([60, 140])
    at.number_input(key="out.reps").set_value(2).run()
    assert_clean(at)
    table = at.dataframe[0].value.set_index("in-house staffing (% of plan)")
    assert table.at[140, "service_level"] > table.at[60, "service_level"]
    assert table.at[140, "fcr"] > table.at[60, "fcr"]  # fewer contacts go to the weaker partner
    assert at.success or at.warning  # the cheapest configuration meeting the target is named


def test_training_handle_cut_lowers_resolution_and_raises_recontacts():
    at = open_page("training")
    fcr, recontacts = metric(at, "First-contact resolution"), metric(at, "Recontact rate")
    assert fcr.delta.startswith("-") and recontacts.delta.startswith("+")
    key = next(s.key for s in at.slider)
    at.slider(key=key).set_value(0.0).run()  # no cut: nothing moves
    assert_clean(at)
    assert metric(at, "First-contact resolution").delta == "no change"


def test_score_example_export_and_refuse_bad_uploads(monkeypatch):
    at = open_page("score_log")
    at.toggle(key="score.example").set_value(True).run()
    assert_clean(at)
    assert metric(at, "Service level").value == "45.8 %"
    at.toggle(key="score.example").set_value(False).run()
    mapping = (ROOT / "examples" / "acd_contacts.mapping.toml").read_bytes()
    at.file_uploader(key="score.export.contacts").set_value(("calls.csv", b"CallId\n1\n", "text/csv"))
    at.file_uploader(key="score.mapping.contacts").set_value(("m.toml", mapping, "application/toml"))
    at.run()
    assert_clean(at)
    assert "required column" in at.error[0].value or "missing" in at.error[0].value
    monkeypatch.setattr("planner_app.widgets.UPLOAD_LIMIT_BYTES", 5)
    at.run()
    assert_clean(at)
    assert "upload limit" in at.error[0].value


def test_simulation_based_requirement_on_demand(minimal):
    from sim.scenario import parse_scenario

    tiny = parse_scenario(minimal())
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["scenario"] = at.session_state["baseline"] = tiny
    at.run()
    at.switch_page("views/staffing.py").run()
    assert_clean(at)
    at.number_input(key="staff.sim_reps").set_value(2)
    at.button(key="staff.sim_run").click().run()
    assert_clean(at)
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    series = chart["encoding"]["color"]["scale"]["domain"]
    assert "required (simulation)" in series and "required (Erlang A)" in series
    table = next(d.value for d in at.dataframe if "agents_simulation" in d.value.columns)
    assert len(table) == 4 and (table["agents_simulation"] > 0).all()


def test_staff_to_target_puts_the_erlang_requirement_in_the_plan():
    at = open_page()
    at.radio(key="lever.staff.mode").set_value("staff to target (Erlang C)").run()
    assert_clean(at)
    billing_team = at.session_state["scenario"].agent_groups[0]
    assert billing_team.staffing != load_scenario(ROOT / "scenarios" / "default.toml").agent_groups[0].staffing
    assert max(billing_team.staffing) > 52  # the file trims the peak below Erlang C's 60


def test_a_bad_lever_combination_is_one_message_and_the_last_valid_scenario_stays():
    at = open_page()
    at.selectbox(key="load.pick").set_value("seasonal_peak_outsourcing").run()
    valid = at.session_state["scenario"]
    at.multiselect(key="lever.q0.ov.rules").set_value([]).run()  # overflow, but on no rule
    assert_clean(at)
    assert "set after_wait_s, queue_length_above or share" in at.error[0].value
    assert at.session_state["scenario"] == valid


def test_staffing_table_round_trips_into_the_scenario():
    from planner_app import edits
    from sim.scenario import parse_scenario

    scenario = load_scenario(ROOT / "scenarios" / "default.toml")
    table = edits.staffing_table(scenario)
    assert list(table.columns) == ["billing team", "moves team", "flex"]
    assert table.index[0] == "08:00" and len(table) == 24
    table.loc["08:00", "billing team"] = 5
    data = scenario.model_dump(mode="json")
    edits.set_staffing(data, table)
    edited = parse_scenario(data)
    assert edited.agent_groups[0].staffing[0] == 5
    assert edited.agent_groups[0].staffing[1:] == scenario.agent_groups[0].staffing[1:]
    shifts = load_scenario(ROOT / "scenarios" / "omnichannel.toml")
    assert edits.staffing_table(shifts).empty  # groups on shifts are edited in the file
