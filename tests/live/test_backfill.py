"""A backfill of history takes the fast path through the real scheduler (LocalExecutor, the launcher's stack).

The UI's backfill dialog (``POST /api/v2/backfills``, what ``airflow backfill create`` also calls) over two
historic days that straddle a SMARD week boundary gives two runs (the whole-week intervals of
``gridcarbon.timetables.HistoryTimetable``, not 48 hourly ones), each with a handful of task instances
(``list_series`` and one mapped task per region), and the rows of the whole window. Backfilling the same range
again with reprocessing replaces the same windows with identical rows.

The stack is a module's own, with ``smard_ingest``'s first scheduled interval in the future, so unpausing the
DAG (a paused DAG's backfill queues no task) starts no scheduled runs beside the backfill.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg2
import pytest

from tests.live.conftest import LiveAirflow, start_live_airflow

FROM, TO = "2025-03-08T00:00:00Z", "2025-03-10T00:00:00Z"
# the first interval starts on the cron grid (:30), ends at Monday 00:00 Europe/Berlin; the last ends at the
# first cron time after the range, where the last interval of an hourly backfill would end
INTERVALS = [(datetime(2025, 3, 8, 0, 30, tzinfo=UTC), datetime(2025, 3, 9, 23, tzinfo=UTC)),
             (datetime(2025, 3, 9, 23, tzinfo=UTC), datetime(2025, 3, 10, 0, 30, tzinfo=UTC))]
LOOKBACK = timedelta(hours=48)


@pytest.fixture(scope="module")
def backfill_airflow(request: pytest.FixtureRequest, replay_server: Any) -> Iterator[LiveAirflow]:
    future = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=30)
    with start_live_airflow(request, replay_server, name="backfill", starts={"smard_ingest": future}) as live:
        live.api_json("PATCH", "/api/v2/dags/smard_ingest", json={"is_paused": False})
        yield live


def _backfill(live: LiveAirflow, reprocess: str, timeout: float = 240) -> list[dict[str, Any]]:
    created = live.api_json("POST", "/api/v2/backfills", json={
        "dag_id": "smard_ingest", "from_date": FROM, "to_date": TO, "reprocess_behavior": reprocess,
        "max_active_runs": 2})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live.api_json("GET", f"/api/v2/backfills/{created['id']}")["completed_at"]:
            break
        time.sleep(2)
    else:
        live.print_log_tails(60)
        pytest.fail(f"backfill {created['id']} not completed after {timeout:.0f} s")
    runs = live.api_json("GET", "/api/v2/dags/smard_ingest/dagRuns",
                         params={"run_type": "backfill", "order_by": "logical_date", "limit": 100})["dag_runs"]
    return [r for r in runs if r["data_interval_start"] < TO]


def _ceil(moment: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return epoch + -((epoch - moment) // step) * step


def _task_instances(live: LiveAirflow, run_id: str) -> list[dict[str, Any]]:
    return live.api_json("GET", f"/api/v2/dags/smard_ingest/dagRuns/{run_id}/taskInstances",
                         params={"limit": 100})["task_instances"]


def _landed(live: LiveAirflow) -> tuple[dict[tuple[int, str, str], tuple[int, Any, Any]], str]:
    """Per series (count, first, last interval) in the backfill's window plus its look-back, and a checksum of
    every value (load metadata excluded)."""
    window = (INTERVALS[0][0] - LOOKBACK, INTERVALS[-1][1])
    dsn = live.warehouse_dsn.replace("gridcarbon_loader@", "postgres@")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("select filter_id, region, resolution, count(*), min(interval_start_utc), "
                    "max(interval_start_utc) from raw_smard.chart_values where interval_start_utc >= %s "
                    "and interval_start_utc < %s group by 1, 2, 3", window)
        series = {(f, r, res): (n, lo, hi) for f, r, res, n, lo, hi in cur.fetchall()}
        cur.execute("select md5(string_agg(concat_ws('|', filter_id, region, resolution, interval_start_utc, value, "
                    "meta_created_utc, block_start_utc), ',' order by filter_id, region, resolution, "
                    "interval_start_utc)) from raw_smard.chart_values")
        checksum = cur.fetchone()[0]
    conn.close()
    return series, checksum


def test_a_backfill_of_history_is_a_few_runs_with_a_few_tasks_and_reruns_identical(
        backfill_airflow: LiveAirflow) -> None:
    live = backfill_airflow
    runs = _backfill(live, "none")
    assert [(datetime.fromisoformat(r["data_interval_start"]), datetime.fromisoformat(r["data_interval_end"]))
            for r in runs] == INTERVALS
    assert [r["state"] for r in runs] == ["success", "success"], runs
    for run in runs:  # SMARD_REGIONS=DE in the live stack: list_series + DE (15 series) + DE-LU (the price)
        tis = _task_instances(live, run["dag_run_id"])
        assert sorted((t["task_id"], t["state"]) for t in tis) == [
            ("list_series", "success"), ("load_series", "success"), ("load_series", "success")], tis
    series, checksum = _landed(live)
    quarter_hours = int((INTERVALS[-1][1] - INTERVALS[0][0] + LOOKBACK) / timedelta(minutes=15))
    assert quarter_hours == 384
    for (filter_id, region, resolution), (count, first, last) in series.items():
        step = timedelta(hours=1) if resolution == "hour" else timedelta(minutes=15)
        assert count == (96 if resolution == "hour" else quarter_hours), (filter_id, region, resolution)
        # whole intervals inside [first start - look-back, last end): hours from 01:00 to 00:00 (the window is on :30)
        assert first == _ceil(INTERVALS[0][0] - LOOKBACK, step) and last == _ceil(INTERVALS[-1][1], step) - step
    assert len(series) == 16  # 15 German series (all present in DE) + the hourly price (before 2025-10-01)

    rerun = _backfill(live, "completed")
    assert [r["dag_run_id"] for r in rerun] == [r["dag_run_id"] for r in runs]
    assert [r["state"] for r in rerun] == ["success", "success"]
    assert _landed(live) == (series, checksum)
