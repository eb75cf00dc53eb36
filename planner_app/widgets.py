"""Shared widgets: KPI cards, remembered levers, guarded sections, capped uploads, downloads.

Formatting follows the catalogue's units (`sim.kpis.SPECS`): shares as percentages, seconds
with "s", money with the currency, counts in plain digits with thousands separators.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pandas as pd
import streamlit as st

from planner_app import state
from sim.errors import InputError
from sim.kpis import SPECS

MAX_UPLOAD_MB = 20  # an ACD export of a busy month fits; anything larger is refused, not read
UPLOAD_LIMIT_BYTES = MAX_UPLOAD_MB * 1024 * 1024
SMALL_FILE_BYTES = 1024 * 1024  # a scenario or mapping TOML


# ---- formatting -------------------------------------------------------------------------

def format_value(kpi_id: str, value, currency: str = "EUR") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    unit = SPECS[kpi_id].unit if kpi_id in SPECS else ""
    if unit == "share":
        return f"{value:.1%}".replace("%", " %")
    if unit == "s":
        return f"{value:,.1f} s" if value < 100 else f"{value:,.0f} s"
    if unit == "currency":
        return f"{value:,.2f} {currency}" if abs(value) < 1000 else f"{value:,.0f} {currency}"
    if unit == "contacts":
        return f"{value:,.0f} contacts"
    if unit == "points":
        return f"{value:+.0f} points"
    return f"{value:,.2f} {unit}".strip()


def format_delta(kpi_id: str, delta, currency: str = "EUR") -> str | None:
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return None
    unit = SPECS[kpi_id].unit if kpi_id in SPECS else ""
    if unit == "share":
        return f"{100 * delta:+.1f} pp"
    if unit == "s":
        return f"{delta:+,.1f} s"
    if unit == "currency":
        return f"{delta:+,.2f} {currency}" if abs(delta) < 1000 else f"{delta:+,.0f} {currency}"
    if unit == "contacts":
        return f"{delta:+,.0f}"
    return f"{delta:+,.2f}"


def band_text(kpi_id: str) -> str:
    """The catalogue's reference band in words, e.g. "good 80-100 %; 80/20 is the classic target"."""
    band = SPECS[kpi_id].band
    if band is None:
        return "no reference band"
    parts = []
    for word, rng in (("good", band.good), ("typical", band.typical)):
        if rng is not None:
            parts.append(f"{word} {_range_text(kpi_id, rng.low, rng.high)}")
    if band.note:
        parts.append(band.note)
    return "; ".join(parts) or "no reference band"


def _range_text(kpi_id: str, low: float, high: float) -> str:
    if SPECS[kpi_id].unit == "share":
        return f"{100 * low:g}-{100 * high:g} %"
    unit = {"s": " s", "points": " points"}.get(SPECS[kpi_id].unit, "")
    return f"{low:g}-{high:g}{unit}"


LOWER_IS_BETTER = {"asa", "avg_wait_all", "max_wait", "queue_len", "recontact_rate",
                   "total_cost", "first_response_time"}  # besides the catalogue's bands


def delta_colour(kpi_id: str) -> str:
    """Green for a change in the good direction: Streamlit's "inverse" when lower is better."""
    band = SPECS[kpi_id].band
    better = "lower" if kpi_id in LOWER_IS_BETTER else (band.better if band else None)
    return {"higher": "normal", "lower": "inverse"}.get(better, "off")


# ---- KPI cards --------------------------------------------------------------------------

