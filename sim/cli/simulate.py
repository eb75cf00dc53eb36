"""`ccplan simulate`: run a scenario and write its interaction log."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sim.log_schema import FORMATS

if TYPE_CHECKING:
    from sim.interaction_log import InteractionLog
    from sim.scenario import Scenario


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a scenario and write its interaction log",
        description="Simulate SCENARIO and write DIR/contacts.<format> and DIR/agent_states.<format> "
        "(plus meta.json). Files appear only once the run is complete.",
    )
    add_run_arguments(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="file format (default parquet)")
    parser.set_defaults(func=run)


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """SCENARIO, --seed and --quiet: what every command that simulates takes."""
    parser.add_argument("scenario", help="scenario TOML file")
    parser.add_argument("--seed", type=seed_value, help="random seed (default: the scenario's seed)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--allow-large", action="store_true",
                        help="run even when the estimated memory exceeds what this machine has "
                        "available (refused by default, with the estimate)")


def simulate_file(args: argparse.Namespace) -> tuple[Scenario, InteractionLog]:
    """Load the scenario file and simulate it in memory, with a progress bar on a terminal."""
    from sim.engine import simulate
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    with _progress_bar(args) as progress:
        log = simulate(scenario, seed=args.seed, allow_large=args.allow_large, progress=progress)
    return scenario, log


@contextmanager
def _progress_bar(args: argparse.Namespace):
    """A progress(fraction) callback drawing a bar on a terminal (none with --quiet)."""
    from tqdm import tqdm

    with tqdm(total=100, unit="%", desc="simulating", disable=args.quiet or None, leave=False) as bar:
        yield lambda fraction: bar.update(round(100 * fraction) - bar.n)


def run(args: argparse.Namespace) -> int:
    """Stream the log to disk as the run goes (memory stays flat in the horizon)."""
    from sim.engine import simulate_to
    from sim.interaction_log import check_writable
    from sim.scenario import load_scenario

    check_writable(args.out)  # refuse before a long run, not after it
    scenario = load_scenario(args.scenario)
    with _progress_bar(args) as progress:
        written = simulate_to(scenario, args.out, args.format, seed=args.seed,
                              allow_large=args.allow_large, progress=progress)
    outcomes = ", ".join(f"{n:,} {label}" for label, n in written.outcomes.most_common())
    print(f"wrote {args.out}: {written.contacts:,} contacts ({outcomes}), "
          f"{written.spells:,} agent-state spells")
    return 0


def seed_value(text: str) -> int:
    """argparse type: a seed is a whole number >= 0."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if seed < 0:
        raise argparse.ArgumentTypeError(f"{seed} is not >= 0")
    return seed
