"""Grouped KPIs of the hand-built log; contacts by arrival, time spells clipped at edges."""

import numpy as np
import pytest

from sim.errors import InputError
from sim.kpis import score, score_by
from sim.kpis.grouping import build, clip, spell_edge_s
from sim.kpis.states import total_states
from sim.kpis.validate_chunks import Tally
from test_kpi_fixtures import contacts_frame, small_log


def _build(keys: tuple, log):
    """The grouping of `log`, its agent time totalled as the engine totals it."""
    states = total_states(log.agent_state_chunks, spell_edge_s(keys, 1800.0), Tally())
    return build(keys, log.contacts, states, 1800.0, 7200.0)


def test_by_interval_lists_every_interval_with_clipped_spells():
    frame = score_by(small_log(), "interval")
    assert list(frame.index) == [0, 1, 2, 3, 4, 5]
    assert frame["contacts"].tolist() == [6, 4, 0, 0, 0, 0]
    # interval 0: r1 r2 r3 r4 r5 live, short abandon r4, within 20 s r1; interval 1: r8 r9 r11
    assert frame.loc[0, "service_level"] == 1 / 4
    assert frame.loc[1, "service_level"] == 1 / 3
    # queue seconds: 10+30+60+3+40 | 15+25+600 (r11 from 3000) | 1800 (r11 until 5400);
    # intervals 3-5: no live row arrived or waited there, so no data (NaN), not 0
    assert frame["queue_len"].tolist()[:3] == [143 / 1800, 640 / 1800, 1.0]
    assert frame["queue_len"][3:].isna().all()
    # interval 0: work 600+300+900, available 600+900+1800; interval 1: work 1800, avail 1800
    assert frame.loc[0, "occupancy"] == 1800 / 5100
    assert frame.loc[1, "occupancy"] == 0.5
    assert np.isnan(frame.loc[2, "occupancy"])


def test_by_queue_assigns_issues_to_their_first_contact_queue():
    frame = score_by(small_log(), "queue")
    assert list(frame.index) == ["billing", "email", "tech"]
    assert frame.loc["billing", "service_level"] == 1 / 4  # r1 within; r1 r2 r5 r9 counted
    assert frame.loc["tech", "service_level"] == 1 / 3  # r8 within; r3 r8 r11
    assert np.isnan(frame.loc["email", "service_level"])  # async only
    # issues 10 11 12 start in billing (none FCR), 15 and 17 in tech, 14 and 16 in email
    assert frame["fcr"].tolist() == [0.0, 0.5, 0.5]
    assert frame.loc["billing", "queue_len"] == 108 / 10800
    assert frame["occupancy"].isna().all()
    assert frame.attrs["unavailable"]["occupancy"] == (
        "agent time cannot be split by queue (agents serve several)")


def test_by_agent_group_joins_contacts_and_agent_time():
    frame = score_by(small_log(), "agent_group")
    assert list(frame.index) == ["g1", "vendor_g", "(none)"]
    assert frame.loc["g1", "aht"] == 1500 / 5
    assert frame.loc["vendor_g", "aht"] == 210
    assert frame.loc["g1", "occupancy"] == 1800 / 5100
    assert frame.loc["vendor_g", "handled_per_hour"] == 2.0
    assert frame.loc["g1", "handled_per_hour"] == 5 / 1.5
    assert frame.loc["(none)", "abandoned"] == 2


def test_two_keys_and_interval_of_day():
    frame = score_by(small_log(), ["day", "queue"])
    assert frame.index.names == ["day", "queue"]
    assert frame.loc[(0, "tech"), "offered"] == 3
    by_slot = score_by(small_log(), "interval_of_day")
    assert len(by_slot) == 48
    assert by_slot.loc[0, "contacts"] == 6


def test_grouped_figures_add_up_to_the_overall_ones():
    overall = score(small_log())
    frame = score_by(small_log(), "partner")
    assert frame["total_cost"].sum() == pytest.approx(overall["total_cost"], rel=1e-12)
    assert frame["answered"].sum() == overall["answered"]


