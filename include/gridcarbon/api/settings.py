"""What the carbon API reads from its environment, once: where the marts are and how much one answer may cover.

The API reads the marts as the Postgres role ``bi_reader`` (USAGE on ``marts`` only: it can read neither raw
nor staging data, nor the household pseudonym key). The connection, first match wins:

1. ``AIRFLOW_CONN_WAREHOUSE_BI`` (a ``postgresql://`` URI, as Airflow reads connections from the environment);
2. the Airflow connection ``warehouse_bi`` (Admin -> Connections, or a secrets backend), when Airflow is
   configured in this process (the API server);
3. the loader's warehouse connection ``AIRFLOW_CONN_WAREHOUSE_POSTGRES`` with the user replaced by
   ``bi_reader`` and the password ``WAREHOUSE_BI_READER_PASSWORD`` (none: trust, as the local cluster has);
4. libpq's ``PGHOST``/``PGPORT`` and the database ``WAREHOUSE_DB`` (default ``gridcarbon``) as ``bi_reader``.

Whatever the URI names as user, the API connects read-only (``default_transaction_read_only``) with a statement
timeout, so a slow query answers 503 instead of holding a worker of the API server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, unquote, urlsplit, urlunsplit

BI_CONN_ID = "warehouse_bi"
BI_ROLE = "bi_reader"
URL_PREFIX = "/gridcarbon"  # where the Airflow plugin mounts the app in the API server


@dataclass(frozen=True)
class ApiSettings:
    """``dsn``: the marts' connection (None: resolved at the first query, see the module docstring)."""

    dsn: str | None = None
    statement_timeout_ms: int = 15_000
    max_connections: int = 4
    zone_cache_seconds: float = 300.0
    # the longest range one answer may cover, by grain
    max_range: Mapping[str, timedelta] | None = None

    def limit(self, grain: str) -> timedelta:
        return (self.max_range or MAX_RANGE)[grain]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if env is None else env
        return cls(dsn=env.get("AIRFLOW_CONN_WAREHOUSE_BI") or None,
                   statement_timeout_ms=int(env.get("GRIDCARBON_API_STATEMENT_TIMEOUT_MS") or 15_000))


MAX_RANGE: dict[str, timedelta] = {
    "15_minutes": timedelta(days=10),
    "hourly": timedelta(days=31),
    "daily": timedelta(days=366),
    "monthly": timedelta(days=3660),
    "yearly": timedelta(days=36600),
    "interval": timedelta(days=31),    # household intervals (8 rows each: 4 models x 2 scopes)
    "day": timedelta(days=400),
    "month": timedelta(days=3660),
    "heatmap": timedelta(days=92),
}


def _postgres_uri(uri: str) -> str:
    return "postgresql://" + uri[len("postgres://"):] if uri.startswith("postgres://") else uri


def _as_bi_reader(uri: str, password: str | None) -> str:
    """``uri`` with user ``bi_reader`` and ``password`` (the loader's password never carries over)."""
    parts = urlsplit(_postgres_uri(uri))
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = quote(BI_ROLE) + (f":{quote(password, safe='')}" if password else "") + "@" + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _from_airflow(conn_id: str) -> str | None:
    """The URI of an Airflow connection from the API server's own secrets backends and metadata database."""
    try:
        from airflow.models.connection import Connection
    except ImportError:  # pragma: no cover - Airflow is in the project venv
        return None
    try:
        conn = Connection.get_connection_from_secrets(conn_id)
    except Exception:  # noqa: BLE001 - "not defined" has several exception types across Airflow versions
        return None
    user = quote(conn.login or BI_ROLE)
    password = f":{quote(conn.password, safe='')}" if conn.password else ""
    port = f":{conn.port}" if conn.port else ""
    return f"postgresql://{user}{password}@{conn.host or ''}{port}/{quote(conn.schema or '')}"


def resolve_bi_dsn(env: Mapping[str, str] | None = None, *, use_airflow: bool = True) -> str:
    """The marts' connection URI in the order of the module docstring."""
    env = os.environ if env is None else env
    if env.get("AIRFLOW_CONN_WAREHOUSE_BI"):
        return _postgres_uri(env["AIRFLOW_CONN_WAREHOUSE_BI"])
    if use_airflow and (uri := _from_airflow(BI_CONN_ID)):
        return uri
    password = env.get("WAREHOUSE_BI_READER_PASSWORD") or None
    if env.get("AIRFLOW_CONN_WAREHOUSE_POSTGRES"):
        return _as_bi_reader(env["AIRFLOW_CONN_WAREHOUSE_POSTGRES"], password)
    host = env.get("PGHOST") or "127.0.0.1"
    port = env.get("PGPORT") or "5432"
    database = env.get("WAREHOUSE_DB") or "gridcarbon"
    return _as_bi_reader(f"postgresql://x@{host}:{port}/{quote(database)}", password)


def redacted(uri: str) -> str:
    """``uri`` without its password, for messages."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def database_of(uri: str) -> str:
    return unquote(urlsplit(uri).path.lstrip("/"))
