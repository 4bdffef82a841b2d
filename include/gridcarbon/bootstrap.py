"""Find or start a Postgres, then create the warehouse database, schemas and roles.

``python -m gridcarbon.bootstrap server``   prints shell ``export`` lines for a Postgres that answers:
    the one given by ``PGHOST``/``PGPORT``/``PGUSER`` (default 127.0.0.1:5432, user postgres) if it answers,
    otherwise a private throwaway cluster under ``.local/pgdata`` (initdb/pg_ctl on a free port; Debian's
    ``postgresql`` package is installed with apt-get when the binaries are missing and we are root).
``python -m gridcarbon.bootstrap database NAME``   creates database NAME with its schemas, roles and raw tables.
``python -m gridcarbon.bootstrap drop NAME``       drops database NAME (used by the tests).
``python -m gridcarbon.bootstrap location``   prints ``export`` lines for the PGHOST/PGPORT/WAREHOUSE_DB that a set
    ``AIRFLOW_CONN_WAREHOUSE_POSTGRES`` implies (fails when they are set to something else).
``python -m gridcarbon.bootstrap metadata [URL]``   creates Airflow's metadata database (default: the one in
    ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``) if it is missing.

Roles (cluster-wide, LOGIN; passwords only from the environment, ``WAREHOUSE_LOADER_PASSWORD``,
``WAREHOUSE_TRANSFORMER_PASSWORD``, ``WAREHOUSE_BI_READER_PASSWORD``: applied on every run, so a changed one
takes effect; required unless the server trusts local connections; sent as a SCRAM verifier, never as SQL text):
- ``gridcarbon_loader``: owns the raw schemas, writes raw tables only.
- ``gridcarbon_transformer``: dbt; reads raw, owns staging/intermediate/snapshots/marts.
- ``bi_reader``: read-only, the ``marts`` schema only (table grants come from dbt's ``grants`` config).

Household pseudonyms: ``household_id`` = hex HMAC-SHA256(key, Tibber home id), computed by dbt in SQL with
pgcrypto; the key lives in ``private.pseudonym_key``, which only the transformer can read. It comes from
``GRIDCARBON_PSEUDONYM_KEY`` (a changed one replaces the stored key; the marts then need ``--full-refresh``);
unset on a database without a key, a random one is generated (see ``ensure_pseudonym_key``).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gridcarbon.settings import REPO_ROOT

LOADER_ROLE = "gridcarbon_loader"
TRANSFORMER_ROLE = "gridcarbon_transformer"
BI_ROLE = "bi_reader"
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
    if os.environ.get("AIRFLOW_CONN_WAREHOUSE_POSTGRES"):
        sys.exit(f"no Postgres answers at {host}:{port} as {user}, the server AIRFLOW_CONN_WAREHOUSE_POSTGRES "
                 "names: start it, or unset the connection to let `make` find or start a local one")
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


ROLE_PASSWORD_ENV = {
    LOADER_ROLE: "WAREHOUSE_LOADER_PASSWORD",
    TRANSFORMER_ROLE: "WAREHOUSE_TRANSFORMER_PASSWORD",
    BI_ROLE: "WAREHOUSE_BI_READER_PASSWORD",
}
# Cluster databases every Postgres has; bi_reader (any non-superuser) has no business connecting to them.
MAINTENANCE_DATABASES = ("postgres", "template1")
# Functions that print the SQL of a view or rule (pg_views.definition, pg_matviews.definition and
# pg_rules.definition call them); revoked from PUBLIC in the warehouse database, see create_database.
VIEW_SQL_FUNCTIONS = ("pg_get_viewdef", "pg_get_ruledef")
_ROLE_LOCK = 0x67636272  # pg_advisory_lock key: concurrent bootstraps take turns on the cluster-wide roles
# The household pseudonym key (see ensure_pseudonym_key); the schema also holds pgcrypto, whose hmac() the dbt
# macro household_id calls as private.hmac.
PSEUDONYM_KEY_ENV = "GRIDCARBON_PSEUDONYM_KEY"
PRIVATE_SCHEMA = "private"
PSEUDONYM_KEY_TABLE = f"{PRIVATE_SCHEMA}.pseudonym_key"
_PSEUDONYM_KEY_LOCK = 0x67637073  # pg_advisory_xact_lock key: concurrent bootstraps of one database take turns


class BootstrapError(RuntimeError):
    """The warehouse cannot be set up safely as configured (e.g. a password the server requires is missing)."""


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier Postgres stores for ``password`` (``pg_authid.rolpassword`` format).

    Sending the verifier instead of the password keeps the clear text out of the server log and
    ``pg_stat_activity`` (what psql's ``\\password`` does). Postgres applies SASLprep to the password, which
    leaves ASCII unchanged (or fails on control characters, and then uses the raw bytes, as we do); callers
    send non-ASCII passwords as a quoted literal instead (see ``_set_password``).
    """
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    b64 = base64.b64encode
    return (f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}$"
            f"{b64(stored_key).decode()}:{b64(server_key).decode()}")


