"""Overall KPIs of the hand-built log (tests/test_kpi_fixtures.py), computed by hand.

Live offered rows: r1 r2 r3 r4 r5 r8 r9 r11 (8); answered r1 r2 r3 r8 r9; abandoned r4 r5;
unserved r11. Waits: r1 10, r2 30, r3 60, r8 15, r9 25 (answered), r4 3, r5 40 (abandoned),
r11 2400 (unserved until end 5400). Email (async) answered: r7 7200 s, r10 3600 s.
"""


import pandas as pd
import pytest

from sim.interaction_log import InteractionLog
from sim.engine import simulate
from sim.kpis import CATALOGUE, CostRates, KpiSettings, PartnerRates, score, score_by
from sim.scenario import parse_scenario
from test_kpi_fixtures import contacts_frame, small_log, states_frame

EXPECTED = {
    "contacts": 10,  # every row but r3 (a transfer segment)
    "offered": 10,  # every row but r6 (self-served)
    "answered": 7,  # r1 r2 r3 r7 r8 r9 r10
    "abandoned": 2,
    "service_level": 2 / 7,  # within 20 s: r1 r8; 8 offered - 1 short abandon (r4, 3 s)
    "asa": 140 / 5,  # (10+30+60+15+25) / 5
    "avg_wait_all": (140 + 3 + 40 + 2400) / 8,
    "abandon_rate": 2 / 8,
    "answer_rate": 5 / 8,
    "max_wait": 2400,
    "queue_len": 2583 / 10800,  # queued seconds / 6 intervals (last end 9500 s)
    "first_response_time": 5400,  # (7200 + 3600) / 2
    "first_response_time_median": 5400,
    "first_response_time_p90": 3600 + 0.9 * 3600,
    "aht": (120 + 240 + 360 + 600 + 180 + 60 + 360) / 7,
    "occupancy": 3600 / 8700,  # busy 2400 + wrap 1200 over that + available 5100
    "utilization": 3600 / 9000,  # paid: busy + wrap + available + break 300
    "handled_per_hour": 7 / 2.5,
    "resolved_per_hour": 5 / 2.5,  # resolved: r1 r3 r7 r8 r9
    "avg_resolution_time": (140 + 660 + 7800 + 215) / 4,  # issues 10, 11, 14, 15
    "transfer_rate": 1 / 6,  # r2 of level-1 answered r1 r2 r7 r8 r9 r10
    "transfer_rate_by_destination": {"tech": 1 / 6},
    # 1.5 in-house h x 35 + 1 vendor h x 25 + 1118 phone seconds connected x 0.01 / min:
    # arrival (segment 2: enqueue) to answer + handle, or to the hang-up: r1 120, r2 240,
    # r3 360, r8 185, r9 90, abandoned r4 13, r5 50, self-served r6 60 (wrap not billed)
    "total_cost": 1.5 * 35 + 25 + 1118 / 60 * 0.01,
    "cost_per_contact": (1.5 * 35 + 25 + 1118 / 60 * 0.01) / 7,
    "fcr": 2 / 7,  # issues 14, 15 of 10 11 12 14 15 16 17 (13 self-served)
    "recontact_rate": 2 / 7,  # customers 100 (issue 10) and 102 (issue 12) of 7
    "csat": 2 / 3,  # 5, 2, 4
    "csat_mean": 11 / 3,
    "nps": 100 * (2 - 1) / 3,  # 10, 6, 9
    "ces": 5.0,  # 7, 3
    "avoidable_contact_rate": 6 / 10,  # r1 r2 r6 r8 r9 r11
    "self_service_rate": 1 / 10,
    "channel_mix": {"chat": 0.1, "email": 0.2, "phone": 0.7},
}


@pytest.mark.parametrize("kpi_id", sorted(EXPECTED))
def test_overall_value_matches_hand_computation(kpi_id):
    value = score(small_log())[kpi_id]
    expected = EXPECTED[kpi_id]
    assert value == (pytest.approx(expected, rel=1e-12) if not isinstance(expected, dict)
                     else {k: pytest.approx(v, rel=1e-12) for k, v in expected.items()})


def test_every_catalogue_kpi_is_in_the_report_with_its_metadata():
    report = score(small_log())
    assert list(report.results) == [spec.id for spec in CATALOGUE]
    assert report.results["service_level"].variant.startswith(
        "answered_within_t_over_offered_minus_short_abandons")
    assert "T=20 s" in report.results["service_level"].variant
    assert report.results["ces"].variant == "mean on 1-7, higher = easier"
    assert report.results["cost_per_contact"].unit == "EUR"


