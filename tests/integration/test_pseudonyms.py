"""Household pseudonyms: ``household_id`` is an HMAC keyed with a secret that ``bi_reader`` cannot read.

``household_id`` = hex HMAC-SHA256(key, Tibber home id), computed by dbt in SQL (macro ``household_id``,
pgcrypto's ``hmac``) with the key read at run time from ``private.pseudonym_key``, which
``python -m gridcarbon.bootstrap database`` writes from ``GRIDCARBON_PSEUDONYM_KEY`` and only the transformer
may read. The real project is built on the sample rows of ``test_transform_warehouse`` (the two demo homes) with
``KEY``, which holds a quote, a backslash, a double quote, ``$$`` and a non-ASCII letter; dbt's target/, logs and
published docs site go into a directory of this module, so they can be searched for the key.

Case | what a user saw before (``md5(salt || ':' || home id)``, dbt var ``household_id_salt``) | test
- reversing ids as bi_reader | md5 of the public default salt ``gridcarbon-demo-salt`` and a home id matched:
  bi_reader recovered both demo homes by joining | ``test_bi_reader_cannot_reverse_household_ids``
- where the secret goes | a custom salt was in the compiled SQL, ``manifest.json`` (``compiled_code``) and the
  docs site | ``test_key_is_nowhere_in_dbt_artifacts_or_docs``
- a key with a quote and a backslash | a salt with a quote broke the model (it was pasted into SQL)
  | ``test_key_with_quote_and_backslash_works``
- rotating the key | nothing in the warehouse to rotate; the bootstrap knew no key
  | ``test_changed_key_is_applied_by_the_bootstrap``
- no key configured | a fixed public default for everyone | ``test_unset_key_is_generated_per_database``
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg2
import pytest

from gridcarbon import bootstrap, dbt_runner
from gridcarbon.http import redact
from gridcarbon.settings import REPO_ROOT
from tests.conftest import TEST_PSEUDONYM_KEY
from tests.integration.dbt_helpers import keyed_household_id, query
from tests.integration.test_bi_access import bi_conn, can_select, relations  # noqa: F401 - bi_conn is a fixture
from tests.integration.test_transform_warehouse import HOME_EV, HOME_FLAT, load_sample_rows, transformer_env

pytestmark = pytest.mark.integration

KEY_ENV = "GRIDCARBON_PSEUDONYM_KEY"  # what users set (.env.example, docker-compose)
KEY_MARK = "5d1e0c7b9a4f26e3"  # part of KEY that no escaping changes: searched for in dbt's files as well
KEY = "o'Brien\\kitchen \"grün\" $$ " + KEY_MARK
DEMO_HOMES = sorted({HOME_FLAT, HOME_EV} | {
    row["tibber_home_id"]
    for row in csv.DictReader((REPO_ROOT / "dbt_project" / "seeds" / "household_settings.csv").open())})
PUBLIC_SALT = "gridcarbon-demo-salt"  # the old default of var household_id_salt, published in the repository
GUESSABLE_KEYS = ("", PUBLIC_SALT, "gridcarbon", "secret", "key", "changeme", "change-me", "password", "salt",
                  TEST_PSEUDONYM_KEY)


def stored_key(conn: Any) -> str:
    """The key in ``private.pseudonym_key`` (read as superuser)."""
    rows = query(conn, "select hmac_key from private.pseudonym_key")
    assert len(rows) == 1, rows
    return rows[0][0]


def mart_household_ids(conn: Any) -> set[str]:
    """Every household_id in every mart that has the column."""
    tables = query(conn, "select table_name from information_schema.columns "
                         "where table_schema = 'marts' and column_name = 'household_id'")
    assert tables, "no mart has a household_id column"
    return {r[0] for (table,) in tables for r in query(conn, f'select household_id from marts."{table}"')}


def assert_marts_keyed_with(conn: Any, key: str) -> None:
    """The marts carry exactly the HMAC-SHA256 ids of the demo homes under ``key`` (else nothing else this module
    asserts would be about the pseudonyms users get)."""
    expected = {keyed_household_id(key, home) for home in (HOME_FLAT, HOME_EV)}
    assert mart_household_ids(conn) == expected


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def dbt_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where this module's dbt writes: target/, logs/ and the published docs site docs/."""
    return tmp_path_factory.mktemp("pseudonyms_dbt")


