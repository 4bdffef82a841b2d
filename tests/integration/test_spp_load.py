"""SPP end to end: replay server (last two hours, built from the documented format: no real recording exists)
-> parser -> ``raw_iso.generation_by_fuel`` in the real test warehouse, and the ``spp_ingest`` DAG through
``dag.test``, including the skip path.

What a user would see if these failed: reruns changing rows, a too-old hour failing (and retrying) instead of
skipping, or a broken answer wiping loaded rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.sources.contract import NotServed
from tests.integration.iso_helpers import extract_load, inject_fault, iso_state, recent_window

_state = partial(iso_state, iso="spp")

pytestmark = pytest.mark.integration


def _last_hour() -> Window:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    end = now - timedelta(minutes=now.minute % 5 + 10)
    return Window(end - timedelta(hours=1), end)


def test_last_hour_loads_and_rerun_is_identical(loader: Any, admin_conn: Any) -> None:
    """The last hour lands 12 stamps x 20 Market/Self columns (Load not stored); a rerun is identical."""
    window = _last_hour()
    result = extract_load("spp", window, conn=loader)
    state = _state(admin_conn, window)
    assert result["rows"] == 12 * 20 == state[0]
    extract_load("spp", window, conn=loader)
    assert _state(admin_conn, window) == state


def test_too_old_window_is_not_served_and_keeps_rows(loader: Any, admin_conn: Any) -> None:
    """An hour that ended 3 hours ago is ``NotServed`` naming the reason (the DAG skips it); nothing written."""
    window = recent_window(4, 1)
    answer = extract_load("spp", window, conn=loader)
    assert isinstance(answer, NotServed) and "last two hours only" in answer.reason
    assert _state(admin_conn, window)[0] == 0


def test_malformed_answer_keeps_the_rows_already_loaded(loader: Any, admin_conn: Any,
                                                        replay_connections: Any) -> None:
    """A CSV with a broken number fails with MalformedPayloadError naming the URL; loaded rows are untouched."""
    window = _last_hour()
    extract_load("spp", window, conn=loader)
    before = _state(admin_conn, window)
    inject_fault(replay_connections, source="spp", path_contains="gen-mix", status=200, times=1,
                 body="GMTTime,Coal Market\n2025-x,1\n")
    with pytest.raises(MalformedPayloadError, match=r"source=spp url=http://127"):
        extract_load("spp", window, conn=loader)
    assert _state(admin_conn, window) == before


def test_spp_ingest_dag_lands_rows_and_skips_old_windows(run_dag: Any, admin_conn: Any) -> None:
    """Run by Airflow: the last hour lands rows; an hour 5 hours back ends with the task skipped."""
    window = _last_hour()
    dag_run = run_dag("spp_ingest", window.start, window.end)
    assert str(dag_run.state) == "success"
    assert _state(admin_conn, window)[0] == 12 * 20
    old = recent_window(5, 1)
    dag_run = run_dag("spp_ingest", old.start, old.end)
    assert {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()} == {"extract_load": "skipped"}
