"""Load errors keep their cause and say where: source, URL (where the loader knows it), window, table, scope.

Case | what the user saw before | test
- the backend terminated (``pg_terminate_backend``) between DELETE and COPY | ``InterfaceError: connection
  already closed`` from the rollback; the shutdown itself only in the chained traceback
  | ``test_terminated_backend_mid_load_names_the_cause``
- the backend terminated before an EIA route load | the same ``InterfaceError``, raised by the route's own
  rollback | ``test_eia_load_on_a_dead_connection_names_source_url_window``
- a duplicate EIA row | ``LoadError: raw_eia...: duplicate primary key`` without source, URL or interval
  | ``test_duplicate_eia_row_names_source_url_window``
- the losing writer of two concurrent loads of one window | bare ``UniqueViolation``
  | ``test_concurrent_writer_unique_violation_is_named``
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg2
import pytest

from gridcarbon import warehouse
from gridcarbon.intervals import Window
from gridcarbon.sources import eia
from gridcarbon.sources.smard import CHART_VALUES
from gridcarbon.warehouse import LoadError, LoadMeta, connect, replace_window, transaction

pytestmark = pytest.mark.integration

T0 = datetime(2024, 5, 1, tzinfo=UTC)
WINDOW = Window(T0, T0 + timedelta(hours=1))
SCOPE = {"filter_id": 9100, "region": "ERR", "resolution": "quarterhour"}
EIA_URL = "http://127.0.0.1:1/eia/v2/electricity/rto/fuel-type-data/data/"


def rows(base: float = 1.0) -> list[tuple]:
    return [(9100, "ERR", "quarterhour", T0 + timedelta(minutes=15 * i), base + i, T0, T0) for i in range(4)]


def load(conn: Any, data: list[tuple], **kwargs: Any) -> Any:
    """One replacement in its own transaction, as a task with one scope does."""
    with transaction(conn):
        return replace_window(conn, CHART_VALUES, data, scope=SCOPE, time_column="interval_start_utc",
                              window=WINDOW, **kwargs)


def terminate_before_the_copy(monkeypatch: pytest.MonkeyPatch, admin_conn: Any, conn: Any) -> None:
    """Terminate ``conn``'s backend where the loader serialises its rows: after the DELETE, before the COPY."""
    real = warehouse.CopyStream

    def copy_stream(rows: Any, suffix: Any = ()) -> Any:
        terminate(admin_conn, conn)
        return real(rows, suffix)

    monkeypatch.setattr(warehouse, "CopyStream", copy_stream)


def terminate(admin_conn: Any, conn: Any) -> None:
    with admin_conn.cursor() as cur:
        cur.execute("select pg_terminate_backend(%s)", (conn.get_backend_pid(),))


def assert_where(error: LoadError, source: str, *, url: str | None = None) -> str:
    message = str(error)
    print(message)
    assert f"source={source}" in message
    assert "interval=[" in message
    if url:
        assert f"url={url}" in message
    return message


def test_terminated_backend_mid_load_names_the_cause(warehouse_db: str, admin_conn: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    conn = connect(warehouse_db)
    terminate_before_the_copy(monkeypatch, admin_conn, conn)
    try:
        with pytest.raises(LoadError) as caught:
            load(conn, rows())
    finally:
        conn.close()
    message = assert_where(caught.value, "smard")
    assert f"interval=[{WINDOW.start.isoformat()}, {WINDOW.end.isoformat()})" in message
    assert "raw_smard.chart_values" in message
    assert "terminating connection" in message or "server closed the connection" in message
    assert isinstance(caught.value.__cause__, psycopg2.Error)
    assert not isinstance(caught.value.__cause__, psycopg2.InterfaceError), caught.value.__cause__


def test_eia_load_on_a_dead_connection_names_source_url_window(warehouse_db: str, admin_conn: Any) -> None:
    hours = WINDOW
    record = eia.FuelTypeRecord("CISO", "NG", hours.start, Decimal("1"), "x", "Natural Gas", "megawatthours")
    conn = connect(warehouse_db)
    try:
        with conn.cursor() as cur:
            cur.execute("select 1")
        conn.commit()
        terminate(admin_conn, conn)
        with pytest.raises(LoadError) as caught, transaction(conn):
            eia.load(conn, eia.RouteRecords(eia.ROUTES["fuel-type-data"], ("CISO",), [record]), hours,
                     LoadMeta(window=hours, url=EIA_URL))
    finally:
        conn.close()
    message = assert_where(caught.value, "eia", url=EIA_URL)
    assert "database error during the load" in message
    assert isinstance(caught.value.__cause__, psycopg2.OperationalError), repr(caught.value.__cause__)


def test_duplicate_eia_row_names_source_url_window(warehouse_db: str) -> None:
    hours = WINDOW
    dup = eia.FuelTypeRecord("PJM", "NG", hours.start, Decimal("2"), "x", "Natural Gas", "megawatthours")
    conn = connect(warehouse_db)
    try:
        with pytest.raises(LoadError, match="duplicate primary key") as caught, transaction(conn):
            eia.load(conn, eia.RouteRecords(eia.ROUTES["fuel-type-data"], ("PJM",), [dup, dup]), hours,
                     LoadMeta(window=hours, url=EIA_URL))
    finally:
        conn.close()
    message = assert_where(caught.value, "eia", url=EIA_URL)
    assert f"interval=[{hours.start.isoformat()}, {hours.end.isoformat()})" in message


def test_concurrent_writer_unique_violation_is_named(warehouse_db: str, admin_conn: Any) -> None:
    """Another transaction inserts the window's first row and commits while our COPY waits on it."""
    other = connect(warehouse_db)
    ours = connect(warehouse_db)
    outcome: dict[str, BaseException | None] = {}
    try:
        load(ours, [])  # nothing stored
        with other.cursor() as cur:
            cur.execute("insert into raw_smard.chart_values (filter_id, region, resolution, interval_start_utc, "
                        "value, meta_created_utc, block_start_utc, _loaded_at) values (9100, 'ERR', 'quarterhour', "
                        "%s, 99, %s, %s, now())", (T0, T0, T0))  # not committed yet

        def run() -> None:
            try:
                load(ours, rows())
                outcome["error"] = None
            except BaseException as exc:  # noqa: BLE001 - handed to the test thread
                outcome["error"] = exc

        worker = threading.Thread(target=run)
        worker.start()
        with admin_conn.cursor() as cur:  # wait until our COPY blocks on the other writer's row
            for _ in range(600):
                cur.execute("select wait_event_type from pg_stat_activity where pid = %s",
                            (ours.get_backend_pid(),))
                state = cur.fetchone()
                if state and state[0] == "Lock":
                    break
                threading.Event().wait(0.05)
        other.commit()
        worker.join(60)
        assert not worker.is_alive(), "the load never finished"
    finally:
        other.close()
        ours.close()
    error = outcome.get("error")
    assert isinstance(error, LoadError), repr(error)
    message = assert_where(error, "smard")
    assert "another load of the same rows committed first" in message and "UniqueViolation" in message
    assert type(error.__cause__).__name__ == "UniqueViolation"
