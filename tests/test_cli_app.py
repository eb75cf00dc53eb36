"""`ccplan app`: the Streamlit command it starts, and the input it refuses before starting."""

from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def started(monkeypatch):
    """Capture the exec instead of replacing the test process with Streamlit."""
    calls = []
    monkeypatch.setattr("os.execvpe", lambda file, args, env: calls.append((args, env)))
    monkeypatch.chdir(ROOT)
    return calls


def test_starts_streamlit_local_headless_without_statistics(started):
    assert main(["app", "scenarios/omnichannel.toml", "--port", "8600"]) == 0
    (args, env), = started
    command = " ".join(args)
    assert args[1:4] == ["-m", "streamlit", "run"] and args[4].endswith("planner_app/app.py")
    for flag in ("--server.address 127.0.0.1", "--server.port 8600", "--server.headless true",
                 "--browser.gatherUsageStats false", "--server.fileWatcherType none"):
        assert flag in command
    assert env["CCPLAN_APP_SCENARIO"] == str(ROOT / "scenarios" / "omnichannel.toml")


def test_default_port_and_scenario(started, monkeypatch):
    monkeypatch.delenv("CCPLAN_APP_SCENARIO", raising=False)
    assert main(["app"]) == 0
    (args, env), = started
    assert "--server.port 8501" in " ".join(args)
    assert "CCPLAN_APP_SCENARIO" not in env  # the app opens scenarios/default.toml


@pytest.mark.parametrize("argv, message", [
    (["app", "--port", "0"], "--port: 0 is not a port number"),
    (["app", "missing.toml"], "missing.toml: cannot be read"),
])
def test_bad_input_is_refused_before_starting(started, capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err and not started


def test_the_app_opens_the_scenario_it_was_given(monkeypatch):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CCPLAN_APP_SCENARIO", str(ROOT / "scenarios" / "omnichannel.toml"))
    at = AppTest.from_file(str(ROOT / "planner_app" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.session_state["scenario"].name == "Online retailer - phone, chat and e-mail"
