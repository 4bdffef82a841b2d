"""The generic loader (``gridcarbon.warehouse.replace_window`` in the caller's ``transaction``) against the real
warehouse.

What a user would see if these failed: a rerun doubling rows or changing them, overlapping runs leaving a
mix of old and new values, a failed load leaving a half-empty window, or bad rows (duplicates, rows outside
the window) written partially.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gridcarbon import warehouse
from gridcarbon.errors import IncompleteAnswerError
from gridcarbon.intervals import Window
from gridcarbon.sources.smard import CHART_VALUES
from gridcarbon.warehouse import LoadError, LoadMeta, connect, replace_window, transaction

T0 = datetime(2024, 1, 1, tzinfo=UTC)
CREATED = datetime(2024, 1, 2, 12, tzinfo=UTC)


@pytest.fixture()
def conn(warehouse_db: str) -> Iterator[Any]:
    connection = connect(warehouse_db)
    try:
        yield connection
    finally:
        connection.close()


def _rows(region: str, start: datetime, hours: int, *, base: float = 100.0, null_every: int = 0) -> list[tuple]:
    """Quarter-hour rows of raw_smard.chart_values for a test-only region."""
    out = []
    for i in range(hours * 4):
        ts = start + timedelta(minutes=15 * i)
        value = None if null_every and i % null_every == 0 else round(base + i * 0.25, 2)
        out.append((9000, region, "quarterhour", ts, value, CREATED, start))
    return out


def _scope(region: str) -> dict[str, Any]:
    return {"filter_id": 9000, "region": region, "resolution": "quarterhour"}


def _load(conn: Any, region: str, window: Window, rows: list[tuple], **kwargs: Any) -> Any:
    """One replacement in a transaction of its own (as a task with one scope does)."""
    with transaction(conn):
        return replace_window(conn, CHART_VALUES, rows, scope=_scope(region), time_column="interval_start_utc",
                              window=window, **kwargs)


@contextmanager
def _between_delete_and_copy(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` once, where the loader serialises the rows for its COPY: after the DELETE, before the COPY."""
    real = warehouse.CopyStream
    pending = [action]

    def copy_stream(rows: Any, suffix: Any = ()) -> Any:
        if pending:
            pending.pop()()
        return real(rows, suffix)

    monkeypatch.setattr(warehouse, "CopyStream", copy_stream)
    yield
    monkeypatch.setattr(warehouse, "CopyStream", real)


def _checksum(admin_conn: Any, region: str) -> tuple[int, str]:
    """Row count and md5 of the ordered rows, without _loaded_at/_run_id (which differ per run)."""
    with admin_conn.cursor() as cur:
        cur.execute(
            "select count(*), md5(coalesce(string_agg(concat_ws('|', filter_id, region, resolution, "
            "interval_start_utc, coalesce(value::text, 'NULL'), meta_created_utc, block_start_utc, _dag_id, "
            "_window_start, _window_end), ';' order by interval_start_utc), '')) "
            "from raw_smard.chart_values where filter_id = 9000 and region = %s", (region,))
        return cur.fetchone()


def _values(admin_conn: Any, region: str) -> dict[datetime, Any]:
    with admin_conn.cursor() as cur:
        cur.execute("select interval_start_utc, value from raw_smard.chart_values where filter_id = 9000 "
                    "and region = %s order by 1", (region,))
        return dict(cur.fetchall())


def test_load_and_reload_give_identical_rows(conn: Any, admin_conn: Any) -> None:
    """Loading a window twice (a rerun) leaves exactly the same rows: same count, same checksum; NULLs stay
    NULL."""
    window = Window(T0, T0 + timedelta(hours=6))
    rows = _rows("T_reload", T0, 6, null_every=5)
    first = _load(conn, "T_reload", window, rows, meta=LoadMeta(dag_id="d", run_id="r1", window=window))
    assert (first.deleted, first.inserted) == (0, 24)
    before = _checksum(admin_conn, "T_reload")
    second = _load(conn, "T_reload", window, rows, meta=LoadMeta(dag_id="d", run_id="r2", window=window))
    assert (second.deleted, second.inserted) == (24, 24)
    assert _checksum(admin_conn, "T_reload") == before
    assert before[0] == 24
    assert sum(v is None for v in _values(admin_conn, "T_reload").values()) == 5


