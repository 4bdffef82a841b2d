"""DAG integrity: every DAG imports and follows the house rules (parse time itself is measured in
bench/bench_dag_parse.py; here, without a clock, what makes parsing slow: I/O and heavy imports).

A user would otherwise see: a DAG missing from the UI (import error), a backfill that silently does nothing
(catchup off, zero-width intervals), or a scheduler slowed by heavy imports or a DAG file that connects to
something every time it is parsed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dags.dag_rules import parse_time_problems, violations

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
EXPECTED_DAGS = {
    "smard_ingest", "tibber_ingest", "redispatch_ingest",
    "eia_ingest", "caiso_ingest", "miso_ingest", "pjm_ingest", "spp_ingest", "nyiso_ingest",
    "isone_ingest", "bpa_ingest", "ercot_ingest",
}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}, f"DAG files fail to import: {dagbag.import_errors}"


def test_expected_dags_present(dagbag) -> None:
    """Every extraction DAG is there (generated from the source registry by dags/source_ingest.py)."""
    missing = EXPECTED_DAGS - set(dagbag.dag_ids)
    assert not missing, f"DAGs not loaded: {missing}"


def test_every_dag_follows_the_house_rules(dagbag) -> None:
    assert dagbag.dags, "no DAGs found"
    report = {}
    for dag_id, dag in dagbag.dags.items():
        problems = violations(dag, Path(dag.fileloc).read_text())
        if problems:
            report[dag_id] = problems
    assert report == {}


def test_a_first_start_catches_up_days_not_years(dagbag, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unpausing a DAG (the UI's trigger dialog does it by default) on a new deployment schedules the catch-up
    window only: with no ``*_START`` set, every DAG with catchup starts GRIDCARBON_CATCHUP_DAYS (2) days back.
    A user would otherwise see ~16,000 hourly SMARD runs starve their own run in the pool."""
    from datetime import UTC, datetime, timedelta

    from gridcarbon.dag_defaults import start_date

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    too_old = {dag_id: dag.start_date.isoformat() for dag_id, dag in dagbag.dags.items()
               if dag.catchup and dag.start_date < today - timedelta(days=2)}
    assert too_old == {}, f"DAGs that would catch up more than 2 days on first start: {too_old}"
    monkeypatch.setenv("GRIDCARBON_CATCHUP_DAYS", "7")
    monkeypatch.delenv("SMARD_START", raising=False)
    assert start_date("SMARD_START") == today - timedelta(days=7)
    monkeypatch.setenv("SMARD_START", "2024-01-01")  # an explicit start wins: the whole history catches up
    assert start_date("SMARD_START") == datetime(2024, 1, 1, tzinfo=UTC)


def test_no_dag_file_is_named_like_a_dbt_plugin() -> None:
    assert not list(DAGS.glob("dbt_*.py")), "dbt's plugin discovery imports dbt_*.py files"


def test_dag_files_do_no_io_and_no_heavy_imports_when_parsed() -> None:
    report = parse_time_problems([str(p) for p in sorted(DAGS.glob("*.py"))])
    assert len(report) == len(list(DAGS.glob("*.py")))
    assert {path: problems for path, problems in report.items() if problems} == {}


SLOW_PARSING_DAG = '''
import socket
import psycopg2  # a driver at module level
from airflow.sdk import dag

socket.create_connection(("127.0.0.1", 9))  # e.g. reading a Variable or a table while parsing


@dag(schedule=None, catchup=False, tags=["x"])
def slow():
    pass


slow()
'''


def test_parse_hygiene_catches_io_and_heavy_imports(tmp_path: Path) -> None:
    """The check above can fail: a DAG file that imports a database driver and opens a connection."""
    clean = tmp_path / "clean_dag.py"
    clean.write_text("from airflow.sdk import dag\n\n\n@dag(schedule=None, catchup=False, tags=['x'])\n"
                     "def clean():\n    pass\n\n\nclean()\n")
    slow = tmp_path / "slow_dag.py"
    slow.write_text(SLOW_PARSING_DAG)
    report = parse_time_problems([str(slow), str(clean)])
    assert report[str(clean)] == []
    assert any("while parsing the DAG file" in p for p in report[str(slow)])
    assert "imports psycopg2 at module level" in report[str(slow)]


BROKEN_DAG = '''
from airflow.sdk import dag, task

@dag(schedule="0 * * * *", tags=["extract"], default_args={"retries": 0})
def broken_ingest():
    @task
    def pull():
        return 1
    pull()

broken_ingest()
'''


def test_rules_catch_a_broken_dag(tmp_path: Path) -> None:
    """The checks above can fail: a DAG with a plain cron string, no catchup, no owner, no retries."""
    from airflow.dag_processing.dagbag import DagBag

    (tmp_path / "broken_ingest.py").write_text(BROKEN_DAG)
    bag = DagBag(dag_folder=str(tmp_path))
    dag = bag.dags["broken_ingest"]
    problems = violations(dag, BROKEN_DAG)
    assert "catchup not set explicitly" in problems
    assert any("CronDataIntervalTimetable" in p for p in problems)
    assert any("retries 0 < 2" in p for p in problems)
    assert any("no owner" in p for p in problems)
    assert any("no exponential backoff" in p for p in problems)
