"""The freshness check of ``transform_warehouse`` gives dbt's verdicts (``gridcarbon.dbt_freshness``).

``transform_warehouse`` checks the sources' declared freshness with one query per table instead of running
``dbt source freshness`` (a dbt process of its own on every run). Here both run on the same tables and the same
manifest, and each table's verdict must be the one written below by hand AND the one dbt gives: pass, warn, error
(hours, days, minutes; warn-only and error-only thresholds; a filter; an expression as loaded_at_field; a table
never loaded), and ``runtime error`` for one that does not exist (dbt reports it as an error and leaves it out of
sources.json). What the user sees: the source's task in the `freshness` group red for error/runtime error, a
warning in its log for warn.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.dags.test_transform_warehouse import dbt_env, parse_manifest, write_mini_project
from tests.integration.test_transform_warehouse import transformer_env

pytestmark = pytest.mark.integration

SOURCES_YML = """
    sources:
      - name: fr_hours
        schema: fr
        loaded_at_field: _loaded_at
        freshness:
          warn_after: {count: 2, period: hour}
          error_after: {count: 6, period: hour}
        tables:
          - name: fresh
          - name: warned
          - name: stale
          - name: never_loaded
          - name: not_created
          - name: filtered
            freshness:
              warn_after: {count: 2, period: hour}
              error_after: {count: 6, period: hour}
              filter: "kind = 'metered'"
          - name: unchecked
            freshness: null
      - name: fr_days
        schema: fr
        loaded_at_field: "loaded_on::timestamptz"
        freshness:
          error_after: {count: 1, period: day}
        tables:
          - name: daily_ok
          - name: daily_late
      - name: fr_minutes
        schema: fr
        loaded_at_field: _loaded_at
        freshness:
          warn_after: {count: 30, period: minute}
        tables:
          - name: minutes_late
"""

# table -> (rows as SQL values, the verdict a user expects)
EXPECTED = {
    "fr_hours.fresh": "pass",            # loaded 10 minutes ago
    "fr_hours.warned": "warn",           # 3 h ago: past warn_after (2 h), not error_after (6 h)
    "fr_hours.stale": "error",           # 7 h ago
    "fr_hours.never_loaded": "error",    # empty: dbt takes it as loaded infinitely long ago
    "fr_hours.not_created": "runtime error",   # declared, never created
    "fr_hours.filtered": "warn",         # newest 'metered' row 3 h ago; a newer 'estimated' row does not count
    "fr_days.daily_ok": "pass",          # 20 h ago, error_after 1 day, no warn_after
    "fr_days.daily_late": "error",       # 30 h ago
    "fr_minutes.minutes_late": "warn",   # 45 minutes ago, warn_after 30 minutes, no error_after
}

SETUP_SQL = """
    drop schema if exists fr cascade;
    create schema fr;
    create table fr.fresh (v int, _loaded_at timestamptz);
    insert into fr.fresh values (1, now() - interval '3 hours'), (2, now() - interval '10 minutes');
    create table fr.warned (v int, _loaded_at timestamptz);
    insert into fr.warned values (1, now() - interval '3 hours');
    create table fr.stale (v int, _loaded_at timestamptz);
    insert into fr.stale values (1, now() - interval '7 hours'), (2, null);
    create table fr.never_loaded (v int, _loaded_at timestamptz);
    create table fr.filtered (kind text, _loaded_at timestamptz);
    insert into fr.filtered values ('metered', now() - interval '3 hours'), ('estimated', now());
    create table fr.unchecked (v int, _loaded_at timestamptz);
    create table fr.daily_ok (v int, loaded_on timestamp);
    insert into fr.daily_ok values (1, (now() - interval '20 hours') at time zone 'UTC');
    create table fr.daily_late (v int, loaded_on timestamp);
    insert into fr.daily_late values (1, (now() - interval '30 hours') at time zone 'UTC');
    create table fr.minutes_late (v int, _loaded_at timestamptz);
    insert into fr.minutes_late values (1, now() - interval '45 minutes');
    grant usage on schema fr to gridcarbon_transformer;
    grant select on all tables in schema fr to gridcarbon_transformer;
