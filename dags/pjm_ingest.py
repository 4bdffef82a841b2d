"""PJM Data Miner 2 ``gen_by_fuel`` -> ``raw_iso.generation_by_fuel`` (iso ``pjm``).

Hourly at :10 (UTC) loads the hour that ended inside the run's interval (``[00:10, 01:10)`` loads
``00:00-01:00``), re-reading ``PJM_LOOKBACK_HOURS`` (default 3) before it because PJM posts an hour some
minutes late and revises preliminary values. ``datetime_beginning_utc`` (no offset in the string) is UTC.

**History (decision)**: Data Miner serves ``gen_by_fuel`` back to 2016 with ``datetime_beginning_utc`` range
filters, so this is NOT a current-data-only source: any window from ``PJM_OLDEST_DAY`` (default 2016-01-01)
can be loaded. ``catchup=False`` only because PJM's non-member rate limit (about 6 requests/minute) makes an
automatic catch-up of thousands of hourly runs a bad default; load history explicitly, with one manual run
per month or year (``conf={"window_start": "2024-01-01T00:00Z", "window_end": "2025-01-01T00:00Z"}``, paged
at 50,000 rows per request) or ``airflow backfill create --dag-id pjm_ingest --from-date ... --to-date ...``.
A window entirely before ``PJM_OLDEST_DAY`` ends as *skipped*.

Connection ``pjm``: host = base URL (default https://api.pjm.com/api/v1), **password = Data Miner
subscription key** (sent as header ``Ocp-Apim-Subscription-Key``). Pool ``pjm``.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="pjm_ingest",
    schedule=CronDataIntervalTimetable("10 * * * *", timezone="UTC"),
    start_date=start_date("PJM_START"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "pjm"],
    max_active_runs=1,
    doc_md=__doc__,
)
def pjm_ingest() -> None:
    @task(pool="pjm", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        """Fetch the run's hours (plus look-back) from Data Miner and replace PJM's rows there."""
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import pjm
        from gridcarbon.warehouse import LoadMeta

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        return pjm.extract_and_load(window, meta=meta)

    extract_load()


pjm_ingest()
