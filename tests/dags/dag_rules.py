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

    from gridcarbon.timetables import HistoryTimetable

    problems: list[str] = []
    if not dag.tags:
        problems.append("no tags")
    if not explicit_catchup(source):
        problems.append("catchup not set explicitly")
    timetable = dag.timetable
    if "extract" in dag.tags and not isinstance(timetable, (CronDataIntervalTimetable, HistoryTimetable)):
        problems.append(f"interval DAG uses {type(timetable).__name__}, not CronDataIntervalTimetable "
                        "(or HistoryTimetable, its cron intervals with whole weeks for history)")
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


# Parse-time hygiene, checked without a clock: the DAG processor re-executes every file every 30 s, so a DAG
# file must not reach the network or a database at module level, nor import the heavy or wrong-virtualenv
# modules below (dbt lives in its own virtualenv; database drivers belong inside tasks). How long parsing
# takes is measured in bench/bench_dag_parse.py.
PARSE_TIME_FORBIDDEN_MODULES = ("dbt", "psycopg2", "psycopg", "pandas", "numpy")
PARSE_PROBE = '''
import json, runpy, socket, sys

import airflow.sdk  # the fixed cost every parse pays; what it imports is not the DAG file's doing

FORBIDDEN = set(sys.argv[1].split(","))


def refuse(self, address, *args):
    raise ConnectionRefusedError(f"connection to {address!r} while parsing the DAG file")


socket.socket.connect = refuse
socket.socket.connect_ex = refuse
report = {}
for path in sys.argv[2:]:
    before = set(sys.modules)
    problems = []
    try:
        runpy.run_path(path)
    except Exception as exc:  # reported per file, like an import error in the UI
        problems.append(f"{type(exc).__name__}: {exc}")
    loaded = sorted({name.split(".")[0] for name in set(sys.modules) - before} & FORBIDDEN)
    problems += [f"imports {name} at module level" for name in loaded]
    for name in [m for m in sys.modules if m.split(".")[0] in FORBIDDEN]:
        del sys.modules[name]  # so the next file is judged on its own imports
    report[path] = problems
print(json.dumps(report))
'''


def parse_time_problems(paths: list[str]) -> dict[str, list[str]]:
    """Execute each DAG file (in one fresh interpreter, with sockets refused) and report, per file, a
    connection attempt or an import of a forbidden module at module level."""
    import json
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, ",".join(PARSE_TIME_FORBIDDEN_MODULES), *paths],
        capture_output=True, text=True, check=True,
        # Airflow imports the metadata database's driver at start-up (psycopg2 for Postgres); the probe judges
        # the DAG file's own imports, so its Airflow uses an in-memory SQLite it never touches.
        env={**os.environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite://"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
