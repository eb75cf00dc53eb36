"""Distribution fits for calibration: durations (lognormal / gamma / empirical), patience.

Each fit returns the scenario's distribution as plain data plus what it rests on (sample
size, goodness of fit), so the written scenario can say how far to trust it.

Durations: lognormal and gamma by maximum likelihood, each checked with the
Kolmogorov-Smirnov distance D to the data; the better one is kept when its D is at most
MAX_KS_D, else the empirical distribution (a few hundred quantiles) is written instead.

Patience: answered callers are censored observations of patience (they would have waited
at least as long as they did). The exponential censored MLE is abandons / total waiting
time of all queued callers (`sim.importers.patience`); its adequacy is checked against
the Kaplan-Meier survival curve of patience, which needs no shape assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_KS_D = 0.05  # a fit whose CDF strays further from the data's is not trusted
KS_SAMPLE = 20_000  # KS on a fixed-seed subsample: D's error is ~1/sqrt(n) anyway
EMPIRICAL_POINTS = 200
MAX_KM_GAP = 0.05  # max |KM - exponential| survival gap accepted as "exponential fits"


@dataclass(frozen=True)
class Fit:
    dist: dict  # the scenario's distribution table, e.g. {"dist": "lognormal", ...}
    n: int
    note: str  # one line for the scenario's comments


def fit_duration(values: np.ndarray, what: str) -> Fit | None:
    """Best of lognormal / gamma by KS distance, else empirical; None without data."""
    from scipy import stats

    values = np.asarray(values, float)
    values = values[np.isfinite(values) & (values >= 0)]
    n = len(values)
    if n == 0:
        return None
    if values.std() <= 1e-9 * max(values.mean(), 1.0):
        return Fit({"dist": "deterministic", "mean_s": _round(values.mean())}, n,
                   f"{what}: always {values.mean():g} s (n={n:,})")
    positive = values[values > 0]
    zero_share = 1 - len(positive) / n
    if zero_share > 0.01 or len(positive) < 20:
        return _empirical(values, what, f"{zero_share:.0%} zeros" if zero_share > 0.01
                          else "too few values to fit a shape")
    sample = _subsample(positive)
    logs = np.log(positive)
    sigma = logs.std()
    lognormal = {"dist": "lognormal", "mean_s": _round(np.exp(logs.mean() + sigma**2 / 2)),
                 "cv": _round(np.sqrt(np.expm1(sigma**2)))}
    shape, scale = _gamma_mle(positive)
    gamma = {"dist": "gamma", "mean_s": _round(shape * scale), "cv": _round(1 / np.sqrt(shape))}
    d_log = stats.kstest(sample, stats.lognorm(s=sigma, scale=np.exp(logs.mean())).cdf).statistic
    d_gamma = stats.kstest(sample, stats.gamma(shape, scale=scale).cdf).statistic
    best, d_best, other, d_other = ((lognormal, d_log, "gamma", d_gamma) if d_log <= d_gamma
                                    else (gamma, d_gamma, "lognormal", d_log))
    mean = positive.mean()
    if d_best > MAX_KS_D:
        return _empirical(values, what, f"lognormal D={d_log:.3f}, gamma D={d_gamma:.3f} "
                                        f"both above {MAX_KS_D}")
    return Fit(best, n, f"{what}: {best['dist']} mean {best['mean_s']:g} s cv {best['cv']:g} "
                        f"(n={n:,}, sample mean {mean:.1f} s +- {positive.std() / np.sqrt(n):.1f}; "
                        f"KS D={d_best:.3f}, {other} D={d_other:.3f})")


def _gamma_mle(values: np.ndarray) -> tuple[float, float]:
    """Gamma shape and scale by maximum likelihood (by moments if the solver fails, as it
    does on nearly constant data)."""
    import warnings

    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            shape, _, scale = stats.gamma.fit(values, floc=0)
            if np.isfinite(shape) and np.isfinite(scale) and shape > 0:
                return shape, scale
        except (ValueError, RuntimeError, FloatingPointError):
            pass
    cv2 = max(values.var() / values.mean() ** 2, 1e-12)
    return 1 / cv2, values.mean() * cv2


def _empirical(values: np.ndarray, what: str, why: str) -> Fit:
    points = np.quantile(values, (np.arange(EMPIRICAL_POINTS) + 0.5) / EMPIRICAL_POINTS)
    return Fit({"dist": "empirical", "values_s": [_round(v) for v in points]}, len(values),
               f"{what}: empirical, {EMPIRICAL_POINTS} quantiles of n={len(values):,} "
               f"(mean {values.mean():.1f} s; {why})")


def _subsample(values: np.ndarray) -> np.ndarray:
    if len(values) <= KS_SAMPLE:
        return values
    return np.random.default_rng(0).choice(values, KS_SAMPLE, replace=False)


def _round(value: float) -> float:
    return float(f"{value:.4g}")


@dataclass(frozen=True)
class PatienceFit:
    dist: dict
    abandoned: int
    queued: int
    km_gap: float | None  # max |KM - exponential| survival over the observed waits
    note: str


def fit_patience(wait_s: np.ndarray, abandoned: np.ndarray, mean_s: float | None,
                 what: str) -> PatienceFit:
    """Exponential patience from the censored MLE `mean_s`, checked with Kaplan-Meier."""
    n_ab, n = int(abandoned.sum()), len(wait_s)
    if mean_s is None or not np.isfinite(mean_s) or n_ab == 0:
        return PatienceFit({"dist": "none"}, n_ab, n, None,
                           f"{what}: no abandonment seen (n={n:,} queued): infinite patience")
    times, survival = kaplan_meier(wait_s, abandoned)
    horizon = np.quantile(wait_s, 0.95)
    keep = times <= horizon
    gap = float(np.max(np.abs(survival[keep] - np.exp(-times[keep] / mean_s)))) if keep.any() \
        else 0.0
    se = mean_s / np.sqrt(n_ab)
    verdict = ("poor: real patience is not exponential here" if gap > km_tolerance(n_ab)
               else "adequate")
    return PatienceFit(
        {"dist": "exponential", "mean_s": _round(mean_s)}, n_ab, n, gap,
        f"{what}: exponential mean {mean_s:.1f} s +- {se:.1f} (censored MLE: {n_ab:,} "
        f"abandoned of {n:,} queued); Kaplan-Meier max gap {gap:.3f} up to the 95th "
        f"percentile wait {horizon:.0f} s: {verdict}")


def km_tolerance(abandoned: int) -> float:
    """Largest KM gap read as noise: MAX_KM_GAP, or the 5 % Kolmogorov-Smirnov critical
    distance 1.36/sqrt(n) over the n observed abandons when that is wider."""
    return max(MAX_KM_GAP, 1.36 / np.sqrt(max(abandoned, 1)))


def kaplan_meier(time_s: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Survival just after each distinct event time (product-limit estimator)."""
    order = np.argsort(time_s, kind="stable")
    t, e = np.asarray(time_s)[order], np.asarray(event, bool)[order]
    distinct, first = np.unique(t, return_index=True)
    at_risk = len(t) - first
    events = np.add.reduceat(e.astype(float), first)
    hit = events > 0
    survival = np.cumprod(1 - events[hit] / at_risk[hit])
    return distinct[hit], survival


