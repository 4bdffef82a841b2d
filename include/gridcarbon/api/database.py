"""Read-only access to the marts as ``bi_reader``: a small connection pool, opened at the first query.

Every query runs in a read-only transaction with a statement timeout. A database that cannot answer (down,
marts not built yet, a query over the timeout) becomes :class:`MartsUnavailable`, which the app answers with
HTTP 503 and a sentence saying why; a value Postgres refuses (a time zone its tzdata lacks) is a 422.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from gridcarbon.api.errors import ApiError
from gridcarbon.api.settings import ApiSettings, redacted, resolve_bi_dsn

log = logging.getLogger(__name__)


class MartsUnavailable(Exception):
    """The marts cannot answer now (connection refused, relation missing, statement timeout)."""


class MartsReader:
    """Runs SELECTs on the marts; thread-safe (FastAPI runs sync endpoints in a thread pool)."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self._pool: Any = None
        self._dsn: str | None = settings.dsn
        self._lock = threading.Lock()
        # a request waits for a free connection (up to the statement timeout) instead of failing at once
        self._slots = threading.BoundedSemaphore(settings.max_connections)

    @property
    def dsn(self) -> str:
        if self._dsn is None:
            self._dsn = resolve_bi_dsn()
        return self._dsn

    def _get_pool(self) -> Any:
        from psycopg2.pool import ThreadedConnectionPool

        with self._lock:
            if self._pool is None:
                options = (f"-c default_transaction_read_only=on "
                           f"-c statement_timeout={int(self.settings.statement_timeout_ms)}")
                self._pool = ThreadedConnectionPool(0, self.settings.max_connections, self.dsn,
                                                    options=options, application_name="gridcarbon-carbon-api",
                                                    connect_timeout=10)
            return self._pool

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        import psycopg2

        if not self._slots.acquire(timeout=self.settings.statement_timeout_ms / 1000):
            raise MartsUnavailable(f"all {self.settings.max_connections} warehouse connections stayed busy for "
                                   f"{self.settings.statement_timeout_ms} ms")
        try:
            try:
                pool = self._get_pool()
                conn = pool.getconn()
            except psycopg2.OperationalError as exc:
                raise MartsUnavailable(f"cannot connect to the warehouse at {redacted(self.dsn)} as bi_reader: "
                                       f"{str(exc).strip()}") from exc
            broken = False
            try:
                yield conn
            except psycopg2.Error:
                broken = conn.closed != 0
                raise
            finally:
                try:
                    if not conn.closed:
                        conn.rollback()
                except psycopg2.Error:
                    broken = True
                pool.putconn(conn, close=broken or bool(conn.closed))
        finally:
            self._slots.release()

    def rows(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """The rows of one SELECT as dicts (column name -> value)."""
        import psycopg2
        from psycopg2 import errors

        try:
            with self._connection() as conn, conn.cursor() as cur:
                cur.execute(sql, params)
                names = [c.name for c in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        except errors.UndefinedTable as exc:
            raise MartsUnavailable(f"the marts are not built yet in this warehouse ({str(exc).splitlines()[0]}): "
                                   "run the transform_warehouse DAG") from exc
        except errors.QueryCanceled as exc:
            raise MartsUnavailable(f"the query took longer than {self.settings.statement_timeout_ms} ms; "
                                   "ask for a shorter range") from exc
        except errors.InsufficientPrivilege as exc:
            raise MartsUnavailable(f"bi_reader may not read this: {str(exc).splitlines()[0]}") from exc
        except psycopg2.OperationalError as exc:
            raise MartsUnavailable(f"the warehouse connection failed: {str(exc).strip()}") from exc
        except psycopg2.DataError as exc:  # a value Postgres refuses (e.g. a time zone its tzdata lacks)
            raise ApiError(422, f"the warehouse refused a parameter: {str(exc).splitlines()[0]}") from exc

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.closeall()
                self._pool = None
