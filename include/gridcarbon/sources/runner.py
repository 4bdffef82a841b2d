"""The one task body of every source (the DAGs of ``dags/source_ingest.py`` call ``run_task``/``run_plan``).

At the task boundary it resolves, once: the window (data interval or a manual run's conf), the settings from one
snapshot of the environment (the source's ``Settings.from_env`` and the HTTP retry policy and deadline,
``gridcarbon.http.HttpSettings.from_env``), the endpoint (Airflow connection ``<source>``, else the public default
URL), an HTTP session built from those HTTP settings, the warehouse connection and the load metadata (DAG id, run
id, window, URL). Below this module nothing reads the environment: fetch, parse and load take values. Then
``fetch`` -> ``load`` inside ``transaction(conn)``: everything one task replaces commits together or not at all;
a feed that answers ``Several`` parts (SMARD: the series of one region) gets one transaction per part.

The Airflow outcomes are decided here and only here: ``NotServed`` ends the task *skipped* with the reason
(``AirflowSkipException``); a rejected credential (``SourceAuthError``) fails it without retries
(``AirflowFailException``: retrying will not fix the connection); any other error fails the try and Airflow's
retries take over. ``extract_load`` is the same path without Airflow, for tests and scripts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gridcarbon.intervals import Window
from gridcarbon.sources.contract import Fetched, NothingToLoad, NotServed, Several, Source
from gridcarbon.warehouse import LoadMeta, LoadResult

if TYPE_CHECKING:
    from gridcarbon.http import HttpSettings

log = logging.getLogger(__name__)

MAP_LABEL_KEY = "feed_item"  # context key a mapped feed task's map_index_template reads


@dataclass(frozen=True)
class Loaded:
    """What one task replaced: the window, one result per replacement, and the source's note."""

    window: Window | None
    results: tuple[LoadResult, ...]
    note: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(r.inserted for r in self.results)

    @property
    def replaced(self) -> int:
        return sum(r.deleted for r in self.results)

    def summary(self) -> dict[str, Any]:
        """The task's return value (an XCom: JSON only)."""
        tables: dict[str, int] = {}
        for result in self.results:
            tables[result.table] = tables.get(result.table, 0) + result.inserted
        return {"window": str(self.window) if self.window else None, "rows": self.rows, "replaced": self.replaced,
                "tables": tables, **self.note}


@contextmanager
def _connection(conn: Any) -> Any:
    if conn is not None:
        yield conn
        return
    from gridcarbon.warehouse import connect

    own = connect()
    try:
        yield own
    finally:
        own.close()


