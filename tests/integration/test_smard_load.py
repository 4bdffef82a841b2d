"""SMARD end to end below Airflow: replay server -> HTTP session -> ``smard.fetch`` (settings as values) ->
``smard.load`` in one transaction (``replace_window``) -> real Postgres (the test warehouse).

What a user would see if these failed: revised SMARD values not replacing old ones, not-yet-published
quarter hours stored as 0, a broken SMARD answer wiping data already loaded, a DST week with a gap or a
duplicate, a missing series failing the whole run, or a transient 429/503 failing a run that a retry fixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
import requests

from gridcarbon.connections import resolve_endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.sources import smard
from gridcarbon.sources.contract import NothingToLoad
from gridcarbon.warehouse import LoadMeta, connect, transaction
from tests.conftest import fixture_path

WIND = smard.SeriesSpec(4067, "DE", "quarterhour")
WIND_OLD = "smard/4067_DE_quarterhour_1750024800000__created20250617T1523Z.json"
WIND_NEW = "smard/4067_DE_quarterhour_1750024800000__created20250622T1937Z.json"
WEEK = Window(datetime(2025, 6, 15, 22, tzinfo=UTC), datetime(2025, 6, 22, 22, tzinfo=UTC))


@pytest.fixture()
def smard_env(replay_connections: Any, warehouse_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    """Replay server with a fixed "now", the ``smard`` connection pointing at it, a loader connection."""
    monkeypatch.setenv("SMARD_REPLAY_NOW", "2025-11-20T12:00:00+00:00")
    base = resolve_endpoint(smard.SOURCE, smard.DEFAULT_BASE_URL).base_url
    assert base.startswith(replay_connections.base_url)
    _control(replay_connections, "_faults", "DELETE")
    _control(replay_connections, "_requests", "DELETE")
    conn = connect(warehouse_db)
    session = build_session()
    try:
        yield {"server": replay_connections, "base": base, "conn": conn, "session": session,
               "endpoint": resolve_endpoint(smard.SOURCE, smard.DEFAULT_BASE_URL)}
    finally:
        _control(replay_connections, "_faults", "DELETE")
        conn.close()
        session.close()


def _control(server: Any, what: str, method: str = "GET", body: dict | None = None) -> Any:
    resp = requests.request(method, f"{server.base_url}/{what}", json=body, timeout=10)
    resp.raise_for_status()
    return resp.json()


def _load_series(env: dict, spec: smard.SeriesSpec, window: Window, *, lookback: timedelta = timedelta(hours=48),
                 run_id: str | None = None) -> smard.SeriesLoadResult:
    """What one mapped ``load_series`` task does, without Airflow: ``fetch`` (the settings as values), then ``load``
    in one transaction. Returns how the series was read."""
    answer = smard.fetch(env["session"], env["endpoint"], window, smard.Settings(lookback=lookback), spec)
    if isinstance(answer, NothingToLoad):
        return smard.SeriesLoadResult(spec, "not_available", window.widened(lookback), 0, 0, 0, 0)
    meta = LoadMeta(dag_id="smard_ingest", run_id=run_id, window=answer.window, url=answer.url)
    with transaction(env["conn"]):
        smard.load(env["conn"], answer.records, answer.window, meta)
    return answer.records.result


def _fault(server: Any, **spec: Any) -> None:
    _control(server, "_faults", "POST", {"source": "smard", **spec})


def _rows(admin_conn: Any, spec: smard.SeriesSpec, window: Window | None = None) -> list[tuple]:
    sql = ("select interval_start_utc, value, meta_created_utc, block_start_utc from raw_smard.chart_values "
           "where filter_id = %s and region = %s and resolution = %s")
    params: list[Any] = [spec.filter_id, spec.region, spec.resolution]
    if window is not None:
        sql += " and interval_start_utc >= %s and interval_start_utc < %s"
        params += [window.start, window.end]
    with admin_conn.cursor() as cur:
        cur.execute(sql + " order by interval_start_utc", params)
        return cur.fetchall()


def _checksum(admin_conn: Any, spec: smard.SeriesSpec, window: Window) -> tuple[int, str]:
    with admin_conn.cursor() as cur:
        cur.execute(
            "select count(*), md5(coalesce(string_agg(concat_ws('|', interval_start_utc, value, meta_created_utc,"
            " block_start_utc), ';' order by interval_start_utc), '')) from raw_smard.chart_values "
            "where filter_id = %s and region = %s and resolution = %s "
            "and interval_start_utc >= %s and interval_start_utc < %s",
            (spec.filter_id, spec.region, spec.resolution, window.start - timedelta(days=3), window.end))
        return cur.fetchone()


def _status(admin_conn: Any, spec: smard.SeriesSpec) -> str | None:
    with admin_conn.cursor() as cur:
        cur.execute("select status from raw_smard.series_status where filter_id = %s and region = %s "
                    "and resolution = %s", (spec.filter_id, spec.region, spec.resolution))
        row = cur.fetchone()
        return row[0] if row else None


def _load_recorded(conn: Any, relative: str) -> None:
    """Load one recorded weekly file the way the DAG does (parse the whole block, replace its window)."""
    payload = fixture_path(relative).read_bytes()
    url = smard.block_url(smard.DEFAULT_BASE_URL, WIND, WEEK.start)
    records = smard.parse_chart_data(payload, filter_id=WIND.filter_id, region=WIND.region,
                                     resolution=WIND.resolution, url=url, window=WEEK)
    with transaction(conn):
        smard.store_series(conn, WIND, WEEK, records)


def test_revision_replaces_old_values_and_fills_trailing_nulls(warehouse_db: str, admin_conn: Any) -> None:
    """Loading the 17 June file, then the 22 June file of the same wind week: 3205.0 becomes 3208.5 MWh,
    the 508 NULL quarter hours shrink to 11, meta_created_utc moves to the newer file, no row is doubled."""
    conn = connect(warehouse_db)
    try:
        _load_recorded(conn, WIND_OLD)
        old = _rows(admin_conn, WIND, WEEK)
        assert len(old) == 672
        assert old[0][1] == pytest.approx(3205.0)
        assert sum(r[1] is None for r in old) == 508
        assert old[0][2] == datetime.fromtimestamp(1750173804.057, tz=UTC)
        _load_recorded(conn, WIND_NEW)
        new = _rows(admin_conn, WIND, WEEK)
        assert len(new) == 672
        assert new[0][1] == pytest.approx(3208.5)
        assert sum(r[1] is None for r in new) == 11
        assert {r[2] for r in new} == {datetime.fromtimestamp(1750621058.406, tz=UTC)}
        assert new[-12][1] == pytest.approx(2794.5)  # the last published quarter hour, NULL before
        assert old[-12][1] is None
    finally:
        conn.close()


def test_nuclear_zeros_are_stored_as_zero(warehouse_db: str, admin_conn: Any) -> None:
    """Nuclear after shutdown is 0.0 MWh in the warehouse (a real zero), and unpublished ones are NULL."""
    spec = smard.SeriesSpec(1224, "DE", "quarterhour")
    start = datetime.fromtimestamp(1706482800, tz=UTC)
    window = Window(start, start + timedelta(days=7))
    payload = fixture_path("smard/1224_DE_quarterhour_1706482800000__created20240130T1202Z.json").read_bytes()
    records = smard.parse_chart_data(payload, filter_id=1224, region="DE", resolution="quarterhour",
                                     url=smard.block_url(smard.DEFAULT_BASE_URL, spec, start), window=window)
    conn = connect(warehouse_db)
    try:
        with transaction(conn):
            smard.store_series(conn, spec, window, records)
    finally:
        conn.close()
    with admin_conn.cursor() as cur:
        cur.execute("select count(*) filter (where value = 0), count(*) filter (where value is null) "
                    "from raw_smard.chart_values where filter_id = 1224 and region = 'DE' "
                    "and interval_start_utc >= %s and interval_start_utc < %s", (window.start, window.end))
        assert cur.fetchone() == (146, 526)


def test_malformed_answer_fails_and_keeps_what_was_stored(smard_env: dict, admin_conn: Any) -> None:
    """A broken weekly file (invalid JSON, a string value, duplicate timestamps) stops the task with a
    MalformedPayloadError naming source, URL and interval; the rows loaded before are untouched."""
    spec = smard.SeriesSpec(4068, "TenneT", "quarterhour")
    window = Window(datetime(2025, 3, 3, tzinfo=UTC), datetime(2025, 3, 4, tzinfo=UTC))
    _load_series(smard_env, spec, window, lookback=timedelta(hours=12))
    before = _checksum(admin_conn, spec, window)
    assert before[0] == 36 * 4
    block = "4068_TenneT_quarterhour_"
    bad_bodies = [
        '{"meta_data":{"version":1,"created":1741000000000},"series":[[1740956400000,1',
        '{"meta_data":{"version":1,"created":1741000000000},"series":[[1740956400000,"12,5"]]}',
        '{"meta_data":{"version":1,"created":1741000000000},"series":[[1740956400000,1.0],[1740956400000,2.0]]}',
    ]
    for body in bad_bodies:
        _fault(smard_env["server"], path_contains=block, status=200, times=1, body=body)
        with pytest.raises(MalformedPayloadError) as info:
            _load_series(smard_env, spec, window, lookback=timedelta(hours=12))
        text = str(info.value)
        assert "source=smard" in text and f"url={smard_env['base']}/chart_data/4068/TenneT/{block}" in text
        assert "interval=[2025-03-02T12:00:00+00:00, 2025-03-04T00:00:00+00:00)" in text
        assert _checksum(admin_conn, spec, window) == before


@pytest.mark.parametrize(("monday", "expected"), [(date(2025, 3, 24), 668), (date(2025, 10, 20), 676)])
def test_dst_week_loads_without_gap_or_duplicate(smard_env: dict, admin_conn: Any, monday: date,
                                                 expected: int) -> None:
    """The weeks containing 2025-03-30 and 2025-10-26 load 668 and 676 quarter hours, each 15 minutes after
    the previous one, and local days of 92 and 100 quarter hours."""
    spec = smard.SeriesSpec(410, "Amprion", "quarterhour")
    start = datetime(monday.year, monday.month, monday.day, tzinfo=smard.BERLIN).astimezone(UTC)
    window = Window(start, smard.local_week_end(start))
    result = _load_series(smard_env, spec, window, lookback=timedelta(0))
    assert result.blocks == 1 and result.rows == expected
    rows = _rows(admin_conn, spec, window)
    assert len(rows) == expected
    assert all(b[0] - a[0] == timedelta(minutes=15) for a, b in pairwise(rows))
    assert all(r[1] is not None for r in rows)
    with admin_conn.cursor() as cur:
        cur.execute("select count(*) from raw_smard.chart_values where filter_id = 410 and region = 'Amprion' "
                    "and date(interval_start_utc at time zone 'Europe/Berlin') = %s",
                    (monday + timedelta(days=6),))
        assert cur.fetchone()[0] == (92 if expected == 668 else 100)


def test_lookback_reads_two_blocks_and_replaces_the_widened_window(smard_env: dict, admin_conn: Any) -> None:
    """A one-hour run on Monday 00:00 local re-reads the previous 48 h from last week's block too: 49 h of
    quarter hours are replaced, stamped with the widened window."""
    spec = smard.SeriesSpec(4067, "50Hertz", "quarterhour")
    start = datetime(2025, 2, 10, tzinfo=smard.BERLIN).astimezone(UTC)
    result = _load_series(smard_env, spec, Window(start, start + timedelta(hours=1)), run_id="manual__test")
    assert result.blocks == 2 and result.rows == 49 * 4
    with admin_conn.cursor() as cur:
        cur.execute("select count(*), min(_window_start), max(_window_end), count(distinct block_start_utc), "
                    "min(_run_id) from raw_smard.chart_values where filter_id = 4067 and region = '50Hertz' "
                    "and interval_start_utc < %s", (start + timedelta(days=2),))
        count, wstart, wend, blocks, run_id = cur.fetchone()
    assert (count, wstart, wend, blocks, run_id) == (196, start - timedelta(hours=48), start + timedelta(hours=1), 2,
                                                      "manual__test")
    assert _status(admin_conn, spec) == "present"


def test_rerun_is_idempotent(smard_env: dict, admin_conn: Any) -> None:
    """Running the same window twice gives the same rows (same checksum), not doubled ones (the quarter-hour
    price, which exists from delivery day 2025-10-01)."""
    spec = smard.SeriesSpec(4169, "DE-LU", "quarterhour")
    window = Window(datetime(2025, 10, 12, 10, tzinfo=UTC), datetime(2025, 10, 12, 16, tzinfo=UTC))
    _load_series(smard_env, spec, window)
    first = _checksum(admin_conn, spec, window)
    _load_series(smard_env, spec, window)
    assert _checksum(admin_conn, spec, window) == first
    assert first[0] == 54 * 4


def test_404_series_is_recorded_absent_and_does_not_fail(smard_env: dict, admin_conn: Any) -> None:
    """Offshore wind in TransnetBW does not exist on SMARD (404): the task succeeds and the series is
    'absent' in raw_smard.series_status, with no rows."""
    spec = smard.SeriesSpec(1225, "TransnetBW", "hour")
    window = Window(datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 1, 6, tzinfo=UTC))
    result = _load_series(smard_env, spec, window)
    assert result.status == "absent" and result.rows == 0
    assert _status(admin_conn, spec) == "absent"
    assert _rows(admin_conn, spec) == []


def _requests_to(server: Any, fragment: str) -> int:
    return sum(1 for r in _control(server, "_requests") if fragment in r["path"])


def test_429_with_retry_after_is_retried_and_succeeds(smard_env: dict, admin_conn: Any) -> None:
    """SMARD throttling (429, Retry-After: 1) twice on the index: the session waits and retries, the load
    succeeds; the replay log shows the three attempts."""
    import time

    spec = smard.SeriesSpec(4066, "DE", "quarterhour")
    _fault(smard_env["server"], path_contains="/4066/DE/index_quarterhour", status=429, times=2, retry_after=1)
    window = Window(datetime(2025, 5, 2, tzinfo=UTC), datetime(2025, 5, 2, 6, tzinfo=UTC))
    t0 = time.monotonic()
    result = _load_series(smard_env, spec, window)
    assert time.monotonic() - t0 >= 2.0  # Retry-After honoured twice
    assert result.status == "present" and result.rows == 54 * 4
    assert _requests_to(smard_env["server"], "/4066/DE/index_quarterhour") == 3


def test_503_on_a_block_is_retried_and_succeeds(smard_env: dict, admin_conn: Any) -> None:
    """A 503 from SMARD on a weekly file is retried by the session; the rows land."""
    spec = smard.SeriesSpec(4070, "DE", "quarterhour")
    _fault(smard_env["server"], path_contains="4070_DE_quarterhour_", status=503, times=2)
    window = Window(datetime(2025, 5, 3, tzinfo=UTC), datetime(2025, 5, 3, 6, tzinfo=UTC))
    result = _load_series(smard_env, spec, window)
    assert result.rows == 54 * 4
    assert len(_rows(admin_conn, spec, result.window)) == 54 * 4
    assert _requests_to(smard_env["server"], "4070_DE_quarterhour_") == 3


def test_401_fails_at_once_with_a_clear_message(smard_env: dict, admin_conn: Any) -> None:
    """A 401 (e.g. a mirror behind auth) is not retried: one request, a SourceAuthError that tells the user
    which Airflow connection to fix, and nothing written."""
    spec = smard.SeriesSpec(4071, "DE", "hour")
    _fault(smard_env["server"], path_contains="/4071/DE/index_hour", status=401, times=5)
    window = Window(datetime(2025, 5, 4, tzinfo=UTC), datetime(2025, 5, 4, 6, tzinfo=UTC))
    with pytest.raises(SourceAuthError) as info:
        _load_series(smard_env, spec, window)
    assert "HTTP 401" in str(info.value) and "connection 'smard'" in str(info.value)
    assert "source=smard" in str(info.value) and "index_hour.json" in str(info.value)
    assert _requests_to(smard_env["server"], "/4071/DE/index_hour") == 1
    assert _rows(admin_conn, spec) == [] and _status(admin_conn, spec) is None


def test_window_before_the_first_block_loads_nothing_and_says_why(smard_env: dict, admin_conn: Any,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A backfill before SMARD's quarter-hour history (2016 here) succeeds with 0 rows and a warning that
    points to SMARD_RESOLUTION=hour; hourly data for the same window do exist."""
    window = Window(datetime(2016, 3, 1, tzinfo=UTC), datetime(2016, 3, 1, 6, tzinfo=UTC))
    qh = _load_series(smard_env, smard.SeriesSpec(4067, "TenneT", "quarterhour"), window, lookback=timedelta(0))
    assert (qh.status, qh.blocks, qh.rows) == ("present", 0, 0)
    assert "SMARD_RESOLUTION=hour" in caplog.text
    hour = _load_series(smard_env, smard.SeriesSpec(4067, "TenneT", "hour"), window, lookback=timedelta(0))
    assert (hour.blocks, hour.rows, hour.non_null) == (1, 6, 6)


