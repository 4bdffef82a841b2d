"""
### EIA ingest (US EIA API v2, Form EIA-930 hourly grid monitor)

Every hour at :15 (UTC) loads the hours that ended inside the run's data interval (so `[00:15, 01:15)` loads
the hour `00:00-01:00`) from three `electricity/rto` routes, each re-reading the last `EIA_LOOKBACK_HOURS`
(default 48) because EIA-930 values arrive late and are revised:

- `fuel-type-data` (all fuel types) -> `raw_eia.fuel_type_data`
- `region-data` (types D, NG, DF, TI) -> `raw_eia.region_data`
- `interchange-data` -> `raw_eia.interchange_data`

EIA's `period` is the END of the hour (UTC); the tables hold the interval start. Per route, the rows of every
requested balancing authority inside the window are replaced in one transaction (idempotent reruns).

**Configuration** (environment of the workers, read at run time): `EIA_RESPONDENTS` (comma-separated BA
codes; default: every respondent the API lists at `electricity/rto/fuel-type-data/facet/respondent`),
`EIA_LOOKBACK_HOURS` (48; set 0 for a long backfill, where revisions are already in), `EIA_START` (parse
time, default `GRIDCARBON_CATCHUP_DAYS`=2 days back) is the first scheduled interval. Connection `eia`:
host = base URL (default
`https://api.eia.gov/v2`), **password = API key** (sent as `api_key`; EIA echoes it in every answer, so raw
answers are never stored and URLs are redacted in logs and errors). Pool `eia` (EIA asks for < 5 req/s).

**Backfill** (hourly data by fuel type exist from 2018-07-01; earlier windows load nothing):

    airflow backfill create --dag-id eia_ingest --from-date 2018-07-01 --to-date 2018-08-01

or a manual run for a long window with conf `{"window_start": "2018-07-01T00:00Z", "window_end":
"2018-08-01T00:00Z"}` (one paged request per route instead of hundreds of hourly runs).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, raw_asset, start_date
from gridcarbon.sources.eia import FUEL_TYPE_DATA, INTERCHANGE_DATA, REGION_DATA


def _load(route: str, respondents: list[str], context: dict[str, Any]) -> int:
    from gridcarbon.intervals import window_from_context
    from gridcarbon.sources import eia

    return eia.run_route(route, window_from_context(context), respondents, dag_id=context["dag"].dag_id,
                         run_id=context["run_id"])


@dag(
    dag_id="eia_ingest",
    schedule=CronDataIntervalTimetable("15 * * * *", timezone="UTC"),
    start_date=start_date("EIA_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "us", "eia"],
    max_active_runs=2,
    doc_md=__doc__,
)
def eia_ingest() -> None:
    @task(pool="eia")
    def list_respondents() -> list[str]:
        """EIA_RESPONDENTS, or every balancing authority the facet endpoint lists."""
        from gridcarbon.connections import resolve_endpoint
        from gridcarbon.http import build_session
        from gridcarbon.sources import eia

        session = build_session()
        try:
            return eia.configured_respondents(session, resolve_endpoint(eia.SOURCE, eia.DEFAULT_BASE_URL))
        finally:
            session.close()

    @task(pool="eia", outlets=[raw_asset(FUEL_TYPE_DATA)])
    def load_fuel_type_data(respondents: list[str], **context: Any) -> int:
        return _load("fuel-type-data", respondents, context)

    @task(pool="eia", outlets=[raw_asset(REGION_DATA)])
    def load_region_data(respondents: list[str], **context: Any) -> int:
        return _load("region-data", respondents, context)

    @task(pool="eia", outlets=[raw_asset(INTERCHANGE_DATA)])
    def load_interchange_data(respondents: list[str], **context: Any) -> int:
        return _load("interchange-data", respondents, context)

    respondents = list_respondents()
    load_fuel_type_data(respondents)
    load_region_data(respondents)
    load_interchange_data(respondents)


eia_ingest()