def short_abandon_threshold(wait_s: np.ndarray, abandoned: np.ndarray, mean_s: float | None,
                            default_s: float = 5.0) -> tuple[float, str]:
    """Seconds below which hang-ups are far above the exponential hazard (a spike).

    Counts abandons per 1-second bin of the first 30 s against what the fitted
    exponential predicts for the callers still waiting; the threshold is the first bin
    that is no longer over 3 times the prediction (+3 for noise). No spike: `default_s`.
    """
    if mean_s is None or not np.isfinite(mean_s) or abandoned.sum() == 0:
        return default_s, f"short abandons: no abandonment, kept {default_s:g} s"
    rate = 1 - np.exp(-1 / mean_s)
    for t in range(30):
        at_risk = np.sum(wait_s >= t)
        seen = np.sum(abandoned & (wait_s >= t) & (wait_s < t + 1))
        if seen <= 3 * at_risk * rate + 3:
            if t == 0:
                return default_s, (f"short abandons: no early hang-up spike, kept the "
                                   f"{default_s:g} s convention")
            return float(t), (f"short abandons: hang-ups in the first {t} s run above 3x the "
                              f"exponential hazard ({int(np.sum(abandoned & (wait_s < t))):,} "
                              "of them)")
    return 30.0, "short abandons: the early spike lasts 30 s or more (capped at 30 s)"
