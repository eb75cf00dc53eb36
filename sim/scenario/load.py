"""Reading scenarios: TOML → validated `Scenario`, and one-field edits for what-if runs.

Every failure becomes an `InputError` whose lines read `path: value … rule`, the path
written as in the file (`queues[0].arrivals.daily_volume`), so a person can find it.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError
from sim.scenario.model import Scenario

_TAGS = {"exponential", "lognormal", "gamma", "deterministic", "empirical", "none", "int", "list[int]",
         "float", "list[float]", "list[constrained-float]", "constrained-float", "constrained-int",
         "list[constrained-int]"}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{path}: is not valid TOML ({err})") from None
    return parse_scenario(data, source=str(path))


def parse_scenario(data: dict[str, Any], source: str = "scenario") -> Scenario:
    """Validate a scenario given as plain data (as parsed from TOML or JSON)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        first_per_field = {}  # a union field fails once per branch: its first rule is the one to show
        for error in err.errors():
            first_per_field.setdefault(_location(error["loc"]), error)
        problems = [line for e in first_per_field.values() for line in _describe(e)]
        raise InputError(f"{source}: invalid scenario\n  " + "\n  ".join(problems), problems) from None


def with_field(scenario: Scenario, path: str, value: Any) -> Scenario:
    """Return a copy of `scenario` with the field at `path` set to `value`, re-validated.

    `path` is written as in messages: `agent_groups[0].staffing`, `queues[1].handle.mean_s`.
    numpy numbers (an `np.int64` from a sweep grid) count as the Python numbers they hold.
    """
    value = _python_value(value)
    data = scenario.model_dump(mode="json")
    keys = _parse_path(path)
    parent = data
    try:
        for key in keys[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and keys[-1] not in parent:
            raise KeyError(keys[-1])  # a dumped model lists every field, defaults included
        parent[keys[-1]] = value
    except (KeyError, IndexError, TypeError):
        raise InputError(f"{path}: no such field in scenario {scenario.name!r}") from None
    return parse_scenario(data, source=f"{scenario.name} with {path} = {value!r}")


def _python_value(value: Any) -> Any:
    """numpy scalars and arrays as plain Python values (strict validation refuses np.int64)."""
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_python_value(v) for v in value]
    return value


def _parse_path(path: str) -> list[str | int]:
    keys: list[str | int] = []
    for part in path.split("."):
        match = re.fullmatch(r"([A-Za-z_]\w*)((?:\[\d+\])*)", part)
        if not match:
            raise InputError(f"{path}: is not a field path like queues[0].handle.mean_s")
        keys.append(match.group(1))
        keys += [int(i) for i in re.findall(r"\[(\d+)\]", match.group(2))]
    return keys


def _location(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in _TAGS or part.startswith(("function-", "list[", "constrained")):
            continue  # pydantic's name for a union branch, not a field of the file
        else:
            text += f".{part}" if text else part
    return text


def _describe(error: dict) -> list[str]:
    """One readable line per problem: `path: value is not >= 0`."""
    where = _location(error["loc"])
    kind, value = error["type"], error.get("input")
    ctx = {k: _plain(v) for k, v in error.get("ctx", {}).items()}
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"]))
        return [_join(where, line) for line in message.splitlines()]
    rules = {
        "greater_than_equal": lambda: f"{value!r} is not >= {ctx.get('ge')}",
        "greater_than": lambda: f"{value!r} is not > {ctx.get('gt')}",
        "less_than_equal": lambda: f"{value!r} is not <= {ctx.get('le')}",
        "less_than": lambda: f"{value!r} is not < {ctx.get('lt')}",
        "missing": lambda: "is required",
        "extra_forbidden": lambda: _unknown_field(error["loc"]),
        "literal_error": lambda: f"{value!r} is not one of {ctx.get('expected')}",
        "union_tag_invalid": lambda: f"dist {ctx.get('tag')!r} is not one of {ctx.get('expected_tags')}",
        "union_tag_not_found": lambda: "needs a `dist` key (exponential, lognormal, gamma, deterministic, empirical)",
        "too_short": lambda: f"has {ctx.get('actual_length')} item(s); needs at least {ctx.get('min_length')}",
        "string_too_short": lambda: "must not be empty",
        # Strict types: TOML has them, so a quoted "4200" is a typo, not a number.
        "float_type": lambda: f"{value!r} is not a number" + _quoted(value),
        "int_type": lambda: f"{value!r} is not a whole number" + _quoted(value),
        "bool_type": lambda: f"{value!r} is not true or false" + _quoted(value),
        "string_type": lambda: f"{value!r} is not a text (write it in quotes)",
        "list_type": lambda: f"{value!r} is not a list (write it as [a, b, ...])",
    }
    rule = rules.get(kind, lambda: f"{value!r} is invalid: {error['msg'].lower()}")()
    return [f"{where}: {rule}" if where else rule]


def _quoted(value: Any) -> str:
    return " (write it without quotes)" if isinstance(value, str) else ""


def _join(where: str, line: str) -> str:
    """A model rule's line starts with the field it names (`weights: …`), a field rule's does not."""
    if not where:
        return line
    return f"{where}.{line}" if re.match(r"^[\w\[\]\.]+: ", line) else f"{where}: {line}"


def _plain(value: Any) -> Any:
    """1.0 → 1, so a rule reads `is not >= 0` as written in the docs."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _unknown_field(loc: tuple) -> str:
    close = difflib.get_close_matches(str(loc[-1]), _FIELD_NAMES, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"is not a known field{hint}"


def _all_field_names() -> list[str]:
    """Every field name of every scenario model, for "did you mean" hints."""
    from pydantic import BaseModel

    from sim import distributions
    from sim.scenario import behaviours, model

    names = set()
    for module in (model, behaviours, distributions):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                names.update(value.model_fields)
    return sorted(names)


_FIELD_NAMES = _all_field_names()
