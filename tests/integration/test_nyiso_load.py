"""NYISO end to end: replay server -> parser -> ``raw_iso.generation_by_fuel`` in the real test warehouse, and
the ``nyiso_ingest`` DAG through ``dag.test``.

What a user would see if these failed: a backfill of February 2025 not landing the archive's rows, reruns
changing rows, a broken NYISO answer wiping loaded rows, or recent days not read from the daily files."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from tests.conftest import fixture_path
from tests.integration.iso_helpers import extract_load, inject_fault, iso_state, recent_window, replay_control

_state = partial(iso_state, iso="nyiso")

pytestmark = pytest.mark.integration


ARCHIVE_DAY = Window(datetime(2025, 2, 1, 5, tzinfo=UTC), datetime(2025, 2, 2, 5, tzinfo=UTC))


def test_backfill_day_comes_from_the_recorded_monthly_archive(loader: Any, admin_conn: Any,
                                                              replay_connections: Any) -> None:
    """2025-02-01 is older than 7 days: one archive download lands the recorded day (2016 rows, Dual Fuel
    4613 MW in the first interval); a rerun gives the same rows."""
    fixture_path("nyiso/nyiso_20250201rtfuelmix_csv.zip")
    replay_control(replay_connections, "_requests", "DELETE")
    result = extract_load("nyiso", ARCHIVE_DAY, conn=loader)
    assert result["rows"] == 2016
    paths = [r["path"] for r in replay_control(replay_connections, "_requests")]
    assert paths == ["/csv/rtfuelmix/20250201rtfuelmix_csv.zip"]
    state = _state(admin_conn, ARCHIVE_DAY)
    with admin_conn.cursor() as cur:
        cur.execute("select generation_mw from raw_iso.generation_by_fuel where iso = 'nyiso' and "
                    "source_label = 'Dual Fuel' and interval_start_utc = '2025-02-01T05:00Z'")
        assert cur.fetchone() == (4613,)
    extract_load("nyiso", ARCHIVE_DAY, conn=loader)
    assert _state(admin_conn, ARCHIVE_DAY) == state


def test_recent_day_comes_from_daily_files(loader: Any, admin_conn: Any, replay_connections: Any) -> None:
    """Yesterday is read from the daily CSVs (not the archive): 12 intervals x 7 fuels per hour."""
    window = recent_window(30, 24)
    replay_control(replay_connections, "_requests", "DELETE")
    result = extract_load("nyiso", window, conn=loader)
    assert result["rows"] == 24 * 12 * 7 == _state(admin_conn, window)[0]
    paths = {r["path"] for r in replay_control(replay_connections, "_requests")}
    assert all(p.endswith("rtfuelmix.csv") for p in paths)


def test_malformed_answer_keeps_the_rows_already_loaded(loader: Any, admin_conn: Any,
                                                        replay_connections: Any) -> None:
    """A truncated zip fails with MalformedPayloadError naming the URL; rows loaded before are untouched."""
    extract_load("nyiso", ARCHIVE_DAY, conn=loader)
    before = _state(admin_conn, ARCHIVE_DAY)
    inject_fault(replay_connections, source="nyiso", path_contains="rtfuelmix", status=200, times=3,
                 body="PK garbage")
    with pytest.raises(MalformedPayloadError, match=r"not a zip.*source=nyiso url=http://127"):
        extract_load("nyiso", ARCHIVE_DAY, conn=loader)
    assert _state(admin_conn, ARCHIVE_DAY) == before


def test_nyiso_ingest_dag_lands_rows(run_dag: Any, admin_conn: Any) -> None:
    """The DAG, run by Airflow for a manual window of one archived day, lands its rows (state success)."""
    window = Window(datetime(2025, 2, 10, 5, tzinfo=UTC), datetime(2025, 2, 11, 5, tzinfo=UTC))
    dag_run = run_dag("nyiso_ingest", window.start, window.end)
    assert str(dag_run.state) == "success"
    assert _state(admin_conn, window)[0] > 2000
