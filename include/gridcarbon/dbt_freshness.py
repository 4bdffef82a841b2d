"""Source freshness for ``transform_warehouse``: dbt's freshness declarations, checked without a dbt process.

The sources' ``loaded_at_field``, ``freshness.warn_after``/``error_after`` and ``freshness.filter`` are read from
the manifest the DAG was rendered from, so the dbt YAML stays the one place they are declared (``dbt source
freshness`` by hand gives the same verdicts). One task (``freshness.source_freshness``) runs one query per source
table, as the transformer role dbt connects as; one task per source reports that source's verdict, so a stale
source turns its own task red and nothing else.

Why not ``dbt source freshness`` itself: it is a dbt process of its own on every run, 5-8 s of start-up and parsing
on this project for ~0.3 s of queries (issue 13, T1). The verdicts are dbt's, pinned by a parity test against
``dbt source freshness`` (``tests/integration/test_source_freshness.py``):

- the query is dbt-postgres' ``collect_freshness``: ``select max(<loaded_at_field>), current_timestamp from
  <table> [where <filter>]``;
- age = ``current_timestamp - max``; ``error`` when age > ``error_after``, else ``warn`` when age > ``warn_after``,
  else ``pass`` (``count`` x ``minute``/``hour``/``day``, strictly greater, as dbt compares);
- a table without a row was loaded "infinitely long ago" (dbt 1.11), so it is past any threshold;
- ``runtime error`` when the query fails (a missing table, no privilege; dbt reports it as an error and writes no
  result for it) or the table declares what this check does not implement (``loaded_at_query``, or freshness
  without a ``loaded_at_field``, which dbt answers from warehouse metadata): the message names the table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator

log = logging.getLogger(__name__)

# worst first: a source's verdict is the worst of its tables'
STATUS_ORDER = ("runtime error", "error", "warn", "pass")
FAILING_STATUSES = ("runtime error", "error")
PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
NEVER = datetime(1, 1, 1, tzinfo=UTC)  # dbt's max_loaded_at of a table without a row


@dataclass(frozen=True)
class SourceTable:
    """One source table's freshness declaration, as dbt's manifest states it."""

    unique_id: str
    source_name: str
    name: str
    schema: str
    identifier: str
    loaded_at_field: str | None
    loaded_at_query: str | None
    warn_after_s: float | None
    error_after_s: float | None
    filter: str | None

    @property
    def label(self) -> str:
        return f"{self.source_name}.{self.name}"


@dataclass(frozen=True)
class Verdict:
    table: SourceTable
    status: str
    max_loaded_at: datetime | None = None
    age_s: float | None = None
    message: str = ""


def _threshold_s(threshold: Mapping[str, Any] | None) -> float | None:
    """Seconds of a ``{count, period}`` threshold, None when it is not set (dbt: never exceeded)."""
    if not threshold or threshold.get("count") is None or threshold.get("period") is None:
        return None
    return float(threshold["count"]) * PERIOD_SECONDS[str(threshold["period"])]


def declared_tables(manifest: Mapping[str, Any], sources: Iterable[str]) -> list[SourceTable]:
    """The tables of ``sources`` (dbt source names) that declare a ``warn_after`` or ``error_after``."""
    wanted = set(sources)
    tables = []
    for uid, entry in sorted(manifest.get("sources", {}).items()):
        if entry.get("source_name") not in wanted:
            continue
        freshness = entry.get("freshness") or {}
        warn, error = _threshold_s(freshness.get("warn_after")), _threshold_s(freshness.get("error_after"))
        if warn is None and error is None:
            continue
        tables.append(SourceTable(
            unique_id=uid, source_name=entry["source_name"], name=entry["name"], schema=entry["schema"],
            identifier=entry.get("identifier") or entry["name"], loaded_at_field=entry.get("loaded_at_field"),
            loaded_at_query=entry.get("loaded_at_query"), warn_after_s=warn, error_after_s=error,
            filter=freshness.get("filter")))
    return tables


def status_for_age(table: SourceTable, age_s: float) -> str:
    """dbt's ``FreshnessThreshold.status``: error before warn, each when the age is strictly greater."""
    if table.error_after_s is not None and age_s > table.error_after_s:
        return "error"
    if table.warn_after_s is not None and age_s > table.warn_after_s:
        return "warn"
    return "pass"


