"""The SMARD replay handler: the real URL layout and wire format, recorded payloads where they exist,
deterministic synthetic weeks elsewhere (DST weeks, PV at night, nuclear after shutdown, control areas that
sum to DE, hour = sum of quarter hours), and 404 for combinations SMARD does not have.

What a user would see if these failed: the demo and the DAG tests exercising a fake API that differs from
SMARD (so real runs break), or test data with DST gaps and impossible values.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from gridcarbon.replay import smard as replay
from gridcarbon.replay.core import SYNTHETIC_HEADER, ReplayRequest
from tests.conftest import fixture_path

NOW = "2025-11-20T12:00:00+00:00"


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARD_REPLAY_NOW", NOW)


def _get(path: str) -> tuple[int, dict | None, dict[str, str]]:
    resp = replay.handle(ReplayRequest("GET", path))
    body = json.loads(resp.body) if resp.status == 200 else None
    return resp.status, body, resp.headers


def _block(filter_id: int, region: str, resolution: str, ts: int) -> tuple[int, dict | None, dict[str, str]]:
    return _get(f"/app/chart_data/{filter_id}/{region}/{filter_id}_{region}_{resolution}_{ts}.json")


def _monday(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=replay.BERLIN).timestamp() * 1000)


def test_index_lists_berlin_mondays_up_to_now() -> None:
    """The hourly index starts 2014-12-29 00:00 CET (1419807600000), the quarter-hour one 2018-10-01; the
    last block is the week containing "now" (2025-11-17)."""
    status, body, headers = _get("/app/chart_data/4067/DE/index_hour.json")
    assert status == 200 and headers.get(SYNTHETIC_HEADER) == "true"
    stamps = body["timestamps"]
    assert stamps[0] == 1419807600000
    assert stamps[-1] == _monday(date(2025, 11, 17))
    for ts in stamps:
        local = datetime.fromtimestamp(ts / 1000, tz=UTC).astimezone(replay.BERLIN)
        assert (local.weekday(), local.hour, local.minute) == (0, 0, 0)
    _, qh, _ = _get("/app/chart_data/4067/DE/index_quarterhour.json")
    assert qh["timestamps"][0] == _monday(date(2018, 10, 1))


@pytest.mark.parametrize(("monday", "quarter_hours"), [(date(2025, 3, 24), 668), (date(2025, 10, 20), 676),
                                                      (date(2025, 6, 9), 672)])
def test_dst_weeks_have_668_and_676_quarter_hours(monday: date, quarter_hours: int) -> None:
    """The weeks containing 2025-03-30 and 2025-10-26 are 167 h and 169 h long: no duplicate, no gap."""
    status, body, headers = _block(410, "DE", "quarterhour", _monday(monday))
    assert status == 200 and headers.get(SYNTHETIC_HEADER) == "true"
    stamps = [p[0] for p in body["series"]]
    assert len(stamps) == quarter_hours == len(set(stamps))
    assert all(b - a == 900_000 for a, b in pairwise(stamps))
    _, hourly, _ = _block(410, "DE", "hour", _monday(monday))
    assert len(hourly["series"]) == quarter_hours // 4


def test_real_wire_format_is_compact_json() -> None:
    """Exactly SMARD's shape: {"meta_data":{"version":1,"created":ms},"series":[[ms,value],...]}."""
    path = f"/app/chart_data/4068/DE/4068_DE_quarterhour_{_monday(date(2025, 6, 9))}.json"
    resp = replay.handle(ReplayRequest("GET", path))
    assert resp.body.startswith(b'{"meta_data":{"version":1,"created":')
    assert b", " not in resp.body
    body = json.loads(resp.body)
    assert set(body) == {"meta_data", "series"}


def test_deterministic() -> None:
    """The same request gives the same bytes (tests and the demo are reproducible)."""
    path = f"/app/chart_data/4067/TenneT/4067_TenneT_quarterhour_{_monday(date(2025, 2, 3))}.json"
    assert replay.handle(ReplayRequest("GET", path)).body == replay.handle(ReplayRequest("GET", path)).body