"""


@pytest.fixture()
def freshness_project(tmp_path: Path, admin_conn: Any, pg_server: tuple[str, str, str]) -> dict[str, Any]:
    project = write_mini_project(tmp_path / "mini")
    (project / "models" / "_freshness.yml").write_text(textwrap.dedent(SOURCES_YML).lstrip())
    manifest = parse_manifest(project)
    with admin_conn.cursor() as cur:
        cur.execute("set timezone = 'UTC'")  # the loaded_on column is UTC wall time, as dbt reads it
        cur.execute(SETUP_SQL)
    env = {**dbt_env(project), **transformer_env(pg_server, os.environ["GRIDCARBON_TEST_DATABASE"])}
    return {"project": project, "manifest": json.loads(manifest.read_text()), "env": env}


def dbt_verdicts(project: Path, env: dict[str, str], out: Path) -> dict[str, str]:
    """``dbt source freshness`` itself (it exits 1 when a source is past error_after); a table dbt could not query
    is a runtime error in its output and has no entry in sources.json."""
    from gridcarbon import dbt_runner

    proc = subprocess.run([str(dbt_runner.dbt_executable()), "source", "freshness", "--project-dir", str(project),
                           "--profiles-dir", str(project), "--output", str(out), "--select",
                           "source:fr_hours source:fr_days source:fr_minutes"],
                          cwd=project, capture_output=True, text=True, env={**os.environ, **env}, timeout=300)
    assert out.is_file(), proc.stdout[-3000:] + proc.stderr[-2000:]
    verdicts = {r["unique_id"].removeprefix("source.mini."): r["status"]
                for r in json.loads(out.read_text())["results"]}
    for line in proc.stdout.splitlines():
        if " ERROR " in line and "freshness of " in line:
            table = line.split("freshness of ")[1].split()[0]
            verdicts.setdefault(table, "runtime error")
    return verdicts


def test_the_check_gives_the_verdicts_dbt_source_freshness_gives(freshness_project: dict[str, Any],
                                                                  tmp_path: Path) -> None:
    from gridcarbon import dbt_freshness, dbt_runner

    tables = dbt_freshness.declared_tables(freshness_project["manifest"], ["fr_hours", "fr_days", "fr_minutes"])
    conn = dbt_runner.dbt_connection(freshness_project["env"])
    conn.autocommit = True
    try:
        verdicts = dbt_freshness.check(conn, tables)
    finally:
        conn.close()
    ours = {v.table.label: v.status for v in verdicts}
    assert ours == EXPECTED  # `unchecked` (freshness: null) is not checked at all
    assert dbt_verdicts(freshness_project["project"], freshness_project["env"], tmp_path / "sources.json") == ours
    messages = {v.table.label: v.message for v in verdicts}
    assert "never loaded" in messages["fr_hours.never_loaded"]  # in the check's log
    assert "not_created" in messages["fr_hours.not_created"]  # the database's own error, naming the table
    assert dbt_freshness.worst_per_source(verdicts) == {"fr_hours": "runtime error", "fr_days": "error",
                                                        "fr_minutes": "warn"}


def test_the_task_returns_each_sources_worst_verdict_and_its_reporters_fail_only_the_stale(
        freshness_project: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The `freshness.source_freshness` task as Airflow runs it, then a reporter per source: the verdict a user
    sees on each source's task."""
    from airflow.sdk.exceptions import AirflowFailException

    from gridcarbon import dbt_freshness

    for key, value in freshness_project["env"].items():
        monkeypatch.setenv(key, value)
    task = dbt_freshness.SourceFreshnessOperator(task_id="source_freshness", sources=["fr_days", "fr_minutes"])
    statuses = task.execute(context={})
    assert statuses == {"fr_days": "error", "fr_minutes": "warn"}

    class TI:
        def xcom_pull(self, task_ids: str) -> dict[str, str]:
            assert task_ids == "source_freshness"
            return statuses

    assert dbt_freshness.report("fr_minutes", TI(), "source_freshness") == "warn"  # green, a warning logged
    with pytest.raises(AirflowFailException, match="fr_days is stale"):
        dbt_freshness.report("fr_days", TI(), "source_freshness")


def test_declarations_the_check_does_not_implement_are_a_runtime_error_naming_the_table() -> None:
    from gridcarbon import dbt_freshness

    manifest = {"sources": {
        "source.p.s.by_query": {"source_name": "s", "name": "by_query", "schema": "x", "identifier": "by_query",
                                "loaded_at_field": None, "loaded_at_query": "select max(t) from x.by_query",
                                "freshness": {"error_after": {"count": 1, "period": "hour"}}},
        "source.p.s.by_metadata": {"source_name": "s", "name": "by_metadata", "schema": "x",
                                   "identifier": "by_metadata", "loaded_at_field": None,
                                   "freshness": {"warn_after": {"count": 1, "period": "day"}}},
    }}
    verdicts = dbt_freshness.check(conn=None, tables=dbt_freshness.declared_tables(manifest, ["s"]))
    assert [(v.table.label, v.status) for v in verdicts] == [("s.by_metadata", "runtime error"),
                                                            ("s.by_query", "runtime error")]
    assert "loaded_at_query" in verdicts[1].message and "loaded_at_field" in verdicts[0].message


def test_every_source_of_the_project_declares_what_the_check_implements() -> None:
    """The real project's sources: each with freshness has a loaded_at_field and no loaded_at_query, so no
    table is answered with 'runtime error' for its declaration (a new source copied from elsewhere would be)."""
    from gridcarbon import dbt_freshness, dbt_runner

    manifest = dbt_freshness.read_manifest(dbt_runner.manifest_path())
    tables = dbt_freshness.declared_tables(manifest, dbt_runner.freshness_sources())
    assert tables
    assert all(t.loaded_at_field and not t.loaded_at_query for t in tables), tables
