"""ISO-NE end to end: replay server (basic auth) -> parser -> ``raw_iso.generation_by_fuel`` in the real test
warehouse, and the ``isone_ingest`` DAG through ``dag.test``.

What a user would see if these failed: the autumn DST day loading with duplicate keys or a collapsed hour,
reruns changing rows, a broken answer wiping rows, or the DAG not landing rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from tests.conftest import fixture_path
from tests.integration.iso_helpers import extract_load, inject_fault, iso_state

_state = partial(iso_state, iso="isone")

pytestmark = pytest.mark.integration


DST_DAY = Window(datetime(2024, 11, 3, 4, tzinfo=UTC), datetime(2024, 11, 4, 5, tzinfo=UTC))


def test_recorded_dst_day_loads_and_rerun_is_identical(loader: Any, admin_conn: Any) -> None:
    """The recorded 2024-11-03 answer (25-hour day, both offsets) lands all 2154 rows; a rerun is identical."""
    fixture_path("isone/isone_genfuelmix_day_20241103.json")
    result = extract_load("isone", DST_DAY, conn=loader)
    assert result["rows"] == 2154
    state = _state(admin_conn, DST_DAY)
    assert state[0] == 2154
    assert extract_load("isone", DST_DAY, conn=loader)["replaced"] == 2154
    assert _state(admin_conn, DST_DAY) == state
    with admin_conn.cursor() as cur:
        # 01:08:00-04:00 (EDT) and 01:07:58-05:00 (EST): the repeated local hour is not collapsed
        cur.execute("select interval_start_utc from raw_iso.generation_by_fuel where iso = 'isone' and "
                    "source_label = 'Nuclear' and interval_start_utc in ('2024-11-03T05:08:00Z', "
                    "'2024-11-03T06:07:58Z') order by 1")
        assert [r[0] for r in cur.fetchall()] == [datetime(2024, 11, 3, 5, 8, tzinfo=UTC),
                                                  datetime(2024, 11, 3, 6, 7, 58, tzinfo=UTC)]


def test_malformed_answer_keeps_the_rows_already_loaded(loader: Any, admin_conn: Any,
                                                        replay_connections: Any) -> None:
    """A non-JSON answer fails with MalformedPayloadError naming source and URL; loaded rows are untouched."""
    extract_load("isone", DST_DAY, conn=loader)
    before = _state(admin_conn, DST_DAY)
    inject_fault(replay_connections, source="isone", path_contains="genfuelmix", status=200, times=3,
                 body="<html>login</html>")
    with pytest.raises(MalformedPayloadError, match=r"not valid JSON.*source=isone url=http://127"):
        extract_load("isone", DST_DAY, conn=loader)
    assert _state(admin_conn, DST_DAY) == before


def test_isone_ingest_dag_lands_rows(run_dag: Any, admin_conn: Any) -> None:
    """The DAG, run by Airflow for a manual window, lands generated rows for a whole Eastern day."""
    window = Window(datetime(2025, 3, 1, 5, tzinfo=UTC), datetime(2025, 3, 2, 5, tzinfo=UTC))
    dag_run = run_dag("isone_ingest", window.start, window.end)
    assert str(dag_run.state) == "success"
    assert _state(admin_conn, window)[0] == 288 * 8


def test_missing_or_rejected_credential_is_an_auth_error(loader: Any, replay_connections: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a password the task fails at once naming connection 'isone'; a 401 from the service is a
    SourceAuthError too (no retry helps) and nothing is written."""
    from gridcarbon.errors import SourceAuthError

    host = f"{replay_connections.base_url}/isone"
    monkeypatch.setenv("AIRFLOW_CONN_ISONE", json.dumps({"conn_type": "http", "host": host}))
    with pytest.raises(SourceAuthError, match="connection 'isone'"):
        extract_load("isone", DST_DAY, conn=loader)
    monkeypatch.setenv("AIRFLOW_CONN_ISONE", json.dumps({"conn_type": "http", "host": host, "login": "me",
                                                         "password": "wrong"}))
    inject_fault(replay_connections, source="isone", path_contains="genfuelmix", status=401, times=1,
                 body="Unauthorized")
    with pytest.raises(SourceAuthError, match="HTTP 401"):
        extract_load("isone", DST_DAY, conn=loader)
