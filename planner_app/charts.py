"""Altair charts with the same conventions everywhere: axis titles with units, target
lines in one colour, in-house and partner always in the same two colours.

Colours are the Okabe-Ito palette, readable with the common colour-vision deficiencies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from sim.kpis import SPECS

IN_HOUSE = "#0072B2"  # blue
PARTNER = "#E69F00"  # orange
TARGET = "#D55E00"  # vermillion: every target line
BASELINE = "#999999"  # grey: the scenario as loaded
# Other series (variants, KPIs): the rest of the palette, never blue or orange, which mean
# in-house and partner, nor vermillion, which marks targets.
SERIES = ["#009E73", "#CC79A7", "#56B4E9", "#000000", "#F0E442", "#8C6D31"]


def axis_title(kpi_id: str, currency: str = "EUR") -> str:
    spec = SPECS[kpi_id]
    unit = {"share": "%", "s": "seconds", "currency": currency}.get(spec.unit, spec.unit)
    return f"{spec.name} ({unit})"


def _y(kpi_id: str, currency: str = "EUR") -> alt.Y:
    fmt = ".0%" if SPECS[kpi_id].unit == "share" else ",.2~f"  # 0.5 and 12, never 0 twice
    return alt.Y("value:Q", title=axis_title(kpi_id, currency), axis=alt.Axis(format=fmt))


def _colour(series: list[str], colours: dict[str, str] | None = None,
            legend: alt.Legend | None = None) -> alt.Color:
    colours = colours or {}
    palette = iter(c for c in SERIES if c not in colours.values())
    rng = [colours.get(s) or next(palette, "#666666") for s in series]
    return alt.Color("series:N", title=None, scale=alt.Scale(domain=series, range=rng),
                     legend=legend or alt.Legend(orient="top"))


def time_axis(frame: pd.DataFrame, title: str = "interval start") -> alt.X:
    """24-hour clock labels; with the weekday and date when the data spans several days."""
    times = pd.to_datetime(frame["time"]) if len(frame) else pd.Series(dtype="datetime64[ns]")
    several_days = len(times) and times.dt.normalize().nunique() > 1
    return alt.X("time:T", title=title,
                 axis=alt.Axis(format="%a %d %b %H:%M" if several_days else "%H:%M"))


def intraday(frame: pd.DataFrame, kpi_id: str, target: float | None = None,
             colours: dict[str, str] | None = None, time_title: str = "interval start",
             currency: str = "EUR") -> alt.LayerChart | alt.Chart:
    """Lines of `kpi_id` per interval, one per `series`; frame columns time, series, value."""
    series = list(dict.fromkeys(frame["series"]))
    frame = frame.assign(day=pd.to_datetime(frame["time"]).dt.strftime("%Y-%m-%d"))
    lines = alt.Chart(frame).mark_line(point=len(frame) < 60).encode(
        x=time_axis(frame, time_title),
        y=_y(kpi_id, currency),
        color=_colour(series, colours),
        detail="day:N",  # one line per day: no line across the closed night
        tooltip=[alt.Tooltip("time:T", title="interval", format="%a %H:%M"), "series:N",
                 alt.Tooltip("value:Q", title=axis_title(kpi_id, currency),
                             format=".1%" if SPECS[kpi_id].unit == "share" else ",.1f")],
    )
    return _with_target(lines, target, kpi_id).properties(height=300)


def _with_target(chart, target: float | None, kpi_id: str):
    if target is None:
        return chart
    label = f"target {target:.0%}" if SPECS[kpi_id].unit == "share" else f"target {target:g} s"
    rule = alt.Chart(pd.DataFrame({"target": [target], "label": [label]})).mark_rule(
        color=TARGET, strokeDash=[6, 4], size=2).encode(y="target:Q", tooltip=["label:N"])
    text = alt.Chart(pd.DataFrame({"target": [target], "label": [label]})).mark_text(
        color=TARGET, align="right", dx=-2, dy=-7, fontWeight="bold").encode(
        y="target:Q", text="label:N", x=alt.value({"expr": "width"}))
    return alt.layer(chart, rule, text)


def staffing_chart(frame: pd.DataFrame, time_title: str = "interval start") -> alt.Chart:
    """Agents per interval: frame columns time, series (method or "scheduled"), agents."""
    series = list(dict.fromkeys(frame["series"]))
    colours = {"scheduled (in-house)": IN_HOUSE, "scheduled (partner)": PARTNER}
    return alt.Chart(frame).mark_line(interpolate="step-after").encode(
        x=time_axis(frame, time_title),
        y=alt.Y("agents:Q", title="agents on duty (agents)"),
        color=_colour(series, colours),
        strokeDash=alt.condition(alt.FieldOneOfPredicate("series", [s for s in series
                                                                   if s.startswith("scheduled")]),
                                 alt.value([1, 0]), alt.value([5, 3])),
        tooltip=[alt.Tooltip("time:T", title="interval", format="%a %H:%M"), "series:N", "agents:Q"],
    ).properties(height=320)


def frontier(frame: pd.DataFrame, x: str, y: str, label: str, target: float | None,
             currency: str = "EUR") -> alt.LayerChart:
    """Cost (x) against service level (y), one point per configuration, labelled, with the
    95 % interval of the service level (columns sl_low, sl_high) as a vertical bar."""
    points = alt.Chart(frame).mark_line(point=alt.OverlayMarkDef(size=80, filled=True),
                                        color=IN_HOUSE).encode(
        x=alt.X(f"{x}:Q", title=axis_title("total_cost", currency), scale=alt.Scale(zero=False),
                axis=alt.Axis(format=",.0f")),
        y=alt.Y(f"{y}:Q", title=axis_title(y), axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1], clamp=True)),
        order=f"{x}:Q",
        tooltip=[f"{label}:N", alt.Tooltip(f"{x}:Q", format=",.0f", title=axis_title("total_cost", currency)),
                 alt.Tooltip(f"{y}:Q", format=".1%", title=axis_title(y))],
    )
    text = alt.Chart(frame).mark_text(dy=-12, fontSize=11).encode(x=f"{x}:Q", y=f"{y}:Q",
                                                                  text=f"{label}:N")
    layers = [points, text]
    if {"sl_low", "sl_high"} <= set(frame.columns):  # the 95 % interval of each mean
        layers.insert(0, alt.Chart(frame).mark_rule(color=IN_HOUSE, opacity=0.5, size=2).encode(
            x=f"{x}:Q", y=alt.Y("sl_low:Q", scale=alt.Scale(domain=[0, 1], clamp=True)),
            y2="sl_high:Q"))
    return _with_target(alt.layer(*layers), target, y).properties(height=360)


def shares(frame: pd.DataFrame, x: str, x_title: str, y_title: str) -> alt.Chart:
    """Stacked bars of in-house vs partner shares per configuration: columns x, series, value."""
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=".0%"), stack="normalize"),
        color=_colour(["in-house", "partner"], {"in-house": IN_HOUSE, "partner": PARTNER}),
        tooltip=[f"{x}:N", "series:N", alt.Tooltip("value:Q", format=".1%")],
    ).properties(height=300)


def kpi_lines(frame: pd.DataFrame, x: str, x_title: str, kpi_ids: list[str]) -> alt.Chart:
    """Several share KPIs (FCR, recontacts, CSAT...) against one lever: columns x, kpi, value."""
    short = {"fcr": "FCR", "recontact_rate": "recontacts", "csat": "CSAT (satisfied)"}
    names = [short.get(k, SPECS[k].name) for k in kpi_ids]
    data = frame.assign(series=frame["kpi"].map(lambda k: short.get(k, SPECS[k].name)))
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X(f"{x}:Q", title=x_title),
        y=alt.Y("value:Q", title="share (%)", axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        color=_colour(names, legend=alt.Legend(orient="top", columns=3, labelLimit=0)),
        tooltip=[f"{x}:Q", "series:N", alt.Tooltip("value:Q", format=".1%")],
    ).properties(height=300)


def volume_chart(frame: pd.DataFrame) -> alt.Chart:
    """Expected contacts per interval: columns time, series ("as loaded", "edited"), value."""
    series = list(dict.fromkeys(frame["series"]))
    return alt.Chart(frame).mark_line(interpolate="step-after").encode(
        x=time_axis(frame),
        y=alt.Y("value:Q", title="expected contacts per interval (contacts)"),
        color=_colour(series, {"as loaded": BASELINE, "edited": IN_HOUSE}),
        tooltip=[alt.Tooltip("time:T", title="interval", format="%a %H:%M"), "series:N",
                 alt.Tooltip("value:Q", format=",.0f", title="expected contacts")],
    ).properties(height=260)
