"""Source freshness for ``transform_warehouse``: ONE ``dbt source freshness`` for every checked source, one
Airflow task per source reporting that source's verdict (so a stale source turns its own task red).

Imports Cosmos at module level: the DAG file imports this module only when it renders the dbt graph.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from cosmos.operators.local import DbtSourceLocalOperator

log = logging.getLogger(__name__)

# worst first: a source's verdict is the worst of its tables'
STATUS_ORDER = ("runtime error", "error", "warn", "pass")
FAILING_STATUSES = ("runtime error", "error")


def read_statuses(project_path: str | Path) -> dict[str, str] | None:
    """``{source_name: worst status of its tables}`` from ``target/sources.json`` (None when dbt wrote none)."""
    path = Path(project_path) / "target" / "sources.json"
    if not path.is_file():
        return None
    statuses: dict[str, str] = {}
    for result in json.loads(path.read_text()).get("results", []):
        source = str(result.get("unique_id", "")).split(".")[2]
        status = str(result.get("status", "runtime error"))
        rank = STATUS_ORDER.index(status) if status in STATUS_ORDER else 0
        current = statuses.get(source)
        if current is None or rank < STATUS_ORDER.index(current):
            statuses[source] = STATUS_ORDER[rank]
    return statuses


class DbtSourceFreshnessOperator(DbtSourceLocalOperator):
    """``dbt source freshness`` over ``select`` in one dbt process; returns (XCom) the verdict per source.

    dbt exits 1 when a source is past its ``error_after``: that is a finding, reported by the per-source tasks,
    not a failure of this task (whose retries would only delay the alert). It fails when dbt reported nothing
    (no connection, a broken project)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(callback=self._collect, **kwargs)
        self._statuses: dict[str, str] | None = None

    def _collect(self, project_path: str, **_: Any) -> None:
        self._statuses = read_statuses(project_path)

    def execute(self, context: Any, **kwargs: Any) -> dict[str, str]:
        self._statuses = None
        self.callback = self._collect  # Airflow runs a copy of the task: bind the callback to this copy
        try:
            super().execute(context, **kwargs)
        except Exception:
            if self._statuses is None:
                raise
            self.log.warning("dbt source freshness found stale sources: %s", self._statuses)
        return self._statuses or {}


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
        raise AirflowFailException(f"source {source} is stale (dbt source freshness: {status}); its newest "
                                   "intervals stay PENDING in the marts until it loads again")
    if status == "warn":
        log.warning("source %s is past its warn_after threshold (dbt source freshness: warn)", source)
    else:
        log.info("source %s is fresh (dbt source freshness: %s)", source, status)
    return status
