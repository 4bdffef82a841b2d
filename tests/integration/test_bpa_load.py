"""BPA end to end: replay server (last 7 days, relative to the clock) -> parser -> ``raw_iso.generation_by_fuel``
in the real test warehouse, and the ``bpa_ingest`` DAG through ``dag.test``, including the skip path.

What a user would see if these failed: reruns changing rows, load stored as generation, a too-old window
failing (and retrying) instead of skipping, or a broken answer wiping loaded rows."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.sources.contract import NotServed
from tests.integration.iso_helpers import extract_load, inject_fault, iso_state, recent_window

_state = partial(iso_state, iso="bpa")

pytestmark = pytest.mark.integration


def test_recent_day_loads_and_rerun_is_identical(loader: Any, admin_conn: Any) -> None:
    """A day inside the last 7 days lands 12 stamps x 4 generation columns per hour (Load not stored)."""
    window = recent_window(30, 24)
    result = extract_load("bpa", window, conn=loader)
    state = _state(admin_conn, window)
    assert result["rows"] == 24 * 12 * 4 == state[0]
    extract_load("bpa", window, conn=loader)
    assert _state(admin_conn, window) == state
    with admin_conn.cursor() as cur:
        cur.execute("select count(*) from raw_iso.generation_by_fuel where iso = 'bpa' and source_label = 'Load'")
        assert cur.fetchone()[0] == 0


def test_too_old_window_is_not_served_and_keeps_rows(loader: Any, admin_conn: Any) -> None:
    """A window 10 days back is ``NotServed`` naming the reason (the DAG skips it, see below); no write."""
    window = recent_window(240, 24)
    before = _state(admin_conn, window)
    answer = extract_load("bpa", window, conn=loader)
    assert isinstance(answer, NotServed) and "last 7 days only" in answer.reason
    assert _state(admin_conn, window) == before


def test_malformed_answer_keeps_the_rows_already_loaded(loader: Any, admin_conn: Any,
                                                        replay_connections: Any) -> None:
    """An HTML page instead of baltwg.txt fails with MalformedPayloadError; loaded rows are untouched."""
    window = recent_window(6, 3)
    extract_load("bpa", window, conn=loader)
    before = _state(admin_conn, window)
    inject_fault(replay_connections, source="bpa", path_contains="baltwg", status=200, times=1,
                 body="<html>moved</html>")
    with pytest.raises(MalformedPayloadError, match=r"source=bpa url=http://127"):
        extract_load("bpa", window, conn=loader)
    assert _state(admin_conn, window) == before


def test_bpa_ingest_dag_lands_rows_and_skips_old_windows(run_dag: Any, admin_conn: Any) -> None:
    """Run by Airflow: a recent window lands rows; a window 10 days back ends with the task skipped."""
    window = recent_window(54, 24)
    dag_run = run_dag("bpa_ingest", window.start, window.end)
    assert str(dag_run.state) == "success"
    assert _state(admin_conn, window)[0] == 24 * 12 * 4
    old = recent_window(250, 24)
    dag_run = run_dag("bpa_ingest", old.start, old.end)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert states == {"extract_load": "skipped"}
    assert _state(admin_conn, old)[0] == 0
