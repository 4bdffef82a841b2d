"""### redispatch_ingest

Daily extraction of the redispatch measures published on netztransparenz.de (the four German TSOs' data
service) into `raw_netztransparenz.redispatch_measures`, and of the German conventional power plant list
(Open Power System Data) into `raw_reference.power_plants` (for mapping redispatched plants to fuels).

- **Schedule**: `0 6 * * *` UTC (CronDataIntervalTimetable: each run loads the previous day), catchup from
  `REDISPATCH_START` (ISO date, default `GRIDCARBON_CATCHUP_DAYS`=2 days back). The service has data from
  2021-01-01: set
  `REDISPATCH_START=2021-01-01` (or `airflow backfill create --dag-id redispatch_ingest --from-date 2021-01-01
  --to-date ...`) to load the history.
- **Window**: every measure overlapping the data interval (or a manual run's
  `conf={"window_start", "window_end"}`) is loaded, also one that started before it: a run reads the measures
  starting in the interval widened by `REDISPATCH_LOOKBACK_HOURS` (default 48; the longest 2024 measure lasts
  24 h) and replaces exactly those in one transaction; reruns give the same rows.
- **Connection** `netztransparenz`: host = data service URL (default `https://ds.netztransparenz.de/api/v1`),
  login = client id, password = client secret, extra `token_url` (default
  `https://identity.netztransparenz.de/users/connect/token`). Rejected credentials fail without retries.
- **Power plants**: `GRIDCARBON_POWER_PLANTS_CSV` (path or URL), whole table replaced each run.
- **Pool** `netztransparenz`.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, start_date
from gridcarbon.dag_defaults import raw_asset as _raw_asset
from gridcarbon.sources.netztransparenz import POWER_PLANTS, REDISPATCH_MEASURES


@dag(
    dag_id="redispatch_ingest",
    schedule=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"),
    start_date=start_date("REDISPATCH_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "de", "redispatch"],
    max_active_runs=1,
    doc_md=__doc__,
)
def redispatch_ingest() -> None:
    @task(pool="netztransparenz", outlets=[_raw_asset(REDISPATCH_MEASURES)])
    def extract_load_redispatch(**context: object) -> int:
        from airflow.sdk.exceptions import AirflowFailException

        from gridcarbon.errors import SourceAuthError
        from gridcarbon.http import build_session
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import netztransparenz
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        try:
            measures = netztransparenz.fetch(build_session(), window)
        except SourceAuthError as exc:  # retrying will not fix the client credentials
            raise AirflowFailException(str(exc)) from exc
        dag_run = context.get("dag_run")
        conn = connect()
        try:
            result = netztransparenz.load_measures(
                conn, measures, window,
                LoadMeta(dag_id="redispatch_ingest", run_id=getattr(dag_run, "run_id", None), window=window),
            )
        finally:
            conn.close()
        return result.inserted

    @task(outlets=[_raw_asset(POWER_PLANTS)])
    def load_power_plants(**context: object) -> int:
        from gridcarbon.sources import netztransparenz
        from gridcarbon.warehouse import LoadMeta, connect

        plants = netztransparenz.read_power_plants()
        dag_run = context.get("dag_run")
        conn = connect()
        try:
            result = netztransparenz.load_power_plants(
                conn, plants, LoadMeta(dag_id="redispatch_ingest", run_id=getattr(dag_run, "run_id", None)))
        finally:
            conn.close()
        return result.inserted

    extract_load_redispatch()
    load_power_plants()


redispatch_ingest()