def test_realistic_magnitudes_and_shapes() -> None:
    """MWh per quarter hour for DE: PV 0.0 at night, lignite 1.5-4 GWh, load 9-19 GWh, nuclear 0.0 after
    2023-04-15 and ~1 GWh before; prices in EUR/MWh with some negative quarter hours in a sunny week."""
    june = _monday(date(2025, 6, 9))
    _, pv, _ = _block(4068, "DE", "quarterhour", june)
    by_local_hour: dict[int, list[float]] = {}
    for ts, value in pv["series"]:
        by_local_hour.setdefault(datetime.fromtimestamp(ts / 1000, tz=UTC).astimezone(replay.BERLIN).hour,
                                 []).append(value)
    assert all(v == 0.0 for v in by_local_hour[1]) and all(v == 0.0 for v in by_local_hour[23])
    assert max(by_local_hour[13]) > 8000
    _, lignite, _ = _block(1223, "DE", "quarterhour", june)
    assert all(1500 < v < 4000 for _, v in lignite["series"])
    _, load, _ = _block(410, "DE", "quarterhour", june)
    assert all(9000 < v < 19000 for _, v in load["series"])
    _, nuclear_2025, _ = _block(1224, "DE", "quarterhour", june)
    assert {v for _, v in nuclear_2025["series"]} == {0.0}
    _, nuclear_2022, _ = _block(1224, "DE", "quarterhour", _monday(date(2022, 1, 10)))
    assert all(800 < v < 1200 for _, v in nuclear_2022["series"])
    prices = []
    for week in range(8):  # hourly: SMARD has no quarter-hour day-ahead price before 2025-10-01
        _, price, _ = _block(4169, "DE-LU", "hour", _monday(date(2025, 5, 5)) + week * 7 * 86_400_000)
        prices += [v for _, v in price["series"]]
    assert any(v < 0 for v in prices) and sum(v < 0 for v in prices) < 0.25 * len(prices)
    assert 40 < sum(prices) / len(prices) < 130


@pytest.mark.parametrize("filter_id", [4067, 1225, 410, 4359, 1223])
def test_control_areas_sum_to_de(filter_id: int) -> None:
    """50Hertz + Amprion + TenneT + TransnetBW = DE for every quarter hour (to rounding)."""
    week = _monday(date(2025, 1, 13))
    _, de, _ = _block(filter_id, "DE", "quarterhour", week)
    areas = []
    for area in replay.AREAS:
        status, body, _ = _block(filter_id, area, "quarterhour", week)
        areas.append([v for _, v in body["series"]] if status == 200 else [0.0] * len(de["series"]))
    for i, (_, total) in enumerate(de["series"]):
        assert abs(sum(a[i] for a in areas) - total) < 0.05


def test_hour_is_the_sum_of_quarter_hours_and_price_the_mean() -> None:
    """Hourly generation = sum of its four quarter hours; hourly price = their mean."""
    week = _monday(date(2025, 10, 20))
    _, qh, _ = _block(4067, "Amprion", "quarterhour", week)
    _, hour, _ = _block(4067, "Amprion", "hour", week)
    assert hour["series"][5][1] == pytest.approx(sum(v for _, v in qh["series"][20:24]), abs=0.011)
    _, pq, _ = _block(4169, "DE-LU", "quarterhour", week)
    _, ph, _ = _block(4169, "DE-LU", "hour", week)
    assert ph["series"][5][1] == pytest.approx(sum(v for _, v in pq["series"][20:24]) / 4, abs=0.011)


def test_current_week_is_padded_with_null() -> None:
    """Quarter hours at or after "now" are null, exactly like SMARD's latest weekly file, and so are those
    that ended less than SMARD's publication lag ago (30 min for wind onshore, 2 h 15 min for lignite, PV and
    for series without a recording; the recordings show 0.4 h and 2.1 h)."""
    now_ms = int(datetime.fromisoformat(NOW).timestamp() * 1000)
    for filter_id, lag_minutes in ((4067, 30), (4070, 135), (410, 135)):
        _, body, _ = _block(filter_id, "DE", "quarterhour", _monday(date(2025, 11, 17)))
        cutoff = now_ms - (15 + lag_minutes) * 60_000
        assert all((v is None) == (ts > cutoff) for ts, v in body["series"]), filter_id
        assert any(v is not None for _, v in body["series"]), filter_id
        assert body["meta_data"]["created"] <= now_ms
    _, price, _ = _block(4169, "DE-LU", "quarterhour", _monday(date(2025, 11, 17)))
    assert all((v is None) == (ts >= now_ms) for ts, v in price["series"])


