"""BPA balancing authority generation -> ``raw_iso.generation_by_fuel`` (iso ``bpa``).

Daily at 08:30 UTC for the previous 24 hours from ``baltwg.txt`` (5-minute, MW, Pacific local time).

**Cannot be backfilled:** BPA publishes the last 7 days only, so ``catchup=False``. A run (or manual run) for a
window older than that ends as *skipped* with the reason and writes nothing; a window partly older is clipped to
the days still served. A manual run can reload any of the last 7 days with
``conf={"window_start", "window_end"}``. ``Load`` is not stored (not generation). Connection ``bpa`` (host =
base URL, default https://transmission.bpa.gov), no credential. Pool ``bpa``.
While the window's last interval is not published yet (up to ``ISO_PUBLICATION_GRACE_MINUTES``, default 45
minutes after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="bpa_ingest",
    schedule=CronDataIntervalTimetable("30 8 * * *", timezone="UTC"),
    start_date=start_date("BPA_START"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "bpa"],
    max_active_runs=1,
    doc_md=__doc__,
)
def bpa_ingest() -> None:
    @task(pool="bpa", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import bpa
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        conn = connect()
        try:
            return bpa.extract_and_load(window, conn=conn, meta=meta)
        finally:
            conn.close()

    extract_load()


bpa_ingest()
