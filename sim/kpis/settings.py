"""KPI settings: every choice where the industry's definitions differ, with its default.

One frozen, picklable object per scoring run, so two runs scored with the same settings
are comparable and a worker process can receive the settings as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from sim.errors import InputError

SL_VARIANTS = {
    "answered_within_t_over_offered": "answered within T / offered",
    "answered_within_t_over_offered_minus_short_abandons": (
        "answered within T / (offered - abandoned within the short-abandon grace)"
    ),
    "answered_within_t_over_answered": "answered within T / answered",
}
ABANDON_VARIANTS = {
    "abandoned_over_offered": "abandoned / offered",
    "abandoned_minus_short_over_offered_minus_short": (
        "(abandoned - short abandons) / (offered - short abandons)"
    ),
}


def _require(ok: bool, name: str, value, rule: str) -> None:
    if not ok:
        raise InputError(f"{name}: {value!r} {rule}")


@dataclass(frozen=True)
class PartnerRates:
    """What an outsourcing vendor charges; the three charges add up."""

    per_handled_contact: float = 0.0
    per_handled_minute: float = 0.0  # minutes of handle + after-contact work
    per_staffed_hour: float = 25.0  # hours on duty (every state but offline)


@dataclass(frozen=True)
class CostRates:
    """Cost rates in one currency. The defaults are placeholders: set your own."""

    currency: str = "EUR"
    in_house_hourly: float = 35.0  # loaded cost per paid hour, groups not in hourly_by_group
    hourly_by_group: dict[str, float] = field(default_factory=dict)
    partner_default: PartnerRates = PartnerRates()  # vendors not in `partners`
    partners: dict[str, PartnerRates] = field(default_factory=dict)
    telephony_per_minute: float = 0.01  # per minute a phone contact is in the system
    telephony_channels: tuple[str, ...] = ("phone",)

    def __post_init__(self):
        rates = {"in_house_hourly": self.in_house_hourly,
                 "telephony_per_minute": self.telephony_per_minute}
        rates |= {f"hourly_by_group.{k}": v for k, v in self.hourly_by_group.items()}
        for name, partner in {"partner_default": self.partner_default,
                              **{f"partners.{k}": v for k, v in self.partners.items()}}.items():
            rates |= {f"{name}.{f.name}": getattr(partner, f.name) for f in fields(partner)}
        for name, value in rates.items():
            _require(isinstance(value, (int, float)) and value >= 0, f"costs.{name}", value,
                     "a rate must be a number >= 0")


@dataclass(frozen=True)
class KpiSettings:
    """How to score a log. Times in seconds; every default is the common industry choice."""

    sl_threshold_s: float = 20.0  # service level: answered within this wait (inclusive)
    sl_variant: str = "answered_within_t_over_offered_minus_short_abandons"
    short_abandon_s: float = 5.0  # abandons within this wait are "short" (inclusive)
    abandon_variant: str = "abandoned_over_offered"
    recontact_window_s: float = 7 * 86400.0  # after the end of an issue's first contact
    csat_satisfied_min: float = 4.0  # on the 1-5 CSAT scale
    ces_min: float = 1.0  # the CES scale of the log (the simulator writes 1-7)
    ces_max: float = 7.0
    ces_higher_is_easier: bool = True
    async_channels: tuple[str, ...] = ("email", "ticket", "messaging")  # scored by FRT, not SL
    costs: CostRates = CostRates()

    def __post_init__(self):
        for name in ("sl_threshold_s", "short_abandon_s", "recontact_window_s"):
            value = getattr(self, name)
            _require(isinstance(value, (int, float)) and value >= 0, name, value,
                     "must be a number >= 0")
        _require(self.sl_variant in SL_VARIANTS, "sl_variant", self.sl_variant,
                 f"must be one of {', '.join(SL_VARIANTS)}")
        _require(self.abandon_variant in ABANDON_VARIANTS, "abandon_variant",
                 self.abandon_variant, f"must be one of {', '.join(ABANDON_VARIANTS)}")
        _require(1 <= self.csat_satisfied_min <= 5, "csat_satisfied_min",
                 self.csat_satisfied_min, "must lie on the 1-5 CSAT scale")
        _require(self.ces_min < self.ces_max, "ces_max", self.ces_max,
                 f"must be above ces_min ({self.ces_min})")
        _require(not isinstance(self.async_channels, str), "async_channels",
                 self.async_channels, "must be a list of channel names")

    def variant(self, kpi_id: str) -> str:
        """The definition variant used for `kpi_id` under these settings ('' if fixed)."""
        t, grace = f"T={self.sl_threshold_s:g} s", f"grace={self.short_abandon_s:g} s"
        live = "live channels only"
        window = f"recontact window {self.recontact_window_s / 86400:g} days"
        easy = "higher = easier" if self.ces_higher_is_easier else "lower = easier"
        return {
            "service_level": f"{self.sl_variant}: {SL_VARIANTS[self.sl_variant]} "
            f"({t}, {grace}; {live})",
            "abandon_rate": f"{self.abandon_variant}: {ABANDON_VARIANTS[self.abandon_variant]} "
            f"({grace}; {live})",
            "answer_rate": live, "asa": live, "avg_wait_all": live, "max_wait": live,
            "queue_len": f"{live}; time-average over the group's time span",
            "fcr": window, "recontact_rate": window,
            "csat": f"share of responses >= {self.csat_satisfied_min:g} on 1-5",
            "csat_mean": "mean on 1-5",
            "ces": f"mean on {self.ces_min:g}-{self.ces_max:g}, {easy}",
            "cost_per_contact": f"{self.costs.currency} per handled contact",
            "total_cost": self.costs.currency,
        }.get(kpi_id, "")

    @classmethod
    def from_dict(cls, data: dict) -> KpiSettings:
        """Build settings from a parsed TOML table; unknown keys are errors, not ignored."""
        data = dict(data)
        costs = data.pop("costs", {})
        _known(data, cls, "kpi settings")
        _known(costs, CostRates, "costs")
        costs = dict(costs)
        if "partner_default" in costs:
            costs["partner_default"] = _partner(costs["partner_default"], "costs.partner_default")
        if "partners" in costs:
            costs["partners"] = {k: _partner(v, f"costs.partners.{k}")
                                 for k, v in costs["partners"].items()}
        if "telephony_channels" in costs:
            costs["telephony_channels"] = tuple(costs["telephony_channels"])
        if "async_channels" in data:
            data["async_channels"] = tuple(data["async_channels"])
        return cls(**data, costs=CostRates(**costs))


LOG_COSTS = "costs"  # meta.extra key: cost rates the log's source knows (a scenario's)


def with_log_costs(settings: KpiSettings, extra: dict) -> KpiSettings:
    """`settings` with the log's own cost rates, if it carries some and the settings keep
    the placeholder defaults: a simulated log brings its scenario's rates and prices."""
    if LOG_COSTS not in extra or settings.costs != CostRates():
        return settings
    return replace(settings, costs=KpiSettings.from_dict({"costs": extra[LOG_COSTS]}).costs)


def _partner(table: dict, where: str) -> PartnerRates:
    _known(table, PartnerRates, where)
    return PartnerRates(**table)


def _known(table: dict, cls: type, where: str) -> None:
    allowed = {f.name for f in fields(cls)}
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)} "
                         f"(allowed: {', '.join(sorted(allowed))})")
