"""Optional behaviours of queues and agent groups: each one is off by default.

Kept apart from `model.py` so the core format stays short to read. Shares are fractions
in [0, 1]; every time is a distribution or a field with a unit in its name.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.clock import Clock
from sim.distributions import Deterministic, Exponential, Lognormal, TimeDistribution

Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Reason(_Model):
    """A contact reason: its share of the queue's arrivals and how such contacts go.

    `resolution_prob` left out means resolution is not modelled for this reason (the log
    says "unknown" and nobody comes back); given, an unresolved contact may bring the
    customer back (see `Recontact`).
    """

    name: str = Field(min_length=1)
    share: float = Field(gt=0)  # relative weight among the queue's reasons
    handle: TimeDistribution | None = None  # default: the queue's handle
    resolution_prob: Share | None = None
    transfer_prob: Share = 0.0  # the first agent hands the contact to `transfer_to`
    transfer_to: str | None = None  # a queue name
    avoidable: bool = False  # the contact should not have been needed (defect, missing info)

    @model_validator(mode="after")
    def _transfer_target(self) -> Reason:
        if self.transfer_prob > 0 and self.transfer_to is None:
            raise ValueError("transfer_to: is required when transfer_prob > 0")
        return self


class Ivr(_Model):
    """Self-service front end: a share is contained, the rest spend `time` before queueing."""

    self_service_share: float = Field(0.0, ge=0, lt=1)
    time: TimeDistribution = Deterministic(dist="deterministic", mean_s=0)


def _positive_delay(delay) -> None:
    if delay.mean_s <= 0:
        raise ValueError("delay: a mean of 0 s would bring the customer back at the very "
                         "moment they left; give a mean > 0")


class Redial(_Model):
    """Callers who abandon and call again later (same issue, attempt + 1)."""

    share: Share = 0.0  # of abandoning callers
    delay: TimeDistribution = Exponential(dist="exponential", mean_s=600)

    @model_validator(mode="after")
    def _delay(self) -> Redial:
        _positive_delay(self.delay)
        return self


class Recontact(_Model):
    """Customers whose issue was handled but not resolved come back later."""

    share: Share = 1.0  # of unresolved customers who come back; the others give up
    delay: TimeDistribution = Lognormal(dist="lognormal", mean_s=86_400, cv=1.0)
    queue: str | None = None  # where they come back (e.g. another channel); default: same queue

    @model_validator(mode="after")
    def _delay(self) -> Recontact:
        _positive_delay(self.delay)
        return self


class Callback(_Model):
    """Virtual hold: offered when the expected wait on arrival exceeds `offer_above_wait_s`.

    `keep_place`: the callback keeps the caller's place in line; `when_free`: it waits until
    an agent has no live caller to take. The call-back is an outbound call the customer
    picks up with `reach_prob`; an unanswered try costs the agent `no_answer_s` and is
    retried after `retry_delay_s`, up to `max_tries` tries.
    """

    offer_above_wait_s: float = Field(gt=0)
    accept_share: Share
    placement: Literal["keep_place", "when_free"] = "keep_place"
    reach_prob: float = Field(0.85, gt=0, le=1)
    no_answer_s: float = Field(30.0, ge=0)
    retry_delay_s: float = Field(900.0, ge=0)
    max_tries: int = Field(3, ge=1)


class Overflow(_Model):
    """When a contact goes to a partner group instead of waiting for in-house agents.

    A contact moves only while the partner group has someone on duty; otherwise it stays
    in the in-house line."""

    to: str  # an agent group (usually an outsourcing partner)
    after_wait_s: float | None = Field(None, ge=0)  # waited this long in-house
    queue_length_above: int | None = Field(None, ge=0)  # on arrival, more callers waiting
    share: Share = 0.0  # of arrivals, sent straight to the partner

    @model_validator(mode="after")
    def _some_rule(self) -> Overflow:
        if self.after_wait_s is None and self.queue_length_above is None and self.share == 0:
            raise ValueError("set after_wait_s, queue_length_above or share")
        return self


class Break(_Model):
    after_h: float = Field(gt=0)  # hours after the shift start
    length_min: float = Field(gt=0)


class Shift(_Model):
    """`count` agents working from `start` for `length_h` hours, every day, with breaks."""

    start: Clock
    length_h: float = Field(gt=0, le=24)
    count: int = Field(ge=0)
    breaks: list[Break] = []


class Pricing(_Model):
    """What a partner charges; add the parts that apply."""

    per_contact: float = Field(0.0, ge=0)  # per handled contact
    per_minute: float = Field(0.0, ge=0)  # per handled minute (talk + wrap)
    per_staffed_hour: float = Field(0.0, ge=0)  # per agent-hour on duty


class Survey(_Model):
    """Post-contact survey: who answers and how the experience moves the answers.

    Each answered contact is surveyed with `response_share`. Its experience index starts at
    `base` and loses `per_wait_min` per minute waited (capped at `max_wait_penalty`),
    `per_transfer` per earlier transfer, `per_earlier_attempt` per earlier attempt on the
    issue (a redial or a recontact), and `unresolved` if the contact left the issue open;
    it gains `per_proficiency` x (group resolution_factor - 1). Normal noise of `noise_sd`
    is added and the index clipped to [0, 1]. CSAT = 1 + round(4 x index) on 1-5,
    NPS answer = round(10 x index) on 0-10, CES = 1 + round(6 x effort) on 1-7 where 7 is
    "very easy" and effort uses the same terms without the resolution and proficiency ones.
    """

    response_share: Share = 0.0
    base: float = Field(0.85, ge=0, le=1)
    per_wait_min: float = Field(0.04, ge=0)
    max_wait_penalty: float = Field(0.4, ge=0)
    per_transfer: float = Field(0.1, ge=0)
    per_earlier_attempt: float = Field(0.12, ge=0)
    unresolved: float = Field(0.3, ge=0)
    per_proficiency: float = Field(0.2, ge=0)
    noise_sd: float = Field(0.1, ge=0)


class Costs(_Model):
    """Costs handed to the KPI engine (the simulator computes no KPI); a rate left out
    keeps the KPI engine's setting."""

    currency: str = "EUR"
    telephony_per_minute: float | None = Field(None, ge=0)  # per minute a phone contact is in the system
