"""`ccplan` command line: one sub-module per subcommand, each with `register(subparsers)`.

A subcommand module adds its parser and sets `func(args) -> int` as the default. `main`
turns every `InputError` into a one-line message on stderr and exit status 2, so a person
never sees a traceback for input they can fix.
"""

import argparse
import importlib
import os
import sys

from sim.errors import InputError

# Sub-modules of sim.cli, in the order `ccplan --help` lists them.
COMMAND_MODULES = ["app", "simulate", "erlang", "staff", "kpi", "summary", "import_data"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccplan",
        description="Contact-center simulation and staffing planner.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"sim.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `ccplan staff ... | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