def extract_load(
    source: Source,
    window: Window,
    *,
    task_id: str | None = None,
    inputs: Sequence[Any] = (),
    settings: Any = None,
    http_settings: HttpSettings | None = None,
    endpoint: Any = None,
    session: Any = None,
    conn: Any = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> Loaded | NotServed | NothingToLoad:
    """Fetch ``window`` of one feed of ``source`` and replace it in the warehouse in one transaction (one per
    part when the feed answers ``Several``).

    Whatever is not given is resolved here, the way a task does: the source's and the HTTP settings from one
    snapshot of the environment, the endpoint from the connection, a new session (from the HTTP settings), a new
    warehouse connection (closed afterwards)."""
    from gridcarbon.connections import resolve_endpoint
    from gridcarbon.http import session_scope
    from gridcarbon.warehouse import transaction

    feed = source.feed(task_id)
    settings, http_settings = _settings(source, settings, http_settings)
    endpoint = endpoint or resolve_endpoint(source.connection_id, source.default_base_url)
    with session_scope(session, http_settings) as http:
        outcome = feed.fetch(http, endpoint, window, settings, *inputs)
    parts = outcome.parts if isinstance(outcome, Several) else (outcome,)
    fetched = [part for part in parts if isinstance(part, Fetched)]
    if not fetched:
        if isinstance(outcome, Several):
            outcome = NothingToLoad("; ".join(p.reason for p in parts if isinstance(p, NothingToLoad))
                                    or "no part to load")
        log.info("%s %s: %s", source.name, type(outcome).__name__, getattr(outcome, "reason", ""))
        return outcome  # type: ignore[return-value]
    results: list[LoadResult] = []
    with _connection(conn) as db:
        for part in fetched:  # one transaction per part: each part's window replaced whole or not at all
            meta = LoadMeta(dag_id=dag_id, run_id=run_id, window=part.window, url=part.url)
            with transaction(db, source=source.name, url=part.url, window=part.window):
                results.extend(feed.load(db, part.records, part.window, meta))
    windows = [part.window for part in fetched if part.window is not None]
    span = Window(min(w.start for w in windows), max(w.end for w in windows)) if windows else None
    note = outcome.note if isinstance(outcome, Several) else fetched[0].note
    loaded = Loaded(span, tuple(results), note)
    log.info("%s %s: %d rows replaced %d in %s (%d transaction%s)", source.name, feed.task_id, loaded.rows,
             loaded.replaced, span or "the whole table", len(fetched), "" if len(fetched) == 1 else "s")
    return loaded


def _settings(source: Source, settings: Any = None,
              http_settings: HttpSettings | None = None) -> tuple[Any, HttpSettings]:
    """The source's settings and the HTTP settings: those given, the others read from one snapshot of the
    environment (a malformed value fails here, before any request)."""
    from gridcarbon.http import HttpSettings
    from gridcarbon.settings import Environment

    if settings is not None and http_settings is not None:
        return settings, http_settings
    env = Environment.current()
    return (source.settings(env) if settings is None else settings,
            HttpSettings.from_env(env) if http_settings is None else http_settings)


def _ids(source: Source, context: Mapping[str, Any]) -> tuple[str, str | None]:
    dag_id = getattr(context.get("dag"), "dag_id", None) or source.dag_id
    run_id = context.get("run_id") or getattr(context.get("dag_run"), "run_id", None)
    return dag_id, run_id


def run_task(source: Source, task_id: str, context: MutableMapping[str, Any], *inputs: Any) -> dict[str, Any]:
    """The body of a feed task: ``extract_load`` for the task's window, with Airflow's outcomes (see module)."""
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    from gridcarbon.errors import SourceAuthError
    from gridcarbon.intervals import window_from_context

    plan = source.plan
    if plan is not None and plan.mapped and plan.label is not None and inputs:
        context[MAP_LABEL_KEY] = plan.label(inputs[0])
    window = window_from_context(context)
    dag_id, run_id = _ids(source, context)
    try:
        outcome = extract_load(source, window, task_id=task_id, inputs=inputs, dag_id=dag_id, run_id=run_id)
    except SourceAuthError as exc:  # retrying will not make the credential valid
        raise AirflowFailException(str(exc)) from exc
    if isinstance(outcome, NotServed):
        raise AirflowSkipException(outcome.reason)
    if isinstance(outcome, NothingToLoad):
        return {"window": str(window), "rows": 0, "note": outcome.reason}
    return outcome.summary()


def run_plan(source: Source) -> list[Any]:
    """The body of a source's plan task: the items its feed tasks work on (e.g. EIA's respondents)."""
    from airflow.sdk.exceptions import AirflowFailException

    from gridcarbon.connections import resolve_endpoint
    from gridcarbon.errors import SourceAuthError
    from gridcarbon.http import session_scope

    if source.plan is None:
        raise ValueError(f"source {source.name} has no plan")
    settings, http_settings = _settings(source)
    endpoint = resolve_endpoint(source.connection_id, source.default_base_url)
    try:
        with session_scope(None, http_settings) as http:
            return source.plan.run(http, endpoint, settings)
    except SourceAuthError as exc:
        raise AirflowFailException(str(exc)) from exc
