"""Logically impossible rows are refused with the column, value, rule and row."""

import pytest

from sim.errors import InputError
from sim.kpis import score
from test_kpi_fixtures import contacts_frame, small_log, states_frame


def _broken(changes: dict):
    contacts = contacts_frame()
    for (row, column), value in changes.items():
        contacts.loc[row, column] = value
    return small_log(contacts)


@pytest.mark.parametrize("row, column, value, message", [
    (2, "end_s", 300.0,
     "contacts.end_s: 300 at row 3 (1 row(s)): end before start: end_s must be >= arrival_s"),
    (0, "handle_s", -5.0,
     "contacts.handle_s: -5 at row 1 (1 row(s)): negative duration: must be >= 0"),
    (3, "outcome", "timeout", "contacts.outcome: 'timeout' at row 4 (1 row(s)): must be one of"),
    (0, "answer_s", 5.0, "contacts.answer_s: 5 at row 1 (1 row(s)): must be >= enqueue_s"),
    (6, "csat", 9.0, "contacts.csat: 9 at row 7 (1 row(s)): must lie in 1-5"),
    (1, "wrap_s", float("nan"), "contacts.wrap_s: empty value at row 2 (1 row(s)): must be set"),
])
def test_bad_contact_rows(row, column, value, message):
    with pytest.raises(InputError) as err:
        score(_broken({(row, column): value}))
    assert str(err.value).startswith(message)


def test_every_problem_is_listed():
    with pytest.raises(InputError) as err:
        score(_broken({(0, "handle_s"): -1.0, (1, "handle_s"): -2.0, (4, "nps"): 11.0}))
    assert len(err.value.problems) == 2
    assert err.value.problems[0].startswith("contacts.handle_s: -1 at row 1, 2 (2 row(s))")
    assert "(and 1 more problem(s))" in str(err.value)


def test_duplicate_contact_ids():
    with pytest.raises(InputError, match=r"contacts.contact_id: 1 at row 2 .*must be unique"):
        score(_broken({(1, "contact_id"): 1}))


def test_bad_agent_state_rows():
    states = states_frame()
    states.loc[2, "end_s"] = 1000.0
    states.loc[3, "state"] = "lunch"
    with pytest.raises(InputError) as err:
        score(small_log(states=states))
    assert err.value.problems == [
        "agent_states.state: 'lunch' at row 4 (1 row(s)): must be one of available, busy, "
        "wrap, break, offline",
        "agent_states.end_s: 1000 at row 3 (1 row(s)): end before start: end_s must be >= "
        "start_s",
    ]


def test_wrong_types_are_refused_by_the_log_contract():
    contacts = contacts_frame()
    contacts["arrival_s"] = contacts["arrival_s"].astype(object)
    contacts.loc[0, "arrival_s"] = "soon"
    with pytest.raises(InputError, match="contacts.arrival_s: cannot be read as float64"):
        small_log(contacts)


def test_interval_must_divide_a_day():
    with pytest.raises(InputError, match="meta.interval_s: 1700.0 must be > 0 and divide"):
        score(small_log(interval_s=1700.0))


def test_overlapping_spells_of_one_agent_are_refused():
    # a1's busy spell (row 2) now starts at 500, inside its available spell 0-600 (row 1)
    states = states_frame()
    states.loc[1, "start_s"] = 500.0
    with pytest.raises(InputError) as err:
        score(small_log(states=states))
    assert str(err.value) == (
        "agent_states.start_s: 500 at row 2 (1 row(s)): spells of one agent must not "
        "overlap (agent 'a1': row 2 starts before row 1 ends at 600)")


def test_spells_in_any_row_order_and_touching_are_accepted():
    states = states_frame().sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert score(small_log(states=states))["occupancy"] == 3600 / 8700


def test_direction_other_than_inbound_or_outbound_is_refused():
    contacts = contacts_frame()
    contacts["direction"] = ["inbound"] * 3 + ["sideways"] + ["Outbound"] * 7
    with pytest.raises(InputError) as err:
        score(small_log(contacts))
    assert str(err.value) == ("contacts.direction: 'sideways' at row 4 (1 row(s)): must be "
                              "inbound or outbound (any case)")


def test_a_callback_never_reached_must_have_queued():
    with pytest.raises(InputError, match=r"contacts.enqueue_s: empty value at row 6 .*"
                                         r"abandoned, unserved or no_answer"):
        score(_broken({(5, "outcome"): "no_answer"}))  # r6 was self-served: never queued
