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
from gridcarbon.sources import miso, runner
from gridcarbon.sources.contract import Fetched, NotServed
from gridcarbon.sources.registry import source
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


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


def test_old_window_is_not_served_without_a_request() -> None:
    """A run for an interval 1 hour old is ``NotServed``, saying MISO serves the latest interval only."""
    now = _utc("2025-06-01T12:00")
    session = FakeSession({})
    answer = miso.fetch(session, endpoint("miso", miso.DEFAULT_BASE_URL),
                        Window(now - timedelta(hours=1), now - timedelta(minutes=55)), miso.Settings(now=now))
    assert isinstance(answer, NotServed) and "latest 5-minute interval only" in answer.reason
    assert session.requests == []


def test_fetch_with_plain_values_on_the_recorded_snapshot() -> None:
    """``fetch`` with a fake session answering the recorded snapshot (04:30 EST = 09:30Z) and settings as values:
    the snapshot's interval is inside the window, so its six categories replace exactly that interval."""
    session = FakeSession({"MISORTWDDataBroker/DataBrokerServices.asmx":
                           fixture_path("miso/miso_getfuelmix_2018-01-25T0430EST.json")})
    window = Window(_utc("2018-01-25T09:30"), _utc("2018-01-25T09:35"))
    answer = miso.fetch(session, endpoint("miso", "https://mirror.example"), window,
                        miso.Settings(now=_utc("2018-01-25T09:36")))
    assert isinstance(answer, Fetched) and answer.window == window
    assert session.urls == ["https://mirror.example/MISORTWDDataBroker/DataBrokerServices.asmx"]
    assert session.requests[0][2]["params"] == miso.PARAMS
    assert (answer.records[0].source_label, answer.records[0].generation_mw) == ("Coal", Decimal("40384"))
    assert len(answer.records) == 6


def test_interval_already_replaced_is_not_served(replay_connections: object) -> None:
    """Through the task path without Airflow (``runner.extract_load``) against the replay, which shows the last
    complete interval L: a run for the interval before L (still recent) is ``NotServed`` because MISO has moved
    on, writing nothing (``conn`` is never used); a run for the interval after L is not published yet and fails
    (retry)."""
    latest = miso_replay.latest_interval()
    step = timedelta(minutes=5)
    answer = runner.extract_load(source("miso"), Window(latest - step, latest), conn=object())
    assert isinstance(answer, NotServed) and "can no longer be fetched" in answer.reason
    with pytest.raises(SourceUnavailableError, match="not published"):
        runner.extract_load(source("miso"), Window(latest + step, latest + 2 * step), conn=object())


def test_replay_snapshot_parses_and_is_deterministic() -> None:
    """The replay's snapshot is in MISO's format and parses back to the interval it was made for."""
    start = _utc("2025-03-01T17:35")
    records = miso.parse_fuel_mix(miso_replay.snapshot(start))
    assert {r.interval_start_utc for r in records} == {start}
    assert miso_replay.snapshot(start) == miso_replay.snapshot(start)
    assert miso_replay.snapshot(start)["RefId"] == "01-Mar-2025 - Interval 12:35 EST"