def test_kpis_without_data_are_not_available_with_the_reason():
    report = score(small_log())
    for kpi_id, column in [("retention_rate", "churned"), ("qa_score", "qa_score"),
                           ("conversion_rate", "converted"),
                           ("outbound_calls_per_hour", "direction")]:
        assert report[kpi_id] is None
        assert report.results[kpi_id].unavailable == f"the log has no {column} column"


@pytest.mark.parametrize("variant, expected", [
    ("answered_within_t_over_offered", 2 / 8),
    ("answered_within_t_over_offered_minus_short_abandons", 2 / 7),
    ("answered_within_t_over_answered", 2 / 5),
])
def test_service_level_variants(variant, expected):
    assert score(small_log(), KpiSettings(sl_variant=variant))["service_level"] == expected


def test_threshold_and_grace_are_inclusive_settings():
    # T = 30 s takes in r2 (30 s) and r9 (25 s); grace 2 s makes r4 (3 s) a real abandon
    settings = KpiSettings(sl_threshold_s=30, short_abandon_s=2)
    assert score(small_log(), settings)["service_level"] == 4 / 8


def test_abandon_variant_excluding_short_abandons():
    settings = KpiSettings(abandon_variant="abandoned_minus_short_over_offered_minus_short")
    assert score(small_log(), settings)["abandon_rate"] == 1 / 7


def test_recontact_window_decides_fcr_and_recontacts():
    # window 1000 s: r9 (2000 s) is outside issue 10's window (end 140 + 1000), r5 (1000 s)
    # inside issue 12's (213 + 1000): issue 10 becomes first-contact resolved
    report = score(small_log(), KpiSettings(recontact_window_s=1000))
    assert report["fcr"] == 3 / 7
    assert report["recontact_rate"] == 1 / 7


def test_csat_threshold_setting():
    assert score(small_log(), KpiSettings(csat_satisfied_min=5))["csat"] == 1 / 3


def test_async_channels_setting_moves_email_into_live_kpis():
    report = score(small_log(), KpiSettings(async_channels=()))
    assert report["first_response_time"] is None
    assert report["max_wait"] == 7200
    assert report["answer_rate"] == 7 / 10


def test_cost_rates_per_group_partner_and_telephony():
    costs = CostRates(hourly_by_group={"g1": 40.0}, telephony_per_minute=0.6,
                      partners={"acme": PartnerRates(per_handled_contact=2.0,
                                                     per_handled_minute=0.5,
                                                     per_staffed_hour=10.0)})
    report = score(small_log(), KpiSettings(costs=costs))
    # labour 1.5 h x 40 + acme 1 h x 10; acme handled r3 (6 min) r9 (1 min): 2 x 2 + 7 x 0.5;
    # telephony 1118 s = 18.633 min x 0.6
    total = 60 + 10 + 4 + 3.5 + 1118 / 60 * 0.6
    assert report["total_cost"] == pytest.approx(total, rel=1e-12)
    assert report["cost_per_contact"] == pytest.approx(total / 7, rel=1e-12)


def _with_optional_columns():
    contacts = contacts_frame()
    contacts["churned"] = pd.array([None, None, None, True, None, None, None, None, None,
                                    None, True], dtype="boolean")
    contacts["qa_score"] = [80, 90] + [float("nan")] * 9
    contacts["converted"] = pd.array([True, False, None, None, None, None, None, True, None,
                                      None, None], dtype="boolean")
    contacts["direction"] = "inbound"
    outbound = contacts.iloc[[0]].assign(
        contact_id=12, issue_id=18, customer_id=107, queue="outbound", arrival_s=2600.0,
        enqueue_s=2600.0, answer_s=2600.0, end_s=2720.0, handle_s=120.0, wrap_s=0.0,
        csat=float("nan"), nps=float("nan"), ces=float("nan"), qa_score=float("nan"),
        converted=True, churned=None, direction="outbound")
    return small_log(pd.concat([contacts, outbound], ignore_index=True))


def test_optional_columns_give_retention_qa_conversion_and_outbound():
    report = score(_with_optional_columns())
    assert report["retention_rate"] == 5 / 7  # customers 102 and 106 churned
    assert report["qa_score"] == 0.85
    assert report["conversion_rate"] == 3 / 4  # r1 r8 r12 of r1 r2 r8 r12
    assert report["outbound_calls_per_hour"] == 1 / 2.5


