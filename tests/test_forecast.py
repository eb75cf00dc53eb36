"""Forecast CSV contract: parsing, interval inference, every bad row reported."""

import numpy as np
import pytest

from sim.errors import InputError
from sim.staffing.forecast import forecast_from_arrays, read_forecast

COLUMNS = ["queue", "interval_start", "start_s", "interval_s", "calls", "aht_s"]


def write(tmp_path, text):
    path = tmp_path / "forecast.csv"
    path.write_text(text)
    return path


def test_reads_the_example_day():
    f = read_forecast("examples/forecast_day.csv")
    assert list(f.columns) == COLUMNS and len(f) == 24
    assert f["interval_s"].unique().tolist() == [1800.0]
    assert f["start_s"].iloc[0] == 8 * 3600 and f["interval_start"].iloc[-1] == "19:30"
    assert (f["calls"] >= 0).all() and (f["aht_s"] > 0).all()


def test_iso_datetimes_and_queues_sorted_with_inferred_interval(tmp_path):
    path = write(tmp_path, "interval_start,queue,calls,aht_s\n"
                           "2026-01-06T00:15,a,5,300\n2026-01-05T23:45,a,4,300\n"
                           "2026-01-05T23:45,b,1,100\n2026-01-06T00:00,a,3,300\n"
                           "2026-01-06T00:00,b,2,100\n")
    f = read_forecast(path)
    assert f["queue"].tolist() == ["a", "a", "a", "b", "b"]
    assert f["interval_start"].tolist()[:2] == ["2026-01-05T23:45", "2026-01-06T00:00"]
    assert f["start_s"].tolist()[:3] == [85500.0, 86400.0, 87300.0]
    assert f["interval_s"].unique().tolist() == [900.0]


def test_every_bad_row_is_reported_with_its_number_and_reason(tmp_path):
    path = write(tmp_path, "interval_start,calls,aht_s\n"
                           "08:00,10,300\n08:30,-3,300\n09:00,12,0\n25:00,1,300\n"
                           "09:30,abc,300\n08:00,5,300\n10:00,7,\n10:30,0,\n")
    with pytest.raises(InputError) as err:
        read_forecast(path)
    problems = err.value.problems
    expected = ["row 3: calls: -3 is not a finite number >= 0",
                "row 4: aht_s: 0 is not > 0 (calls > 0)",
                "row 5: interval_start: '25:00' is not a time of day HH:MM",
                "row 6: calls: 'abc' is not a number",
                "row 7: interval_start: repeats row 2",
                "row 8: aht_s: missing is not > 0 (calls > 0)"]
    assert sorted(problems) == sorted(expected)  # row 9: blank AHT with no calls is fine
    assert all(p in str(err.value) for p in expected)


def test_interval_given_overrides_and_overlaps_are_rejected(tmp_path):
    path = write(tmp_path, "interval_start,calls,aht_s\n08:00,1,300\n09:00,2,300\n")
    assert read_forecast(path)["interval_s"].tolist() == [3600.0, 3600.0]
    assert read_forecast(path, interval_min=30)["interval_s"].tolist() == [1800.0, 1800.0]
    with pytest.raises(InputError, match="60 min apart overlap 90-min intervals"):
        read_forecast(path, interval_min=90)


@pytest.mark.parametrize("text, message", [
    ("interval_start,calls\n08:00,1\n", "lacks column\\(s\\) aht_s"),
    ("interval_start,calls,aht_s\n08:00,1,300\n", "cannot infer the interval length"),
    ("interval_start,calls,aht_s\nMonday,1,300\n2026-01-05T08:00,1,300\n",
     "row 2: interval_start: 'Monday' is not an ISO 8601 datetime"),
    ("queue,interval_start,calls,aht_s\na,08:00,1,300\na,08:30,1,300\n"
     "b,08:00,1,300\nb,09:00,1,300\n", "queues are spaced differently"),
])
def test_unusable_files_raise(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        read_forecast(write(tmp_path, text))


def test_missing_file_raises(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_forecast(tmp_path / "nope.csv")


def test_arrays_give_the_same_frame_as_the_csv():
    csv = read_forecast("examples/forecast_day.csv")
    arrays = forecast_from_arrays(csv["start_s"], csv["calls"], csv["aht_s"], 1800)
    assert arrays.equals(csv)


def test_arrays_are_checked_per_interval():
    with pytest.raises(InputError) as err:
        forecast_from_arrays([0, 900, 1800], [1, -1, np.nan], [300, 300, 300], 900)
    assert err.value.problems == ["interval 2: calls: nan is not a number",
                                  "interval 1: calls: -1 is not a finite number >= 0"]


def test_rows_of_mixed_interval_lengths_are_refused(tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("interval_start,calls,aht_s\n08:00,10,200\n08:30,12,200\n09:00,11,200\n09:15,9,200\n")
    with pytest.raises(InputError, match="rows are 15, 30 min apart; every row must be one interval"):
        read_forecast(mixed)
    left_out = tmp_path / "left_out.csv"  # 09:00 missing: a gap of two intervals is fine
    left_out.write_text("interval_start,calls,aht_s\n08:00,10,200\n08:30,12,200\n09:30,11,200\n10:00,3,200\n")
    assert (read_forecast(left_out)["interval_s"] == 1800).all()


def test_a_forecast_path_that_cannot_be_read_is_named(tmp_path):
    with pytest.raises(InputError, match="cannot be read"):
        read_forecast(tmp_path)  # a directory
