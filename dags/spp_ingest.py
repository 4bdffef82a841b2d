"""SPP generation mix -> ``raw_iso.generation_by_fuel`` (iso ``spp``).

Hourly at minute 15 for the previous hour from ``/chart-api/gen-mix/asFile`` (CSV, 5-minute, UTC stamps; the
``Market`` and ``Self`` column of each fuel are stored under their own labels; ``Load`` is not stored).

**Cannot be backfilled:** the file holds the last two hours only, so ``catchup=False``; a run for a window that
ended more than two hours ago ends as *skipped* with the reason and writes nothing (a window partly older is
clipped). The hour's last 5-minute interval is published after the run starts: while it is missing (up to
``ISO_PUBLICATION_GRACE_MINUTES``, default 45) the task fails with SourceUnavailableError and Airflow retries it
(2, 4, 8 minutes), because no later run would fetch it. Connection ``spp`` (host = base URL,
default https://marketplace.spp.org), no credential. Pool ``spp``.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="spp_ingest",
    schedule=CronDataIntervalTimetable("15 * * * *", timezone="UTC"),
    start_date=start_date("SPP_START"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "spp"],
    max_active_runs=1,
    doc_md=__doc__,
)
def spp_ingest() -> None:
    @task(pool="spp", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import spp
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        conn = connect()
        try:
            return spp.extract_and_load(window, conn=conn, meta=meta)
        finally:
            conn.close()

    extract_load()


spp_ingest()
