"""Find or start a Postgres, then create the warehouse database, schemas and roles.

``python -m gridcarbon.bootstrap server``   prints shell ``export`` lines for a Postgres that answers:
    the one given by ``PGHOST``/``PGPORT``/``PGUSER`` (default 127.0.0.1:5432, user postgres) if it answers,
    otherwise a private throwaway cluster under ``.local/pgdata`` (initdb/pg_ctl on a free port; Debian's
    ``postgresql`` package is installed with apt-get when the binaries are missing and we are root).
``python -m gridcarbon.bootstrap database NAME``   creates database NAME with its schemas, roles and raw tables.
``python -m gridcarbon.bootstrap drop NAME``       drops database NAME (used by the tests).
``python -m gridcarbon.bootstrap metadata [URL]``   creates Airflow's metadata database (default: the one in
    ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``) if it is missing.

Roles (cluster-wide, NOLOGIN-free so local trust auth works; passwords only from the environment):
- ``gridcarbon_loader``: owns the raw schemas, writes raw tables only.
- ``gridcarbon_transformer``: dbt; reads raw, owns staging/intermediate/snapshots/marts.
- ``bi_reader``: read-only, the ``marts`` schema only (table grants come from dbt's ``grants`` config).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from gridcarbon.settings import REPO_ROOT

LOADER_ROLE = "gridcarbon_loader"
TRANSFORMER_ROLE = "gridcarbon_transformer"
BI_ROLE = "bi_reader"
RAW_SCHEMAS = ("raw_smard", "raw_tibber", "raw_netztransparenz", "raw_eia", "raw_iso", "raw_reference")
DBT_SCHEMAS = ("staging", "intermediate", "snapshots", "marts", "seeds", "dbt_test__audit")
LOCAL_DIR = REPO_ROOT / ".local"


def _admin_dsn(dbname: str = "postgres") -> str:
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    return f"host={host} port={port} user={user} dbname={dbname} connect_timeout=3"


def _answers(host: str, port: str, user: str) -> bool:
    import psycopg2

    try:
        psycopg2.connect(host=host, port=port, user=user, dbname="postgres", connect_timeout=3).close()
        return True
    except psycopg2.Error:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    return None


def _install_postgres() -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            "No Postgres answers and no initdb/pg_ctl found. Install PostgreSQL (Debian: "
            "`sudo apt-get install postgresql`) or point PGHOST/PGPORT/PGUSER at a running server."
        )
    print("# installing Debian's postgresql (apt-get)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)


def _start_private_cluster() -> tuple[str, str, str]:
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        _install_postgres()
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    assert initdb and pg_ctl
    pgdata = LOCAL_DIR / "pgdata"
    port_file = LOCAL_DIR / "pgport"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system user
        run_as = ["runuser", "-u", "postgres", "--"]
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if run_as:
            shutil.chown(pgdata, "postgres")
        subprocess.run([*run_as, initdb, "-D", str(pgdata), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, stdout=subprocess.DEVNULL)
    port = port_file.read_text().strip() if port_file.exists() else str(_free_port())
    if not _answers("127.0.0.1", port, "postgres"):
        port = str(_free_port())
        opts = f"-p {port} -k /tmp -c listen_addresses=127.0.0.1"
        subprocess.run([*run_as, pg_ctl, "-D", str(pgdata), "-l", str(pgdata / "server.log"), "-w", "-o", opts,
                        "start"], check=True, stdout=subprocess.DEVNULL)
        port_file.write_text(port)
    for _ in range(30):
        if _answers("127.0.0.1", port, "postgres"):
            return "127.0.0.1", port, "postgres"
        time.sleep(0.5)
    sys.exit(f"private Postgres cluster in {pgdata} did not start; see {pgdata / 'server.log'}")


def find_server() -> tuple[str, str, str]:
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    user = os.environ.get("PGUSER", "postgres")
    if _answers(host, port, user):
        return host, port, user
    print(f"# no Postgres answers at {host}:{port} as {user}; starting a private cluster", file=sys.stderr)
    return _start_private_cluster()


def _exec_admin(sql: str, dbname: str = "postgres") -> None:
    import psycopg2

    conn = psycopg2.connect(_admin_dsn(dbname))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _role_sql(role: str, password_env: str) -> str:
    password = os.environ.get(password_env)
    pw = f" password '{password}'" if password else ""
    return (
        f"do $$ begin if not exists (select from pg_roles where rolname = '{role}') then "
        f"create role {role} login{pw}; end if; end $$;"
    )


def create_database(name: str) -> None:
    """Create database ``name`` (if missing) with roles, schemas, grants and every raw table."""
    import psycopg2

    _exec_admin(_role_sql(LOADER_ROLE, "WAREHOUSE_LOADER_PASSWORD"))
    _exec_admin(_role_sql(TRANSFORMER_ROLE, "WAREHOUSE_TRANSFORMER_PASSWORD"))
    _exec_admin(_role_sql(BI_ROLE, "WAREHOUSE_BI_READER_PASSWORD"))
    conn = psycopg2.connect(_admin_dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(f'create database "{name}"')
    conn.close()

    stmts = [f'grant connect on database "{name}" to {LOADER_ROLE}, {TRANSFORMER_ROLE}, {BI_ROLE}',
             f'grant create on database "{name}" to {TRANSFORMER_ROLE}',
             "revoke all on schema public from public"]
    for schema in RAW_SCHEMAS:
        stmts += [
            f"create schema if not exists {schema} authorization {LOADER_ROLE}",
            f"grant usage on schema {schema} to {TRANSFORMER_ROLE}",
            f"grant select on all tables in schema {schema} to {TRANSFORMER_ROLE}",
            f"alter default privileges for role {LOADER_ROLE} in schema {schema} "
            f"grant select on tables to {TRANSFORMER_ROLE}",
            f"revoke all on schema {schema} from {BI_ROLE}",
        ]
    for schema in DBT_SCHEMAS:
        stmts.append(f"create schema if not exists {schema} authorization {TRANSFORMER_ROLE}")
    stmts.append(f"grant usage on schema marts to {BI_ROLE}")
    _exec_admin(";\n".join(stmts), dbname=name)

    from gridcarbon.sources import all_raw_tables

    conn = psycopg2.connect(_admin_dsn(name))
    with conn, conn.cursor() as cur:
        cur.execute(f"set role {LOADER_ROLE}")
        for table in all_raw_tables():
            cur.execute(table.ddl())
    conn.close()


def ensure_metadata_database(sqlalchemy_url: str) -> str | None:
    """Create Airflow's metadata database named in ``sqlalchemy_url`` if it is missing (Postgres URLs only;
    a SQLite URL needs nothing). Returns the database name, or None for SQLite.

    Airflow's metadata lives in Postgres by default (``scripts/env.sh``: database ``airflow`` on the warehouse
    server), because SQLite's single writer lock killed the scheduler and DAG processor under LocalExecutor
    ("database is locked").
    """
    from urllib.parse import unquote, urlsplit

    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(sqlalchemy_url)
    if not parts.scheme.startswith("postgres"):
        return None
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ValueError("the metadata database URL names no database")
    conn = psycopg2.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                            user=unquote(parts.username or "postgres"),
                            password=unquote(parts.password) if parts.password else None,
                            dbname="postgres", connect_timeout=5)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return name


def drop_database(name: str) -> None:
    _exec_admin(f'drop database if exists "{name}" with (force)')


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd = argv[0]
    if cmd == "server":
        host, port, user = find_server()
        print(f"export PGHOST={host} PGPORT={port} PGUSER={user}")
        return 0
    if cmd == "database":
        create_database(argv[1])
        print(f"# database {argv[1]} ready (schemas, roles, raw tables)", file=sys.stderr)
        return 0
    if cmd == "metadata":
        url = argv[1] if len(argv) > 1 else os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        name = ensure_metadata_database(url)
        print(f"# Airflow metadata database: {name or 'SQLite'}", file=sys.stderr)
        return 0
    if cmd == "drop":
        drop_database(argv[1])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
