"""`ccplan` command line: one sub-module per subcommand, each with `register(subparsers)`.

A subcommand module adds its parser and sets `func(args) -> int` as the default. Its
module top imports only what building the parser needs (no numpy, pandas, scipy, simpy):
the work's modules are imported inside `func`, so `ccplan --help` answers at once.
`main` turns every `InputError` into a one-line message on stderr and exit status 2, so a
person never sees a traceback for input they can fix, and Ctrl-C into one line too.
"""

import argparse
import importlib
import os
import sys

from sim.errors import InputError

# Sub-modules of sim.cli, in the order `ccplan --help` lists them.
COMMAND_MODULES = ["simulate", "erlang", "staff", "roster", "kpi", "summary", "import_data", "experiment"]


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
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `ccplan staff ... | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:  # while modules load, or mid-run: outputs are written atomically
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
