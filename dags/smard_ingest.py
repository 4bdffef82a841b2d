"""
### SMARD ingest (Bundesnetzagentur | SMARD.de, CC BY 4.0)

Every hour at :30 (UTC) loads the data interval of the run from SMARD's chart_data API into
`raw_smard.chart_values`, one mapped task per series (realised generation 1223-1228 and 4066-4071, total load 410,
residual load 4359, pumped-storage consumption 4387 for DE and the four control areas, and the day-ahead price 4169
for DE-LU at SMARD's resolutions: hourly, and quarter-hourly from delivery day 2025-10-01, whatever
`SMARD_RESOLUTION` says; each price task reads only the period in which SMARD has its resolution, so a run before
October 2025 loads the hourly price and never asks for a quarter-hour one). Each task re-reads the last
`SMARD_LOOKBACK_HOURS` (default 48) before its interval too and replaces that whole window in one transaction, so
revised values and values published late (SMARD pads the current week with `null`) are picked up. A series SMARD
answers with 404 (e.g. offshore wind in TransnetBW) is recorded as `absent` in `raw_smard.series_status`; it does
not fail the run, but a required series (the price, a fuel that exists in the region, the load) missing for the
whole run is logged as a WARNING naming series, region and window. HTTP 429/5xx are retried (honouring
`Retry-After`), then Airflow's task retries take over; a 401/403 (a mirror behind auth) fails the task at once.

**Configuration** (environment of the workers, read at run time): `SMARD_SERIES` (filter ids, `id@REGION` for one
region only), `SMARD_REGIONS`, `SMARD_RESOLUTION` (`quarterhour` default, or `hour`; not for the price),
`SMARD_EXPECTED_ABSENT` (404s that are no warning), `SMARD_LOOKBACK_HOURS`; `SMARD_START` (parse time, default
`GRIDCARBON_CATCHUP_DAYS`=2 days back) is the first scheduled interval. The Airflow connection `smard` (host = base
URL) can point at a mirror; without it the public `https://www.smard.de/app` is used.

**Backfill** (catchup is on; hourly data exist from 2015, quarter-hourly from 2018-10):

    airflow backfill create --dag-id smard_ingest --from-date 2015-01-01 --to-date 2015-02-01

Runs are idempotent (same interval, same rows), so a backfill can be repeated or overlap scheduled runs.

**Manual run for a longer window** (one run instead of hundreds of hourly ones), trigger with conf:

    {"window_start": "2025-03-01T00:00:00Z", "window_end": "2025-03-08T00:00:00Z"}
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.smard import CHART_VALUES, SERIES_STATUS


@dag(
    dag_id="smard_ingest",
    schedule=CronDataIntervalTimetable("30 * * * *", timezone="UTC"),
    start_date=start_date("SMARD_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "de", "smard"],
    max_active_runs=4,
    doc_md=__doc__,
)
def smard_ingest() -> None:
    @task
    def list_series() -> list[dict[str, Any]]:
        """The configured series (SMARD_SERIES x SMARD_REGIONS, SMARD_RESOLUTION): one mapped task each."""
        from gridcarbon.sources.smard import configured_series

        return [spec.as_dict() for spec in configured_series()]

    @task(pool="smard", outlets=[raw_asset(CHART_VALUES), raw_asset(SERIES_STATUS)],
          map_index_template="{{ smard_series }}")
    def load_series(series: dict[str, Any]) -> dict[str, Any]:
        """Fetch the weekly blocks of one series overlapping the (widened) window and replace that window."""
        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowFailException

        from gridcarbon.connections import resolve_endpoint
        from gridcarbon.errors import SourceAuthError
        from gridcarbon.http import build_session
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import smard
        from gridcarbon.warehouse import connect

        context = get_current_context()
        spec = smard.SeriesSpec.from_dict(series)
        context["smard_series"] = spec.label  # type: ignore[typeddict-unknown-key]
        window = window_from_context(context)
        endpoint = resolve_endpoint(smard.SOURCE, smard.DEFAULT_BASE_URL)
        session = build_session()
        conn = connect()
        try:
            result = smard.load_series(session, conn, spec, window, base_url=endpoint.base_url,
                                       dag_id=context["dag"].dag_id, run_id=context["run_id"])
        except SourceAuthError as exc:  # SMARD has no credential: a 401/403 comes from a mirror; retrying won't help
            raise AirflowFailException(str(exc)) from exc
        finally:
            conn.close()
            session.close()
        return result.as_dict()

    load_series.expand(series=list_series())


smard_ingest()
