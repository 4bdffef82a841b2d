"""The contract every source follows, and what the registry (``gridcarbon.sources.registry``) holds per source.

A source is a module in this package with

- ``Settings``: a frozen dataclass of its configuration with documented defaults, and ``Settings.from_env``,
  called once at the task boundary with a snapshot of the environment (``gridcarbon.settings.Environment``);
- ``fetch(session, endpoint, window, settings)``: a pure function of its arguments (the HTTP session and the
  endpoint are injected, nothing global) that returns one of
  - ``Fetched``: typed records and the window they replace (the run's window, clipped to what the API still
    serves or widened by a look-back),
  - ``NotServed``: the API cannot serve this window any more (current-data-only APIs); the run writes nothing
    and the DAG layer ends it as *skipped* with the reason,
  - ``NothingToLoad``: the window holds no whole interval of the source (the run succeeds and writes nothing);
  - ``Several``: one of the above per part of a task's work (e.g. SMARD: every series of one region, fetched
    concurrently); each ``Fetched`` part is loaded in a transaction of its own;
- ``load(conn, records, window, meta)``: replaces ``window`` by the records in the caller's transaction (it
  never commits) and returns one ``LoadResult`` per replacement.

The registry entry (a ``Source``) adds what Airflow needs: connection id (= the source's name), default base URL,
raw tables, pool, schedule, history policy, DAG id and documentation. ``gridcarbon.sources.runner`` is the one task
body for every source; the DAGs are generated from the registry (``dags/source_ingest.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar

from gridcarbon.intervals import Window
from gridcarbon.warehouse import RawTable

R = TypeVar("R")


class History(Enum):
    """What a scheduled run may ask the API for."""

    CATCHUP = "catchup"  # the API serves history: scheduled runs catch up from <NAME>_START (catchup=True)
    CURRENT_ONLY = "current_only"  # recent data only: no catch-up; a run for an older window is skipped
    ON_REQUEST = "on_request"  # history is served, but only backfills and manual runs fetch it (rate limits)


@dataclass(frozen=True)
class NotServed:
    """The source cannot serve the window any more: the run writes nothing and ends skipped with ``reason``."""

    reason: str


@dataclass(frozen=True)
class NothingToLoad:
    """The window holds nothing this source loads (e.g. no whole hour ended inside it): success, no rows."""

    reason: str


@dataclass(frozen=True)
class Fetched(Generic[R]):
    """What ``fetch`` answered: ``records`` replace ``window`` (None: the whole scope, e.g. a reference list).

    ``url`` (redacted) is named in load errors; ``note`` adds source-specific facts to the task's summary."""

    records: R
    window: Window | None
    url: str | None = None
    note: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Several:
    """A task's work in parts (e.g. the series of one region): each ``Fetched`` part is replaced in its own
    transaction, in order, so a part's window is replaced whole or not at all; ``NothingToLoad`` parts are skipped.
    ``note`` adds facts to the task's summary."""

    parts: tuple[Fetched[Any] | NothingToLoad, ...]
    note: Mapping[str, Any] = field(default_factory=dict)


Outcome = Fetched[Any] | NotServed | NothingToLoad | Several


@dataclass(frozen=True)
class Feed:
    """One extract-and-load task of a source's DAG.

    ``fetch(session, endpoint, window, settings, *inputs)``: ``inputs`` are the task's share of the plan (see
    ``Plan``); ``load(conn, records, window, meta)``. ``tables`` are the task's outlets. ``pooled``: the task
    runs in the source's pool (it talks to the source's API)."""

    task_id: str
    tables: tuple[RawTable, ...]
    fetch: Callable[..., Outcome]
    load: Callable[..., Sequence[Any]]
    pooled: bool = True


@dataclass(frozen=True)
class Plan:
    """A task before the feeds that lists what they work on: ``run(session, endpoint, settings) -> items``.

    ``mapped``: one feed task per item (``expand``), labelled ``label(item)`` in the UI; otherwise each feed task
    gets the whole list. ``pooled``: the plan itself calls the API (it runs in the source's pool)."""

    task_id: str
    run: Callable[..., list[Any]]
    mapped: bool = False
    label: Callable[[Any], str] | None = None
    pooled: bool = False


@dataclass(frozen=True)
class Source:
    """A registry entry: everything Airflow needs to run one upstream API, and where its code is."""

    name: str  # also the Airflow connection id and the pool name
    dag_id: str
    default_base_url: str
    tables: tuple[RawTable, ...]  # every raw table the source owns (created by the bootstrap)
    settings: Callable[..., Any]  # Settings.from_env(Environment)
    feeds: tuple[Feed, ...]
    schedule: str  # cron expression, UTC, run as CronDataIntervalTimetable
    history: History
    pool_slots: int
    pool_description: str
    tags: tuple[str, ...]  # besides "extract" and the DAG id without "_ingest", e.g. ("us",)
    doc: str  # the DAG's doc_md
    max_active_runs: int = 1
    plan: Plan | None = None
    # "week"/"day": history (intervals before the cut-off) in whole weeks/days (gridcarbon.timetables); None: cron
    history_period: str | None = None

    @property
    def connection_id(self) -> str:
        return self.name

    @property
    def pool(self) -> str:
        return self.name

    @property
    def catchup(self) -> bool:
        return self.history is History.CATCHUP

    @property
    def start_env(self) -> str:
        """The variable holding the DAG's first scheduled interval (``gridcarbon.dag_defaults.start_date``)."""
        return f"{self.dag_id.removesuffix('_ingest').upper()}_START"

    def feed(self, task_id: str | None = None) -> Feed:
        """The feed of ``task_id`` (the only feed when None)."""
        if task_id is None:
            if len(self.feeds) != 1:
                raise ValueError(f"source {self.name} has {len(self.feeds)} feeds: name the task")
            return self.feeds[0]
        for feed in self.feeds:
            if feed.task_id == task_id:
                return feed
        raise KeyError(f"source {self.name} has no feed {task_id!r} (feeds: {[f.task_id for f in self.feeds]})")