@pytest.fixture(scope="module")
def built_warehouse(warehouse_db: str, pg_server: tuple[str, str, str], dbt_out: Path) -> str:
    """The module's warehouse bootstrapped again with ``KEY`` (it was created with the session's test key), the
    sample rows loaded, the real project built and its docs generated and published into ``dbt_out``.

    Same name as test_bi_access's fixture, which this one overrides here: its ``bi_conn`` connects to this build.
    """
    name = os.environ["GRIDCARBON_TEST_DATABASE"]
    with pytest.MonkeyPatch.context() as env:
        env.setenv(KEY_ENV, KEY)
        env.setenv("GRIDCARBON_DBT_DOCS_DIR", str(dbt_out / "docs"))
        assert bootstrap.main(["database", name]) == 0
        load_sample_rows(warehouse_db)
        paths = ["--target-path", str(dbt_out / "target"), "--log-path", str(dbt_out / "logs")]
        dbt_env = transformer_env(pg_server, name)
        dbt_runner.run_dbt(["build", "--exclude-resource-type", "test", "unit_test", *paths], env=dbt_env)
        dbt_runner.run_dbt(["docs", "generate", *paths], env=dbt_env)
        dbt_runner.publish_docs(dbt_out / "target")
    return name


@pytest.fixture()
def fresh_database(pg_server: tuple[str, str, str]) -> Iterator[Callable[[], str]]:
    """Names for further throwaway warehouses (created by the test through the bootstrap's CLI), dropped after."""
    names: list[str] = []

    def _name() -> str:
        names.append(f"gridcarbon_test_{os.getpid()}_pseudonyms_{len(names)}")
        bootstrap.drop_database(names[-1])
        return names[-1]

    try:
        yield _name
    finally:
        for name in names:
            bootstrap.drop_database(name)


def superuser(pg_server: tuple[str, str, str], dbname: str) -> Any:
    host, port, user = pg_server
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=dbname)
    conn.autocommit = True
    return conn


