"""A log written with write_log and read back with read_log scores like the one in memory."""

import pandas as pd
import pytest

from sim.interaction_log import read_log, write_log
from sim.kpis import score, score_by
from test_kpi_fixtures import contacts_frame, small_log


def _log_with_extras():
    contacts = contacts_frame()
    contacts["churned"] = pd.array([None] * 3 + [True] + [None] * 7, dtype="boolean")
    contacts["qa_score"] = [80.0, 90.0] + [float("nan")] * 9
    return small_log(contacts, start_date="2026-01-05")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_scores_identically(tmp_path, fmt):
    log = _log_with_extras()
    back = read_log(write_log(log, tmp_path / "log", fmt))
    assert score(back).values() == score(log).values()
    for by in ("interval", "queue", ["day", "agent_group"]):
        pd.testing.assert_frame_equal(score_by(back, by), score_by(log, by))
