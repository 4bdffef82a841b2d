"""CAISO end to end: replay server -> parser -> ``raw_iso.generation_by_fuel`` in the real test warehouse, and
the ``caiso_ingest`` DAG through ``dag.test``.

What a user would see if these failed: a rerun duplicating or changing CAISO rows, the recorded DST-day report
loaded at the wrong hours, a broken CAISO answer wiping rows already loaded, or the DAG not landing rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.sources import caiso
from tests.conftest import fixture_path
from tests.integration.iso_helpers import extract_load, inject_fault, iso_state, replay_control

_state = partial(iso_state, iso="caiso")

pytestmark = pytest.mark.integration

DAY = Window(datetime(2025, 3, 1, 8, 30, tzinfo=UTC), datetime(2025, 3, 2, 8, 30, tzinfo=UTC))
DST_DAY = Window(datetime(2017, 11, 5, 7, tzinfo=UTC), datetime(2017, 11, 6, 8, tzinfo=UTC))


def test_fuelsource_day_loads_and_rerun_is_identical(loader: Any, admin_conn: Any) -> None:
    """A daily window loads 288 five-minute intervals x 13 columns; a rerun replaces them with the same rows."""
    first = extract_load("caiso", DAY, conn=loader)
    state = _state(admin_conn, DAY)
    assert first["rows"] == 288 * 13 == state[0]
    again = extract_load("caiso", DAY, conn=loader)
    assert again["replaced"] == 288 * 13 and again["rows"] == 288 * 13
    assert _state(admin_conn, DAY) == state


def test_recorded_autumn_dst_report_lands_24_hours(loader: Any, admin_conn: Any) -> None:
    """Days before Today's Outlook history use the legacy report; the recorded 2017-11-05 report (served by the
    replay) lands 24 hourly rows per column, e.g. GEOTHERMAL 928 MW at 07:00Z."""
    fixture_path("caiso/caiso_20171105_DailyRenewablesWatch.txt")
    result = extract_load("caiso", DST_DAY, conn=loader)
    assert result["rows"] == 24 * 11
    with admin_conn.cursor() as cur:
        cur.execute("select generation_mw, interval_minutes from raw_iso.generation_by_fuel where iso = 'caiso' "
                    "and source_label = 'GEOTHERMAL' and interval_start_utc = '2017-11-05T07:00Z'")
        assert cur.fetchone() == (928, 60)


def test_malformed_answer_keeps_the_rows_already_loaded(loader: Any, admin_conn: Any,
                                                        replay_connections: Any) -> None:
    """An HTML page instead of fuelsource.csv fails with MalformedPayloadError naming the URL; the day's rows
    loaded before are untouched."""
    extract_load("caiso", DAY, conn=loader)
    before = _state(admin_conn, DAY)
    inject_fault(replay_connections, source="caiso", path_contains="fuelsource", status=200, times=5,
                 body="<html>maintenance</html>")
    with pytest.raises(MalformedPayloadError, match=r"source=caiso url=http://127\.0\.0\.1:\d+/caiso/outlook"):
        extract_load("caiso", DAY, conn=loader)
    assert _state(admin_conn, DAY) == before


def test_recent_window_reads_today_from_the_current_file(loader: Any, admin_conn: Any,
                                                         replay_connections: Any) -> None:
    """The first half hour of today (Pacific) is read from /outlook/current/ (history files are for past days);
    all six 5-minute intervals land."""
    today_start = datetime.now(caiso.PACIFIC).replace(hour=0, minute=0, second=0, microsecond=0)
    if datetime.now(UTC) < today_start + timedelta(minutes=45):
        pytest.skip("the first 30 minutes of today's Pacific day are not all published yet")
    window = Window(today_start.astimezone(UTC), (today_start + timedelta(minutes=30)).astimezone(UTC))
    replay_control(replay_connections, "_requests", "DELETE")
    result = extract_load("caiso", window, conn=loader)
    assert result["rows"] == 6 * 13 == _state(admin_conn, window)[0]
    paths = {r["path"] for r in replay_control(replay_connections, "_requests")}
    assert "/outlook/current/fuelsource.csv" in paths
    today = datetime.now(caiso.PACIFIC).strftime("%Y%m%d")
    assert f"/outlook/history/{today}/fuelsource.csv" not in paths


def test_caiso_ingest_dag_lands_rows(run_dag: Any, admin_conn: Any) -> None:
    """The DAG, run by Airflow for a manual window, lands the day's rows (state success)."""
    window = Window(datetime(2025, 3, 10, 8, 30, tzinfo=UTC), datetime(2025, 3, 11, 8, 30, tzinfo=UTC))
    dag_run = run_dag("caiso_ingest", window.start, window.end)
    assert str(dag_run.state) == "success"
    count, _ = _state(admin_conn, window)
    assert count == 288 * 13
