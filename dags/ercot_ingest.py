"""ERCOT dashboard fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``ercot``).

Daily at 06:00 UTC (midnight CST / 01:00 CDT) loads the previous 24 hours of 5-minute MW per fuel from
ERCOT's fuel-mix dashboard, plus ``ERCOT_LOOKBACK_HOURS`` (default 2) before them, so the last intervals
published after the previous run are filled in.

**Current data only**: the dashboard covers yesterday and today (Central time) and nothing older, so
``catchup=False``; a run for a window the dashboard no longer covers ends as *skipped* with the reason,
writing nothing (a partly covered window is clipped to the covered part). History for ERCOT comes from EIA's
hourly fuel-type data (`eia_ingest`, respondent ERCO). The parser reads the 2023 (local time without offset),
2024 (offset; gen/hsl/seasonalCapacity) and 2025 (offset; gen + monthlyCapacity) layouts.

Connection ``ercot``: host = base URL (default https://www.ercot.com); no credential. Pool ``ercot``.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


@dag(
    dag_id="ercot_ingest",
    schedule=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
    start_date=start_date("ERCOT_START"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "ercot"],
    max_active_runs=1,
    doc_md=__doc__,
)
def ercot_ingest() -> None:
    @task(pool="ercot", outlets=[raw_asset(GENERATION_BY_FUEL)])
    def extract_load(**context: Any) -> dict[str, Any]:
        """Fetch the dashboard and replace ERCOT's rows in the (served part of the) window."""
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import ercot
        from gridcarbon.warehouse import LoadMeta

        window = window_from_context(context)
        meta = LoadMeta(dag_id=context["dag"].dag_id, run_id=context["run_id"], window=window)
        return ercot.extract_and_load(window, meta=meta)

    extract_load()


ercot_ingest()
