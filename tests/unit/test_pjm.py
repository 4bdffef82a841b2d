"""PJM Data Miner 2 gen_by_fuel: the recorded answer (../shared/fixtures/pjm), time zones, paging and the key
header against the replay server. A user would otherwise see PJM's hours shifted by 4-5 hours (UTC strings
without offset read as local), or a month of history cut at the first page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import pjm
from gridcarbon.sources.contract import Fetched, NotServed
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_recorded_gen_by_fuel() -> None:
    """22 hours x 10 fuels of 2025-02-09: Coal 16908 MW in the hour starting 00:00 UTC, Wind 1341 MW in the
    hour starting 21:00 UTC; labels kept as PJM writes them; hourly intervals."""
    payload = json.loads(fixture_path("pjm/pjm_gen_by_fuel_utc_2025-02-09.json").read_text())
    records = pjm.parse_gen_by_fuel(payload)
    assert len(records) == pjm.parse_total(payload) == 220
    by_key = {(r.source_label, r.interval_start_utc): r for r in records}
    assert by_key[("Coal", _utc("2025-02-09T00:00"))].generation_mw == Decimal("16908.0")
    assert by_key[("Gas", _utc("2025-02-09T00:00"))].generation_mw == Decimal("47280.0")
    assert by_key[("Wind", _utc("2025-02-09T21:00"))].generation_mw == Decimal("1341.0")
    assert {r.source_label for r in records} == {"Coal", "Gas", "Hydro", "Multiple Fuels", "Nuclear", "Oil",
                                                 "Other Renewables", "Solar", "Storage", "Wind"}
    assert {r.interval_minutes for r in records} == {60}
    assert {r.iso for r in records} == {"pjm"}


def test_eastern_prevailing_time_repeated_autumn_hour() -> None:
    """No recording with datetime_beginning_ept exists; hand-made items: on 2024-11-03 the local hour 01:00
    comes twice (EDT, then EST) and lands on 05:00 and 06:00 UTC."""
    payload = {"items": [
        {"datetime_beginning_ept": "2024-11-03T01:00:00", "fuel_type": "Coal", "mw": 1.0},
        {"datetime_beginning_ept": "2024-11-03T01:00:00", "fuel_type": "Coal", "mw": 2.0},
        {"datetime_beginning_ept": "2024-07-01T12:00:00", "fuel_type": "Coal", "mw": 3.0},
    ], "totalRows": 3}
    starts = [r.interval_start_utc for r in pjm.parse_gen_by_fuel(payload)]
    assert starts == [_utc("2024-11-03T05:00"), _utc("2024-11-03T06:00"), _utc("2024-07-01T16:00")]


@pytest.mark.parametrize("payload, message", [
    ({"links": []}, "items"),
    ({"items": [{"datetime_beginning_utc": "2025-02-09T00:00:00+01:00", "fuel_type": "Coal", "mw": 1}]}, "offset"),
    ({"items": [{"datetime_beginning_utc": "2025-02-09T00:00:00", "mw": 1}]}, "fuel_type"),
    ({"items": [{"datetime_beginning_utc": "yesterday", "fuel_type": "Coal", "mw": 1}]}, "ISO-8601"),
    ({"items": [{"datetime_beginning_utc": "2025-02-09T00:00:00", "fuel_type": "Coal", "mw": "lots"}]}, "number"),
])
def test_malformed_answers(payload: object, message: str) -> None:
    """A malformed answer raises MalformedPayloadError naming source and interval."""
    window = Window(_utc("2025-02-09T00:00"), _utc("2025-02-09T01:00"))
    with pytest.raises(MalformedPayloadError, match=message) as err:
        pjm.parse_gen_by_fuel(payload, url="https://api.pjm.com/api/v1/gen_by_fuel", window=window)
    assert "source=pjm" in str(err.value) and "2025-02-09T00:00:00+00:00" in str(err.value)


def test_range_filter_is_inclusive_of_the_last_hour_only() -> None:
    """[2025-02-09 00:00, 2025-02-10 00:00) asks for the hour starts 00:00..23:00, not 00:00 of the next day."""
    window = Window(_utc("2025-02-09T00:00"), _utc("2025-02-10T00:00"))
    assert pjm.range_filter(window) == "02/09/2025 00:00to02/09/2025 23:59"


def test_paging_and_subscription_key_against_replay(replay_server: object) -> None:
    """Two days (480 rows) paged 100 rows at a time: 5 requests, every row once, each with the key header."""
    requests.delete(replay_server.base_url + "/_requests", timeout=10)  # type: ignore[attr-defined]
    endpoint = Endpoint("pjm", replay_server.source_url("pjm"), password="pjm-key")  # type: ignore[attr-defined]
    window = Window(_utc("2025-02-09T00:00"), _utc("2025-02-11T00:00"))
    records = pjm.fetch_generation(build_session(), endpoint, window, page_rows=100)
    assert len(records) == 480
    assert len({(r.source_label, r.interval_start_utc) for r in records}) == 480
    assert min(r.interval_start_utc for r in records) == window.start
    assert max(r.interval_start_utc for r in records) == _utc("2025-02-10T23:00")
    log = requests.get(replay_server.base_url + "/_requests", timeout=10).json()  # type: ignore[attr-defined]
    assert len([r for r in log if r["source"] == "pjm"]) == 5
    bad = Endpoint("pjm", replay_server.source_url("pjm"), password="invalid")  # type: ignore[attr-defined]
    with pytest.raises(SourceAuthError, match="invalid subscription key"):
        pjm.fetch_generation(build_session(), bad, window)


def test_window_before_the_oldest_day_is_not_served() -> None:
    """A run for 2015 (before Data Miner's gen_by_fuel history) is ``NotServed`` with the reason, without a
    request."""
    session = FakeSession({})
    answer = pjm.fetch(session, endpoint("pjm", pjm.DEFAULT_BASE_URL),
                       Window(_utc("2015-06-01T00:00"), _utc("2015-06-01T01:00")), pjm.Settings())
    assert isinstance(answer, NotServed) and "gen_by_fuel from 2016-01-01 only" in answer.reason
    assert session.requests == []


def test_fetch_with_plain_values_on_the_recorded_answer() -> None:
    """``fetch`` with a fake session answering the recorded 2025-02-09 day and settings as values (no look-back):
    an hourly run at :10 loads the hour that ended, with the key header; Coal 16908 MW at 00:00Z."""
    session = FakeSession({"/gen_by_fuel": fixture_path("pjm/pjm_gen_by_fuel_utc_2025-02-09.json")})
    run = Window(_utc("2025-02-09T00:10"), _utc("2025-02-09T01:10"))
    answer = pjm.fetch(session, endpoint("pjm", "https://mirror.example/api/v1", password="the-key"), run,
                       pjm.Settings(lookback=timedelta(0)))
    assert isinstance(answer, Fetched)
    assert answer.window == Window(_utc("2025-02-09T00:00"), _utc("2025-02-09T01:00"))
    (_, url, sent), = session.requests
    assert url == "https://mirror.example/api/v1/gen_by_fuel"
    assert sent["headers"] == {"Ocp-Apim-Subscription-Key": "the-key"}
    assert sent["params"]["datetime_beginning_utc"] == "02/09/2025 00:00to02/09/2025 00:59"
    assert {(r.source_label, r.generation_mw) for r in answer.records} >= {("Coal", Decimal("16908.0"))}
    assert {r.interval_start_utc for r in answer.records} == {_utc("2025-02-09T00:00")}


def test_settings_from_the_environment() -> None:
    settings = pjm.Settings.from_env(Environment({"PJM_LOOKBACK_HOURS": "0", "PJM_OLDEST_DAY": "2020-01-01"}))
    assert (settings.lookback, settings.oldest_day) == (timedelta(0), date(2020, 1, 1))
    with pytest.raises(ValueError, match="PJM_LOOKBACK_HOURS"):
        pjm.Settings.from_env(Environment({"PJM_LOOKBACK_HOURS": "-1"}))
