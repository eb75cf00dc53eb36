"""Clock times of day as written in scenario files: "HH:MM", from 00:00 to 24:00."""

import re
from typing import Annotated

from pydantic import AfterValidator

_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def _check(value: str) -> str:
    match = _CLOCK.match(value)
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(f"{value!r} is not a clock time HH:MM between 00:00 and 24:00")
    return value


Clock = Annotated[str, AfterValidator(_check)]


def clock_s(text: str) -> float:
    """Seconds after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 3600.0 + int(minutes) * 60.0
