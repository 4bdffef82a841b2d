"""Every task of every DAG has a deadline (``execution_timeout``): a hung upstream or database cannot hold a
worker slot forever.

Case | what the user saw before | test
- any task of any DAG | ``execution_timeout`` None: a task stuck on a stalled server ran for hours
  | ``test_every_task_has_an_execution_timeout``
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

DAGS = Path(__file__).resolve().parents[2] / "dags"


def test_every_task_has_an_execution_timeout() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert not bag.import_errors, bag.import_errors
    assert bag.dags, "no DAGs parsed"
    unbounded = sorted(f"{dag_id}.{task.task_id}" for dag_id, dag in bag.dags.items() for task in dag.tasks
                       if not isinstance(task.execution_timeout, timedelta) or task.execution_timeout <= timedelta(0))
    assert unbounded == [], f"tasks without execution_timeout: {unbounded}"
