"""KPI settings: every choice where the industry's definitions differ, with its default.

One frozen, picklable object per scoring run, so two runs scored with the same settings
are comparable and a worker process can receive the settings as they are.
"""

from __future__ import annotations

import copy
import dataclasses
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from sim.errors import InputError

DEFAULT_SHORT_ABANDON_S = 5.0  # the common industry grace when neither settings nor log give one

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


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_types(obj, where: str) -> None:
    """Check every field against the type of its default, so a settings file's "4" or 5
    is refused by name instead of crashing a comparison later; lists become tuples."""
    for f in fields(obj):
        value, name = getattr(obj, f.name), f"{where}{f.name}"
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        if default is None:
            continue  # optional; checked where it is read
        if isinstance(default, bool):
            _require(isinstance(value, bool), name, value, "must be true or false")
        elif isinstance(default, float):
            _require(_is_number(value), name, value, "must be a number")
        elif isinstance(default, str):
            _require(isinstance(value, str), name, value, "must be a text")
        elif isinstance(default, tuple):
            _require(isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value),
                     name, value, "must be a list of channel names")
            object.__setattr__(obj, f.name, tuple(value))
        elif isinstance(default, dict):
            _require(isinstance(value, Mapping), name, value, "must be a table")
        else:
            _require(isinstance(value, type(default)), name, value,
                     f"must be a {type(default).__name__} (a table in a settings file)")


@dataclass(frozen=True)
class PartnerRates:
    """What an outsourcing vendor charges; the three charges add up."""

    per_handled_contact: float = 0.0
    per_handled_minute: float = 0.0  # minutes of handle + after-contact work
    per_staffed_hour: float = 25.0  # hours on duty (every state but offline)

    def __post_init__(self):
        _check_types(self, "partner.")


@dataclass(frozen=True)
class CostRates:
    """Cost rates in one currency. The defaults are placeholders: set your own."""

    currency: str = "EUR"
    in_house_hourly: float = 35.0  # loaded cost per paid hour, groups not in hourly_by_group
    hourly_by_group: dict[str, float] = field(default_factory=dict)
    partner_default: PartnerRates = PartnerRates()  # vendors not in `partners`
    partners: dict[str, PartnerRates] = field(default_factory=dict)
    telephony_per_minute: float = 0.01  # per minute a phone customer is connected
    telephony_channels: tuple[str, ...] = ("phone",)

    def __post_init__(self):
        _check_types(self, "costs.")
        for name, partner in self.partners.items():
            _require(isinstance(partner, PartnerRates), f"costs.partners.{name}", partner,
                     "must be a PartnerRates (a table of charges in a settings file)")
        rates = {"in_house_hourly": self.in_house_hourly,
                 "telephony_per_minute": self.telephony_per_minute}
        rates |= {f"hourly_by_group.{k}": v for k, v in self.hourly_by_group.items()}
        for name, partner in {"partner_default": self.partner_default,
                              **{f"partners.{k}": v for k, v in self.partners.items()}}.items():
            rates |= {f"{name}.{f.name}": getattr(partner, f.name) for f in fields(partner)}
        for name, value in rates.items():
            _require(_is_number(value) and value >= 0, f"costs.{name}", value,
                     "a rate must be a number >= 0")

    @classmethod
    def from_dict(cls, table: Mapping, where: str = "costs") -> CostRates:
        """Rates from a [costs] table (nested tables for partner_default and partners)."""
        _require(isinstance(table, Mapping), where, table, "must be a table")
        _known(table, cls, where)
        table = dict(table)
        if "partner_default" in table:
            table["partner_default"] = _partner(table["partner_default"],
                                                f"{where}.partner_default")
        if "partners" in table:
            _require(isinstance(table["partners"], Mapping), f"{where}.partners",
                     table["partners"], "must be a table of vendor tables")
            table["partners"] = {k: _partner(v, f"{where}.partners.{k}")
                                 for k, v in table["partners"].items()}
        return cls(**table)


