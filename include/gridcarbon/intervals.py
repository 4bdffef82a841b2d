"""The window a task reads and writes.

A scheduled or backfill run works on exactly its data interval. A *manual* run may widen it with
``conf={"window_start": "...", "window_end": "..."}`` (ISO-8601, UTC if no offset): that is how the demo and
users load a week in one run instead of 168 hourly ones. The window is always half-open ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        # Plain UTC datetimes only (see parse_utc): a pendulum bound would lose its zone in later arithmetic.
        object.__setattr__(self, "start", parse_utc(self.start))
        object.__setattr__(self, "end", parse_utc(self.end))
        if not self.start < self.end:
            raise ValueError(f"empty window: start {self.start.isoformat()} is not before end {self.end.isoformat()}")

    def widened(self, lookback: timedelta) -> Window:
        return Window(self.start - lookback, self.end)

    def __str__(self) -> str:
        return f"[{self.start.isoformat()}, {self.end.isoformat()})"


def parse_utc(value: str | datetime) -> datetime:
    """A plain ``datetime`` in UTC from an ISO string (UTC if it has no offset) or any datetime.

    Always returns the standard library's type, never a subclass: Airflow hands tasks pendulum ``DateTime``
    objects as their data interval, and pendulum's arithmetic on one converted to ``datetime.UTC`` drops the
    time zone (``start - timedelta(hours=48)`` came back naive). Scheduled and backfill runs failed on that
    while conf windows (parsed from strings) worked, so every window is normalised here, at the boundary.
    """
    if isinstance(value, datetime):
        dt = value
    else:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    utc = dt.astimezone(UTC)
    return datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=UTC)


def window_from_context(context: Mapping[str, Any]) -> Window:
    """The task's window: data interval, or the manual run's ``window_start``/``window_end`` conf.

    A manual run triggered without a logical date (Airflow 3's REST API and trigger form allow it) has no data
    interval: it gets the latest complete interval of the DAG's timetable before the run's ``run_after``, as
    ``airflow dags test`` would, instead of failing with "no data interval".
    """
    dag_run = context.get("dag_run")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    if conf.get("window_start") or conf.get("window_end"):
        if not (conf.get("window_start") and conf.get("window_end")):
            raise ValueError("conf must give both window_start and window_end")
        return Window(parse_utc(conf["window_start"]), parse_utc(conf["window_end"]))
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    if start is None or end is None:
        timetable = getattr(context.get("dag"), "timetable", None)
        run_after = getattr(dag_run, "run_after", None)
        if run_after is None or not hasattr(timetable, "expression"):
            raise ValueError("task context has no data interval, and no cron timetable and run_after to infer one "
                             "from: trigger with a logical date or a window conf")
        return latest_complete_interval(timetable.expression, str(timetable.timezone), parse_utc(run_after))
    return Window(parse_utc(start), parse_utc(end))


def latest_complete_interval(cron: str, timezone: str, run_after: datetime) -> Window:
    """The last interval of a cron data-interval schedule that ends at or before ``run_after``
    (what Airflow's ``CronDataIntervalTimetable.infer_manual_data_interval`` gives a manual run)."""
    from zoneinfo import ZoneInfo

    from croniter import croniter

    local = run_after.astimezone(ZoneInfo(timezone)).replace(second=0, microsecond=0)
    schedule = croniter(cron, local)
    end = local if croniter.match(cron, local) else schedule.get_prev(datetime)
    start = croniter(cron, end).get_prev(datetime)
    return Window(parse_utc(start), parse_utc(end))
