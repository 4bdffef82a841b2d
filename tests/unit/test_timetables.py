"""``HistoryTimetable``: cron intervals for recent time, whole SMARD weeks for history, as the scheduler's catch-up
and Airflow 3's backfills (``SerializedDAG.iter_dagrun_infos_between``) see them after a round trip through
Airflow's own serialization (what the DAG processor writes and the scheduler reads)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pendulum
import pytest

BERLIN_MONDAYS_MARCH_2025 = [datetime(2025, 3, d, 23, tzinfo=UTC) for d in (2, 9, 16, 23)] + [
    datetime(2025, 3, 30, 22, tzinfo=UTC)]  # 00:00 Europe/Berlin; the last one after the switch to summer time


def _intervals(timetable, earliest: datetime, latest: datetime | None, count: int | None = None):
    from airflow.timetables.base import TimeRestriction

    restriction = TimeRestriction(pendulum.instance(earliest), latest and pendulum.instance(latest), True)
    info, found = None, []
    while count is None or len(found) < count:
        info = timetable.next_dagrun_info_v2(last_dagrun_info=info, restriction=restriction)
        if info is None:
            break
        found.append((info.data_interval.start, info.data_interval.end, info.run_after))
    return found


@pytest.fixture()
def smard_timetable():
    from gridcarbon.timetables import HistoryTimetable

    return HistoryTimetable("30 * * * *", "UTC")


def test_history_is_whole_smard_weeks_and_a_backfill_ends_where_an_hourly_one_would(smard_timetable) -> None:
    """A month of 2025 (history): 6 intervals instead of 744, contiguous, every inner boundary Monday 00:00
    Europe/Berlin (a 167-hour DST week included), the first on the cron grid, the last ending at the first cron
    time after the range (where the last hourly interval of the same backfill ends)."""
    found = _intervals(smard_timetable, datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
    starts = [s for s, _, _ in found]
    ends = [e for _, e, _ in found]
    assert starts[0] == datetime(2025, 3, 1, 0, 30, tzinfo=UTC)
    assert ends == [*BERLIN_MONDAYS_MARCH_2025, datetime(2025, 4, 1, 0, 30, tzinfo=UTC)]
    assert starts[1:] == ends[:-1]  # contiguous
    assert all(run_after == end for _, end, run_after in found)
    assert ends[4] - starts[4] == timedelta(hours=167)


def test_recent_time_keeps_the_cron_intervals(smard_timetable) -> None:
    """Catch-up from 20 days ago: whole weeks up to the cut-off (the Monday at or before 7 days ago), one short
    interval to the next cron time, then hourly intervals on the cron grid up to now."""
    now = datetime.now(UTC)
    cutoff = smard_timetable.history_cutoff()
    assert now - timedelta(days=14) < cutoff <= now - timedelta(days=7)
    found = _intervals(smard_timetable, now - timedelta(days=20), None, count=400)
    history = [(s, e) for s, e, _ in found if e <= cutoff]
    recent = [(s, e) for s, e, _ in found if s >= cutoff]
    assert len(history) + len(recent) == len(found)
    assert 2 <= len(history) <= 3 and all(e - s <= timedelta(days=7) for s, e in history)
    assert recent[0] == (cutoff, cutoff.replace(minute=30))  # Monday 00:00 Berlin -> the next :30
    assert all(e - s == timedelta(hours=1) and s.minute == 30 for s, e in recent[1:])
    assert [s for s, _, _ in found[1:]] == [e for _, e, _ in found[:-1]]


def test_without_catchup_and_for_manual_runs_it_is_the_cron_timetable(smard_timetable) -> None:
    """catchup=False starts at the latest complete hour; a manual run (``airflow dags test``, the trigger
    button) gets the hourly interval ending at or before its date, also in history."""
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable

    cron = CronDataIntervalTimetable("30 * * * *", "UTC")
    restriction = TimeRestriction(None, None, False)
    mine = smard_timetable.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    theirs = cron.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert mine.data_interval == theirs.data_interval
    run_after = pendulum.datetime(2025, 3, 5, 7, 10)
    assert smard_timetable.infer_manual_data_interval(run_after=run_after) == \
        cron.infer_manual_data_interval(run_after=run_after)


def test_the_scheduler_reads_what_the_dag_processor_wrote() -> None:
    """Through Airflow's encoder and decoder (the plugin in plugins/ registers the class): same intervals, and the
    DAG's backfill iteration (``iter_dagrun_infos_between``, what ``airflow backfill create`` calls) gives 6 runs
    for March 2025."""
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.serialization.serialized_objects import DagSerialization

    from gridcarbon.timetables import HistoryTimetable

    timetable = HistoryTimetable("5 * * * *", "UTC", history_period="day", recent=timedelta(days=3))
    decoded = decode_timetable(encode_timetable(timetable))
    assert decoded == timetable and decoded.summary == timetable.summary
    march = (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
    assert _intervals(decoded, *march) == _intervals(timetable, *march)
    assert len(_intervals(decoded, *march)) == 32  # whole Berlin days, the first and last partial

    from airflow.dag_processing.dagbag import DagBag

    from tests.dags.test_source_dags import DAGS

    dag = DagBag(dag_folder=str(DAGS / "source_ingest.py")).dags["smard_ingest"]
    serialized = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    assert isinstance(serialized.timetable, HistoryTimetable)
    infos = list(serialized.iter_dagrun_infos_between(pendulum.instance(march[0]), pendulum.instance(march[1])))
    assert [i.data_interval.end for i in infos][:-1] == BERLIN_MONDAYS_MARCH_2025


def test_bad_settings_are_refused() -> None:
    from gridcarbon.timetables import HistoryTimetable

    with pytest.raises(ValueError, match="history_period"):
        HistoryTimetable("30 * * * *", "UTC", history_period="month")