def password_matches(stored: str | None, password: str) -> bool:
    """Whether a ``pg_authid.rolpassword`` value (SCRAM verifier or md5 hash) is the one of ``password``."""
    if not stored:
        return False
    if stored.startswith("SCRAM-SHA-256$"):
        try:
            iterations, rest = stored[len("SCRAM-SHA-256$"):].split(":", 1)
            salt = base64.b64decode(rest.split("$", 1)[0])
        except ValueError:
            return False
        return hmac.compare_digest(scram_verifier(password, salt=salt, iterations=int(iterations)), stored)
    return False  # md5 (needs the role name) or clear text: treat as different, the password is set again


def _set_password(cur: Any, role: str, password: str) -> None:
    from psycopg2 import sql

    value = scram_verifier(password) if password.isascii() else password  # never formatted into SQL text
    cur.execute(sql.SQL("alter role {} with login password {}").format(sql.Identifier(role), sql.Literal(value)))


def _ensure_role(cur: Any, role: str, password: str | None) -> None:
    """Create ``role`` (LOGIN) if missing; set ``password`` when given and different from the stored one."""
    import psycopg2
    from psycopg2 import sql

    try:
        cur.execute("select rolpassword from pg_authid where rolname = %s", (role,))
    except psycopg2.errors.InsufficientPrivilege:  # not a superuser (e.g. a managed server): always set it
        cur.execute("select null from pg_roles where rolname = %s", (role,))
    row = cur.fetchone()
    if row is None:
        cur.execute(sql.SQL("create role {} login").format(sql.Identifier(role)))
    if password and not password_matches(row[0] if row else None, password):
        _set_password(cur, role, password)


def _logs_in_without_password(role: str) -> bool:
    """Whether the server lets ``role`` in with a wrong password (trust authentication for it), probed with a
    real connection from where the bootstrap runs (the same host/port as the admin connection)."""
    import psycopg2

    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    try:
        psycopg2.connect(host=host, port=port, user=role, dbname="postgres", connect_timeout=3,
                         password="gridcarbon-trust-probe-" + os.urandom(8).hex()).close()
        return True
    except psycopg2.OperationalError as exc:
        # Authentication passed, then the database refused the role (CONNECT revoked): that is trust too.
        return "permission denied for database" in str(exc)


def ensure_roles() -> None:
    """Create the three roles; apply every password given in the environment (also a changed one).

    Where the server does not trust local connections a role without a password could never log in, so a
    missing ``WAREHOUSE_*_PASSWORD`` is an error naming the variable instead of a role nobody can use.
    """
    import psycopg2

    conn = psycopg2.connect(_admin_dsn())
    conn.autocommit = True
    missing = []
    try:
        with conn.cursor() as cur:
            cur.execute("select pg_advisory_lock(%s)", (_ROLE_LOCK,))
            for role, env in ROLE_PASSWORD_ENV.items():
                password = os.environ.get(env) or None
                _ensure_role(cur, role, password)
                if password is None and not _logs_in_without_password(role):
                    missing.append(env)
    finally:
        conn.close()  # releases the advisory lock
    if missing:
        host, port = os.environ.get("PGHOST", "127.0.0.1"), os.environ.get("PGPORT", "5432")
        raise BootstrapError(
            f"the Postgres server at {host}:{port} requires passwords (no trust authentication), but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: set "
            f"{' and '.join(missing)} in the environment (see .env.example) and run the bootstrap again")


