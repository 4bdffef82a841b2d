"""ISO-NE genfuelmix parser on the recorded 2024-11-03 (autumn DST) day and the recorded current snapshot.

What a user would otherwise see: the repeated 01:xx hour collapsed (offsets ignored), or load failures from
duplicate keys on the DST day."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from gridcarbon.errors import MalformedPayloadError, SourceAuthError
from gridcarbon.intervals import Window
from gridcarbon.sources import isone
from gridcarbon.sources.contract import Fetched
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint


def _by(records, label, ts):
    hits = [r for r in records if r.source_label == label and r.interval_start_utc == ts]
    assert len(hits) == 1, (label, ts, hits)
    return hits[0]


def test_day_2024_11_03_both_offsets_distinct_utc_instants() -> None:
    """01:08:00-04:00 (EDT) and 01:07:58-05:00 (EST) are an hour apart in UTC; all 249 stamps stay distinct."""
    payload = json.loads(fixture_path("isone/isone_genfuelmix_day_20241103.json").read_text())
    records = isone.parse_genfuelmix(payload)
    assert len(records) == 2154
    stamps = sorted({r.interval_start_utc for r in records})
    assert len(stamps) == 249
    assert stamps[0] == datetime(2024, 11, 3, 4, 8, 35, tzinfo=UTC)
    assert stamps[-1] == datetime(2024, 11, 4, 4, 58, 37, tzinfo=UTC)
    edt = datetime(2024, 11, 3, 5, 8, tzinfo=UTC)  # 01:08:00-04:00
    est = datetime(2024, 11, 3, 6, 7, 58, tzinfo=UTC)  # 01:07:58-05:00
    assert edt in stamps and est in stamps
    first = _by(records, "Hydro", datetime(2024, 11, 3, 4, 8, 35, tzinfo=UTC))
    assert first.generation_mw == 252
    assert _by(records, "Natural Gas", datetime(2024, 11, 3, 4, 8, 35, tzinfo=UTC)).generation_mw == 7129
    # interval length = gap to the next stamp; the last stamp of the day gets the nominal 5
    gap = (stamps[1] - stamps[0]).total_seconds() / 60
    assert first.interval_minutes == max(1, round(gap))
    assert {r.interval_minutes for r in records if r.interval_start_utc == stamps[-1]} == {5}


def test_current_snapshot() -> None:
    """/genfuelmix/current: one stamp 2024-11-25T16:07:59-05:00 with 9 fuels, e.g. Wind 637 MW."""
    payload = json.loads(fixture_path("isone/isone_genfuelmix_current.json").read_text())
    records = isone.parse_genfuelmix(payload)
    assert len(records) == 9
    ts = datetime(2024, 11, 25, 21, 7, 59, tzinfo=UTC)
    assert _by(records, "Wind", ts).generation_mw == 637
    assert _by(records, "Oil", ts).generation_mw == 22
    assert {r.interval_minutes for r in records} == {5}


def test_empty_day_and_single_element() -> None:
    """A day without data ({"GenFuelMixes": ""}) gives no rows; a single element not wrapped in a list parses."""
    assert isone.parse_genfuelmix({"GenFuelMixes": ""}) == []
    one = {"GenFuelMixes": {"GenFuelMix": {"BeginDate": "2024-07-01T00:00:00.000-04:00", "GenMw": 5,
                                           "FuelCategory": "Solar"}}}
    (record,) = isone.parse_genfuelmix(one)
    assert record.interval_start_utc == datetime(2024, 7, 1, 4, tzinfo=UTC)


def test_malformed_answer_names_source_and_url() -> None:
    """An error object or a stamp without offset fails with MalformedPayloadError naming source and URL."""
    url = "https://webservices.iso-ne.com/api/v1.1/genfuelmix/day/20241103"
    with pytest.raises(MalformedPayloadError, match=r"no GenFuelMixes.*source=isone url=https://webservices"):
        isone.parse_genfuelmix({"error": "x"}, url=url)
    bad = {"GenFuelMixes": {"GenFuelMix": [{"BeginDate": "2024-11-03T00:08:35", "GenMw": 1, "FuelCategory": "X"}]}}
    with pytest.raises(MalformedPayloadError, match="without offset"):
        isone.parse_genfuelmix(bad, url=url)


def test_fetch_with_plain_values_on_the_recorded_day() -> None:
    """``fetch`` with a fake session answering the recorded 2024-11-03 day, the credential from the endpoint (HTTP
    basic auth) and settings as values: the Eastern day (25 hours) in one request, Hydro 252 MW at 04:08:35Z."""
    window = Window(datetime(2024, 11, 3, 4, tzinfo=UTC), datetime(2024, 11, 4, 5, tzinfo=UTC))
    session = FakeSession({"/genfuelmix/day/20241103": fixture_path("isone/isone_genfuelmix_day_20241103.json")})
    where = endpoint("isone", "https://mirror.example/api/v1.1", login="me", password="secret")
    answer = isone.fetch(session, where, window, isone.Settings(now=datetime(2025, 1, 1, tzinfo=UTC)))
    assert isinstance(answer, Fetched) and answer.window == window
    (_, url, sent), = session.requests
    assert url == "https://mirror.example/api/v1.1/genfuelmix/day/20241103" and sent["auth"] == ("me", "secret")
    assert len(answer.records) == 2154
    assert _by(answer.records, "Hydro", datetime(2024, 11, 3, 4, 8, 35, tzinfo=UTC)).generation_mw == 252


def test_fetch_without_a_credential_is_an_auth_error_before_any_request() -> None:
    session = FakeSession({})
    window = Window(datetime(2024, 11, 3, 4, tzinfo=UTC), datetime(2024, 11, 4, 5, tzinfo=UTC))
    with pytest.raises(SourceAuthError, match="ISO Express account"):
        isone.fetch(session, endpoint("isone", isone.DEFAULT_BASE_URL), window, isone.Settings())
    assert session.requests == []
