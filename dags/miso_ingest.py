"""MISO real-time fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``miso``).

Every 5 minutes (UTC) loads MISO's latest 5-minute interval from the real-time data broker
(``getfuelmix``: MW per fuel category, stamped in fixed EST, UTC-5 all year).

**Current data only**: MISO shows one interval at a time and keeps no history behind this API, so
``catchup=False`` and a run for an interval MISO no longer shows (older than ``MISO_SERVED_MINUTES``,
default 15, or already replaced by a newer interval) ends as *skipped* with the reason, writing nothing. A run
that comes before MISO published its interval fails and is retried. History for MISO comes from EIA's
hourly fuel-type data (`eia_ingest`, respondent MISO).

Connection ``miso``: host = base URL (default https://api.misoenergy.org); no credential. Pool ``miso``.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="miso_ingest",
    schedule=CronDataIntervalTimetable("*/5 * * * *", timezone="UTC"),
    start_date=start_date("MISO_START"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "miso"],
    max_active_runs=1,
    doc_md=__doc__,
)
def miso_ingest() -> None:
    @task(pool="miso", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        """Load MISO's current snapshot if its interval lies in this run's window, else skip (too old)."""
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import miso
        from gridcarbon.warehouse import LoadMeta

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        return miso.extract_and_load(window, meta=meta)

    extract_load()


miso_ingest()