def create_database(name: str) -> None:
    """Create database ``name`` (if missing) with roles, schemas, grants and every raw table.

    Access, as far as Postgres allows it:
    - ``CONNECT``/``TEMPORARY`` on ``name`` are revoked from PUBLIC and granted to the three roles only, and
      PUBLIC's ``CONNECT`` on the maintenance databases ``postgres`` and ``template1`` is revoked (superusers are
      not affected). Postgres has no per-role deny: a database created later by someone else grants CONNECT
      to PUBLIC by default, and bi_reader can connect there (seeing nothing PUBLIC cannot see); a hard limit
      needs a ``pg_hba.conf`` line ``host all bi_reader all reject`` after the warehouse's own line.
    - bi_reader has USAGE on ``marts`` only, so it cannot read relations of any other schema.
    - Catalogs list every relation's name to every role (pg_class cannot be filtered per schema), and
      ``pg_views.definition`` prints any view's SQL through ``pg_get_viewdef``; revoking ``select`` on
      pg_views per schema is not possible. So ``pg_get_viewdef``/``pg_get_ruledef`` (every overload) and the
      ``pg_rewrite`` catalog (the parsed view queries) are revoked from PUBLIC in this database and granted to
      the loader and transformer: bi_reader can list views but read the SQL of none, marts included.
      ``information_schema.views`` shows definitions to the view owner only anyway.
    - ``private`` holds pgcrypto and the household pseudonym key, readable by the transformer only
      (``ensure_pseudonym_key``, key from ``GRIDCARBON_PSEUDONYM_KEY``).
    """
    import psycopg2
    from psycopg2 import sql

    ensure_roles()
    db = sql.Identifier(name)
    conn = psycopg2.connect(_admin_dsn())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(sql.SQL("create database {}").format(db))
        cur.execute(sql.SQL("revoke all on database {} from public").format(db))
        cur.execute(sql.SQL("grant connect, temporary on database {} to {}, {}").format(
            db, sql.Identifier(LOADER_ROLE), sql.Identifier(TRANSFORMER_ROLE)))
        cur.execute(sql.SQL("grant connect on database {} to {}").format(db, sql.Identifier(BI_ROLE)))
        cur.execute(sql.SQL("grant create on database {} to {}").format(db, sql.Identifier(TRANSFORMER_ROLE)))
        for other in MAINTENANCE_DATABASES:
            if other != name:
                cur.execute(sql.SQL("revoke connect on database {} from public").format(sql.Identifier(other)))
    conn.close()

    from gridcarbon.sources import raw_schemas  # the registry's: one per schema of its raw tables

    stmts = ["revoke all on schema public from public"]
    for schema in raw_schemas():
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
    _hide_view_sql(name)
    ensure_pseudonym_key(name, os.environ.get(PSEUDONYM_KEY_ENV) or None)

    from gridcarbon.sources import all_raw_tables

    conn = psycopg2.connect(_admin_dsn(name))
    with conn, conn.cursor() as cur:
        cur.execute(f"set role {LOADER_ROLE}")
        for table in all_raw_tables():
            cur.execute(table.ddl())
    conn.close()


def _metadata_server(sqlalchemy_url: str) -> tuple[object, str] | None:
    """(an autocommit connection to the server's ``postgres`` database, the database name) for a Postgres
    SQLAlchemy URL; None for SQLite and other backends."""
    import psycopg2
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_url)
    if not url.drivername.startswith("postgres"):
        return None
    if not url.database:
        raise ValueError("the metadata database URL names no database")
    conn = psycopg2.connect(host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
                            password=url.password or None, dbname="postgres", connect_timeout=10)
    conn.autocommit = True
    return conn, url.database


def ensure_metadata_database(sqlalchemy_url: str) -> str | None:
    """Create Airflow's metadata database named in ``sqlalchemy_url`` if it is missing (Postgres URLs only; a
    SQLite URL needs nothing). Returns the name when it was created now, else None.

    Airflow's metadata lives in Postgres by default (``scripts/env.sh``: database ``airflow`` on the warehouse
    server), because SQLite's single writer lock killed the scheduler and DAG processor under LocalExecutor
    ("database is locked"). Only its owner (the URL's user) may connect: not bi_reader, not the warehouse roles.
    """
    from psycopg2 import sql

    server = _metadata_server(sqlalchemy_url)
    if server is None:
        return None
    conn, name = server
    created = None
    try:
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
                created = name
            cur.execute(sql.SQL("revoke connect, temporary on database {} from public").format(sql.Identifier(name)))
    finally:
        conn.close()  # type: ignore[attr-defined]
    return created


def drop_metadata_database(sqlalchemy_url: str) -> None:
    """Drop the Postgres database of a SQLAlchemy URL (the tests' throwaway metadata databases)."""
    from psycopg2 import sql

    server = _metadata_server(sqlalchemy_url)
    if server is None:
        return
    conn, name = server
    try:
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
    finally:
        conn.close()  # type: ignore[attr-defined]