def test_overlapping_windows_newer_load_wins_inside_its_window(conn: Any, admin_conn: Any) -> None:
    """Run A loads 00:00-10:00, run B 05:00-15:00 with revised values: 00:00-05:00 keeps A's values,
    05:00-15:00 has B's, no duplicates."""
    a = Window(T0, T0 + timedelta(hours=10))
    b = Window(T0 + timedelta(hours=5), T0 + timedelta(hours=15))
    _load(conn, "T_overlap", a, _rows("T_overlap", a.start, 10, base=100.0))
    _load(conn, "T_overlap", b, _rows("T_overlap", b.start, 10, base=5000.0))
    values = _values(admin_conn, "T_overlap")
    assert len(values) == 15 * 4
    assert float(values[T0]) == 100.0
    assert float(values[T0 + timedelta(hours=4, minutes=45)]) == 100.0 + 19 * 0.25
    assert float(values[T0 + timedelta(hours=5)]) == 5000.0
    assert float(values[T0 + timedelta(hours=14, minutes=45)]) == 5000.0 + 39 * 0.25


def test_scope_isolates_series(conn: Any, admin_conn: Any) -> None:
    """Replacing one series' window never touches another series in the same window; an empty answer for a
    window already loaded is refused (IncompleteAnswerError), and both series stay as they were."""
    window = Window(T0, T0 + timedelta(hours=2))
    _load(conn, "T_scope_a", window, _rows("T_scope_a", T0, 2))
    _load(conn, "T_scope_b", window, _rows("T_scope_b", T0, 2, base=7.0))
    b_before = _checksum(admin_conn, "T_scope_b")
    _load(conn, "T_scope_a", window, _rows("T_scope_a", T0, 2, base=3.0))
    assert float(_values(admin_conn, "T_scope_a")[T0]) == 3.0
    assert _checksum(admin_conn, "T_scope_b") == b_before
    a_before = _checksum(admin_conn, "T_scope_a")
    with pytest.raises(IncompleteAnswerError, match="8 of 8 published"):
        _load(conn, "T_scope_a", window, [])
    assert _checksum(admin_conn, "T_scope_a") == a_before
    assert _checksum(admin_conn, "T_scope_b") == b_before


