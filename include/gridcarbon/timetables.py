"""``HistoryTimetable``: the cron data intervals of a DAG for recent time, whole weeks (or days) for history.

A backfill's cost should follow the data, not the number of intervals. An hourly DAG backfilled over a month is
~720 runs; SMARD serves weekly blocks, Tibber and netztransparenz answer a week in one or a few requests. So the
timetable gives every interval that ends before a cut-off (``recent`` before now, rounded down to the start of its
week, or day, in ``boundary_timezone``) the size of that period, aligned to its boundaries: Monday 00:00
Europe/Berlin, which is where SMARD's weekly blocks start, so a history run reads each block it needs once. After
the cut-off the intervals are the cron expression's, exactly as ``CronDataIntervalTimetable`` gives them.

The same method (``next_dagrun_info``) feeds the scheduler's catch-up and Airflow 3's backfills (UI dialog, REST
API and ``airflow backfill create``: ``airflow.models.backfill._get_info_list`` iterates it through
``SerializedDAG.iter_dagrun_infos_between``), so both take the fast path: a month of history is ~5 runs. An
interval never extends past ``restriction.latest``'s next cron time (the end of the last interval an hourly
backfill of the same range would have), so a backfill covers the range the user asked for, not the whole last week.
Manual runs (``airflow dags test``, the trigger button) keep the cron interval ending at or before ``run_after``
(``infer_manual_data_interval``, inherited).

Intervals are contiguous: each starts where the previous one ended. At the cut-off one short interval (from the
week boundary to the next cron time) joins the two grids. Which intervals are "history" depends on when the
timetable is asked; the scheduler stores each next interval when it plans it, so a run's interval never changes.

Registered with Airflow by ``plugins/gridcarbon_timetables.py`` (the scheduler and API server deserialize DAGs with
it). Serialized with its cron expression, time zone, period, ``recent`` (seconds) and boundary time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pendulum
from airflow.timetables.base import DagRunInfo
from airflow.timetables.interval import CronDataIntervalTimetable

if TYPE_CHECKING:
    from airflow.timetables.base import DataInterval, TimeRestriction

PERIODS: dict[str, int] = {"day": 1, "week": 7}
DEFAULT_RECENT = timedelta(days=7)
DEFAULT_BOUNDARY_TIMEZONE = "Europe/Berlin"


def period_start(at: datetime, period: str, tz: ZoneInfo) -> datetime:
    """The start of the local day, or week (Monday), containing ``at``, as an aware datetime in ``tz``."""
    local = at.astimezone(tz)
    day = local.date() - timedelta(days=local.weekday() if period == "week" else 0)
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def next_boundary(at: datetime, period: str, tz: ZoneInfo) -> datetime:
    """The first period boundary strictly after ``at`` (local midnight, so DST weeks are 167 or 169 hours)."""
    start = period_start(at, period, tz)
    day = start.date() + timedelta(days=PERIODS[period])
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def _pendulum(dt: datetime) -> pendulum.DateTime:
    """Airflow's timetables compute with pendulum (``CronMixin`` calls ``in_timezone``)."""
    return pendulum.instance(dt).in_timezone("UTC")


class HistoryTimetable(CronDataIntervalTimetable):
    """Cron data intervals after the cut-off, whole ``history_period``s before it (see the module docstring)."""

    def __init__(self, cron: str, timezone: Any = "UTC", *, history_period: str = "week",
                 recent: timedelta = DEFAULT_RECENT, boundary_timezone: str = DEFAULT_BOUNDARY_TIMEZONE) -> None:
        super().__init__(cron, timezone)
        if history_period not in PERIODS:
            raise ValueError(f"history_period {history_period!r}: allowed are {sorted(PERIODS)}")
        if recent < timedelta(0):
            raise ValueError(f"recent must not be negative, got {recent}")
        self.history_period = history_period
        self.recent = recent
        self.boundary_timezone = boundary_timezone
        self._boundary_tz = ZoneInfo(boundary_timezone)

    # --- serialization (the DAG processor writes it, the scheduler and API server read it) -----------------
    def serialize(self) -> dict[str, Any]:
        return {**super().serialize(), "history_period": self.history_period,
                "recent_seconds": self.recent.total_seconds(), "boundary_timezone": self.boundary_timezone}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> HistoryTimetable:
        from airflow._shared.timezones.timezone import parse_timezone

        return cls(data["expression"], parse_timezone(data["timezone"]), history_period=data["history_period"],
                   recent=timedelta(seconds=data["recent_seconds"]), boundary_timezone=data["boundary_timezone"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HistoryTimetable) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((self.expression, self.history_period, self.recent, self.boundary_timezone))

    # The task SDK's CronDataIntervalTimetable names these without underscore; gridcarbon.intervals reads them to
    # infer a manual run's interval when it has no logical date.
    @property
    def expression(self) -> str:
        return self._expression

    @property
    def timezone(self) -> Any:
        return self._timezone

    @property
    def summary(self) -> str:
        return f"{self.expression} ({self.history_period}ly before {self.recent.days} days ago)"

    # --- the intervals -----------------------------------------------------------------------------------------
    def history_cutoff(self, now: datetime | None = None) -> datetime:
        """Intervals ending at or before this instant are history: the start of the period (week or day, in
        ``boundary_timezone``) containing ``now - recent``."""
        now = now or datetime.now(self._boundary_tz)
        return period_start(now - self.recent, self.history_period, self._boundary_tz)

    def interval_from(self, start: datetime, *, latest: datetime | None = None,
                      now: datetime | None = None) -> tuple[datetime, datetime]:
        """The interval starting at ``start``: up to the next period boundary if that is history, else up to the
        next cron time; never past the next cron time after ``latest``."""
        boundary = next_boundary(start, self.history_period, self._boundary_tz)
        if boundary <= self.history_cutoff(now):
            end = boundary
            if latest is not None:
                end = min(end, self._get_next(_pendulum(latest)))
        else:
            end = self._get_next(_pendulum(start))
        return start, end

    def next_dagrun_info(self, *, last_automated_data_interval: DataInterval | None,
                         restriction: TimeRestriction) -> DagRunInfo | None:
        earliest = _pendulum(restriction.earliest) if restriction.earliest is not None else None
        if not restriction.catchup:
            earliest = self._skip_to_latest(earliest)
        elif earliest is not None:
            earliest = self._align_to_next(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None
            start: datetime = earliest
        else:
            # Contiguous: a history interval ends on a period boundary, off the cron grid, so never re-align it.
            start = last_automated_data_interval.end
            if earliest is not None:
                start = max(start, earliest)
        if restriction.latest is not None and start > restriction.latest:
            return None
        begin, end = self.interval_from(start, latest=restriction.latest)
        return DagRunInfo.interval(start=_pendulum(begin), end=_pendulum(end))