def _hide_view_sql(name: str) -> None:
    """Revoke the view-SQL functions and ``pg_rewrite`` from PUBLIC in database ``name`` (see create_database)."""
    import psycopg2
    from psycopg2 import sql

    roles = sql.SQL(", ").join(sql.Identifier(r) for r in (LOADER_ROLE, TRANSFORMER_ROLE))
    conn = psycopg2.connect(_admin_dsn(name))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select p.oid::regprocedure::text from pg_proc p "
                        "where p.pronamespace = 'pg_catalog'::regnamespace and p.proname = any(%s)",
                        (list(VIEW_SQL_FUNCTIONS),))
            for (signature,) in cur.fetchall():  # e.g. pg_get_viewdef(oid,boolean): from the catalog, not input
                function = sql.SQL("pg_catalog.") + sql.SQL(signature)
                cur.execute(sql.SQL("revoke execute on function {} from public").format(function))
                cur.execute(sql.SQL("grant execute on function {} to {}").format(function, roles))
            cur.execute(sql.SQL("revoke select on pg_catalog.pg_rewrite from public"))
            cur.execute(sql.SQL("grant select on pg_catalog.pg_rewrite to {}").format(roles))
    except psycopg2.errors.InsufficientPrivilege as exc:  # only a superuser may change catalog privileges
        print(f"# warning: view SQL stays readable to bi_reader in {name} (needs a superuser): {exc}".strip(),
              file=sys.stderr)
    finally:
        conn.close()


