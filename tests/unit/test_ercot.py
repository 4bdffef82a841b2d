"""ERCOT dashboard fuel mix: the 2024 and 2025 recordings (../shared/fixtures/ercot), the 2023 layout without
offsets (no recording: hand-made), the yesterday/today rule. A user would otherwise see ERCOT's 5-minute
values an hour off after a DST change, or a silently half-empty day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.sources import ercot
from gridcarbon.sources.contract import Fetched, NothingToLoad, NotServed
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _by_key(records: list) -> dict:
    return {(r.source_label, r.interval_start_utc): r.generation_mw for r in records}


def test_2025_layout_cdt() -> None:
    """2025-10-08 (CDT, -0500): the interval stamped 00:04:56-0500 starts 05:00 UTC, coal+lignite 10519.19 MW;
    the last stamp 2025-10-09 06:44:56-0500 is the interval 11:40-11:45 UTC; 369 intervals x 8 fuels."""
    records = ercot.parse_fuel_mix(fixture_path("ercot/ercot_fuel-mix_2025-10-08.json").read_bytes())
    assert len(records) == 369 * 8
    values = _by_key(records)
    assert values[("Coal and Lignite", _utc("2025-10-08T05:00"))] == Decimal("10519.1865234375")
    assert values[("Wind", _utc("2025-10-08T05:00"))] == Decimal("9569.0673828125")
    assert max(r.interval_start_utc for r in records) == _utc("2025-10-09T11:40")
    assert {r.interval_minutes for r in records} == {5}


def test_2024_layout_cst_with_hsl_and_capacity() -> None:
    """2024-11-23 (CST, -0600; per fuel gen/hsl/seasonalCapacity): the first interval starts 06:00 UTC, wind
    22092.3 MW, coal+lignite 5248 MW (gen, not hsl); the last 08:09:57-0600 stamp is 14:05-14:10 UTC."""
    records = ercot.parse_fuel_mix(fixture_path("ercot/ercot_fuel-mix_2024-11-23.json").read_bytes())
    assert len(records) == 386 * 8
    values = _by_key(records)
    assert values[("Wind", _utc("2024-11-23T06:00"))] == Decimal("22092.3")
    assert values[("Coal and Lignite", _utc("2024-11-23T06:00"))] == Decimal("5248")
    assert max(r.interval_start_utc for r in records) == _utc("2024-11-24T14:05")
    assert {r.source_label for r in records} == {"Coal and Lignite", "Hydro", "Natural Gas", "Nuclear", "Other",
                                                 "Power Storage", "Solar", "Wind"}


def test_2023_layout_without_offset_keeps_the_repeated_autumn_hour() -> None:
    """No 2023 recording exists; hand-made in the 2023 layout (local Central time without offset, gen/hsl):
    on 2023-11-05 the stamp 01:04:57 appears twice (CDT then CST): 06:00 and 07:00 UTC, both kept."""
    text = ('{"lastUpdated":"2023-11-05 02:00:00","types":["Wind"],"data":{"2023-11-05":{'
            '"2023-11-05 01:04:57":{"Wind":{"gen":100.5,"hsl":120}},'
            '"2023-11-05 01:04:57":{"Wind":{"gen":200.5,"hsl":220}},'
            '"2023-11-05 02:04:57":{"Wind":{"gen":300,"hsl":320}}}}}')
    records = ercot.parse_fuel_mix(text)
    assert [(r.interval_start_utc, r.generation_mw) for r in records] == [
        (_utc("2023-11-05T06:00"), Decimal("100.5")),
        (_utc("2023-11-05T07:00"), Decimal("200.5")),
        (_utc("2023-11-05T08:00"), Decimal("300")),
    ]
    summer = ercot.parse_fuel_mix('{"data":{"2023-07-01":{"2023-07-01 12:04:57":{"Solar":{"gen":1,"hsl":2}}}}}')
    assert summer[0].interval_start_utc == _utc("2023-07-01T17:00")


def test_interval_start_from_stamp() -> None:
    """Stamps a few seconds before or after the boundary belong to the interval ending at that boundary."""
    for stamp in ("2025-10-08 00:04:56-0500", "2025-10-08 00:05:00-0500", "2025-10-08 00:05:02-0500"):
        assert ercot.interval_start(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S%z")) == _utc("2025-10-08T05:00")


@pytest.mark.parametrize("text, message", [
    ('{"lastUpdated": 1}', "'data'"),
    ('{"data": {"2025-10-08": {"08.10.2025 00:04": {"Wind": {"gen": 1}}}}}', "timestamp"),
    ('{"data": {"2025-10-08": {"2025-10-08 00:04:56-0500": {"Wind": {"gen": "x"}}}}}', "not a number"),
    ("<html>maintenance</html>", "not valid JSON"),
])
def test_malformed(text: str, message: str) -> None:
    """A malformed answer raises MalformedPayloadError naming the source."""
    with pytest.raises(MalformedPayloadError, match=message) as err:
        ercot.parse_fuel_mix(text, url="https://www.ercot.com/x")
    assert "source=ercot" in str(err.value)


def test_served_range_is_yesterday_and_today_central() -> None:
    """At 06:46 CDT on 2025-10-09 the dashboard starts at 2025-10-08 00:00 CDT = 05:00 UTC."""
    assert ercot.oldest_served(_utc("2025-10-09T11:46")) == _utc("2025-10-08T05:00")
    assert ercot.oldest_served(_utc("2025-01-15T03:00")) == _utc("2025-01-13T06:00")  # 21:00 CST on the 14th


def test_old_window_is_not_served() -> None:
    """A run for a day the dashboard no longer covers is ``NotServed``, explaining why (the DAG layer skips it);
    nothing is requested."""
    session = FakeSession({})
    answer = ercot.fetch(session, endpoint("ercot", ercot.DEFAULT_BASE_URL),
                         Window(_utc("2025-10-01T06:00"), _utc("2025-10-02T06:00")),
                         ercot.Settings(now=_utc("2025-10-09T11:46")))
    assert isinstance(answer, NotServed)
    assert "yesterday and today" in answer.reason and "writes nothing" in answer.reason
    assert session.requests == []


def test_fetch_with_plain_values_on_the_recorded_dashboard() -> None:
    """``fetch`` with a fake session answering the recorded 2025-10-08 dashboard and settings as values: the run's
    three hours plus a one-hour look-back, from the connection's base URL; coal+lignite 10519.19 MW at 05:00Z."""
    session = FakeSession({"/api/1/services/read/dashboards/fuel-mix.json":
                           fixture_path("ercot/ercot_fuel-mix_2025-10-08.json")})
    settings = ercot.Settings(now=_utc("2025-10-09T11:46"), lookback=timedelta(hours=1))
    answer = ercot.fetch(session, endpoint("ercot", "https://mirror.example"),
                         Window(_utc("2025-10-08T06:00"), _utc("2025-10-08T09:00")), settings)
    assert isinstance(answer, Fetched) and answer.window == Window(_utc("2025-10-08T05:00"), _utc("2025-10-08T09:00"))
    assert session.urls == ["https://mirror.example/api/1/services/read/dashboards/fuel-mix.json"]
    assert len(answer.records) == 48 * 8
    assert _by_key(answer.records)[("Coal and Lignite", _utc("2025-10-08T05:00"))] == Decimal("10519.1865234375")


def test_a_window_without_a_whole_interval_loads_nothing() -> None:
    answer = ercot.fetch(FakeSession({}), endpoint("ercot", ercot.DEFAULT_BASE_URL),
                         Window(_utc("2025-10-08T06:01"), _utc("2025-10-08T06:04")), ercot.Settings())
    assert isinstance(answer, NothingToLoad)
