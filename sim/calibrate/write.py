"""The calibrated scenario as TOML, its estimates and caveats as comments above it.

`tomli-w` writes the data; the comments are prepended as text. Caveat lines start with
CAVEAT so `ccplan backtest` can name the least certain inputs when the fit is off.
"""

from __future__ import annotations

import re
import textwrap

from sim.calibrate.estimate import Calibration

CAVEAT = "# caveat: "


def scenario_toml(result: Calibration) -> str:
    import tomli_w

    lines = ["# Scenario calibrated by `ccplan calibrate` from an interaction log.",
             "# Every estimate with its sample size:"]
    for note in result.notes:
        lines += textwrap.wrap(note, 88, initial_indent="# - ", subsequent_indent="#   ")
    if result.caveats:
        lines.append("# Least certain inputs (named by `ccplan backtest` when it is off):")
        lines += [CAVEAT + caveat for caveat in result.caveats]
    return "\n".join(lines) + "\n\n" + _inline_arrays(tomli_w.dumps(result.scenario))


_ARRAY = re.compile(r"^(\w+) = \[\n((?:    [^\n\[\]{}]+,\n)+)\]$", re.MULTILINE)


def _inline_arrays(text: str) -> str:
    """tomli-w writes one value per line; a planner reads a profile better as a block."""
    def inline(match: re.Match) -> str:
        items = [line.strip() for line in match[2].splitlines()]
        body = ", ".join(item.rstrip(",") for item in items)
        wrapped = textwrap.wrap(body, 84, initial_indent="", subsequent_indent="    ",
                                break_on_hyphens=False)
        return f"{match[1]} = [" + "\n".join(wrapped) + "]"

    return _ARRAY.sub(inline, text)
