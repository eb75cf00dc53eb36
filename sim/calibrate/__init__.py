"""From a log to a scenario that reproduces it, and the check that it does (#15).

    from sim.calibrate import calibrate, scenario_toml, backtest
    result = calibrate(read_log("runs/real"))
    Path("calibrated.toml").write_text(scenario_toml(result))
    check = backtest(read_log("runs/real"), load_scenario("calibrated.toml"), reps=20)

Sits above the simulator, the KPI engine and the importers; imports from all three.
"""

from sim.calibrate.backtest import Backtest, backtest
from sim.calibrate.estimate import Calibration, calibrate
from sim.calibrate.write import CAVEAT, scenario_toml

__all__ = ["CAVEAT", "Backtest", "Calibration", "backtest", "calibrate", "scenario_toml"]
