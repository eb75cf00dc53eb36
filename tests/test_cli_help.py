"""The command line explains itself: every option has help text, and `ccplan --help`
loads none of the heavy libraries (it answered in 3-7 s when it did)."""

import argparse
import subprocess
import sys

import pytest

from sim.cli import build_parser

HEAVY = ("numpy", "pandas", "scipy", "simpy", "pyarrow", "streamlit", "dask")


def _parsers(parser: argparse.ArgumentParser, path: str = "ccplan"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


PARSERS = list(_parsers(build_parser()))


@pytest.mark.parametrize("path, parser", PARSERS, ids=[p for p, _ in PARSERS])
def test_every_option_and_argument_has_help(path, parser):
    missing = [action.option_strings[0] if action.option_strings else action.dest
               for action in parser._actions
               if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
               and not action.help]
    assert not missing, f"{path}: no help text for {', '.join(missing)}"


@pytest.mark.parametrize("path, parser", PARSERS, ids=[p for p, _ in PARSERS])
def test_every_command_has_a_description(path, parser):
    assert parser.description, f"{path} has no description"


def test_building_the_parser_loads_no_heavy_library():
    code = ("import sys; from sim.cli import build_parser; build_parser(); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "", f"ccplan --help imports {loaded}"
