"""The one task runner (``gridcarbon.sources.runner``) and the caller-owned transaction (``warehouse.transaction``),
with a stand-in source and connection (no Airflow running, no database).

A user would otherwise see: a run for a window the API no longer serves failing and retrying for hours instead of
ending skipped, an expired credential retried with growing delays, half of a run's replacements committed when
the other half failed, or a settings typo discovered deep inside a fetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from gridcarbon.connections import Endpoint
from gridcarbon.errors import SourceAuthError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import runner
from gridcarbon.sources.contract import Feed, Fetched, History, NothingToLoad, NotServed, Source
from gridcarbon.warehouse import LoadError, LoadMeta, LoadResult, RawTable, transaction

WINDOW = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 1, 1, tzinfo=UTC))
TABLE = RawTable("raw_demo", "values", (), ("id",))


class FakeConnection:
    def __init__(self, *, fail_commit: bool = False) -> None:
        self.events: list[str] = []
        self.autocommit = False
        self.closed = False
        self.fail_commit = fail_commit

    def commit(self) -> None:
        self.events.append("commit")
        if self.fail_commit:
            raise FakeDatabaseError("server closed the connection unexpectedly")

    def rollback(self) -> None:
        self.events.append("rollback")


class FakeDatabaseError(Exception):
    pass


FakeDatabaseError.__module__ = "psycopg2.errors"  # what transaction() names as a database error


@dataclass(frozen=True)
class DemoSettings:
    answer: str = "rows"

    @classmethod
    def from_env(cls, env: Environment) -> DemoSettings:
        return cls(answer=env.text("DEMO_ANSWER", "rows"))


def _fetch(session: Any, endpoint: Endpoint, window: Window, settings: DemoSettings, *inputs: Any) -> Any:
    if settings.answer == "rows":
        return Fetched([("a", *inputs)], window, url=endpoint.url("data"), note={"inputs": list(inputs)})
    if settings.answer == "old":
        return NotServed("demo serves today only; this run writes nothing")
    if settings.answer == "auth":
        raise SourceAuthError("token rejected", source="demo", url=endpoint.base_url)
    return NothingToLoad("no whole hour in the window")


def _load(conn: FakeConnection, records: list[Any], window: Window, meta: LoadMeta) -> list[LoadResult]:
    conn.events.append(f"load {records} {window} {meta.dag_id} {meta.run_id} {meta.url}")
    if records == [("a", "boom")]:
        raise LoadError("duplicate primary key", source="demo")
    return [LoadResult(TABLE.qualified, 1, len(records))]


DEMO = Source(name="demo", dag_id="demo_ingest", default_base_url="https://demo.example", tables=(TABLE,),
              settings=DemoSettings.from_env, feeds=(Feed("extract_load", (TABLE,), _fetch, _load),),
              schedule="0 * * * *", history=History.CURRENT_ONLY, pool_slots=1, pool_description="demo",
              tags=("de",), doc="demo")


def _run(answer: str, conn: FakeConnection, *inputs: Any) -> Any:
    return runner.extract_load(DEMO, WINDOW, settings=DemoSettings(answer), conn=conn, inputs=inputs,
                               endpoint=Endpoint("demo", "https://demo.example"), session=object(),
                               dag_id="demo_ingest", run_id="r1")


def test_fetched_records_are_loaded_in_one_committed_transaction() -> None:
    conn = FakeConnection()
    loaded = _run("rows", conn, "DE")
    assert isinstance(loaded, runner.Loaded) and (loaded.rows, loaded.replaced) == (1, 1)
    assert conn.events == [f"load [('a', 'DE')] {WINDOW} demo_ingest r1 https://demo.example/data", "commit"]
    assert loaded.summary() == {"window": str(WINDOW), "rows": 1, "replaced": 1, "tables": {"raw_demo.values": 1},
                                "inputs": ["DE"]}


def test_a_failing_load_rolls_back_and_keeps_its_error() -> None:
    conn = FakeConnection()
    with pytest.raises(LoadError, match="duplicate primary key"):
        _run("rows", conn, "boom")
    assert conn.events[-1] == "rollback" and "commit" not in conn.events


def test_not_served_and_nothing_to_load_are_values_and_touch_no_database() -> None:
    conn = FakeConnection()
    assert isinstance(_run("old", conn), NotServed)
    assert isinstance(_run("none", conn), NothingToLoad)
    assert conn.events == []


def test_the_dag_layer_skips_what_is_not_served_and_fails_a_rejected_credential(monkeypatch) -> None:
    """``run_task`` (the task body): NotServed -> AirflowSkipException with the reason; SourceAuthError ->
    AirflowFailException (no retries); NothingToLoad -> success with no rows. Settings come from the
    environment, once, at this boundary."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    context = {"data_interval_start": WINDOW.start, "data_interval_end": WINDOW.end, "run_id": "r1"}
    monkeypatch.setattr(runner, "extract_load",
                        lambda source, window, **kw: _fetch(None, Endpoint("demo", "https://demo.example"), window,
                                                            source.settings(Environment.current())))
    monkeypatch.setenv("DEMO_ANSWER", "old")
    with pytest.raises(AirflowSkipException, match="demo serves today only"):
        runner.run_task(DEMO, "extract_load", dict(context))
    monkeypatch.setenv("DEMO_ANSWER", "auth")
    with pytest.raises(AirflowFailException, match="token rejected"):
        runner.run_task(DEMO, "extract_load", dict(context))
    monkeypatch.setenv("DEMO_ANSWER", "none")
    assert runner.run_task(DEMO, "extract_load", dict(context)) == {
        "window": str(WINDOW), "rows": 0, "note": "no whole hour in the window"}