def test_failure_between_delete_and_copy_keeps_previous_state(conn: Any, admin_conn: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the DELETE and before the COPY (e.g. the worker dies) rolls back: the window still has
    the previous rows, and the connection is usable afterwards."""
    window = Window(T0, T0 + timedelta(hours=4))
    _load(conn, "T_crash", window, _rows("T_crash", T0, 4))
    before = _checksum(admin_conn, "T_crash")

    def crash() -> None:
        raise RuntimeError("injected failure between DELETE and COPY")

    with pytest.raises(RuntimeError, match="injected failure"), _between_delete_and_copy(monkeypatch, crash):
        _load(conn, "T_crash", window, _rows("T_crash", T0, 4, base=999.0))
    assert _checksum(admin_conn, "T_crash") == before
    _load(conn, "T_crash", window, _rows("T_crash", T0, 4, base=999.0))
    assert float(_values(admin_conn, "T_crash")[T0]) == 999.0


def test_duplicate_keys_raise_and_write_nothing(conn: Any, admin_conn: Any) -> None:
    """Two rows for the same quarter hour are refused with a LoadError naming the key; the stored rows stay."""
    window = Window(T0, T0 + timedelta(hours=1))
    _load(conn, "T_dup", window, _rows("T_dup", T0, 1))
    before = _checksum(admin_conn, "T_dup")
    rows = _rows("T_dup", T0, 1, base=1.0)
    rows.append(rows[0])
    with pytest.raises(LoadError, match="duplicate primary key"):
        _load(conn, "T_dup", window, rows)
    assert _checksum(admin_conn, "T_dup") == before


def test_rows_outside_window_or_scope_raise_and_write_nothing(conn: Any, admin_conn: Any) -> None:
    """A row after the window end (half-open) or of another series is refused; nothing is written."""
    window = Window(T0, T0 + timedelta(hours=1))
    _load(conn, "T_outside", window, _rows("T_outside", T0, 1))
    before = _checksum(admin_conn, "T_outside")
    late = [*_rows("T_outside", T0, 1, base=2.0), (9000, "T_outside", "quarterhour", window.end, 1.0, CREATED, T0)]
    with pytest.raises(LoadError, match="outside the loaded window"):
        _load(conn, "T_outside", window, late)
    other = [*_rows("T_outside", T0, 1, base=3.0), (9000, "T_other", "quarterhour", T0, 1.0, CREATED, T0)]
    with pytest.raises(LoadError, match="outside load scope"):
        _load(conn, "T_outside", window, other)
    assert _checksum(admin_conn, "T_outside") == before
    assert _values(admin_conn, "T_other") == {}


def test_naive_timestamp_is_refused(conn: Any, admin_conn: Any) -> None:
    """A timestamp without time zone would be read in the server's zone: refused, nothing written."""
    window = Window(T0, T0 + timedelta(hours=1))
    rows = _rows("T_naive", T0, 1)
    rows[0] = (*rows[0][:5], CREATED.replace(tzinfo=None), *rows[0][6:])
    with pytest.raises(LoadError, match="naive datetime"):
        _load(conn, "T_naive", window, rows)
    assert _values(admin_conn, "T_naive") == {}


def test_bad_value_after_rows_already_streamed_keeps_previous_state(conn: Any, admin_conn: Any) -> None:
    """The COPY is fed chunk by chunk while the server ingests (``warehouse.CopyStream``). A value that cannot be
    written in a late chunk, after earlier chunks reached the server, still aborts the whole load: the user sees
    the LoadError naming the value (not psycopg2's "COPY from stdin failed"), the window keeps every stored row,
    and the connection serves the next load."""
    hours = 700  # 2,800 rows: more than one chunk
    assert hours * 4 > warehouse._CHUNK_ROWS
    window = Window(T0, T0 + timedelta(hours=hours))
    _load(conn, "T_late_bad", window, _rows("T_late_bad", T0, hours))
    before = _checksum(admin_conn, "T_late_bad")
    rows = _rows("T_late_bad", T0, hours, base=500.0)
    late = warehouse._CHUNK_ROWS + 300
    rows[late] = (*rows[late][:5], CREATED.replace(tzinfo=None), *rows[late][6:])
    with pytest.raises(LoadError, match="naive datetime") as raised:
        _load(conn, "T_late_bad", window, rows)
    assert "QueryCanceled" not in str(raised.value)
    assert _checksum(admin_conn, "T_late_bad") == before
    _load(conn, "T_late_bad", window, _rows("T_late_bad", T0, hours, base=500.0))
    assert float(_values(admin_conn, "T_late_bad")[T0]) == 500.0


def test_concurrent_loads_of_one_scope_take_turns(warehouse_db: str, admin_conn: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs replacing overlapping windows of one series at the same time (a backfill beside a scheduled
    run, both with a lookback) both succeed, and the rows are those of the load that committed last. Before
    the loader's advisory lock the second COPY failed with UniqueViolation on the first one's rows (seen
    under the real scheduler with tibber_ingest's prices)."""
    import threading

    window = Window(T0, T0 + timedelta(hours=2))
    first_rows = _rows("T_concurrent", T0, 2, base=100.0)
    second_rows = _rows("T_concurrent", T0, 2, base=200.0)
    errors: list[BaseException] = []
    first, second = connect(warehouse_db), connect(warehouse_db)

    def second_load() -> None:
        try:
            _load(second, "T_concurrent", window, second_rows, meta=LoadMeta(dag_id="d", run_id="b", window=window))
        except Exception as exc:  # noqa: BLE001 - reported below with the test's failure
            errors.append(exc)

    thread = threading.Thread(target=second_load)

    def start_second_between_delete_and_copy() -> None:
        thread.start()
        thread.join(timeout=1.0)  # give it time to run into the first load's uncommitted rows

    try:
        with _between_delete_and_copy(monkeypatch, start_second_between_delete_and_copy):
            _load(first, "T_concurrent", window, first_rows, meta=LoadMeta(dag_id="d", run_id="a", window=window))
        thread.join(timeout=60)
        assert not thread.is_alive(), "the second load never finished"
        assert not errors, f"the concurrent load failed: {errors[0]!r}"
        assert list(_values(admin_conn, "T_concurrent").values()) == [row[4] for row in second_rows]
    finally:
        first.close()
        second.close()