def kpi_cards(values: dict, kpi_ids: list[str], baseline: dict | None = None,
              intervals: pd.DataFrame | None = None, currency: str = "EUR",
              per_row: int = 4) -> None:
    """One card per KPI: value, delta to `baseline`, the reference band, and the 95 %
    interval when `intervals` (indexed by KPI id: ci_low, ci_high, n) is given."""
    shown = [k for k in kpi_ids if values.get(k) is not None and not _nan(values.get(k))]
    for start in range(0, len(shown), per_row):
        for column, kpi_id in zip(st.columns(per_row), shown[start:start + per_row]):
            value = values[kpi_id]
            with column:
                metric_card(kpi_id, value, None if baseline is None else baseline.get(kpi_id),
                            currency)
                notes = []
                if intervals is not None and kpi_id in intervals.index:
                    row = intervals.loc[kpi_id]
                    notes.append(f"95 % CI {format_value(kpi_id, row['ci_low'], currency)} to "
                                 f"{format_value(kpi_id, row['ci_high'], currency)} "
                                 f"({int(row['n'])} runs)")
                if SPECS[kpi_id].band is not None:
                    notes.append(band_text(kpi_id))
                if notes:
                    st.caption(" · ".join(notes))


def metric_card(kpi_id: str, value, before=None, currency: str = "EUR", label: str | None = None) -> None:
    """One KPI card: the value in its unit, the change from `before` (green when it goes
    the good way; "no change" when equal), the definition and the band on hover."""
    spec = SPECS[kpi_id]
    label = label or (f"{spec.name} (contacts)" if spec.unit == "contacts" and "(" not in spec.name
                      else spec.name)
    shown = f"{value:,.0f}" if spec.unit == "contacts" else format_value(kpi_id, value, currency)
    delta, arrow = None, "auto"
    if before is not None and not _nan(before):
        delta = format_delta(kpi_id, value - before, currency)
        if value == before:
            delta, arrow = "no change", "off"
    st.metric(label, shown, delta, delta_color=delta_colour(kpi_id) if arrow == "auto" else "off",
              delta_arrow=arrow, border=True,
              help=f"{spec.definition}. Reference: {band_text(kpi_id)}.")


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


# ---- levers and errors ------------------------------------------------------------------

def lever(widget: Callable, label: str, key: str, default, **kwargs):
    """A widget whose value survives a visit to another page (see `state.remembered`).

    The remembered value is passed as the widget's own default (not through Session
    State), so a page switched before the first run ends cannot send back a blank value.
    """
    value = state.remembered(key, default)
    name = widget.__name__
    if name in ("radio", "selectbox"):
        options = list(kwargs["options"])
        kwargs["index"] = options.index(value) if value in options else (
            None if name == "selectbox" else 0)
    elif name == "multiselect":
        kwargs["default"] = [v for v in value if v in kwargs["options"]]
    else:
        kwargs["value"] = value
    return state.keep(key, widget(label, key=key, **kwargs))


@contextmanager
def shown_errors() -> Iterator[None]:
    """Show an `InputError` as one red box with its message, never a traceback."""
    try:
        yield
    except InputError as err:
        st.error(str(err).replace("\n", "  \n"))


# ---- uploads and downloads --------------------------------------------------------------

def uploaded_bytes(upload, limit_bytes: int | None = None) -> bytes | None:
    """The upload's bytes, or None with a message when it is over the size cap (the
    export cap unless `limit_bytes` is given)."""
    if upload is None:
        return None
    limit = UPLOAD_LIMIT_BYTES if limit_bytes is None else limit_bytes
    if upload.size > limit:
        st.error(f"{upload.name}: {upload.size / 1024 / 1024:,.2f} MB is over the "
                 f"{limit / 1024 / 1024:g} MB upload limit for this file")
        return None
    return upload.getvalue()


def table_downloads(frame: pd.DataFrame, stem: str, label: str, key: str) -> None:
    """CSV and Parquet download buttons for one table, each file built only when clicked
    (a day's log takes half a second to write, too long to redo on every rerun)."""
    def parquet() -> bytes:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()

    left, right = st.columns(2)
    left.download_button(f"{label} (CSV)", lambda: frame.to_csv(index=False).encode(),
                         f"{stem}.csv", "text/csv", key=f"{key}.csv", on_click="ignore")
    right.download_button(f"{label} (Parquet)", parquet, f"{stem}.parquet",
                          "application/vnd.apache.parquet", key=f"{key}.parquet", on_click="ignore")
