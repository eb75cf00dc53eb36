"""`ccplan app`: start the Streamlit what-if planner (`planner_app/app.py`) on this machine.

Bound to 127.0.0.1 (the planner is a local tool, not a server), headless, with usage
statistics and the file watcher off. Streamlit is imported only here, inside `run`, and
only through its own command line, so the rest of the CLI works without the `app` extra.
"""

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from sim.errors import InputError

SCENARIO_ENV = "CCPLAN_APP_SCENARIO"  # read by planner_app.state


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "app", help="start the what-if planner in the browser (Streamlit)",
        description="Start the Streamlit what-if planner on http://127.0.0.1:PORT, opened on "
                    "SCENARIO (default: scenarios/default.toml). Stop it with Ctrl-C.")
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO",
                        help="scenario TOML to open first (default: the shipped default)")
    parser.add_argument("--port", type=int, default=8501,
                        help="local port to serve on (default 8501)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port: {args.port} is not a port number (1-65535)")
    if importlib.util.find_spec("streamlit") is None:
        raise InputError("the app needs Streamlit: pip install 'ccplan[app]' (./dev.sh app does it)")
    script = Path(__file__).resolve().parents[2] / "planner_app" / "app.py"
    if not script.is_file():
        raise InputError(f"{script}: the app's files are missing from this installation")
    env = dict(os.environ)
    if args.scenario is not None:
        from sim.scenario import load_scenario  # refuse a bad file here, not in the browser

        load_scenario(args.scenario)
        env[SCENARIO_ENV] = str(Path(args.scenario).resolve())
    command = [sys.executable, "-m", "streamlit", "run", str(script),
               "--server.address", "127.0.0.1", "--server.port", str(args.port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    print(f"ccplan app: http://127.0.0.1:{args.port} (Ctrl-C stops it)", file=sys.stderr)
    os.chdir(script.parent.parent)  # where .streamlit/config.toml lives
    os.execvpe(command[0], command, env)
    return 0  # not reached: exec replaces this process
