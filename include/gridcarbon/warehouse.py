"""Loading into the Postgres warehouse.

Every raw table is described once by a ``RawTable`` (columns, primary key). A load *replaces a window*: it
deletes the rows of one scope (e.g. one SMARD series) inside the fetched window and COPYs the fresh rows
straight into the table. **The caller owns the transaction**: ``replace_window`` never commits; the caller
composes one or several replacements (EIA: one per balancing authority; Tibber: every home's tables) inside
``with transaction(conn):``, which commits them together or rolls them all back. That gives:

- idempotent reruns (same interval, same rows, same checksum);
- revisions applied (a revised value replaces the old one because the whole fetched window is replaced);
- nothing partial (any error, also one between DELETE and COPY, rolls the whole transaction back);
- close to bare-COPY throughput (measured in ``bench/``; COPY into a temp table + ``INSERT .. ON CONFLICT``
  reached only ~0.45x).

Rows are validated before the transaction starts: every row must lie in the declared scope and window, and no
two rows may share a primary key. A violation raises ``LoadError`` and writes nothing.

A load never shrinks published data without saying so. A table that declares ``Completeness`` names its value
columns and what one series is; inside the transaction, before anything is deleted, the stored coverage of the
window (every series and interval, or hour, that holds a published value) is compared with the answer. An
answer that would delete or NULL a published value (an empty or cut-short answer, a file that stops at noon,
values that came back all NULL) raises ``IncompleteAnswerError`` naming source, URL, window, expected vs
received and the first missing intervals, and changes nothing: the stored values stay, the task fails, and
Airflow's retries ask again. A source that documents withdrawing rows (``withdraws=True``) may shrink; only an
empty answer over stored rows is refused there.

Errors keep their cause: a database error during the load (a terminated backend, a duplicate key written by
a concurrent load of the same window) raises ``LoadError`` naming source, URL (``LoadMeta.url``, when the caller
gives it), window, table and scope, with the database error as ``__cause__``; ``transaction`` rolls back, and a
failing rollback on a dead connection is logged, never raised over the error that matters.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from itertools import islice
from operator import attrgetter
from typing import Any

from gridcarbon.errors import IncompleteAnswerError, LoadError
from gridcarbon.intervals import Window

log = logging.getLogger(__name__)

WAREHOUSE_CONN_ID = "warehouse_postgres"
LOAD_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_loaded_at", "timestamptz not null"),
    ("_dag_id", "text"),
    ("_run_id", "text"),
    ("_window_start", "timestamptz"),
    ("_window_end", "timestamptz"),
)


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str = ""


@dataclass(frozen=True)
class Completeness:
    """What a complete answer keeps: every (series, interval) of the window that holds a published value.

    ``series``: columns that tell series apart inside one load scope (besides the scope's own columns).
    ``values``: the value columns; a row is *published* when any of them is not NULL.
    ``bucket``: ``"hour"`` compares coverage by UTC hour, so an answer at another resolution (four quarter-hours
    for an hour) covers the same hour; ``None`` compares exact interval starts.
    ``withdraws``: the source documents that it withdraws or re-keys rows (corrected redispatch measures, plants
    leaving a list); then only an empty answer over stored rows is refused.
    """

    series: tuple[str, ...]
    values: tuple[str, ...]
    bucket: str | None = None
    withdraws: bool = False


@dataclass(frozen=True)
class RawTable:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    description: str = ""
    with_load_metadata: bool = True
    completeness: Completeness | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def ddl(self) -> str:
        cols = [f"    {c.name} {c.sql_type}" for c in self.columns]
        if self.with_load_metadata:
            cols += [f"    {name} {sql_type}" for name, sql_type in LOAD_METADATA_COLUMNS]
        cols.append(f"    primary key ({', '.join(self.primary_key)})")
        body = ",\n".join(cols)
        stmts = [f"create table if not exists {self.qualified} (\n{body}\n);"]
        if self.description:
            stmts.append(f"comment on table {self.qualified} is {_sql_literal(self.description)};")
        for c in self.columns:
            if c.description:
                stmts.append(f"comment on column {self.qualified}.{c.name} is {_sql_literal(c.description)};")
        return "\n".join(stmts)


def sql(sql_type: str, description: str = "") -> dict[str, tuple[str, str]]:
    """The metadata of a ``Record`` field that is a column of its raw table:
    ``iso: str = field(metadata=sql("text not null", "the ISO"))``."""
    return {"column": (sql_type, description)}


@cache
def _row_getter(record: type) -> Any:
    return attrgetter(*(f.name for f in fields(record)))


class Record:
    """A typed record that is one row of a raw table: a frozen dataclass whose fields, in order, are the table's
    columns, each declared once with its Python type, SQL type and description (``sql``)."""

    __slots__ = ()

    @classmethod
    def columns(cls) -> tuple[Column, ...]:
        return tuple(Column(f.name, *f.metadata["column"]) for f in fields(cls))  # type: ignore[arg-type]

    @classmethod
    def table(cls, schema: str, name: str, *, primary_key: tuple[str, ...], description: str = "",
              completeness: Completeness | None = None) -> RawTable:
        """The raw table whose rows these records are."""
        return RawTable(schema, name, cls.columns(), primary_key, description=description, completeness=completeness)

    def row(self) -> tuple[Any, ...]:
        """The record's values in column order (what ``replace_window`` takes)."""
        return tuple(_row_getter(type(self))(self))


@dataclass(frozen=True)
class LoadMeta:
    """Who loaded the rows: stored in the ``_*`` columns of every raw row."""

    dag_id: str | None = None
    run_id: str | None = None
    window: Window | None = None
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    url: str | None = None  # where the rows came from (redacted): named in load errors, not stored


@dataclass(frozen=True)
class LoadResult:
    table: str
    deleted: int
    inserted: int


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in Postgres COPY text format (the general, slow path; see ``CopyStream`` for fast paths)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise LoadError(f"naive datetime {value!r}: every timestamp must carry a time zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    text = str(value)
    if any(ch in text for ch in "\\\t\n\r"):
        text = text.translate(_ESCAPES)
    return text


class CopyStream:
    """Rows as Postgres COPY text (tab-separated, ``\\N`` for NULL), serialised while the COPY reads them.

    ``cursor.copy_expert(sql, CopyStream(rows))`` calls ``read()`` for the next chunk (``_CHUNK_ROWS`` whole
    rows) and sends it before asking for the next one, so the server parses and inserts one chunk while Python
    serialises the following one: on two cores the loader's serialisation and the database's ingest overlap
    instead of taking turns (``bench/bench_load_throughput.py``). ``suffix`` holds values appended to every row
    (the load metadata), serialised once.

    Serialisation is the loader's hot loop: it dispatches on the exact type with fast paths for
    float/int/None/str and caches the text of repeated timestamps (interval keys repeat across series, metadata
    on every row). A value that cannot be written (a naive datetime) raises ``LoadError`` from ``read()``; psycopg2
    then aborts the COPY and raises its own ``QueryCanceled``, so the error is also kept in ``error`` for the
    caller to raise instead (``replace_window`` does).
    """

    def __init__(self, rows: Iterable[Sequence[Any]], suffix: Sequence[Any] = ()) -> None:
        self._rows = iter(rows)
        self._tail = "".join("\t" + _copy_text(v) for v in suffix) + "\n"
        self._cache: dict[datetime, str] = {}
        self.error: BaseException | None = None

    def _text(self, value: Any) -> str:
        kind = type(value)
        if kind is float or kind is int:
            return str(value)
        if value is None:
            return "\\N"
        if kind is str:
            return value.translate(_ESCAPES) if ("\\" in value or "\t" in value or "\n" in value
                                                 or "\r" in value) else value
        if kind is datetime:
            out = self._cache.get(value)
            if out is None:
                out = self._cache[value] = _copy_text(value)
            return out
        return _copy_text(value)

    def read(self, size: int = -1) -> str:
        """The next ``_CHUNK_ROWS`` whole rows, whatever ``size`` >= 0 asks for (psycopg2 sends a chunk of any
        length); with ``size`` None or < 0 (``io``'s "read all") everything left; ``""`` at the end."""
        text, tail = self._text, self._tail
        chunk = self._rows if size is None or size < 0 else islice(self._rows, _CHUNK_ROWS)
        try:
            return "".join(["\t".join([text(v) for v in row]) + tail for row in chunk])
        except Exception as exc:
            self.error = exc
            raise


_CHUNK_ROWS = 2000


def connect(dsn: str | None = None) -> Any:
    """A psycopg2 connection to the warehouse.

    Order: the ``dsn`` argument, ``AIRFLOW_CONN_WAREHOUSE_POSTGRES`` (a ``postgresql://`` URI, as Airflow
    reads it), then Airflow's ``warehouse_postgres`` connection through the Postgres provider.
    """
    import psycopg2

    from gridcarbon.connections import mask_configured_secrets

    mask_configured_secrets()  # database passwords of the environment never reach a log line
    dsn = dsn or os.environ.get("AIRFLOW_CONN_WAREHOUSE_POSTGRES")
    if dsn:
        if dsn.startswith("postgres://"):
            dsn = "postgresql://" + dsn[len("postgres://"):]
        return psycopg2.connect(dsn)
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=WAREHOUSE_CONN_ID).get_conn()


@contextmanager
def transaction(conn: Any, *, source: str = "warehouse", url: str | None = None,
                window: Window | None = None) -> Iterator[Any]:
    """One transaction on ``conn``: what the block writes is committed when it ends, or rolled back (quietly on a
    dead connection) when it raises. The caller composes loads in it::

        with transaction(conn):
            for scope in scopes:
                replace_window(conn, table, rows_of[scope], scope=scope, ...)

    A connection in autocommit mode is switched off for the block. A failing commit raises ``LoadError`` naming
    ``source``, ``url`` and ``window``, with the database error as ``__cause__``.
    """
    autocommit = bool(getattr(conn, "autocommit", False))
    if autocommit:
        conn.autocommit = False
    try:
        yield conn
        try:
            conn.commit()
        except Exception as exc:
            if not (type(exc).__module__ or "").startswith("psycopg2"):
                raise
            raise LoadError(f"commit failed ({type(exc).__name__}: {str(exc).strip()})", source=source, url=url,
                            start=window.start if window else None, end=window.end if window else None) from exc
    except BaseException:
        rollback_quietly(conn)
        raise
    finally:
        if autocommit and not getattr(conn, "closed", False):
            conn.autocommit = True


def ensure_table(conn: Any, table: RawTable) -> None:
    with conn.cursor() as cur:
        cur.execute(f"create schema if not exists {table.schema}")
        cur.execute(table.ddl())


def _validate(
    table: RawTable,
    rows: list[Sequence[Any]],
    scope: Mapping[str, Any],
    time_column: str | None,
    window: Window | None,
) -> None:
    names = table.column_names
    idx = {n: i for i, n in enumerate(names)}
    key_idx = [idx[k] for k in table.primary_key]
    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        if len(row) != len(names):
            raise LoadError(f"{table.qualified}: row has {len(row)} values, table has {len(names)} columns: {row!r}")
        for col, expected in scope.items():
            if row[idx[col]] != expected:
                raise LoadError(f"{table.qualified}: row outside load scope {col}={expected!r}: {row!r}")
        if time_column is not None and window is not None:
            ts = row[idx[time_column]]
            if not (window.start <= ts < window.end):
                raise LoadError(f"{table.qualified}: {time_column}={ts!r} outside the loaded window {window}")
        key = tuple(row[i] for i in key_idx)
        if key in seen:
            shown = dict(zip(table.primary_key, key, strict=True))
            raise LoadError(f"{table.qualified}: duplicate primary key {shown}")
        seen.add(key)


def replace_window(
    conn: Any,
    table: RawTable,
    rows: Iterable[Sequence[Any]],
    *,
    scope: Mapping[str, Any] | None = None,
    time_column: str | None = None,
    window: Window | None = None,
    meta: LoadMeta | None = None,
    source: str | None = None,
    url: str | None = None,
) -> LoadResult:
    """Replace the rows of ``scope`` whose ``time_column`` lies in ``window`` by ``rows``, in the caller's
    transaction (``with transaction(conn):``; nothing is committed here).

    ``rows`` hold the table's columns in order (without the load metadata columns, which are appended).
    With neither ``time_column`` nor ``window`` the whole scope is replaced. Load errors name ``source``
    (default: the schema without ``raw_``) and ``url`` (default: ``meta.url``).
    """
    scope = dict(scope or {})
    meta = meta or LoadMeta(window=window)
    where_ = {"source": source or table.schema.removeprefix("raw_"), "url": url or meta.url,
              "start": window.start if window else None, "end": window.end if window else None}
    materialised = list(rows)
    try:
        _validate(table, materialised, scope, time_column, window)
    except LoadError as exc:
        raise LoadError(exc.detail, **where_) from None
    suffix: tuple[Any, ...] = ()
    columns = table.column_names
    if table.with_load_metadata:
        suffix = (meta.loaded_at, meta.dag_id, meta.run_id,
                  meta.window.start if meta.window else None, meta.window.end if meta.window else None)
        columns += tuple(n for n, _ in LOAD_METADATA_COLUMNS)

    where = [f"{col} = %s" for col in scope]
    params: list[Any] = list(scope.values())
    if time_column is not None and window is not None:
        where += [f"{time_column} >= %s", f"{time_column} < %s"]
        params += [window.start, window.end]
    delete_sql = f"delete from {table.qualified}" + (f" where {' and '.join(where)}" if where else "")

    # Concurrent runs replace overlapping windows of one scope (a backfill beside scheduled runs, lookbacks,
    # a day's prices seen by every hourly run). Under READ COMMITTED the second DELETE cannot see rows the first
    # transaction inserted, so its COPY hit their primary keys (UniqueViolation). One transaction-scoped
    # advisory lock per table and scope makes such loads take turns; the DELETE then sees the committed rows.
    lock_key = json.dumps(sorted((k, str(v)) for k, v in scope.items()))
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_xact_lock(hashtext(%s), hashtext(%s))", (table.qualified, lock_key))
            if table.completeness is not None:
                _refuse_shrinking(cur, table, table.completeness, materialised, where, params, time_column,
                                  scope, where_)
            cur.execute(delete_sql, params)
            deleted = cur.rowcount
            stream = CopyStream(materialised, suffix)
            try:
                cur.copy_expert(f"copy {table.qualified} ({', '.join(columns)}) from stdin", stream)
            except Exception:
                if stream.error is not None:  # psycopg2 reports a failed read() as QueryCanceled: say what failed
                    raise stream.error from None
                raise
    except Exception as exc:
        error = as_load_error(exc, table, scope, **where_)
        if error is exc:
            raise
        raise error from exc
    log.info("%s: replaced %d rows by %d rows (scope %s, window %s)", table.qualified, deleted,
             len(materialised), scope or "all", window)
    return LoadResult(table=table.qualified, deleted=deleted, inserted=len(materialised))


_BUCKET_UNITS = ("hour",)
_SHOWN_MISSING = 5


def _bucket(ts: datetime, unit: str | None) -> datetime:
    ts = ts.astimezone(UTC)
    return ts.replace(minute=0, second=0, microsecond=0) if unit == "hour" else ts


def _refuse_shrinking(
    cur: Any,
    table: RawTable,
    rule: Completeness,
    rows: list[Sequence[Any]],
    where: list[str],
    params: list[Any],
    time_column: str | None,
    scope: Mapping[str, Any],
    where_: Mapping[str, Any],
) -> None:
    """Raise ``IncompleteAnswerError`` when ``rows`` would delete or NULL a published value of the window.

    Runs under the load's advisory lock, before the DELETE, so the comparison sees what the DELETE would remove.
    """
    if rule.bucket not in (None, *_BUCKET_UNITS):
        raise ValueError(f"{table.qualified}: unknown completeness bucket {rule.bucket!r}")
    published = " or ".join(f"{v} is not null" for v in rule.values)
    keys = list(rule.series)
    if time_column is not None:
        keys.append(f"date_trunc('hour', {time_column} at time zone 'UTC') at time zone 'UTC'"
                    if rule.bucket == "hour" else time_column)
    select_keys = ", ".join(keys) if keys else "true"
    conditions = [*where, f"({published})"]
    cur.execute(f"select distinct {select_keys} from {table.qualified} where {' and '.join(conditions)}", params)
    stored = {tuple(r) for r in cur.fetchall()}
    if not stored:
        return
    idx = {n: i for i, n in enumerate(table.column_names)}
    value_idx = [idx[v] for v in rule.values]
    series_idx = [idx[c] for c in rule.series]
    received: set[tuple[Any, ...]] = set()
    for row in rows:
        if all(row[i] is None for i in value_idx):
            continue
        key = tuple(row[i] for i in series_idx)
        if time_column is not None:
            key += (_bucket(row[idx[time_column]], rule.bucket),)
        elif not keys:
            key = (True,)
        received.add(key)
    if time_column is not None:
        stored = {(*k[:-1], _bucket(k[-1], rule.bucket)) for k in stored}
    missing = stored - received
    if rule.withdraws:
        if received:
            return
        missing = stored
    if not missing:
        return
    unit = "hour" if rule.bucket == "hour" else ("interval" if time_column else "row")
    shown = ", ".join(_describe_key(k, rule.series, time_column) for k in sorted(missing, key=repr)[:_SHOWN_MISSING])
    more = f" and {len(missing) - _SHOWN_MISSING} more" if len(missing) > _SHOWN_MISSING else ""
    raise IncompleteAnswerError(
        f"{table.qualified} scope {dict(scope) or 'all'}: the answer would delete or blank {len(missing)} of "
        f"{len(stored)} published {unit}(s) (expected {len(stored)}, received {len(received)} with values; "
        f"missing: {shown}{more}). Nothing was changed; the stored values stay. An empty, cut-short or "
        f"not-yet-published answer is retried by Airflow; if the source really withdrew these values, delete "
        f"them in {table.qualified} by hand and rerun",
        source=where_["source"], url=where_["url"], start=where_["start"], end=where_["end"],
        expected=len(stored), received=len(received),
    )


def _describe_key(key: tuple[Any, ...], series: Sequence[str], time_column: str | None) -> str:
    parts = [f"{name}={value}" for name, value in zip(series, key, strict=False)]
    if time_column is not None:
        parts.append(key[-1].isoformat())
    return "/".join(parts) or "all rows"


def rollback_quietly(conn: Any) -> None:
    """Roll back; if the connection is already gone (the server ended it, which rolled the transaction back),
    log that instead of raising ``InterfaceError: connection already closed`` over the real error."""
    try:
        conn.rollback()
    except Exception as exc:  # noqa: BLE001 - the error being handled is the one to raise
        log.warning("rollback failed (%s: %s); the server has rolled the transaction back with the connection",
                    type(exc).__name__, str(exc).strip())


def as_load_error(exc: BaseException, table: RawTable, scope: Mapping[str, Any] | None = None, *,
                  source: str, url: str | None = None, start: datetime | None = None,
                  end: datetime | None = None) -> BaseException:
    """``exc`` as a LoadError naming source, URL, window, table and scope (raise it ``from exc``); errors that
    are not about the load (e.g. KeyboardInterrupt) are returned unchanged."""
    where = {"source": source, "url": url, "start": start, "end": end}
    if isinstance(exc, LoadError):
        return exc if exc.source != "warehouse" else LoadError(exc.detail, **where)
    module = type(exc).__module__ or ""
    if not module.startswith("psycopg2"):
        return exc
    cause = f"{type(exc).__name__}: {str(exc).strip()}"
    if type(exc).__name__ == "UniqueViolation":
        message = (f"{table.qualified} scope {dict(scope or {})}: duplicate key while inserting; another load of "
                   f"the same rows committed first (overlapping runs of one source?) ({cause})")
    else:
        message = f"{table.qualified} scope {dict(scope or {})}: database error during the load ({cause})"
    return LoadError(message, **where)