def ensure_pseudonym_key(name: str, key: str | None) -> str:
    """Keep the key of the household pseudonyms in database ``name``; returns what was done: ``"unchanged"``,
    ``"stored"`` (the first key, from ``key``), ``"replaced"`` (``key`` differs from the stored one) or
    ``"generated"`` (no ``key`` and none stored: 32 random bytes, hex).

    dbt's macro ``household_id`` computes ``encode(private.hmac(home_id, (select hmac_key from
    private.pseudonym_key), 'sha256'), 'hex')`` in the warehouse, so compiled SQL, the manifest and the docs
    site name the table, never the key. Schema ``private`` (owned by the bootstrap's user) holds pgcrypto and
    that table; only the transformer gets USAGE on it and SELECT on the table: bi_reader, the loader and PUBLIC
    can read neither. The key is sent as COPY data, so it is in no statement text (``pg_stat_activity``, the
    server log), and registered with the log masker; it is never printed.
    """
    import psycopg2

    from gridcarbon.http import register_secret

    register_secret(key)
    conn = psycopg2.connect(_admin_dsn(name))
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select pg_advisory_xact_lock(%s)", (_PSEUDONYM_KEY_LOCK,))
            cur.execute(f"create schema if not exists {PRIVATE_SCHEMA}")
            cur.execute(f"revoke all on schema {PRIVATE_SCHEMA} from public, {LOADER_ROLE}, {BI_ROLE}")
            try:
                cur.execute(f"create extension if not exists pgcrypto with schema {PRIVATE_SCHEMA}")
            except psycopg2.errors.UndefinedFile as exc:
                raise BootstrapError("the Postgres server has no pgcrypto extension (household pseudonyms need "
                                     "its hmac()): install PostgreSQL's contrib modules") from exc
            cur.execute("select extnamespace::regnamespace::text from pg_extension where extname = 'pgcrypto'")
            (schema,) = cur.fetchone()
            if schema != PRIVATE_SCHEMA:
                raise BootstrapError(
                    f"pgcrypto is installed in schema {schema} of database {name}, but dbt's household_id calls "
                    f"{PRIVATE_SCHEMA}.hmac: move it (`alter extension pgcrypto set schema {PRIVATE_SCHEMA}`, "
                    "after checking that nothing else calls it there) and run the bootstrap again")
            cur.execute(f"""
                create table if not exists {PSEUDONYM_KEY_TABLE} (
                    hmac_key text not null check (hmac_key <> ''),
                    only_row boolean primary key default true check (only_row),
                    stored_at timestamptz not null default now()
                )""")
            cur.execute(f"revoke all on {PSEUDONYM_KEY_TABLE} from public, {LOADER_ROLE}, {BI_ROLE}")
            cur.execute(f"grant usage on schema {PRIVATE_SCHEMA} to {TRANSFORMER_ROLE}")
            cur.execute(f"grant select on {PSEUDONYM_KEY_TABLE} to {TRANSFORMER_ROLE}")
            cur.execute(f"select hmac_key from {PSEUDONYM_KEY_TABLE}")
            row = cur.fetchone()
            stored = row[0] if row else None
            register_secret(stored)
            if stored is not None and (key is None or hmac.compare_digest(key.encode(), stored.encode())):
                return "unchanged"
            new_key = key if key is not None else secrets.token_hex(32)
            register_secret(new_key)
            data = io.StringIO()
            csv.writer(data, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow([new_key])
            data.seek(0)
            cur.execute(f"delete from {PSEUDONYM_KEY_TABLE}")
            cur.copy_expert(f"copy {PSEUDONYM_KEY_TABLE} (hmac_key) from stdin with (format csv)", data)
            cur.execute("select exists (select from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                        "where n.nspname = 'marts')")
            marts_built = cur.fetchone()[0]
    finally:
        conn.close()
    rebuild = ("every household_id changes: rebuild the marts with `dbt build --full-refresh` (incremental marts "
               "keep the old ids otherwise)")
    if key is None:
        outcome = "generated"
        print(f"# pseudonym key: {PSEUDONYM_KEY_ENV} is not set and {name} had none, so a random key was "
              f"generated into {PSEUDONYM_KEY_TABLE}; household ids stay stable only while this database lives "
              f"(set {PSEUDONYM_KEY_ENV} to keep them across a rebuilt database)", file=sys.stderr)
    else:
        outcome = "replaced" if stored is not None else "stored"
        print(f"# pseudonym key of {name} {outcome} from {PSEUDONYM_KEY_ENV}", file=sys.stderr)
        if len(key) < 16:
            print(f"# warning: {PSEUDONYM_KEY_ENV} is only {len(key)} characters long; whoever guesses it can "
                  "reverse household ids (use `openssl rand -hex 32`)", file=sys.stderr)
    if stored is not None or marts_built:
        print(f"# pseudonym key of {name} changed: {rebuild}", file=sys.stderr)
    return outcome


def drop_database(name: str) -> None:
    _exec_admin(f'drop database if exists "{name}" with (force)')


def warehouse_location(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """One truth for where the warehouse is: a set ``AIRFLOW_CONN_WAREHOUSE_POSTGRES`` names the server and the
    database that the make targets bootstrap and every task writes to. Returns the ``PGHOST``, ``PGPORT`` and
    ``WAREHOUSE_DB`` it implies; raises ``BootstrapError`` when one of them is set to something else (a demo
    that created tables in one database and loaded into another crashed on a missing table)."""
    import json
    from urllib.parse import unquote, urlsplit

    uri = environ.get("AIRFLOW_CONN_WAREHOUSE_POSTGRES")
    if not uri:
        return {}
    if uri.lstrip().startswith("{"):
        spec = json.loads(uri)
        host, port, database = spec.get("host"), spec.get("port"), spec.get("schema")
    else:
        parts = urlsplit(uri)
        if parts.scheme not in ("postgres", "postgresql"):
            raise BootstrapError(f"AIRFLOW_CONN_WAREHOUSE_POSTGRES must be a postgresql:// URI (got {parts.scheme}://)")
        host, port, database = parts.hostname, parts.port, unquote(parts.path.lstrip("/"))
    implied = {"PGHOST": host, "PGPORT": str(port or 5432), "WAREHOUSE_DB": database}
    out = {}
    for var, value in implied.items():
        if not value:
            continue
        current = environ.get(var)
        if current and current != value:
            raise BootstrapError(
                f"{var}={current}, but AIRFLOW_CONN_WAREHOUSE_POSTGRES points at {value}: the make targets would "
                f"create the warehouse in one place and the tasks load into another. Set only the connection "
                f"(the make targets follow it), or make {var} agree")
        out[var] = value
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    cmd = argv[0]
    if cmd == "location":
        try:
            implied = warehouse_location(os.environ)
        except BootstrapError as exc:
            print(f"echo {shlex.quote(f'bootstrap: {exc}')} >&2; false")
            return 1
        print("export " + " ".join(f"{k}={v}" for k, v in implied.items()) if implied else ":")
        return 0
    if cmd == "server":
        host, port, user = find_server()
        print(f"export PGHOST={host} PGPORT={port} PGUSER={user}")
        return 0
    if cmd == "database":
        try:
            create_database(argv[1])
        except BootstrapError as exc:
            print(f"bootstrap: {exc}", file=sys.stderr)
            return 1
        print(f"# database {argv[1]} ready (schemas, roles, raw tables)", file=sys.stderr)
        return 0
    if cmd == "metadata":
        url = argv[1] if len(argv) > 1 else os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        created = ensure_metadata_database(url)
        print(f"# Airflow metadata database ready{f' (created {created})' if created else ''}", file=sys.stderr)
        return 0
    if cmd == "drop":
        drop_database(argv[1])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
