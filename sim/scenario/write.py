"""Writing scenarios back to TOML, so an edited what-if can be saved and loaded again.

The file holds every field whose value differs from its default (and every `dist` tag),
in the same layout as the hand-written examples, so `load_scenario(write)` gives back
the same `Scenario`. Comments of the original file are not kept: a writer cannot know
which still apply after an edit.
"""

from __future__ import annotations

from pathlib import Path

import tomli_w

from sim.errors import InputError
from sim.scenario.model import Scenario


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as TOML text that `load_scenario` reads back to an equal `Scenario`."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)  # `dist` tags have no default: kept
    return tomli_w.dumps(_ordered(data), multiline_strings=False)


def write_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write `scenario` to `path` as TOML (the parent directory must exist)."""
    path = Path(path)
    try:
        path.write_text(scenario_to_toml(scenario), encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot be written ({err.strerror})") from None
    return path


def _ordered(data):
    """Plain values before tables, as a person writes TOML, and `dist` first inside a
    distribution, so the file reads top-down like the hand-written examples."""
    if isinstance(data, list):
        return [_ordered(item) for item in data]
    if not isinstance(data, dict):
        return data
    def is_table(value) -> bool:
        return isinstance(value, dict) or (isinstance(value, list) and value
                                           and all(isinstance(v, dict) for v in value))
    keys = sorted(data, key=lambda k: (k != "dist", is_table(data[k])))
    return {k: _ordered(data[k]) for k in keys}
