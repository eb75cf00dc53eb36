"""Confidence intervals on replication results.

Replications are independent (distinct seeds), so for each KPI the replication values
x_1..x_n are i.i.d. and the interval is Student's t on their mean:
mean ± t_{(1+c)/2, n-1} · s / √n. A paired comparison applies the same interval to the
per-replication differences b_i − a_i (common random numbers make a_i and b_i positively
correlated, so the differences vary less than either side).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.errors import InputError

SUMMARY_COLUMNS = ["mean", "se", "ci_low", "ci_high", "half_width", "n"]


def check_confidence(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise InputError(f"confidence: {confidence!r} is not a share in (0, 1), e.g. 0.95")
    return float(confidence)


def check_reps(reps, minimum: int = 2) -> None:
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < minimum:
        raise InputError(f"reps: {reps!r} is not a whole number >= {minimum} "
                         "(an interval needs at least two replications)")


def method(confidence: float, what: str = "replication means") -> str:
    return (f"{confidence:.0%} Student t-interval on {what} (independent replications, "
            "n - 1 degrees of freedom)")


def t_quantile(confidence: float, n) -> np.ndarray:
    from scipy.stats import t

    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(n >= 2, t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)), np.nan)


def t_summary(values: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Per column of `values` (one row per replication; NaN = not available in that
    replication): mean, se, ci_low, ci_high, half_width, n (replications with a value)."""
    n = values.notna().sum()
    mean = values.mean()
    se = values.std(ddof=1) / np.sqrt(n.where(n > 0))
    half = t_quantile(confidence, n) * se
    out = pd.DataFrame({"mean": mean, "se": se, "ci_low": mean - half, "ci_high": mean + half,
                        "half_width": half, "n": n.astype(int)})
    out.index.name = "kpi"
    return out


def paired_summary(a: pd.DataFrame, b: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Per KPI: a_mean, b_mean, diff (b − a), its se and interval, variance_ratio, n.

    variance_ratio = (var a + var b) / var(b − a): how much wider the variance of the
    difference would be with independent seeds than with common random numbers (the
    estimate uses the same runs: with independent seeds the covariance term vanishes).
    """
    columns = list(dict.fromkeys([*a.columns, *b.columns]))
    a, b = a.reindex(columns=columns), b.reindex(columns=columns)
    both = a.notna() & b.notna()
    a, b = a.where(both), b.where(both)
    diff = t_summary(b - a, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (a.var(ddof=1) + b.var(ddof=1)) / (b - a).var(ddof=1)
    out = pd.DataFrame({"a_mean": a.mean(), "b_mean": b.mean(), "diff": diff["mean"],
                        "se": diff["se"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                        "half_width": diff["half_width"], "variance_ratio": ratio,
                        "n": diff["n"]})
    out.index.name = "kpi"
    return out


def coverage(runs: pd.DataFrame, truth: dict[str, float], reps: int,
             confidence: float = 0.95) -> dict[str, int]:
    """Cut `runs` (one row per replication) into consecutive experiments of `reps` rows and
    count, per KPI of `truth`, the experiments whose t-interval holds the true value: the
    check that intervals cover at their nominal rate."""
    covered = dict.fromkeys(truth, 0)
    for start in range(0, len(runs) - reps + 1, reps):
        summary = t_summary(runs.iloc[start:start + reps][list(truth)], confidence)
        for kpi, value in truth.items():
            covered[kpi] += int(summary.at[kpi, "ci_low"] <= value <= summary.at[kpi, "ci_high"])
    return covered
