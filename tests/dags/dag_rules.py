"""The house rules every DAG must follow, as a function the integrity tests apply to the real DAGs and to
deliberately broken ones (so we know the checks can fail)."""

from __future__ import annotations

import ast
from datetime import timedelta
from typing import Any

DEFAULT_OWNERS = {"airflow", "", None}


def explicit_catchup(source: str) -> bool:
    """True when the file passes ``catchup=`` explicitly to ``@dag``/``DAG`` (Airflow 3 defaults it to False,
    which silently disables backfill-by-schedule)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in ("dag", "DAG") and any(k.arg == "catchup" for k in node.keywords):
                return True
    return False


def violations(dag: Any, source: str) -> list[str]:
    from airflow.sdk import CronDataIntervalTimetable

    problems: list[str] = []
    if not dag.tags:
        problems.append("no tags")
    if not explicit_catchup(source):
        problems.append("catchup not set explicitly")
    timetable = dag.timetable
    if "extract" in dag.tags and not isinstance(timetable, CronDataIntervalTimetable):
        problems.append(f"interval DAG uses {type(timetable).__name__}, not CronDataIntervalTimetable")
    if type(timetable).__name__ == "CronTriggerTimetable":
        problems.append("plain cron schedule gives a zero-width data interval (CronTriggerTimetable)")
    for task in dag.tasks:
        if task.owner in DEFAULT_OWNERS:
            problems.append(f"task {task.task_id}: no owner")
        if (task.retries or 0) < 2:
            problems.append(f"task {task.task_id}: retries {task.retries} < 2")
        backoff = task.retry_exponential_backoff
        if not backoff or float(backoff) <= 1:
            problems.append(f"task {task.task_id}: no exponential backoff")
        if task.retry_delay is None or task.retry_delay < timedelta(seconds=1):
            problems.append(f"task {task.task_id}: no retry delay")
    return problems
