"""One extraction DAG per source of the registry (``gridcarbon.sources.registry``).

Airflow's dynamic DAG generation: each registry entry becomes ``<name>_ingest`` (``redispatch_ingest`` for
netztransparenz) with the entry's schedule (``CronDataIntervalTimetable``, UTC; ``HistoryTimetable`` for an entry
with a ``history_period``: the same cron intervals for the last ``GRIDCARBON_RECENT_DAYS``, whole weeks before, so
catch-up and backfills of history cost a few runs a month), catch-up policy (``History``),
first interval (``<NAME>_START``, see ``gridcarbon.dag_defaults.start_date``), pool, tags and documentation (each
DAG's own ``doc_md``, shown in the UI). Its tasks are the entry's: an optional plan task (EIA's
``list_respondents``, SMARD's ``list_series``, mapped one task per series) and one task per feed, whose outlets are
the raw tables it replaces. DAG ids, task ids, schedules, pools and asset URIs are fixed by the registry, so
history and the UI stay as they are when the code behind them changes.

Every task runs ``gridcarbon.sources.runner``: settings, endpoint, session and warehouse connection resolved at
the task boundary, fetch, then load in one transaction; "not served any more" ends the task *skipped*, a rejected
credential fails it without retries.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, api_task_args, raw_asset, recent_days, start_date
from gridcarbon.sources.contract import Feed, Source
from gridcarbon.sources.registry import SOURCES
from gridcarbon.sources.runner import MAP_LABEL_KEY


def _where(source: Source, pooled: bool) -> dict[str, Any]:
    """A task that talks to the source's API runs in its pool (and its queue, if one is configured)."""
    return api_task_args(source.pool) if pooled else {}


def _plan_task(source: Source) -> Any:
    assert source.plan is not None

    @task(task_id=source.plan.task_id, **_where(source, source.plan.pooled))
    def plan() -> list[Any]:
        from gridcarbon.sources.runner import run_plan

        return run_plan(source)

    return plan


def _run(source: Source, feed: Feed, *inputs: Any) -> dict[str, Any]:
    from airflow.sdk import get_current_context

    from gridcarbon.sources.runner import run_task

    return run_task(source, feed.task_id, get_current_context(), *inputs)


def _feed_task(source: Source, feed: Feed) -> Any:
    """The feed's task: no argument, the plan's whole list (``items``) or, mapped, one of its items (``item``)."""
    options: dict[str, Any] = {"task_id": feed.task_id, "outlets": [raw_asset(table) for table in feed.tables],
                               **_where(source, feed.pooled)}
    if source.plan is None:
        @task(**options)
        def extract_load() -> dict[str, Any]:
            return _run(source, feed)
    elif source.plan.mapped:
        @task(**options, map_index_template="{{ " + MAP_LABEL_KEY + " }}")
        def extract_load(item: Any) -> dict[str, Any]:
            return _run(source, feed, item)
    else:
        @task(**options)
        def extract_load(items: list[Any]) -> dict[str, Any]:
            return _run(source, feed, items)
    return extract_load


def _timetable(source: Source) -> Any:
    """Cron intervals (UTC); with a ``history_period``, whole periods for history (``gridcarbon.timetables``)."""
    if source.history_period is None:
        return CronDataIntervalTimetable(source.schedule, timezone="UTC")
    from gridcarbon.timetables import HistoryTimetable

    return HistoryTimetable(source.schedule, "UTC", history_period=source.history_period,
                            recent=timedelta(days=recent_days()))


def build(source: Source) -> DAG:
    """The DAG of one registry entry."""

    @dag(
        dag_id=source.dag_id,
        schedule=_timetable(source),
        start_date=start_date(source.start_env),
        catchup=source.catchup,
        default_args=DEFAULT_ARGS,
        tags=["extract", *source.tags, source.dag_id.removesuffix("_ingest")],
        max_active_runs=source.max_active_runs,
        doc_md=source.doc,
    )
    def ingest() -> None:
        planned = _plan_task(source)() if source.plan is not None else None
        for feed in source.feeds:
            extract_load = _feed_task(source, feed)
            if planned is None:
                extract_load()
            elif source.plan is not None and source.plan.mapped:
                extract_load.expand(item=planned)
            else:
                extract_load(planned)

    return ingest()


for _source in SOURCES.values():
    globals()[_source.dag_id] = build(_source)
