"""Bootstrap security: role passwords, who may connect where, and who may read view SQL.

Most cases run against a private Postgres cluster started by this module with password (SCRAM)
authentication, the way docker-compose's server and any shared server behave: a login with a wrong password
fails there, so "the password is set literally" is proven by logging in with it. The view-SQL case runs on the
test server's warehouse database.

Case | what the user saw before | test
- a crafted ``WAREHOUSE_*_PASSWORD`` (``x'; create role pwned superuser; --`` and friends) | formatted into a
  ``DO`` block run as superuser: SQL ran as ``postgres``, or a syntax error
  | ``test_crafted_password_creates_no_role_and_is_set_literally``
- password authentication, no ``WAREHOUSE_*_PASSWORD`` set | roles created LOGIN without a password (nobody
  can log in), no word said | ``test_missing_passwords_on_password_auth_are_a_clear_error``
- a password changed after the role exists | ignored (set only on creation) | ``test_changed_password_is_applied``
- bi_reader connecting to ``postgres``/``template1``; any role connecting to the warehouse | allowed (PUBLIC's
  CONNECT) | ``test_bi_reader_connects_only_to_the_warehouse``
- bi_reader reading a staging view's SQL (``pg_views``, ``pg_get_viewdef``, ``pg_get_ruledef``, ``pg_rewrite``)
  | the full SQL, literals included | ``test_bi_reader_cannot_read_view_sql``
- the password in the statement text the server sees | clear text in ``CREATE ROLE``
  | ``test_password_is_sent_as_a_scram_verifier``

Not possible in Postgres and therefore not tested: denying bi_reader CONNECT to a database created later by
someone else (PUBLIC gets CONNECT by default; needs ``pg_hba.conf``), hiding relation *names* in the catalogs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from gridcarbon import bootstrap

pytestmark = pytest.mark.integration

SUPERUSER_PASSWORD = "superuser-pw-for-tests"  # a throwaway cluster's
WAREHOUSE = "gridcarbon_sec"
PASSWORD_ENV = bootstrap.ROLE_PASSWORD_ENV


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def scram_cluster() -> Iterator[tuple[str, str]]:
    """A private Postgres cluster with scram-sha-256 authentication everywhere; (host, port)."""
    initdb, pg_ctl = bootstrap._pg_bin("initdb"), bootstrap._pg_bin("pg_ctl")
    assert initdb and pg_ctl, "initdb/pg_ctl not found (install postgresql)"
    root = Path(tempfile.mkdtemp(prefix="gridcarbon-scram-"))
    data, pwfile = root / "data", root / "pw"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
        shutil.chown(pwfile, "postgres")
    subprocess.run([*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=scram-sha-256",
                    f"--pwfile={pwfile}", "-E", "UTF8"], check=True, capture_output=True)
    port = str(_free_port())
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o", opts, "start"],
                   check=True, capture_output=True)
    try:
        yield "127.0.0.1", port
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def on_cluster(scram_cluster: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Point the bootstrap at the private cluster (as superuser with its password); no role passwords set."""
    host, port = scram_cluster
    monkeypatch.setenv("PGHOST", host)
    monkeypatch.setenv("PGPORT", port)
    monkeypatch.setenv("PGUSER", "postgres")
    monkeypatch.setenv("PGPASSWORD", SUPERUSER_PASSWORD)
    for env in PASSWORD_ENV.values():
        monkeypatch.delenv(env, raising=False)
    return host, port


def login(cluster: tuple[str, str], role: str, password: str | None, dbname: str = WAREHOUSE) -> str:
    """'ok' or the server's reason for refusing the login."""
    host, port = cluster
    try:
        psycopg2.connect(host=host, port=port, user=role, password=password, dbname=dbname,
                         connect_timeout=5).close()
        return "ok"
    except psycopg2.OperationalError as exc:
        return str(exc).strip()


def superuser(cluster: tuple[str, str], dbname: str = "postgres") -> Any:
    host, port = cluster
    conn = psycopg2.connect(host=host, port=port, user="postgres", password=SUPERUSER_PASSWORD, dbname=dbname)
    conn.autocommit = True
    return conn


def set_passwords(monkeypatch: pytest.MonkeyPatch, **by_role: str) -> None:
    for role, env in PASSWORD_ENV.items():
        monkeypatch.setenv(env, by_role.get(role, f"pw-of-{role}"))


@pytest.mark.parametrize("crafted", [
    "x'; create role pwned superuser; --",
    "x' ; create role pwned superuser; create role pwned2 login password 'y",
    "$$; create role pwned superuser; do $$ begin end",
    "pä$$wörd \"; drop role postgres; --\\",
])
def test_crafted_password_creates_no_role_and_is_set_literally(
        on_cluster: tuple[str, str], monkeypatch: pytest.MonkeyPatch, crafted: str) -> None:
    set_passwords(monkeypatch, bi_reader=crafted)
    bootstrap.create_database(WAREHOUSE)
    with superuser(on_cluster) as conn, conn.cursor() as cur:
        cur.execute("select rolname from pg_roles where rolname like 'pwned%%' or rolname = 'postgres'")
        assert [r[0] for r in cur.fetchall()] == ["postgres"], "the password ran as SQL"
    assert login(on_cluster, "bi_reader", crafted) == "ok"
    assert "password authentication failed" in login(on_cluster, "bi_reader", crafted + "x")


