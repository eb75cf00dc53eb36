"""A run hands its log out in batches (#16): customers drawn day by day, finished
contacts leaving the run as it goes, the log streamed to disk. None of it may change a
single value, and a log streamed to disk is the log built in memory, bit for bit."""

import numpy as np
import pandas as pd
import pytest

import sim.engine.core as core
from sim.engine import estimated_peak_bytes, simulate, simulate_to
from sim.engine.arrivals import CustomerDays
from sim.errors import InputError
from sim.interaction_log import read_log
from sim.scenario import load_scenario, parse_scenario, with_field

SCENARIOS = "scenarios"


def _every_distribution() -> dict:
    """Two queues over three days with every handle family, reasons with their own handle
    time, IVR, overflow, day-to-day variation: every stream a customer is drawn from."""
    return {
        "name": "every stream",
        "horizon": {"days": 3, "open_time": "08:00", "close_time": "12:00"},
        "queues": [
            {"name": "a", "arrivals": {"daily_volume": 700, "day_to_day_cv": 0.2},
             "handle": {"dist": "lognormal", "mean_s": 200, "cv": 0.7},
             "wrap": {"dist": "gamma", "mean_s": 30, "cv": 0.5},
             "patience": {"dist": "empirical", "values_s": [30, 60, 240], "weights": [1, 2, 1]},
             "ivr": {"self_service_share": 0.1, "time": {"dist": "exponential", "mean_s": 20}},
             "reasons": [{"name": "x", "share": 2},
                         {"name": "y", "share": 1, "handle": {"dist": "empirical", "values_s": [60, 90, 400]}}],
             "overflow": {"to": "vendor", "share": 0.1}},
            {"name": "b", "arrivals": {"daily_volume": 300},
             "handle": {"dist": "exponential", "mean_s": 150}},
        ],
        "agent_groups": [{"name": "team", "serves": ["a", "b"], "staffing": 10},
                         {"name": "vendor", "serves": [], "staffing": 2, "partner": "V"}],
    }


def test_drawing_day_by_day_gives_the_customers_of_one_whole_draw():
    """Each stream is read on where the previous day stopped: the days put together are
    the horizon drawn at once (a draw of one day as long as the horizon)."""
    scenario = parse_scenario(_every_distribution())
    draws = CustomerDays(scenario, seed=5)
    days = [draws.draw(day) for day in range(3)]
    assert [draws.first_id(day) for day in range(3)] == [0, len(days[0]), len(days[0]) + len(days[1])]
    assert draws.total == sum(len(d) for d in days)
    # The same streams, read in one go: every interval of the horizon as one long day.
    whole = CustomerDays(scenario, seed=5)
    whole._queues[0].interval_starts_s = whole._queues[1].interval_starts_s = \
        scenario.horizon.interval_starts_s().reshape(1, -1)
    for q in whole._queues:
        q.counts = q.counts.reshape(1, -1)
    at_once = whole.draw(0)
    for name, values in vars(at_once).items():
        joined = np.concatenate([getattr(d, name) for d in days])
        assert np.array_equal(joined, values), name


def test_days_must_be_drawn_in_order():
    draws = CustomerDays(parse_scenario(_every_distribution()), seed=1)
    with pytest.raises(ValueError, match="day 1 drawn out of order"):
        draws.draw(1)


def _sorted(log):
    contacts = log.contacts.sort_values("contact_id", kind="stable").reset_index(drop=True)
    keys = ["agent_id", "start_s", "state"]
    states = log.agent_states.sort_values(keys, kind="stable").reset_index(drop=True)
    return contacts, states


@pytest.mark.parametrize("name,days,flush", [("seasonal_peak_outsourcing", 7, 2000),
                                             ("omnichannel", 3, 150), ("helpdesk_l1_l2", 5, 150)])