def household_id_by_dbt(pg_server: tuple[str, str, str], dbname: str, home_id: str, work: Path) -> str:
    """The household id the project's own macro computes in ``dbname`` (``dbt show``, as the transformer)."""
    literal = "'" + home_id.replace("'", "''") + "'"
    proc = dbt_runner.run_dbt(
        ["show", "--inline", f"select {{{{ household_id(\"{literal}\") }}}} as household_id", "--output", "json",
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env=transformer_env(pg_server, dbname))
    found = re.findall(r'"household_id": "([0-9a-f]+)"', proc.stdout)
    assert len(found) == 1, proc.stdout[-3000:]
    return found[0]


# ------------------------------------------------------------------------------------------------ tests
def test_bi_reader_cannot_reverse_household_ids(bi_conn: Any, admin_conn: Any) -> None:  # noqa: F811
    """Everything bi_reader can read gives no way back from a household_id to a Tibber home: not the key, not
    the home ids, and none of the hashes one would try on the demo homes' known ids matches."""
    assert_marts_keyed_with(bi_conn, KEY)
    ids = mart_household_ids(bi_conn)
    assert all(re.fullmatch(r"[0-9a-f]{64}", i) for i in ids), ids  # SHA-256 long, not an md5

    # The key: only the transformer may read it; bi_reader, the loader and PUBLIC can neither use the schema nor
    # read the table. bi_reader is refused it, and every other relation outside marts.
    privileges = query(admin_conn, """
        select r, has_schema_privilege(r, 'private', 'usage'), has_table_privilege(r, 'private.pseudonym_key',
               'select')
        from unnest(array['bi_reader', 'gridcarbon_loader', 'gridcarbon_transformer']) as r""")
    assert privileges == [("bi_reader", False, False), ("gridcarbon_loader", False, False),
                          ("gridcarbon_transformer", True, True)]
    acl = query(admin_conn, "select coalesce(array_to_string(n.nspacl, ','), ''), "
                            "coalesce(array_to_string(c.relacl, ','), '') from pg_class c join pg_namespace n "
                            "on n.oid = c.relnamespace where c.oid = 'private.pseudonym_key'::regclass")[0]
    assert not any(entry.startswith("=") for entry in ",".join(acl).split(",")), f"PUBLIC has a grant: {acl}"
    assert not can_select(bi_conn, "private.pseudonym_key")
    for relation in ("raw_tibber.homes", "raw_tibber.consumption", "staging.stg_tibber__homes",
                     "intermediate.int_households_configured", "seeds.household_settings"):
        assert not can_select(bi_conn, relation), f"bi_reader reads {relation}, which holds Tibber home ids"
    everything = relations(admin_conn)
    outside = [f"{schema}.{name}" for schema, names in everything.items() if schema != "marts" for name in names]
    assert "private.pseudonym_key" in outside
    assert [q for q in outside if can_select(bi_conn, q)] == []

    # What bi_reader reads: no home id, no address, no key anywhere in any mart row.
    marts_text = "\n".join(r[0] for (m,) in query(bi_conn, "select table_name from information_schema.tables "
                                                          "where table_schema = 'marts'")
                           for r in query(bi_conn, f'select t::text from marts."{m}" t'))
    assert marts_text
    for secret in [*DEMO_HOMES, KEY_MARK, "Königstraße", "Kaiserstraße"]:
        assert secret not in marts_text

    # The attack of the issue, as bi_reader: join the marts on md5 of the public salt and a known home id.
    joined = query(bi_conn, """
        select count(*) from marts.dim_households as d
        join unnest(%s::text[]) as h(home_id)
          on d.household_id in (md5(%s || ':' || h.home_id), md5(h.home_id))""", (DEMO_HOMES, PUBLIC_SALT))
    assert joined == [(0,)]
    # ... and every other guess: plain digests, HMAC with an empty or guessable key.
    guesses: dict[str, str] = {}
    for home in DEMO_HOMES:
        for form in (home, f"{PUBLIC_SALT}:{home}", f":{home}", f"{PUBLIC_SALT}{home}"):
            guesses[hashlib.md5(form.encode()).hexdigest()] = f"md5({form})"  # noqa: S324 - an attacker's guess
            guesses[hashlib.sha256(form.encode()).hexdigest()] = f"sha256({form})"
        for key in GUESSABLE_KEYS:
            guesses[keyed_household_id(key, home)] = f"hmac({key!r}, {home})"
    assert [guesses[i] for i in ids if i in guesses] == []


def test_key_is_nowhere_in_dbt_artifacts_or_docs(built_warehouse: str, admin_conn: Any, dbt_out: Path) -> None:
    """The key is read by Postgres at run time: dbt's manifest, run results, compiled and run SQL, catalog, logs
    and the published docs site name the table, never the key (in any escaping)."""
    assert stored_key(admin_conn) == KEY
    assert_marts_keyed_with(admin_conn, KEY)
    files = [p for p in dbt_out.rglob("*") if p.is_file()]
    names = {p.relative_to(dbt_out).as_posix() for p in files}
    assert {"target/manifest.json", "target/run_results.json", "target/catalog.json", "target/index.html",
            "docs/manifest.json", "docs/catalog.json", "docs/index.html"} <= names
    compiled = [p for p in files if p.name == "int_households_configured.sql"]
    assert {p.relative_to(dbt_out).parts[1] for p in compiled} == {"compiled", "run"}
    for path in compiled:
        sql = path.read_text()
        assert "private.hmac(" in sql and "from private.pseudonym_key" in sql, sql
    manifest = json.loads((dbt_out / "docs" / "manifest.json").read_text())
    node = manifest["nodes"]["model.gridcarbon.int_households_configured"]
    assert "private.pseudonym_key" in node["compiled_code"]

    forms = {KEY, KEY_MARK, json.dumps(KEY)[1:-1], json.dumps(KEY, ensure_ascii=False)[1:-1],
             KEY.replace("'", "''")}
    leaks = [(p.relative_to(dbt_out).as_posix(), form) for p in files for form in forms
             if form.encode() in p.read_bytes()]
    assert leaks == []


def test_key_with_quote_and_backslash_works(built_warehouse: str, admin_conn: Any) -> None:
    """A key with ' \\ " $$ and ü is stored as given and used as given: the build succeeded and every id is
    Python's hmac.new(KEY.encode(), home_id.encode(), sha256).hexdigest()."""
    assert stored_key(admin_conn) == KEY
    dim = dict(query(admin_conn, "select household_id, is_configured from marts.dim_households"))
    assert dim == {keyed_household_id(KEY, HOME_FLAT): True, keyed_household_id(KEY, HOME_EV): True}
    assert_marts_keyed_with(admin_conn, KEY)
    in_facts = query(admin_conn, "select household_id, count(*) from marts.fct_household_consumption group by 1")
    assert {hid for hid, _ in in_facts} == set(dim)


def test_changed_key_is_applied_by_the_bootstrap(pg_server: tuple[str, str, str], fresh_database: Callable[[], str],
                                                 monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    """Setting a new GRIDCARBON_PSEUDONYM_KEY and running the bootstrap again replaces the key: dbt's macro gives
    the new ids, and the bootstrap says that the marts need ``--full-refresh``. It never prints a key, and both
    are registered with the log masker."""
    name = fresh_database()
    first, second = "first-pseudonym-key-" + "1" * 20, "second-pseudonym-key-" + "2" * 20
    monkeypatch.setenv(KEY_ENV, first)
    assert bootstrap.main(["database", name]) == 0
    with superuser(pg_server, name) as conn:
        assert stored_key(conn) == first
    assert household_id_by_dbt(pg_server, name, HOME_EV, tmp_path) == keyed_household_id(first, HOME_EV)
    capsys.readouterr()

    monkeypatch.setenv(KEY_ENV, second)
    assert bootstrap.main(["database", name]) == 0
    said = capsys.readouterr()
    print(said.err)
    assert "replaced" in said.err and "--full-refresh" in said.err
    with superuser(pg_server, name) as conn:
        assert stored_key(conn) == second
    assert household_id_by_dbt(pg_server, name, HOME_EV, tmp_path) == keyed_household_id(second, HOME_EV)

    assert bootstrap.main(["database", name]) == 0  # the same key again: nothing to rebuild
    monkeypatch.delenv(KEY_ENV)
    assert bootstrap.main(["database", name]) == 0  # unset later: the stored key stays
    again = capsys.readouterr()
    assert "--full-refresh" not in again.err and "generated" not in again.err
    with superuser(pg_server, name) as conn:
        assert stored_key(conn) == second
    for text in (said.out, said.err, again.out, again.err):
        assert first not in text and second not in text
    assert redact(f"a log line with {first} and {second}") == "a log line with *** and ***"  # masked in logs


def test_unset_key_is_generated_per_database(pg_server: tuple[str, str, str], fresh_database: Callable[[], str],
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Without GRIDCARBON_PSEUDONYM_KEY a fresh warehouse gets a random 32-byte key of its own (no constant two
    deployments would share); the bootstrap says so, without printing it, and a rerun keeps it."""
    monkeypatch.delenv(KEY_ENV)
    keys = []
    for _ in range(2):
        name = fresh_database()
        assert bootstrap.main(["database", name]) == 0
        with superuser(pg_server, name) as conn:
            keys.append(stored_key(conn))
    said = capsys.readouterr()
    print(said.err)
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys), "not 32 random bytes"
    assert keys[0] != keys[1]
    assert TEST_PSEUDONYM_KEY not in keys
    assert "generated" in said.err and "stable only while this database lives" in said.err
    assert not any(k in said.out + said.err for k in keys)
    assert bootstrap.main(["database", name]) == 0
    with superuser(pg_server, name) as conn:
        assert stored_key(conn) == keys[1]