def test_outbound_rows_do_not_enter_inbound_kpis():
    report = score(_with_optional_columns())
    assert report["aht"] == EXPECTED["aht"]
    assert report["contacts"] == 10 and report["answered"] == 7


def test_band_positions():
    report = score(small_log())
    assert report.results["abandon_rate"].position == "worse than typical"  # 25 % > 15 %
    assert report.results["aht"].position == "typical"  # 274 s in 180-300
    assert report.results["fcr"].position == "worse than typical"
    assert report.results["service_level"].position == "below good range"
    assert report.results["asa"].position is None  # no band


def test_settings_are_picklable_and_validated():
    import pickle

    from sim.errors import InputError

    settings = KpiSettings(costs=CostRates(hourly_by_group={"g1": 40.0}))
    assert pickle.loads(pickle.dumps(settings)) == settings
    with pytest.raises(InputError, match="sl_variant: 'bogus' must be one of"):
        KpiSettings(sl_variant="bogus")
    with pytest.raises(InputError, match="costs.hourly_by_group.g1: -1"):
        CostRates(hourly_by_group={"g1": -1})
    with pytest.raises(InputError, match="unknown key"):
        KpiSettings.from_dict({"sl_treshold_s": 20})
    assert KpiSettings.from_dict({"sl_threshold_s": 30, "costs": {
        "partners": {"acme": {"per_staffed_hour": 9}}}}).costs.partners["acme"] == \
        PartnerRates(per_staffed_hour=9)


def test_empty_log_scores_without_values():
    empty = InteractionLog(contacts_frame().iloc[:0], states_frame().iloc[:0],
                           small_log().meta)
    report = score(empty)
    assert report["contacts"] == 0
    assert report["service_level"] is None
    assert report.results["occupancy"].unavailable.startswith("the log has no agent-state")


def test_a_flag_never_recorded_makes_its_kpis_unavailable():
    contacts = contacts_frame()
    contacts["resolved"] = pd.array([None] * len(contacts), dtype="boolean")
    report = score(small_log(contacts))
    for kpi_id in ("fcr", "resolved_per_hour", "avg_resolution_time"):
        assert report[kpi_id] is None
        assert report.results[kpi_id].unavailable == (
            "the log records no resolved value (every row is missing)")
    assert report["recontact_rate"] == 2 / 7  # does not need resolved


def test_fcr_leaves_out_issues_whose_first_contact_has_no_resolution_recorded():
    # r8 (issue 15, answered, resolved True) loses its resolution record: issue 15 can no
    # longer be judged, so FCR = issue 14 alone over the six others: 1 / 6.
    contacts = contacts_frame()
    contacts["resolved"] = contacts["resolved"].astype("boolean")
    contacts.loc[contacts["contact_id"] == 8, "resolved"] = pd.NA
    assert score(small_log(contacts))["fcr"] == 1 / 6


def test_a_callback_pays_telephony_only_from_the_agents_call():
    # r1 (arrival 0, answered 20, talk until 120) becomes a callback: the customer hung up
    # to wait, so its 20 s before the answer are no longer billed: 1118 - 20 = 1098 s.
    contacts = contacts_frame()
    contacts.loc[contacts["contact_id"] == 1, "callback"] = True
    assert score(small_log(contacts))["total_cost"] == pytest.approx(
        1.5 * 35 + 25 + 1098 / 60 * 0.01, rel=1e-12)


def _with_failed_callback():
    """The hand log plus r12: a phone callback none of whose tries reached the customer.

    r12 (issue 18, customer 107) arrives 2200, queues 2210; the last try (by v1 of acme,
    30 s of handle) ends at 2900: outcome no_answer, wait 2900 - 2210 = 690 s.
    """
    contacts = contacts_frame()
    failed = contacts.iloc[[8]].assign(
        contact_id=12, issue_id=18, customer_id=107, arrival_s=2200.0, enqueue_s=2210.0,
        answer_s=float("nan"), end_s=2900.0, outcome="no_answer", handle_s=30.0, wrap_s=0.0,
        resolved=None, callback=True)
    return small_log(pd.concat([contacts, failed], ignore_index=True))


