"""CAISO generation by fuel -> ``raw_iso.generation_by_fuel`` (iso ``caiso``).

Daily at 08:30 UTC for the previous 24 hours (by then the Pacific day is complete). Primary file: Today's
Outlook ``/outlook/history/{YYYYMMDD}/fuelsource.csv`` (5-minute, MW, Pacific local ``HH:MM``); for days before
``CAISO_OUTLOOK_FIRST_DAY`` (default 2018-04-20) the legacy hourly Daily Renewables Watch report.

Backfill: both files hold long history; ``catchup=True`` from ``CAISO_START`` (default: `GRIDCARBON_CATCHUP_DAYS`=2
days back), older history by backfill. A window before ``CAISO_OLDEST_DAY`` (default 2010-04-20) ends as *skipped*
with the reason. A manual run can load any
window with ``conf={"window_start": "...", "window_end": "..."}``. Rerunning a day replaces its rows.

Connection ``caiso``: host = base URL (default https://www.caiso.com); no credential. Pool ``caiso``.
Empty cells of a file that is still being written are not stored. The window's last 5-minute interval is
usually published a few minutes after the run: while it is missing (up to ``ISO_PUBLICATION_GRACE_MINUTES``,
default 45, after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="caiso_ingest",
    schedule=CronDataIntervalTimetable("30 8 * * *", timezone="UTC"),
    start_date=start_date("CAISO_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "caiso"],
    max_active_runs=4,
    doc_md=__doc__,
)
def caiso_ingest() -> None:
    @task(pool="caiso", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import caiso
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        conn = connect()
        try:
            return caiso.extract_and_load(window, conn=conn, meta=meta)
        finally:
            conn.close()

    extract_load()


caiso_ingest()
