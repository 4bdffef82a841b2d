"""### tibber_ingest

Hourly extraction of the Tibber account's homes, metered consumption and day-ahead prices into
`raw_tibber.homes`, `raw_tibber.consumption` and `raw_tibber.prices`.

- **Schedule**: `5 * * * *` UTC (CronDataIntervalTimetable, one run per hour), catchup from `TIBBER_START`
  (ISO date; default `GRIDCARBON_CATCHUP_DAYS`, 2, days before today, midnight UTC). Older history: a backfill
  (`airflow backfill create --dag-id tibber_ingest --from-date ... --to-date ...`) or a manual run with a window
  conf, as far back as Tibber serves consumption.
- **Window**: the data interval (or a manual run's `conf={"window_start", "window_end"}`), widened by
  `TIBBER_LOOKBACK_HOURS` (default 48) because meter readings arrive late; the widened window is replaced
  per home and resolution, so reruns give the same rows.
- **Resolution**: `TIBBER_RESOLUTION` (default `HOURLY`, the finest in Tibber's published schema;
  `QUARTER_HOURLY` where the API offers it).
- **Connection** `tibber`: host = GraphQL URL (default `https://api.tibber.com/v1-beta/gql`), password = personal
  access token. An UNAUTHENTICATED answer fails the task without retries: fix the password.
- **Pool** `tibber`.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from gridcarbon.dag_defaults import DEFAULT_ARGS, start_date
from gridcarbon.dag_defaults import raw_asset as _raw_asset
from gridcarbon.sources.tibber import CONSUMPTION, HOMES, PRICES


@dag(
    dag_id="tibber_ingest",
    schedule=CronDataIntervalTimetable("5 * * * *", timezone="UTC"),
    start_date=start_date("TIBBER_START"),
    catchup=True,
    default_args=DEFAULT_ARGS,
    tags=["extract", "de", "tibber"],
    max_active_runs=2,
    doc_md=__doc__,
)
def tibber_ingest() -> None:
    @task(pool="tibber", outlets=[_raw_asset(HOMES), _raw_asset(CONSUMPTION), _raw_asset(PRICES)])
    def extract_load_tibber(**context: object) -> dict[str, int]:
        from airflow.sdk.exceptions import AirflowFailException

        from gridcarbon.errors import SourceAuthError
        from gridcarbon.http import build_session
        from gridcarbon.intervals import window_from_context
        from gridcarbon.sources import tibber
        from gridcarbon.warehouse import LoadMeta, connect

        window = window_from_context(context)
        try:
            fetched = tibber.fetch(build_session(), window)
        except SourceAuthError as exc:  # retrying will not make the token valid
            raise AirflowFailException(str(exc)) from exc
        dag_run = context.get("dag_run")
        meta = LoadMeta(dag_id="tibber_ingest", run_id=getattr(dag_run, "run_id", None), window=fetched.window)
        conn = connect()
        try:
            results = tibber.load(conn, fetched, meta)
        finally:
            conn.close()
        summary: dict[str, int] = {}
        for r in results:
            summary[r.table] = summary.get(r.table, 0) + r.inserted
        return summary

    extract_load_tibber()


tibber_ingest()