def test_no_quarter_hour_price_before_the_15_minute_day_ahead_market(monkeypatch: pytest.MonkeyPatch) -> None:
    """SMARD has day-ahead prices per quarter hour from delivery day 2025-10-01 only (DOMAIN 4.8): before
    that "now" the quarter-hour price index is 404; afterwards it starts with the week of 2025-09-29 (its
    quarter hours before 2025-10-01 00:00 Europe/Berlin are null) and earlier weekly files are 404. The
    hourly price exists throughout, for every hour of a March 2025 week."""
    switch = 1_759_269_600_000  # 2025-10-01 00:00 Europe/Berlin
    monkeypatch.setenv("SMARD_REPLAY_NOW", "2025-09-15T12:00:00+00:00")
    assert _get("/app/chart_data/4169/DE-LU/index_quarterhour.json")[0] == 404
    status, hourly_index, _ = _get("/app/chart_data/4169/DE-LU/index_hour.json")
    assert status == 200 and hourly_index["timestamps"][0] == _monday(date(2018, 10, 1))
    monkeypatch.setenv("SMARD_REPLAY_NOW", NOW)
    status, index, _ = _get("/app/chart_data/4169/DE-LU/index_quarterhour.json")
    assert status == 200 and index["timestamps"][0] == _monday(date(2025, 9, 29))
    assert _block(4169, "DE-LU", "quarterhour", _monday(date(2025, 3, 24)))[0] == 404
    assert _block(4169, "DE-LU", "quarterhour", _monday(date(2025, 9, 22)))[0] == 404
    _, first, _ = _block(4169, "DE-LU", "quarterhour", _monday(date(2025, 9, 29)))
    assert all((v is None) == (ts < switch) for ts, v in first["series"])
    status, march, _ = _block(4169, "DE-LU", "hour", _monday(date(2025, 3, 24)))
    assert status == 200 and len(march["series"]) == 167
    assert all(v is not None for _, v in march["series"])


@pytest.mark.parametrize("path", [
    "/app/chart_data/1225/TransnetBW/index_quarterhour.json",
    "/app/chart_data/1225/Amprion/index_quarterhour.json",
    "/app/chart_data/1224/50Hertz/index_hour.json",
    "/app/chart_data/4169/DE/index_quarterhour.json",
    "/app/chart_data/9999/DE/index_quarterhour.json",
    "/app/chart_data/4067/DE/4068_DE_quarterhour_1750024800000.json",  # copy mismatch
    "/app/chart_data/4067/DE/4067_DE_quarterhour_1750024800001.json",  # not a block start
    "/app/chart_data/4067/DE/4067_DE_quarterhour_1893452400000.json",  # after "now"
])
def test_combinations_smard_does_not_have_answer_404(path: str) -> None:
    """Offshore wind in TransnetBW/Amprion, nuclear in 50Hertz, prices outside DE-LU, unknown filters and
    filter/region copy mismatches are 404, as on smard.de."""
    assert replay.handle(ReplayRequest("GET", path)).status == 404


def test_recorded_payload_served_as_recorded_newest_version() -> None:
    """Where a recorded file exists, it is served (not generated): the newer of the two wind recordings."""
    fixture_path("smard/4067_DE_quarterhour_1750024800000__created20250622T1937Z.json")
    status, body, headers = _block(4067, "DE", "quarterhour", 1750024800000)
    assert status == 200 and SYNTHETIC_HEADER not in headers
    assert body["meta_data"]["created"] == 1750621058406
    assert body["series"][0] == [1750024800000, 3208.5]


def test_without_fixtures_everything_is_synthetic(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """The fixtures folder may be absent: the same URL is then generated, not an error."""
    monkeypatch.setenv("GRIDCARBON_FIXTURES_DIR", str(tmp_path))
    status, body, headers = _block(4067, "DE", "quarterhour", 1750024800000)
    assert status == 200 and headers.get(SYNTHETIC_HEADER) == "true"
    assert len(body["series"]) == 672