def check_table(conn: Any, table: SourceTable) -> Verdict:
    """One table's verdict (``conn`` in autocommit: a failed query leaves the next one unaffected)."""
    import psycopg2
    from psycopg2 import sql

    if table.loaded_at_query:
        return Verdict(table, "runtime error", message=f"{table.label}: loaded_at_query is not supported here; "
                       "declare loaded_at_field (or check it with `dbt source freshness`)")
    if not table.loaded_at_field:
        return Verdict(table, "runtime error", message=f"{table.label}: freshness declared without a "
                       "loaded_at_field (dbt would use warehouse metadata, which Postgres does not offer)")
    query = sql.SQL("select max({field}) as max_loaded_at, current_timestamp as snapshotted_at from {table}").format(
        field=sql.SQL(table.loaded_at_field), table=sql.Identifier(table.schema, table.identifier))
    if table.filter:
        query += sql.SQL(" where {filter}").format(filter=sql.SQL(table.filter))
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            max_loaded_at, snapshotted_at = cur.fetchone()
    except psycopg2.Error as exc:  # dbt reports a database error as the table's runtime error and goes on
        return Verdict(table, "runtime error", message=f"{table.label}: {str(exc).strip()}")
    message = ""
    if max_loaded_at is None:  # dbt: "infinitely long ago", so past any threshold
        max_loaded_at = NEVER
        message = f"{table.label}: never loaded (max({table.loaded_at_field}) is null)"
    age_s = (snapshotted_at - max_loaded_at).total_seconds()
    return Verdict(table, status_for_age(table, age_s), max_loaded_at, age_s, message)


def check(conn: Any, tables: Sequence[SourceTable]) -> list[Verdict]:
    return [check_table(conn, table) for table in tables]


def worst_per_source(verdicts: Iterable[Verdict]) -> dict[str, str]:
    """``{source_name: worst status of its tables}``."""
    statuses: dict[str, str] = {}
    for verdict in verdicts:
        current = statuses.get(verdict.table.source_name)
        if current is None or STATUS_ORDER.index(verdict.status) < STATUS_ORDER.index(current):
            statuses[verdict.table.source_name] = verdict.status
    return statuses


def read_manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


class SourceFreshnessOperator(BaseOperator):
    """Checks the freshness of ``sources`` (dbt source names) as declared in the dbt manifest; returns (XCom) the
    verdict per source. A stale source is a finding, reported by the per-source tasks, not a failure of this task
    (whose retries would only delay the alert); it fails when it cannot check at all (no manifest, no
    connection)."""

    template_fields = ("sources",)

    def __init__(self, *, sources: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = list(sources)

    def execute(self, context: Any) -> dict[str, str]:
        from gridcarbon import dbt_runner

        tables = declared_tables(read_manifest(dbt_runner.render_manifest_path()), self.sources)
        conn = dbt_runner.dbt_connection()
        try:
            conn.autocommit = True
            verdicts = check(conn, tables)
        finally:
            conn.close()
        for n, verdict in enumerate(verdicts, 1):
            age = verdict.message or f"{verdict.age_s / 3600:.1f} h old"
            self.log.info("%d of %d %s freshness of %s (%s)", n, len(verdicts), verdict.status.upper(),
                          verdict.table.label, age)
        statuses = worst_per_source(verdicts)
        missing = sorted(set(self.sources) - set(statuses))
        if missing:
            self.log.warning("no table of %s declares freshness", missing)
        if any(status != "pass" for status in statuses.values()):
            self.log.warning("stale sources: %s", {s: v for s, v in statuses.items() if v != "pass"})
        return statuses


def report(source: str, ti: Any, checker_task_id: str) -> str:
    """One source's verdict from the checker's XCom: fails (no retry: the check would not change) when the
    source is past its ``error_after`` or was not checked, logs a warning past ``warn_after``."""
    from airflow.sdk.exceptions import AirflowFailException

    statuses = ti.xcom_pull(task_ids=checker_task_id)
    if statuses is None:
        raise AirflowFailException(f"{checker_task_id} reported no freshness results; see its log")
    status = statuses.get(source)
    if status is None:
        raise AirflowFailException(f"source {source} was not in the freshness results {statuses}")
    if status in FAILING_STATUSES:
        raise AirflowFailException(f"source {source} is stale (source freshness: {status}, see the log of "
                                   f"{checker_task_id}); its newest intervals stay PENDING in the marts until it "
                                   "loads again")
    if status == "warn":
        log.warning("source %s is past its warn_after threshold (source freshness: warn)", source)
    else:
        log.info("source %s is fresh (source freshness: %s)", source, status)
    return status
