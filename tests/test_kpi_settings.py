"""KPI settings: every key type-checked by name, and [costs] laid over a log's own rates."""

import pytest

from sim.errors import InputError
from sim.kpis import CostRates, KpiSettings, PartnerRates, score
from test_kpi_fixtures import small_log


@pytest.mark.parametrize("data, message", [
    ({"async_channels": "email"}, "async_channels: 'email' must be a list of channel names"),
    ({"costs": {"telephony_channels": "phone"}},
     "costs.telephony_channels: 'phone' must be a list of channel names"),
    ({"async_channels": 5}, "async_channels: 5 must be a list of channel names"),
    ({"csat_satisfied_min": "4"}, "csat_satisfied_min: '4' must be a number"),
    ({"ces_min": "1"}, "ces_min: '1' must be a number"),
    ({"sl_threshold_s": True}, "sl_threshold_s: True must be a number"),
    ({"ces_higher_is_easier": "no"}, "ces_higher_is_easier: 'no' must be true or false"),
    ({"sl_variant": 3}, "sl_variant: 3 must be a text"),
    ({"costs": 5}, "costs: 5 must be a table"),
    ({"costs": {"hourly_by_group": 5}}, "costs.hourly_by_group: 5 must be a table"),
    ({"costs": {"hourly_by_group": {"g1": "40"}}},
     "costs.hourly_by_group.g1: '40' a rate must be a number >= 0"),
    ({"costs": {"partners": {"acme": 5}}}, "costs.partners.acme: 5 must be a table of charges"),
    ({"costs": {"partners": {"acme": {"per_staffed_hour": "9"}}}},
     "costs.partners.acme.per_staffed_hour: '9' must be a number"),
    ({"costs": {"partner_default": {"per_handled_minute": -1}}},
     "costs.partner_default.per_handled_minute: -1 a rate must be a number >= 0"),
    ({"costs": {"currency": 1}}, "costs.currency: 1 must be a text"),
    ({"short_abandon_s": "4"}, "short_abandon_s: '4' must be a number >= 0"),
    ({"short_abandon_by_queue": 4}, "short_abandon_by_queue: 4 must be a table"),
    ({"short_abandon_by_queue": {"sales": -1}},
     "short_abandon_by_queue.sales: -1 must be a number >= 0"),
])
def test_every_settings_key_is_type_checked_by_name(data, message):
    with pytest.raises(InputError) as err:
        KpiSettings.from_dict(data)
    assert str(err.value).startswith(message)


def test_lists_of_channels_become_tuples():
    settings = KpiSettings.from_dict({"async_channels": ["email"],
                                      "costs": {"telephony_channels": ["phone", "voip"]}})
    assert settings.async_channels == ("email",)
    assert settings.costs.telephony_channels == ("phone", "voip")


LOG_RATES = {"currency": "EUR", "hourly_by_group": {"g1": 40.0},
             "partners": {"acme": {"per_handled_contact": 2.0, "per_handled_minute": 0.0,
                                   "per_staffed_hour": 10.0}},
             "telephony_per_minute": 0.6}
# with the log's rates: g1 1.5 h x 40, acme 1 h x 10 + 2 handled x 2; 1118 phone seconds
LABOUR_AND_VENDOR = 60 + 10 + 4


def test_a_log_brings_its_own_rates():
    assert score(small_log(extra={"costs": LOG_RATES}))["total_cost"] == pytest.approx(
        LABOUR_AND_VENDOR + 1118 / 60 * 0.6, rel=1e-12)


def test_a_settings_cost_key_overlays_the_logs_rates_instead_of_replacing_them():
    settings = KpiSettings.from_dict({"costs": {"telephony_per_minute": 0.012}})
    report = score(small_log(extra={"costs": LOG_RATES}), settings)
    assert report["total_cost"] == pytest.approx(LABOUR_AND_VENDOR + 1118 / 60 * 0.012,
                                                 rel=1e-12)
    assert report.results["total_cost"].unit == "EUR"


def test_nested_cost_keys_overlay_one_by_one():
    # acme's staffed hour set to 0: its per-contact charge and g1's rate stay the log's
    settings = KpiSettings(cost_table={"partners": {"acme": {"per_staffed_hour": 0.0}},
                                       "hourly_by_group": {"g2": 99.0}})
    report = score(small_log(extra={"costs": LOG_RATES}), settings)
    assert report["total_cost"] == pytest.approx(60 + 4 + 1118 / 60 * 0.6, rel=1e-12)
    assert report.settings.costs.hourly_by_group == {"g1": 40.0, "g2": 99.0}
    assert report.settings.costs.partners["acme"] == PartnerRates(2.0, 0.0, 0.0)


def test_complete_rates_given_in_python_replace_the_logs():
    settings = KpiSettings(costs=CostRates(telephony_per_minute=0.6))
    report = score(small_log(extra={"costs": LOG_RATES}), settings)
    assert report["total_cost"] == pytest.approx(52.5 + 25 + 1118 / 60 * 0.6, rel=1e-12)


def test_cost_table_builds_costs_and_refuses_a_different_costs():
    settings = KpiSettings(cost_table={"in_house_hourly": 30})
    assert settings.costs == CostRates(in_house_hourly=30)
    with pytest.raises(InputError, match="costs: .* cannot be given together"):
        KpiSettings(costs=CostRates(in_house_hourly=20), cost_table={"in_house_hourly": 30})
    with pytest.raises(InputError, match="kpi settings: unknown key.*cost_table"):
        KpiSettings.from_dict({"cost_table": {}})


def test_a_logs_bad_per_queue_grace_is_named():
    with pytest.raises(InputError, match="meta.extra.short_abandon_s: 30 must be a table"):
        score(small_log(extra={"short_abandon_s": 30}))
    with pytest.raises(InputError, match="short_abandon_by_queue.sales: 'x' must be a number"):
        score(small_log(extra={"short_abandon_s": {"sales": "x"}}))
