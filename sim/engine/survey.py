"""Post-contact survey answers (CSAT 1-5, NPS 0-10, CES 1-7 with 7 = very easy).

A transparent model a trainer can explain (parameters in `scenario.survey`, see
`sim.scenario.behaviours.Survey`): every answered contact responds with
`response_share`; its effort index starts at `base` and loses points for the wait, for
earlier transfers and for earlier attempts on the same issue; its satisfaction index is the
effort index, minus a penalty if the contact left the issue unresolved, plus a bonus for
the answering group's proficiency. Each answer adds its own normal noise, is clipped to
[0, 1] and mapped onto its scale. Computed after the run from the log, so it costs the
event loop nothing. Whether a contact responds and its noise are the contact's own draws
(`sim.engine.dice`, by customer key and (attempt, segment)), not its row's: a staffing
change leaves them as they were.
"""

from collections.abc import Mapping

import numpy as np

from sim.engine.dice import normals, position, uniforms
from sim.scenario.behaviours import Survey


def survey_answers(survey: Survey, contacts: Mapping[str, np.ndarray], answered: np.ndarray,
                   unresolved: np.ndarray, resolution_factor: np.ndarray) -> dict[str, np.ndarray]:
    """Answers per contact row. `contacts`: numeric columns per row: key (the customer's
    uint64 dice), attempt, segment, enqueue_s, answer_s."""
    count = len(answered)
    if survey.response_share == 0:
        return {name: np.full(count, np.nan) for name in ("csat", "nps", "ces")}
    keys = contacts["key"]
    at = position(contacts["attempt"], contacts["segment"])
    responds = (uniforms(keys, "survey/respond", at) < survey.response_share) & answered
    wait_min = (contacts["answer_s"] - contacts["enqueue_s"]) / 60.0
    effort = (
        survey.base
        - np.minimum(survey.per_wait_min * wait_min, survey.max_wait_penalty)
        - survey.per_transfer * (contacts["segment"] - 1)
        - survey.per_earlier_attempt * (contacts["attempt"] - 1)
    )
    satisfaction = effort - survey.unresolved * unresolved + survey.per_proficiency * (resolution_factor - 1.0)
    noise = [survey.noise_sd * normals(keys, f"survey/noise/{name}", at) for name in ("csat", "nps", "ces")]

    def scale(index: np.ndarray, low: int, high: int) -> np.ndarray:
        answer = low + np.round((high - low) * np.clip(index, 0.0, 1.0))
        return np.where(responds, answer, np.nan)

    return {
        "csat": scale(satisfaction + noise[0], 1, 5),
        "nps": scale(satisfaction + noise[1], 0, 10),
        "ces": scale(effort + noise[2], 1, 7),
    }