@dataclass(frozen=True)
class KpiSettings:
    """How to score a log. Times in seconds; every default is the common industry choice.

    Cost rates come in one of two forms. `costs` is a complete CostRates, used as it is.
    `cost_table` is a [costs] table of only the keys a person set (from_dict keeps the
    file's): on a log that carries its own rates (a simulated scenario's), those keys are
    laid over the log's, key by key at every level, instead of replacing them all; on a
    log without rates they are laid over the defaults. When cost_table is set, `costs` is
    built from it.
    """

    sl_threshold_s: float = 20.0  # service level: answered within this wait (inclusive)
    sl_variant: str = "answered_within_t_over_offered_minus_short_abandons"
    # Abandons within this wait are "short" (inclusive). None: each queue's own grace from
    # short_abandon_by_queue (a simulated log brings its scenario's), else 5 s.
    short_abandon_s: float | None = None
    short_abandon_by_queue: dict[str, float] = field(default_factory=dict)
    abandon_variant: str = "abandoned_over_offered"
    recontact_window_s: float = 7 * 86400.0  # after the end of an issue's first contact
    csat_satisfied_min: float = 4.0  # on the 1-5 CSAT scale
    ces_min: float = 1.0  # the CES scale of the log (the simulator writes 1-7)
    ces_max: float = 7.0
    ces_higher_is_easier: bool = True
    async_channels: tuple[str, ...] = ("email", "ticket", "messaging")  # scored by FRT, not SL
    costs: CostRates = CostRates()
    cost_table: Mapping | None = None  # the [costs] keys given; see the class docstring

    def __post_init__(self):
        _check_types(self, "")
        graces = {f"short_abandon_by_queue.{q}": v for q, v in self.short_abandon_by_queue.items()}
        if self.short_abandon_s is not None:
            graces["short_abandon_s"] = self.short_abandon_s
        for name, value in {"sl_threshold_s": self.sl_threshold_s,
                            "recontact_window_s": self.recontact_window_s, **graces}.items():
            _require(_is_number(value) and value >= 0, name, value, "must be a number >= 0")
        object.__setattr__(self, "short_abandon_by_queue", dict(self.short_abandon_by_queue))
        _require(self.sl_variant in SL_VARIANTS, "sl_variant", self.sl_variant,
                 f"must be one of {', '.join(SL_VARIANTS)}")
        _require(self.abandon_variant in ABANDON_VARIANTS, "abandon_variant",
                 self.abandon_variant, f"must be one of {', '.join(ABANDON_VARIANTS)}")
        _require(1 <= self.csat_satisfied_min <= 5, "csat_satisfied_min",
                 self.csat_satisfied_min, "must lie on the 1-5 CSAT scale")
        _require(self.ces_min < self.ces_max, "ces_max", self.ces_max,
                 f"must be above ces_min ({self.ces_min})")
        if self.cost_table is not None:
            built = CostRates.from_dict(self.cost_table)
            table = copy.deepcopy(dict(self.cost_table))  # the caller's dict may change later
            _require(self.costs in (CostRates(), built), "costs", self.costs,
                     "cannot be given together with a different cost_table (give one)")
            object.__setattr__(self, "cost_table", table)
            object.__setattr__(self, "costs", built)

    def grace_s(self, queue: str | None) -> float:
        """The short-abandon grace of `queue`: the one setting if given, else the queue's."""
        if self.short_abandon_s is not None:
            return self.short_abandon_s
        return self.short_abandon_by_queue.get(queue, DEFAULT_SHORT_ABANDON_S)

    def grace_text(self) -> str:
        """Which grace was used, for variant texts: `grace=5 s` or per queue."""
        if self.short_abandon_s is not None or not self.short_abandon_by_queue:
            return f"grace={self.grace_s(None):g} s"
        per_queue = ", ".join(f"{q} {v:g} s" for q, v in sorted(self.short_abandon_by_queue.items()))
        return f"grace per queue: {per_queue} (other queues {DEFAULT_SHORT_ABANDON_S:g} s)"

    def variant(self, kpi_id: str) -> str:
        """The definition variant used for `kpi_id` under these settings ('' if fixed)."""
        t, grace = f"T={self.sl_threshold_s:g} s", self.grace_text()
        live = "live channels only"
        window = f"recontact window {self.recontact_window_s / 86400:g} days"
        easy = "higher = easier" if self.ces_higher_is_easier else "lower = easier"
        return {
            "service_level": f"{self.sl_variant}: {SL_VARIANTS[self.sl_variant]} "
            f"({t}, {grace}; {live})",
            "abandon_rate": f"{self.abandon_variant}: {ABANDON_VARIANTS[self.abandon_variant]} "
            f"({grace}; {live})",
            "answer_rate": live, "asa": live, "avg_wait_all": live, "max_wait": live,
            "queue_len": f"{live}; time-average over the group's part of the log's span",
            "fcr": window, "recontact_rate": window,
            "csat": f"share of responses >= {self.csat_satisfied_min:g} on 1-5",
            "csat_mean": "mean on 1-5",
            "ces": f"mean on {self.ces_min:g}-{self.ces_max:g}, {easy}",
            "cost_per_contact": f"{self.costs.currency} per handled contact",
            "total_cost": self.costs.currency,
        }.get(kpi_id, "")

    @classmethod
    def from_dict(cls, data: Mapping) -> KpiSettings:
        """Build settings from a parsed TOML table; unknown keys are errors, not ignored.

        The [costs] table is kept as `cost_table`, so it overlays a log's own rates.
        """
        _require(isinstance(data, Mapping), "kpi settings", data, "must be a table")
        _known(data, cls, "kpi settings", exclude=("cost_table",))
        data = dict(data)
        if "costs" in data:
            data["cost_table"] = data.pop("costs")
        return cls(**data)