def test_clip_splits_spells_at_edges():
    bucket, seconds, row = clip(np.array([100.0, 1700.0, 3600.0]),
                                np.array([200.0, 5500.0, 3600.0]), 1800.0)
    pieces = sorted(zip(row.tolist(), bucket.tolist(), seconds.tolist()))
    assert pieces == [(0, 0, 100.0), (1, 0, 100.0), (1, 1, 1800.0), (1, 2, 1800.0),
                      (1, 3, 100.0), (2, 2, 0.0)]


def test_unknown_key_is_an_input_error():
    with pytest.raises(InputError, match="by: team is not a list of distinct keys"):
        score_by(small_log(), "team")
    with pytest.raises(InputError, match="by: give at least one grouping key"):
        score_by(small_log(), [])


def test_queue_length_by_day_and_slot_uses_the_logs_span():
    # the log spans 6 intervals (last end 9500 s): day 0 is 10800 s long, not 86400, so
    # by day equals overall; slots 3-5 saw no live row and 6-47 lie outside the log
    overall = score(small_log())["queue_len"]
    assert score_by(small_log(), "day")["queue_len"].tolist() == [overall]
    by_slot = score_by(small_log(), "interval_of_day")["queue_len"]
    assert by_slot[:3].tolist() == [143 / 1800, 640 / 1800, 1.0]
    assert by_slot[3:].isna().all()


def test_queue_length_of_a_group_without_live_rows_is_no_data():
    # email is async: no live row queued there; chat r11 waits 2400 s, phone 183 s
    frame = score_by(small_log(), "channel")
    assert np.isnan(frame.loc["email", "queue_len"])
    assert frame.loc["chat", "queue_len"] == 2400 / 10800
    assert frame.loc["phone", "queue_len"] == 183 / 10800


def test_a_contact_on_the_last_edge_without_horizon_gets_its_interval():
    # r7 (e-mail) now ends at 9000 s = 5 x 1800, the log's last instant; a self-served
    # contact arrives and leaves at that instant: it belongs to interval 5, after the edge
    contacts = contacts_frame()
    contacts.loc[6, ["answer_s", "end_s"]] = [8400.0, 9000.0]
    contacts.loc[5, ["arrival_s", "end_s"]] = [9000.0, 9000.0]
    log = small_log(contacts, horizon_s=None)
    frame = score_by(log, "interval")
    assert list(frame.index) == [0, 1, 2, 3, 4, 5]
    assert frame.loc[5, "contacts"] == 1
    assert frame["contacts"].sum() == score(log)["contacts"]
    by_reason = score_by(log, ["interval", "reason"])  # count_by_label reshaped per group
    assert by_reason.loc[(5, "balance"), "contacts"] == 1


def test_groups_are_the_combinations_that_occur():
    keys = ["interval", "queue", "reason", "agent_group"]
    log = small_log()
    grouping = _build(tuple(keys), log)
    c = log.contacts.assign(interval=(log.contacts["arrival_s"] // 1800).astype(int),
                            agent_group=log.contacts["agent_group"].fillna("(none)"))
    occurring = c.groupby(keys).size()
    assert grouping.n == len(occurring) == 9  # of 6 x 3 x 5 x 3 = 270 combinations
    frame = score_by(log, keys)
    assert set(frame.index) == set(occurring.index)
    first_segments = c[c["segment"] == 1].groupby(keys).size()
    assert frame["contacts"].tolist() == (
        first_segments.reindex(frame.index, fill_value=0).astype(float).tolist())
    assert frame["offered"].sum() == score(log)["offered"]


def test_groups_with_agent_keys_include_agent_time_without_contacts():
    # by (interval, agent_group): a group for every pair a contact or an agent spell takes;
    # (1, vendor_g) has agent time only from spells (its contact r9 arrived in interval 1
    # too), (1, g1) has r8 and a1's idle half hour
    log = small_log()
    frame = score_by(log, ["interval", "agent_group"])
    grouping = _build(("interval", "agent_group"), log)
    spells = {(i, g) for i in range(2) for g in ("g1", "vendor_g")}  # states span 0-3600
    arrivals = set(zip((log.contacts["arrival_s"] // 1800).astype(int),
                       log.contacts["agent_group"].fillna("(none)")))
    assert set(grouping.index) == spells | arrivals
    assert frame.loc[(1, "vendor_g"), "occupancy"] == 1.0  # busy 900 + wrap 900 of 1800
    assert frame.loc[(1, "g1"), "occupancy"] == 0.0  # a1 available, a2 offline
