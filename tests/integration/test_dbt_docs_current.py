"""The `dbt_docs` task regenerates the docs site only when it would change (``gridcarbon.dbt_docs``).

What the user sees: after a release (a changed model, YAML or seed) or a schema change in the warehouse, the next
run's `dbt_docs` task generates and publishes a new site; on the hourly runs in between it is skipped, its log
saying the published site is current. New rows alone never make the site out of date (dbt-postgres' catalog
has no row counts). The generation itself runs in the e2e test of ``test_transform_warehouse.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.dags.test_transform_warehouse import dbt_env, parse_manifest, write_mini_project
from tests.integration.test_transform_warehouse import transformer_env

pytestmark = pytest.mark.integration


@pytest.fixture()
def docs_env(tmp_path: Path, admin_conn: Any, pg_server: tuple[str, str, str],
             monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    project = write_mini_project(tmp_path / "mini")
    parse_manifest(project)
    with admin_conn.cursor() as cur:
        cur.execute("""
            drop schema if exists raw_mini cascade;
            create schema raw_mini;
            create table raw_mini.readings (reading_id int primary key, fuel text, kwh numeric,
                                            _loaded_at timestamptz not null default now());
            grant usage on schema raw_mini to gridcarbon_transformer;
            grant select on all tables in schema raw_mini to gridcarbon_transformer;
        """)
    env = {**dbt_env(project), **transformer_env(pg_server, os.environ["GRIDCARBON_TEST_DATABASE"]),
           "GRIDCARBON_DBT_DOCS_DIR": str(tmp_path / "docs")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return {"project": project, "docs": tmp_path / "docs"}


def fingerprint() -> str:
    from gridcarbon import dbt_runner

    conn = dbt_runner.dbt_connection()
    try:
        return dbt_runner.docs_fingerprint(conn)
    finally:
        conn.close()


def test_the_fingerprint_moves_with_the_project_and_the_schema_not_with_the_rows(docs_env: dict[str, Any],
                                                                                  admin_conn: Any) -> None:
    first = fingerprint()
    assert fingerprint() == first
    with admin_conn.cursor() as cur:
        cur.execute("insert into raw_mini.readings values (1, 'lignite', 2.0), (2, 'photovoltaics', 4.0)")
    assert fingerprint() == first  # an hourly load: the site would be the same

    with admin_conn.cursor() as cur:
        cur.execute("comment on table raw_mini.readings is 'meter readings'")
    commented = fingerprint()
    assert commented != first
    with admin_conn.cursor() as cur:
        cur.execute("alter table raw_mini.readings add column unit text")
    widened = fingerprint()
    assert widened != commented

    model = docs_env["project"] / "models" / "stg_readings.sql"
    model.write_text(model.read_text().replace("kwh from", "kwh, kwh * 1000 as wh from"))
    assert fingerprint() != widened  # a release changed a model
    (docs_env["project"] / "target" / "run_results.json").write_text("{}")
    (docs_env["project"] / "logs").mkdir(exist_ok=True)
    (docs_env["project"] / "logs" / "dbt.log").write_text("a run")
    assert fingerprint() == fingerprint()  # dbt's own output is not part of the project


def test_a_current_site_skips_the_task_an_outdated_one_is_regenerated(docs_env: dict[str, Any],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk.exceptions import AirflowSkipException
    from cosmos.operators.local import DbtDocsLocalOperator

    from gridcarbon import dbt_runner
    from gridcarbon.dbt_docs import DbtDocsIfChangedOperator

    generated: list[Any] = []
    monkeypatch.setattr(DbtDocsLocalOperator, "execute",
                        lambda self, context, **_: generated.append(self.callback))

    def task() -> DbtDocsIfChangedOperator:
        return DbtDocsIfChangedOperator(task_id="dbt_docs", **dbt_runner.dbt_command_args(
            dbt_runner.cosmos_configs()))

    # no site yet: generated, and published with the fingerprint it was generated for
    task().execute(context={})
    assert len(generated) == 1
    site = docs_env["project"] / "target"
    for name in dbt_runner.DOCS_FILES:
        (site / name).write_text("{}")
    generated[0](str(docs_env["project"]))
    current = fingerprint()
    assert (docs_env["docs"] / dbt_runner.DOCS_FINGERPRINT_FILE).read_text().strip() == current
    assert dbt_runner.published_docs_fingerprint() == current

    with pytest.raises(AirflowSkipException, match="are current"):
        task().execute(context={})
    assert len(generated) == 1  # no dbt process

    (docs_env["docs"] / "catalog.json").unlink()  # a damaged site is regenerated
    task().execute(context={})
    assert len(generated) == 2