LOG_COSTS = "costs"  # meta.extra key: cost rates the log's source knows (a scenario's)
LOG_SHORT_ABANDON = "short_abandon_s"  # meta.extra key: {queue: grace in seconds}


def with_log_graces(settings: KpiSettings, extra: dict) -> KpiSettings:
    """`settings` with the log's per-queue short-abandon graces (a scenario writes each
    queue's); the settings' own per-queue entries win, one `short_abandon_s` wins over all."""
    if LOG_SHORT_ABANDON not in extra or settings.short_abandon_s is not None:
        return settings
    table = extra[LOG_SHORT_ABANDON]
    _require(isinstance(table, Mapping), f"meta.extra.{LOG_SHORT_ABANDON}", table,
             "must be a table of seconds per queue")
    return replace(settings, short_abandon_by_queue={**table, **settings.short_abandon_by_queue})


def with_log_costs(settings: KpiSettings, extra: dict) -> KpiSettings:
    """`settings` with the log's own cost rates under the keys the settings give.

    A simulated log brings its scenario's rates; a settings file's [costs] keys win over
    them one by one. A complete CostRates given in Python (no cost_table) is used as is.
    """
    if LOG_COSTS not in extra:
        return settings
    if settings.cost_table is None and settings.costs != CostRates():
        return settings
    table = overlay(extra[LOG_COSTS], settings.cost_table or {})
    return replace(settings, costs=CostRates(), cost_table=table)


def default_costs_used(settings: KpiSettings, extra: dict) -> bool:
    """Whether costs would be scored with the built-in placeholder rates: the log brings no
    rates and the settings give none."""
    return (LOG_COSTS not in extra and settings.cost_table is None
            and settings.costs == CostRates())


def overlay(base: Mapping, top: Mapping) -> dict:
    """`base` with `top` laid over it: nested tables merge key by key, `top` wins."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def _partner(table, where: str) -> PartnerRates:
    _require(isinstance(table, Mapping), where, table,
             "must be a table of charges (per_handled_contact, per_handled_minute, "
             "per_staffed_hour)")
    _known(table, PartnerRates, where)
    try:
        return PartnerRates(**table)
    except InputError as err:  # name the vendor, not just the charge
        raise InputError(str(err).replace("partner.", f"{where}.", 1)) from None


def _known(table: Mapping, cls: type, where: str, exclude: tuple[str, ...] = ()) -> None:
    allowed = {f.name for f in fields(cls)} - set(exclude)
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(unknown)} "
                         f"(allowed: {', '.join(sorted(allowed))})")
