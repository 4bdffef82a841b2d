"""Upstream endpoints are Airflow connections: host = base URL, password/extra = credential.

``resolve_endpoint("smard", default_url)`` looks the connection up the way Airflow does (inside a task the
task SDK asks the API server, which also sees ``AIRFLOW_CONN_*`` variables; outside a task, for tests and
scripts, it reads ``AIRFLOW_CONN_<ID>`` directly). A connection that is not defined means: use the real public
URL. The credential is kept in an object whose ``repr`` never shows it.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoint:
    conn_id: str
    base_url: str
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def _base_url_from(conn_type: str | None, host: str | None, port: int | None, schema: str | None) -> str | None:
    if not host:
        return None
    if "://" in host:
        return host.rstrip("/")
    scheme = conn_type if conn_type in ("http", "https") else "https"
    if schema and schema.lower() in ("http", "https"):
        # Airflow's HTTP connection form (HttpHook) uses *Schema* for the URL scheme, not for a path
        scheme, schema = schema.lower(), None
    netloc = f"{host}:{port}" if port else host
    path = f"/{schema.strip('/')}" if schema else ""
    return f"{scheme}://{netloc}{path}"


def _from_env(conn_id: str) -> dict[str, Any] | None:
    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not raw:
        return None
    raw = raw.strip()
    if raw.startswith("{"):
        data = json.loads(raw)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra) if extra else {}
        return {
            "conn_type": data.get("conn_type"),
            "host": data.get("host"),
            "port": data.get("port"),
            "schema": data.get("schema"),
            "login": data.get("login"),
            "password": data.get("password"),
            "extra": extra,
        }
    parts = urlsplit(raw)
    conn_type = parts.scheme.replace("-", "_")
    # Airflow URI form: http://user:pass@host:port/schema?extra. A host that is itself a URL is
    # percent-encoded (http://https%3A%2F%2Fhost%2Fpath); unquote it.
    host = unquote(parts.hostname or "") if parts.hostname else None
    if host and "%3a" in (parts.netloc.lower()):
        host = unquote(parts.netloc.rsplit("@", 1)[-1])
    return {
        "conn_type": conn_type,
        "host": host,
        "port": parts.port if host and "://" not in host else None,
        "schema": unquote(parts.path.lstrip("/")) or None,
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "extra": {},
    }


def _from_airflow(conn_id: str) -> dict[str, Any] | None:
    try:
        from airflow.sdk import BaseHook  # imported lazily: DAG files stay fast, tests need no Airflow
    except ImportError:  # pragma: no cover - Airflow is in the project venv
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:  # noqa: BLE001 - "not defined" has several exception types across Airflow versions
        return None
    return {
        "conn_type": conn.conn_type,
        "host": conn.host,
        "port": conn.port,
        "schema": conn.schema,
        "login": conn.login,
        "password": conn.password,
        "extra": conn.extra_dejson or {},
    }


# Database passwords the stack reads from the environment (docker-compose, .env, scripts/env.sh), and the key of
# the household pseudonyms (written into the warehouse by gridcarbon.bootstrap).
SECRET_ENV_VARS = ("WAREHOUSE_LOADER_PASSWORD", "WAREHOUSE_TRANSFORMER_PASSWORD", "WAREHOUSE_BI_READER_PASSWORD",
                   "POSTGRES_PASSWORD", "PGPASSWORD", "DBT_PASSWORD", "GRIDCARBON_PSEUDONYM_KEY")
_SENSITIVE_KEY = re.compile(r"secret|token|password|passwd|api_?key|credential|private|auth", re.I)


def _sensitive_values(data: dict[str, Any]) -> list[str]:
    values = [data.get("password")]
    values += [v for k, v in (data.get("extra") or {}).items() if _SENSITIVE_KEY.search(str(k))]
    return [v for v in values if isinstance(v, str) and v]


def mask_configured_secrets() -> None:
    """Register every secret configured in this process's environment with the masker
    (``gridcarbon.http.register_secret``: our ``redact``, every log record, Airflow's task-log masker): the
    database passwords and pseudonym key of ``SECRET_ENV_VARS`` and the password and sensitive extras of every
    ``AIRFLOW_CONN_*`` (which Airflow itself does not mask when we read them from the environment)."""
    from gridcarbon.http import register_secret

    for name in SECRET_ENV_VARS:
        register_secret(os.environ.get(name))
    for name in [k for k in os.environ if k.startswith("AIRFLOW_CONN_")]:
        try:
            data = _from_env(name.removeprefix("AIRFLOW_CONN_"))
        except ValueError:  # a malformed variable is reported where it is used
            continue
        for value in _sensitive_values(data or {}):
            register_secret(value)


def resolve_endpoint(conn_id: str, default_url: str) -> Endpoint:
    """The endpoint of connection ``conn_id``; every configured secret is registered with the masker first
    (this is the task boundary: each source task resolves its connection before it sends anything)."""
    from gridcarbon.http import register_secret

    mask_configured_secrets()
    data = _from_env(conn_id) or _from_airflow(conn_id)
    for value in _sensitive_values(data or {}):
        register_secret(value)
    if not data:
        return Endpoint(conn_id=conn_id, base_url=default_url.rstrip("/"))
    base = _base_url_from(data["conn_type"], data["host"], data["port"], data["schema"]) or default_url
    log.info("source %s: using base URL %s from connection %r", conn_id, base, conn_id)
    return Endpoint(
        conn_id=conn_id,
        base_url=base.rstrip("/"),
        login=data.get("login"),
        password=data.get("password"),
        extra=dict(data.get("extra") or {}),
    )
