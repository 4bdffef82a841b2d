"""MISO getfuelmix: the recorded (HAND-EDITED) answer, fixed EST, and the current-data-only rules against the
replay server. A user would otherwise see MISO's summer values an hour off (EST read as Eastern prevailing
time), or runs that fail forever instead of saying the interval can no longer be fetched."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridcarbon.errors import MalformedPayloadError, SourceUnavailableError
from gridcarbon.intervals import Window
from gridcarbon.replay import miso as miso_replay
from gridcarbon.sources import miso
from tests.conftest import fixture_path


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_recorded_fuel_mix() -> None:
    """The electricitymaps mock is HAND-EDITED (fake 'Antimatter', TotalMW not the sum): used for shape; the
    Coal row (40384 MW at 04:30 EST = 09:30 UTC) is kept as published, and so is every label."""
    payload = json.loads(fixture_path("miso/miso_getfuelmix_2018-01-25T0430EST.json").read_text())
    records = miso.parse_fuel_mix(payload)
    assert [r.source_label for r in records] == ["Coal", "Natural Gas", "Nuclear", "Wind", "Other", "Antimatter"]
    assert records[0].interval_start_utc == _utc("2018-01-25T09:30")
    assert records[0].generation_mw == Decimal("40384")
    assert {r.interval_minutes for r in records} == {5}


def test_est_all_year() -> None:
    """MISO stamps EST also in summer: 4:30 PM on 2018-07-01 is 21:30 UTC (not 20:30 as EDT would give)."""
    assert miso.parse_interval_est("2018-07-01 4:30:00 PM") == _utc("2018-07-01T21:30")
    assert miso.parse_interval_est("2018-07-01 12:05:00 AM") == _utc("2018-07-01T05:05")


@pytest.mark.parametrize("payload, message", [
    ({"RefId": "x"}, "Fuel.Type"),
    ({"Fuel": {"Type": [{"INTERVALEST": "2018-01-25 4:30:00 AM", "ACT": "1"}]}}, "CATEGORY"),
    ({"Fuel": {"Type": [{"INTERVALEST": "25-Jan-2018", "CATEGORY": "Coal", "ACT": "1"}]}}, "INTERVALEST"),
    ({"Fuel": {"Type": [{"INTERVALEST": "2018-01-25 4:30:00 AM", "CATEGORY": "Coal", "ACT": "n/a"}]}}, "number"),
])
def test_malformed(payload: object, message: str) -> None:
    """A malformed answer raises MalformedPayloadError naming the source."""
    with pytest.raises(MalformedPayloadError, match=message) as err:
        miso.parse_fuel_mix(payload, url="https://api.misoenergy.org/x")
    assert "source=miso" in str(err.value)


def test_old_window_is_skipped_without_a_request() -> None:
    """A run for an interval 1 hour old ends as skipped, saying MISO serves the latest interval only."""
    from airflow.sdk.exceptions import AirflowSkipException

    now = _utc("2025-06-01T12:00")
    with pytest.raises(AirflowSkipException, match="latest 5-minute interval only"):
        miso.extract_and_load(Window(now - timedelta(hours=1), now - timedelta(minutes=55)), conn=object(),
                              session=object(), now=now)


def test_interval_already_replaced_is_skipped(replay_connections: object) -> None:
    """The replay shows the last complete interval L; a run for the interval before L (still recent) is
    skipped because MISO has moved on; a run for the interval after L is not published yet and fails (retry)."""
    from airflow.sdk.exceptions import AirflowSkipException

    latest = miso_replay.latest_interval()
    step = timedelta(minutes=5)
    with pytest.raises(AirflowSkipException, match="can no longer be fetched"):
        miso.extract_and_load(Window(latest - step, latest), conn=object())
    with pytest.raises(SourceUnavailableError, match="not published"):
        miso.extract_and_load(Window(latest + step, latest + 2 * step), conn=object())


def test_replay_snapshot_parses_and_is_deterministic() -> None:
    """The replay's snapshot is in MISO's format and parses back to the interval it was made for."""
    start = _utc("2025-03-01T17:35")
    records = miso.parse_fuel_mix(miso_replay.snapshot(start))
    assert {r.interval_start_utc for r in records} == {start}
    assert miso_replay.snapshot(start) == miso_replay.snapshot(start)
    assert miso_replay.snapshot(start)["RefId"] == "01-Mar-2025 - Interval 12:35 EST"
