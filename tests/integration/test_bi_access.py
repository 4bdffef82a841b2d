"""BI access: the `bi_reader` role can read every mart and nothing else.

After a dbt build of the real project on a test warehouse (a handful of raw rows), a connection *as bi_reader*
reads each table in `marts` and is refused everything else: raw_tibber.homes (addresses), every raw_* table,
staging, intermediate, snapshots and seeds. Table grants come from the marts' dbt `grants` config
(dbt_project.yml), schema usage from gridcarbon.bootstrap; a new mart is covered by the same checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.test_transform_warehouse import load_sample_rows, real_project_ready, transformer_env

pytestmark = pytest.mark.integration

BI_ROLE = "bi_reader"
EXPOSED_MARTS = {"fct_household_emissions", "fct_grid_carbon_intensity"}  # models/exposures.yml


@pytest.fixture(scope="module")
def built_warehouse(warehouse_db: str, pg_server: tuple[str, str, str]) -> str:
    """The real project built (seeds, snapshots, models; data tests are the other suites' business)."""
    from gridcarbon import dbt_runner

    reason = real_project_ready()
    assert not reason, f"real dbt project not ready: {reason}"
    load_sample_rows(warehouse_db)
    env = transformer_env(pg_server, os.environ["GRIDCARBON_TEST_DATABASE"])
    dbt_runner.run_dbt(["build", "--exclude-resource-type", "test", "unit_test"], env=env)
    return os.environ["GRIDCARBON_TEST_DATABASE"]


@pytest.fixture()
def bi_conn(built_warehouse: str, pg_server: tuple[str, str, str]) -> Iterator[Any]:
    import psycopg2

    host, port, _ = pg_server
    conn = psycopg2.connect(host=host, port=port, user=BI_ROLE, dbname=built_warehouse,
                            password=os.environ.get("WAREHOUSE_BI_READER_PASSWORD"))
    try:
        yield conn
    finally:
        conn.close()


def relations(admin_conn: Any) -> dict[str, list[str]]:
    """Every table, view and materialized view of the warehouse, by schema (system schemas excluded)."""
    with admin_conn.cursor() as cur:
        cur.execute("""
            select n.nspname, c.relname
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'v', 'm', 'p', 'f')
              and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
            order by 1, 2
        """)
        out: dict[str, list[str]] = {}
        for schema, name in cur.fetchall():
            out.setdefault(schema, []).append(name)
        return out


def can_select(conn: Any, qualified: str) -> bool:
    import psycopg2

    try:
        with conn.cursor() as cur:
            cur.execute(f"select * from {qualified} limit 1")
            cur.fetchall()
        conn.rollback()
        return True
    except psycopg2.errors.InsufficientPrivilege:
        conn.rollback()
        return False


def test_bi_reader_reads_every_mart(bi_conn: Any, admin_conn: Any) -> None:
    marts = set(relations(admin_conn).get("marts", []))
    assert marts >= EXPOSED_MARTS, f"marts missing: {EXPOSED_MARTS - marts}"
    unreadable = sorted(m for m in marts if not can_select(bi_conn, f"marts.{m}"))
    assert unreadable == []
    with bi_conn.cursor() as cur:
        cur.execute("select count(*) from marts.fct_household_emissions")
        assert cur.fetchone()[0] > 0


def test_bi_reader_cannot_read_addresses(bi_conn: Any) -> None:
    import psycopg2

    with pytest.raises(psycopg2.errors.InsufficientPrivilege), bi_conn.cursor() as cur:
        cur.execute("select address1, city from raw_tibber.homes")
    bi_conn.rollback()


def test_bi_reader_reads_nothing_outside_marts(bi_conn: Any, admin_conn: Any) -> None:
    """Raw, staging, intermediate, snapshots, seeds: every relation refused."""
    everything = relations(admin_conn)
    outside = [f"{schema}.{name}" for schema, names in everything.items() if schema != "marts" for name in names]
    schemas = set(everything)
    assert {"raw_tibber", "raw_smard", "staging", "intermediate"} <= schemas, schemas
    readable = sorted(q for q in outside if can_select(bi_conn, q))
    assert readable == []


def test_bi_reader_cannot_write_marts(bi_conn: Any) -> None:
    import psycopg2

    for statement in ("create table marts.bi_scratch (x int)", "delete from marts.fct_household_emissions",
                      "create table public.bi_scratch (x int)"):
        with pytest.raises(psycopg2.errors.InsufficientPrivilege), bi_conn.cursor() as cur:
            cur.execute(statement)
        bi_conn.rollback()
