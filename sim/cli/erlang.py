"""`ccplan erlang`: the measures of one staffing level, as an Erlang C / Erlang A calculator."""

import argparse
import json
import math


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "erlang",
        help="service level, ASA, abandonment and occupancy for N agents",
        description="Erlang C (or Erlang A with --patience-s) measures for one staffing level.",
    )
    parser.add_argument("--calls-per-hour", type=float, required=True,
                        help="offered contacts per hour (arrival rate)")
    parser.add_argument("--aht-s", type=float, required=True,
                        help="mean handle time, s (talk + hold + after-contact work)")
    parser.add_argument("--agents", type=int, required=True,
                        help="agents available to take contacts (after shrinkage)")
    parser.add_argument("--threshold-s", type=float, required=True,
                        help="service-level threshold T, s")
    parser.add_argument("--patience-s", type=float,
                        help="mean caller patience, s (exponential): Erlang A")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.staffing.erlang import measures

    m = measures(args.calls_per_hour, args.aht_s, args.agents, args.threshold_s,
                 args.patience_s)
    print_measures({name: float(value) for name, value in m.as_dict().items()}, args.json)
    return 0


def print_measures(values: dict[str, float], as_json: bool) -> None:
    """Print name/value pairs as aligned text or as one JSON object (inf becomes null)."""
    if as_json:
        print(json.dumps({k: (v if math.isfinite(v) else None) for k, v in values.items()}))
        return
    width = max(map(len, values))
    for name, value in values.items():
        text = f"{value:d}" if isinstance(value, int) else f"{value:.6g}"
        print(f"{name:<{width}}  {text}")