def test_default_price_series_before_october_2025_give_every_hour_a_price(smard_env: dict, admin_conn: Any,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    """With the default configuration and the replay server's "now" in April 2025, a run over the DST week of
    March 2025 loads the day-ahead price for each of its 167 hours from SMARD's hourly series. The quarter-hour
    price index (404 before 2025-10-01, as on smard.de) is never asked and no 'absent' status is written for
    it; nothing is logged as a warning."""
    import logging

    monkeypatch.setenv("SMARD_REPLAY_NOW", "2025-04-10T12:00:00+00:00")
    caplog.set_level(logging.INFO, logger="gridcarbon.sources.smard")
    start = datetime(2025, 3, 24, tzinfo=smard.BERLIN).astimezone(UTC)
    window = Window(start, smard.local_week_end(start))
    assert requests.get(f"{smard_env['base']}/chart_data/4169/DE-LU/index_quarterhour.json",
                        timeout=10).status_code == 404
    _control(smard_env["server"], "_requests", "DELETE")
    status_before = _status_row(admin_conn, 4169, "quarterhour")  # an earlier test may have loaded October
    results = [_load_series(smard_env, spec, window, lookback=timedelta(0))
               for spec in smard.Settings().series_specs() if spec.filter_id == 4169]
    assert [(r.series.resolution, r.status) for r in results] == [("hour", "present"), ("quarterhour", "not_available")]
    hourly = _rows(admin_conn, smard.SeriesSpec(4169, "DE-LU", "hour"), window)
    assert len(hourly) == 167 and all(r[1] is not None for r in hourly)
    assert all(b[0] - a[0] == timedelta(hours=1) for a, b in pairwise(hourly))
    assert _rows(admin_conn, smard.SeriesSpec(4169, "DE-LU", "quarterhour"), window) == []
    assert _status_row(admin_conn, 4169, "quarterhour") == status_before
    assert _requests_to(smard_env["server"], "4169/DE-LU/index_quarterhour") == 0
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def _status_row(admin_conn: Any, filter_id: int, resolution: str) -> tuple | None:
    with admin_conn.cursor() as cur:
        cur.execute("select status, checked_at_utc from raw_smard.series_status where filter_id = %s "
                    "and region = 'DE-LU' and resolution = %s", (filter_id, resolution))
        return cur.fetchone()