def test_missing_passwords_on_password_auth_are_a_clear_error(on_cluster: tuple[str, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_LOADER_PASSWORD", "loader-pw")
    with pytest.raises(bootstrap.BootstrapError) as caught:
        bootstrap.create_database(WAREHOUSE + "_nopw")
    message = str(caught.value)
    print(message)
    assert "WAREHOUSE_TRANSFORMER_PASSWORD" in message and "WAREHOUSE_BI_READER_PASSWORD" in message
    assert "WAREHOUSE_LOADER_PASSWORD" not in message
    assert "requires passwords" in message
    assert bootstrap.main(["database", WAREHOUSE + "_nopw"]) == 1  # the CLI says so and exits 1


def test_changed_password_is_applied(on_cluster: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    set_passwords(monkeypatch, gridcarbon_loader="first-password")
    bootstrap.create_database(WAREHOUSE)
    assert login(on_cluster, "gridcarbon_loader", "first-password") == "ok"
    set_passwords(monkeypatch, gridcarbon_loader="second-password")
    bootstrap.create_database(WAREHOUSE)
    assert login(on_cluster, "gridcarbon_loader", "second-password") == "ok"
    assert "password authentication failed" in login(on_cluster, "gridcarbon_loader", "first-password")


def test_password_is_sent_as_a_scram_verifier(on_cluster: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored password is a SCRAM verifier computed client-side (clear text never in the statement), and
    ``password_matches`` recognises it, so an unchanged password is not re-sent on every run."""
    set_passwords(monkeypatch, gridcarbon_transformer="transformer-secret")
    bootstrap.create_database(WAREHOUSE)
    with superuser(on_cluster) as conn, conn.cursor() as cur:
        cur.execute("select rolpassword from pg_authid where rolname = 'gridcarbon_transformer'")
        stored = cur.fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$4096:")
    assert bootstrap.password_matches(stored, "transformer-secret")
    assert not bootstrap.password_matches(stored, "transformer-secreT")
    bootstrap.create_database(WAREHOUSE)
    with superuser(on_cluster) as conn, conn.cursor() as cur:
        cur.execute("select rolpassword from pg_authid where rolname = 'gridcarbon_transformer'")
        assert cur.fetchone()[0] == stored, "an unchanged password was set again"


def test_bi_reader_connects_only_to_the_warehouse(on_cluster: tuple[str, str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    set_passwords(monkeypatch, bi_reader="bi-password")
    bootstrap.create_database(WAREHOUSE)
    with superuser(on_cluster) as conn, conn.cursor() as cur:
        cur.execute("drop role if exists someone_else")
        cur.execute("create role someone_else login password 'someone-pw'")
    host, port = on_cluster  # Airflow's metadata database on the same server, as `make airflow` creates it
    bootstrap.ensure_metadata_database(f"postgresql+psycopg2://postgres:{SUPERUSER_PASSWORD}@{host}:{port}/airflow")
    try:
        assert login(on_cluster, "bi_reader", "bi-password") == "ok"
        for other in ("postgres", "template1", "airflow"):
            refused = login(on_cluster, "bi_reader", "bi-password", dbname=other)
            assert "permission denied for database" in refused, (other, refused)
        refused = login(on_cluster, "someone_else", "someone-pw")  # a role the warehouse did not grant
        assert "permission denied for database" in refused, refused
    finally:
        with superuser(on_cluster) as conn, conn.cursor() as cur:
            cur.execute("drop role someone_else")


def test_bi_reader_cannot_read_view_sql(admin_conn: Any, pg_server: tuple[str, str, str]) -> None:
    """Staging (and any) view SQL: not through pg_views, pg_get_viewdef, pg_get_ruledef or pg_rewrite.
    Listing view names still works (BI tools browse with it); dbt's transformer still reads definitions."""
    with admin_conn.cursor() as cur:
        cur.execute("set role gridcarbon_transformer")
        cur.execute("create or replace view staging.secret_view as select 'salt-literal-4711'::text as salt")
        cur.execute("reset role")
        cur.execute("select 'staging.secret_view'::regclass::oid")
        view_oid = cur.fetchone()[0]
        cur.execute("select oid from pg_rewrite where ev_class = %s", (view_oid,))
        rule_oid = cur.fetchone()[0]
    host, port, _ = pg_server
    dbname = os.environ["GRIDCARBON_TEST_DATABASE"]
    bi = psycopg2.connect(host=host, port=port, user="bi_reader", dbname=dbname,
                          password=os.environ.get("WAREHOUSE_BI_READER_PASSWORD"))
    try:
        for query, args in [
            ("select definition from pg_views where viewname = 'secret_view'", ()),
            ("select pg_get_viewdef(%s)", (view_oid,)),
            ("select pg_get_viewdef(%s, true)", (view_oid,)),
            ("select pg_get_ruledef(%s)", (rule_oid,)),
            ("select ev_action from pg_rewrite where ev_class = %s", (view_oid,)),
        ]:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege), bi.cursor() as cur:
                cur.execute(query, args)
                print("readable by bi_reader:", query, cur.fetchall())
            bi.rollback()
        with bi.cursor() as cur:
            cur.execute("select schemaname from pg_views where viewname = 'secret_view'")
            assert cur.fetchall() == [("staging",)]
    finally:
        bi.close()
    transformer = psycopg2.connect(host=host, port=port, user="gridcarbon_transformer", dbname=dbname,
                                   password=os.environ.get("WAREHOUSE_TRANSFORMER_PASSWORD"))
    try:
        with transformer.cursor() as cur:
            cur.execute("select definition from pg_views where viewname = 'secret_view'")
            assert "salt-literal-4711" in cur.fetchone()[0]
    finally:
        transformer.close()