def test_cutting_the_log_into_batches_changes_no_value(name, days, flush, monkeypatch):
    """Batches cut at almost every interval (slots renumbered each time, pending events,
    lines, overflow waits and live counts following) give the same rows as one batch:
    callbacks, overflow, chats held at once (merged spells across a cut), transfers,
    redials and recontacts included."""
    scenario = with_field(load_scenario(f"{SCENARIOS}/{name}.toml"), "horizon.days", days)
    whole = simulate(scenario, seed=4)
    monkeypatch.setattr(core, "FLUSH_CONTACTS", flush)
    flushes = []
    real_flush = core.Run._flush
    monkeypatch.setattr(core.Run, "_flush", lambda self, finished, now: (
        flushes.append(len(finished)), real_flush(self, finished, now)))
    cut = simulate(scenario, seed=4)
    assert len(flushes) > 10
    for one, other in zip(_sorted(whole), _sorted(cut)):
        pd.testing.assert_frame_equal(one, other, check_exact=True)
    assert cut.contacts["contact_id"].is_unique
    # Within a batch, contacts by id and spells by agent: each batch is one sorted run.
    assert (np.diff(cut.contacts["contact_id"].to_numpy()) < 0).sum() <= len(flushes)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_streamed_log_is_the_log_built_in_memory(fmt, tmp_path, monkeypatch):
    monkeypatch.setattr(core, "FLUSH_CONTACTS", 500)
    scenario = with_field(load_scenario(f"{SCENARIOS}/omnichannel.toml"), "horizon.days", 2)
    in_memory = simulate(scenario, seed=9)
    written = simulate_to(scenario, tmp_path / "log", fmt, seed=9)
    back = read_log(tmp_path / "log")
    if fmt == "parquet":  # CSV keeps values, not every dtype detail of the in-memory frame
        pd.testing.assert_frame_equal(back.contacts, in_memory.contacts, check_exact=True)
        pd.testing.assert_frame_equal(back.agent_states, in_memory.agent_states, check_exact=True)
        import pyarrow.parquet as pq
        assert pq.ParquetFile(tmp_path / "log" / "contacts.parquet").num_row_groups > 1
    else:
        for column in ("contact_id", "arrival_s", "answer_s", "end_s", "outcome", "agent_id"):
            assert back.contacts[column].equals(in_memory.contacts[column]), column
        assert back.agent_states["start_s"].equals(in_memory.agent_states["start_s"])
    assert back.meta == in_memory.meta
    assert written.contacts == len(in_memory.contacts)
    assert written.spells == len(in_memory.agent_states)
    assert written.outcomes == in_memory.contacts["outcome"].value_counts().to_dict()


def test_an_interrupted_streamed_run_leaves_no_log(tmp_path, monkeypatch):
    """Batches already on disk are not a log: a run stopped midway leaves nothing behind,
    and a previous log in the directory stays whole."""
    monkeypatch.setattr(core, "FLUSH_CONTACTS", 500)
    scenario = with_field(load_scenario(f"{SCENARIOS}/omnichannel.toml"), "horizon.days", 2)
    simulate_to(scenario, tmp_path / "log", seed=1)
    before = {p.name: p.read_bytes() for p in (tmp_path / "log").iterdir()}
    real_flush, calls = core.Run._flush, []

    def stop_at_third_batch(self, finished, now):
        calls.append(now)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_flush(self, finished, now)

    monkeypatch.setattr(core.Run, "_flush", stop_at_third_batch)
    with pytest.raises(KeyboardInterrupt):
        simulate_to(scenario, tmp_path / "log", seed=2)
    assert [p.name for p in tmp_path.iterdir()] == ["log"]  # no staging directory left
    assert {p.name: p.read_bytes() for p in (tmp_path / "log").iterdir()} == before


def test_a_streamed_run_is_sized_by_its_busiest_day_not_its_horizon(tmp_path):
    """Streamed, a run holds about a day of contacts and a batch: its memory estimate does
    not grow with the horizon, and a day too big for the machine is still refused."""
    def scenario(days, volume):
        return parse_scenario({
            "name": "big", "horizon": {"days": days},
            "queues": [{"name": "q", "arrivals": {"daily_volume": volume},
                        "handle": {"dist": "exponential", "mean_s": 60}}],
            "agent_groups": [{"name": "g", "serves": ["q"], "staffing": 1}]})

    year, day = scenario(366, 30_000), scenario(1, 30_000)
    assert estimated_peak_bytes(year, streamed=True) == estimated_peak_bytes(day, streamed=True)
    assert estimated_peak_bytes(year) == pytest.approx(366 * estimated_peak_bytes(day))
    huge = scenario(2, 1e12)
    with pytest.raises(InputError, match="about 2,000,000,000,000 contacts"):
        simulate(huge)
    with pytest.raises(InputError, match="shorten the horizon or lower the volume"):
        simulate_to(huge, tmp_path / "log")
    assert not (tmp_path / "log").exists()
