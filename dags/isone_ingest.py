"""ISO-NE generation fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``isone``).

Daily at 05:30 UTC for the previous 24 hours: ``/genfuelmix/day/{YYYYMMDD}`` for each Eastern day the window
touches (JSON, irregular ~5-minute stamps with their local offset; ``interval_minutes`` = gap to the next stamp).

Connection ``isone``: host = base URL (default https://webservices.iso-ne.com/api/v1.1), login/password = an ISO
Express account (HTTP basic auth; a missing or rejected credential fails with SourceAuthError, no retry helps).
Backfill: ``catchup=True`` from ``ISONE_START`` (default: `GRIDCARBON_CATCHUP_DAYS`, 2, days back); manual runs take
``conf={"window_start", "window_end"}``. Pool ``isone``.
While the window's last interval is not published yet (up to ``ISO_PUBLICATION_GRACE_MINUTES``, default 45
minutes after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="isone_ingest",
    schedule=CronDataIntervalTimetable("30 5 * * *", timezone="UTC"),
    start_date=start_date("ISONE_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "isone"],
    max_active_runs=4,
    doc_md=__doc__,
)
def isone_ingest() -> None:
    @task(pool="isone", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import isone
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        conn = connect()
        try:
            return isone.extract_and_load(window, conn=conn, meta=meta)
        finally:
            conn.close()

    extract_load()


isone_ingest()