def _session_facts(session: Any, endpoint: Endpoint, window: Window, settings: DemoSettings) -> Any:
    retry = session.get_adapter(endpoint.base_url).max_retries
    return Fetched([], window, note={"deadline": session.deadline, "retries": retry.total,
                                     "backoff": retry.backoff_factor, "answer": settings.answer})


def test_the_task_boundary_reads_the_http_settings_once_and_hands_them_down_in_the_session(monkeypatch) -> None:
    """Without a session, the runner builds one from ``GRIDCARBON_HTTP_*`` as read when the task starts (one
    snapshot with the source's settings); fetch only sees the session's values."""
    facts = Source(name="facts", dag_id="facts_ingest", default_base_url="https://facts.example", tables=(TABLE,),
                   settings=DemoSettings.from_env, feeds=(Feed("extract_load", (TABLE,), _session_facts, _load),),
                   schedule="0 * * * *", history=History.CURRENT_ONLY, pool_slots=1, pool_description="facts",
                   tags=("de",), doc="facts")
    monkeypatch.setenv("GRIDCARBON_HTTP_DEADLINE", "7")
    monkeypatch.setenv("GRIDCARBON_HTTP_RETRIES", "1")
    monkeypatch.setenv("GRIDCARBON_HTTP_BACKOFF", "0.25")
    monkeypatch.setenv("DEMO_ANSWER", "from-env")
    loaded = runner.extract_load(facts, WINDOW, conn=FakeConnection(), endpoint=Endpoint("facts", "https://facts.example"))
    assert isinstance(loaded, runner.Loaded)
    assert loaded.note == {"deadline": 7.0, "retries": 1, "backoff": 0.25, "answer": "from-env"}
    monkeypatch.setenv("GRIDCARBON_HTTP_DEADLINE", "never")
    with pytest.raises(ValueError, match="GRIDCARBON_HTTP_DEADLINE='never'"):  # a typo fails before any request
        runner.extract_load(facts, WINDOW, conn=FakeConnection(), endpoint=Endpoint("facts", "https://facts.example"))


def test_transaction_commits_once_rolls_back_on_error_and_restores_autocommit() -> None:
    conn = FakeConnection()
    conn.autocommit = True
    with transaction(conn):
        assert conn.autocommit is False
    assert conn.events == ["commit"] and conn.autocommit is True
    with pytest.raises(RuntimeError), transaction(conn):
        raise RuntimeError("injected")
    assert conn.events == ["commit", "rollback"] and conn.autocommit is True


def test_a_failing_commit_is_a_load_error_naming_source_url_and_window() -> None:
    conn = FakeConnection(fail_commit=True)
    with pytest.raises(LoadError) as caught, transaction(conn, source="demo", url="https://demo.example/data",
                                                          window=WINDOW):
        pass
    text = str(caught.value)
    assert "commit failed" in text and "source=demo" in text and "url=https://demo.example/data" in text
    assert "interval=[2025-03-01T00:00:00+00:00" in text and isinstance(caught.value.__cause__, FakeDatabaseError)
    assert conn.events == ["commit", "rollback"]
