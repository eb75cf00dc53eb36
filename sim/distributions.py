"""Time distributions for handle, after-contact work and patience, given as in WFM tools.

Planners know a mean and a spread, not shape parameters, so each family is set by
`mean_s` and `cv` (coefficient of variation = std / mean) and converted here. Every
distribution samples a whole vector at once from a `numpy.random.Generator`.
"""

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Exponential(_Dist):
    """Memoryless; the M in M/M/n. Patience of this kind gives Erlang A."""

    dist: Literal["exponential"]
    mean_s: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_s, size)


class Lognormal(_Dist):
    """Right-skewed with a long tail: the usual fit for real talk times."""

    dist: Literal["lognormal"]
    mean_s: float = Field(gt=0)
    cv: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = np.log1p(self.cv**2)
        mu = np.log(self.mean_s) - sigma2 / 2
        return rng.lognormal(mu, np.sqrt(sigma2), size)


class Gamma(_Dist):
    """Shape 1/cv², scale mean·cv²: cv=1 is exponential, small cv nearly deterministic."""

    dist: Literal["gamma"]
    mean_s: float = Field(gt=0)
    cv: float = Field(gt=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.gamma(1 / self.cv**2, self.mean_s * self.cv**2, size)


class Deterministic(_Dist):
    """Always `mean_s`: scripted work, or no after-contact work at 0."""

    dist: Literal["deterministic"]
    mean_s: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, float(self.mean_s))


class Empirical(_Dist):
    """Resamples observed values (e.g. a week of real handle times), optionally weighted."""

    dist: Literal["empirical"]
    values_s: list[Annotated[float, Field(ge=0)]] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights_match(self):
        if self.weights is not None:
            if len(self.weights) != len(self.values_s):
                raise ValueError(
                    f"weights: has {len(self.weights)} values, "
                    f"values_s has {len(self.values_s)}; they must match"
                )
            if sum(self.weights) <= 0:
                raise ValueError("weights: must not all be 0")
        return self

    @property
    def mean_s(self) -> float:
        weights = self.weights or [1.0] * len(self.values_s)
        return float(np.average(self.values_s, weights=weights))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        p = None if self.weights is None else np.asarray(self.weights) / sum(self.weights)
        return rng.choice(np.asarray(self.values_s, dtype=float), size=size, p=p)


class NoAbandonment(_Dist):
    """Infinite patience: callers wait as long as it takes (Erlang C)."""

    dist: Literal["none"]

    @property
    def mean_s(self) -> float:
        return float("inf")

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, np.inf)


TimeDistribution = Annotated[
    Union[Exponential, Lognormal, Gamma, Deterministic, Empirical], Field(discriminator="dist")
]
PatienceDistribution = Annotated[
    Union[Exponential, Lognormal, Gamma, Deterministic, Empirical, NoAbandonment],
    Field(discriminator="dist"),
]