def test_a_callback_never_reached_is_offered_but_neither_answered_nor_abandoned():
    report = score(_with_failed_callback())
    assert (report["contacts"], report["offered"], report["answered"],
            report["abandoned"]) == (11, 11, 7, 2)
    # live offered: the 8 of EXPECTED + r12 = 9; answered 5, short abandon r4
    assert report["answer_rate"] == 5 / 9
    assert report["abandon_rate"] == 2 / 9
    assert report["service_level"] == 2 / 8  # r12 counts as not answered within T
    assert report["avg_wait_all"] == (140 + 3 + 40 + 2400 + 690) / 9
    assert report["queue_len"] == (2583 + 690) / 10800
    assert report["asa"] == 140 / 5
    # not a handled contact: AHT, handled per hour unchanged despite r12's 30 s of handle
    assert report["aht"] == EXPECTED["aht"]
    assert report["handled_per_hour"] == 7 / 2.5
    # issue 18 reached a queue and was not resolved: FCR 2 of 8 issues
    assert report["fcr"] == 2 / 8


def test_a_callback_never_reached_pays_no_vendor_charge_and_only_its_ivr():
    costs = CostRates(partners={"acme": PartnerRates(per_handled_contact=2.0,
                                                     per_handled_minute=0.5,
                                                     per_staffed_hour=10.0)})
    report = score(_with_failed_callback(), KpiSettings(costs=costs))
    # labour 1.5 h x 35 + acme 1 h x 10; acme charges only r3, r9 (2 x 2 + 7 min x 0.5);
    # telephony 1118 s + r12's IVR 2200 -> 2210 = 1128 s
    total = 52.5 + 10 + 4 + 3.5 + 1128 / 60 * 0.01
    assert report["total_cost"] == pytest.approx(total, rel=1e-12)
    assert report["cost_per_contact"] == pytest.approx(total / 7, rel=1e-12)


def test_kpis_counting_contacts_need_a_segment_column():
    report = score(small_log(extra={"unmapped_columns": ["segment"]}))
    reason = "the source export had no segment column (the importer filled it in)"
    for kpi_id in ("contacts", "recontact_rate", "self_service_rate", "channel_mix",
                   "avoidable_contact_rate", "transfer_rate", "total_cost"):
        assert report[kpi_id] is None
        assert report.results[kpi_id].unavailable == reason
    assert report["offered"] == 10 and report["fcr"] == 2 / 7


def test_direction_is_read_in_any_case_and_spacing():
    log = _with_optional_columns()
    log.contacts["direction"] = ["Inbound "] * 11 + [" OUTBOUND"]
    report = score(log)
    assert report["contacts"] == 10 and report["aht"] == EXPECTED["aht"]
    assert report["outbound_calls_per_hour"] == 1 / 2.5


def test_each_queue_takes_its_own_grace_from_the_log():
    # r4 (billing) abandons after 3 s: short with billing's grace 5 s, not with 2 s
    two_s = small_log(extra={"short_abandon_s": {"billing": 2.0, "tech": 60.0}})
    report = score(two_s)
    assert report["service_level"] == 2 / 8
    assert "grace per queue: billing 2 s, tech 60 s (other queues 5 s)" in (
        report.results["service_level"].variant)
    assert "grace per queue" in score_by(two_s, "queue").attrs["variants"]["abandon_rate"]
    assert score(small_log(extra={"short_abandon_s": {"tech": 0.0}}))["service_level"] == 2 / 7


def test_an_explicit_grace_overrides_the_queues():
    two_s = small_log(extra={"short_abandon_s": {"billing": 2.0}})
    report = score(two_s, KpiSettings(short_abandon_s=5))
    assert report["service_level"] == 2 / 7
    assert "grace=5 s;" in report.results["service_level"].variant


def test_a_simulated_queues_grace_reaches_the_service_level(minimal):
    # the issue's repro, shortened to one hour: 600 calls/h, AHT 360 s, patience 60 s
    data = minimal(horizon={"days": 1, "interval_min": 30, "open_time": "08:00",
                            "close_time": "09:00"})
    data["queues"][0].update(arrivals={"daily_volume": 600}, short_abandon_s=30,
                             handle={"dist": "exponential", "mean_s": 360},
                             patience={"dist": "exponential", "mean_s": 60})
    data["agent_groups"][0]["staffing"] = 55
    log = simulate(parse_scenario(data), seed=101)
    per_queue = score(log)["service_level"]
    assert per_queue == score(log, KpiSettings(short_abandon_s=30))["service_level"]
    assert per_queue > score(log, KpiSettings(short_abandon_s=5))["service_level"]
