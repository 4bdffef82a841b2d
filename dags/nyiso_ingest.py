"""NYISO real-time fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``nyiso``).

Daily at 05:30 UTC for the previous 24 hours. Days younger than ``NYISO_DAILY_FILE_DAYS`` (default 7) come from
the daily ``{YYYYMMDD}rtfuelmix.csv``; older days (backfills) from the monthly ``{YYYYMM01}rtfuelmix_csv.zip``
archive, one download per month. Stamps are interval-ending local time with an EST/EDT column; rows store the
interval start in UTC.

Backfill: ``catchup=True`` from ``NYISO_START`` (default: `GRIDCARBON_CATCHUP_DAYS`, 2, days back); manual runs take
``conf={"window_start", "window_end"}``. Connection ``nyiso`` (host = base URL, default
http://mis.nyiso.com/public), no credential. Pool ``nyiso``.
While the window's last interval is not published yet (up to ``ISO_PUBLICATION_GRACE_MINUTES``, default 45
minutes after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="nyiso_ingest",
    schedule=CronDataIntervalTimetable("30 5 * * *", timezone="UTC"),
    start_date=start_date("NYISO_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "nyiso"],
    max_active_runs=4,
    doc_md=__doc__,
)
def nyiso_ingest() -> None:
    @task(pool="nyiso", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import nyiso
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        conn = connect()
        try:
            return nyiso.extract_and_load(window, conn=conn, meta=meta)
        finally:
            conn.close()

    extract_load()


nyiso_ingest()
