"""``make demo``: the whole pipeline, offline, against the replay server, through Airflow's own code path.

1. starts the replay server (generated payloads in each API's real format, recorded ones where they match);
2. points every source connection the user has not set at it (``AIRFLOW_CONN_<ID>``, as a user would point
   them at a mirror); a connection the user set is used as it is, and the demo says which endpoint each source
   uses;
3. runs every extraction DAG (tag ``extract``) once with ``dag.test()`` and a manual-run window
   (``conf={"window_start", "window_end"}``) instead of hundreds of hourly CLI runs;
4. runs the transformation DAG(s) (tag ``transform``);
5. prints what landed and what the marts say.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gridcarbon.intervals import Window, parse_utc
from gridcarbon.settings import REPO_ROOT

DEFAULT_START = "2025-03-01T00:00:00+00:00"
DEFAULT_END = "2025-04-01T00:00:00+00:00"

# connection id -> path on the replay server that mirrors the real base URL
REPLAY_PATHS: dict[str, str] = {
    "smard": "/smard/app",
    "tibber": "/tibber/v1-beta/gql",
    "eia": "/eia/v2",
    "caiso": "/caiso",
    "miso": "/miso",
    "pjm": "/pjm",
    "spp": "/spp",
    "nyiso": "/nyiso",
    "isone": "/isone",
    "bpa": "/bpa",
    "ercot": "/ercot",
}


def replay_connection_env(base_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables pointing every source at a replay server (JSON connection form)."""
    env = {
        f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps({"conn_type": "http", "host": base_url + path,
                                                       "password": "replay-demo-credential"})
        for conn_id, path in REPLAY_PATHS.items()
    }
    env["AIRFLOW_CONN_NETZTRANSPARENZ"] = json.dumps({
        "conn_type": "http",
        "host": base_url + "/netztransparenz/api/v1",
        "login": "replay-client-id",
        "password": "replay-client-secret",
        "extra": {"token_url": base_url + "/netztransparenz/users/connect/token"},
    })
    return env


def demo_connection_env(base_url: str, environ: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The replay server's connections for the sources whose ``AIRFLOW_CONN_<ID>`` the user has not set, and,
    per source, which endpoint the demo uses (the user's connection is never overwritten)."""
    from gridcarbon.connections import resolve_endpoint
    from gridcarbon.http import redact

    replay = replay_connection_env(base_url)
    to_set: dict[str, str] = {}
    used: dict[str, str] = {}
    for var, value in replay.items():
        source = var.removeprefix("AIRFLOW_CONN_").lower()
        if environ.get(var):
            try:
                where = redact(resolve_endpoint(source, "").base_url)
            except Exception as exc:  # noqa: BLE001 - a broken user connection is reported by its task
                where = f"unreadable ({type(exc).__name__})"
            used[source] = f"your connection {var} ({where})"
        else:
            to_set[var] = value
            used[source] = "the demo's replay server"
    return to_set, used


def _say(message: str) -> None:
    print(message, flush=True)


def _ensure_airflow_db() -> None:
    """Create (if missing) and migrate the demo's own metadata database (``make demo`` points
    ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` at ``airflow_demo``, apart from ``make airflow``'s), then the pools.
    Migrating an up-to-date database is a no-op, so this runs every time instead of trusting a marker file."""
    from gridcarbon.bootstrap import ensure_metadata_database

    url = os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if url:
        ensure_metadata_database(url)
    _say("· Airflow metadata database: migrating if needed")
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    from gridcarbon.pools import ensure_pools

    ensure_pools()


_WORKER_ENV = "GRIDCARBON_DEMO_WORKER"


def _supervise(argv: list[str] | None) -> int:
    """Run the demo in a child process group and stop all of it on Ctrl-C or SIGTERM.

    ``dag.test()`` runs tasks in this process and Airflow's task runner installs its own signal handlers: a
    Ctrl-C only failed the running dbt task and the demo went on. So the work runs in a child in its own
    process group (dbt and every other subprocess in it), and this parent, which alone receives the
    terminal's Ctrl-C, ends the whole group: SIGTERM, then SIGKILL after a grace period. Nothing partial is
    kept: every load replaces its window in one transaction and dbt swaps relations transactionally.
    """
    import fcntl
    import signal

    home = Path(os.environ.get("AIRFLOW_HOME", REPO_ROOT / ".local" / "airflow-demo"))
    home.mkdir(parents=True, exist_ok=True)
    lock = (home / "demo.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when this process ends, however it ends
    except BlockingIOError:
        _say(f"another demo is running with Airflow home {home}; wait for it or stop it (Ctrl-C) first")
        return 1
    child = subprocess.Popen([sys.executable, "-m", "gridcarbon.demo", *(argv if argv is not None else sys.argv[1:])],
                             env={**os.environ, _WORKER_ENV: "1"}, process_group=0)

    def _stop(signum: int, _frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _say(f"\n■ {signal.Signals(signum).name}: stopping the demo and everything it started "
             "(loads are transactional: nothing partial is kept)")
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                break
            try:
                child.wait(timeout=grace)
                if sig == signal.SIGTERM:  # the group leader is gone; make sure its children are too
                    os.killpg(child.pid, signal.SIGKILL)
                break
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                break
        _say("■ demo stopped.")
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    return child.wait()


def _raw_tables_of(dag: Any) -> list[str]:
    names: set[str] = set()
    for task in dag.tasks:
        for outlet in getattr(task, "outlets", []) or []:
            name = getattr(outlet, "name", "")
            if name.startswith("raw_"):
                names.add(name)
    return sorted(names)


def _count(conn: Any, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"select count(*) from {table}")
        return int(cur.fetchone()[0])


@dataclass(frozen=True)
class RunOutcome:
    state: str
    run_id: str
    task_states: dict[str, int]

    @property
    def skipped(self) -> bool:
        return self.state == "success" and set(self.task_states) == {"skipped"}


def run_dag(dag: Any, window: Window) -> RunOutcome:
    """One manual run "now" whose conf sets the window (like *Trigger DAG w/ config* in the UI); its logical
    date is now, so windows before the DAG's start_date work too."""
    conf = {"window_start": window.start.isoformat(), "window_end": window.end.isoformat()}
    for task in dag.tasks:
        # A one-shot demo fails fast: under dag.test() a retry would sleep through the production backoff
        # (2, 4, 8 minutes). The scheduler keeps the DAG's retries.
        task.retries = 0
    dag_run = dag.test(run_conf=conf)
    states: dict[str, int] = {}
    for ti in dag_run.get_task_instances():
        key = str(getattr(ti.state, "value", ti.state))
        states[key] = states.get(key, 0) + 1
    return RunOutcome(str(getattr(dag_run.state, "value", dag_run.state)), dag_run.run_id, states)


def _rows_of_run(conn: Any, table: str, run_id: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"select count(*) from {table} where _run_id = %s", (run_id,))
        return int(cur.fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    if not os.environ.get(_WORKER_ENV):
        return _supervise(argv)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", default=DEFAULT_START, help="window start (ISO-8601, UTC default)")
    parser.add_argument("--end", default=DEFAULT_END, help="window end, exclusive")
    parser.add_argument("--port", type=int, default=0, help="replay server port (0 = any free port)")
    parser.add_argument("--dags", default="", help="comma-separated DAG ids to run (default: every DAG)")
    args = parser.parse_args(argv)
    selected = {d.strip() for d in args.dags.split(",") if d.strip()}
    window = Window(parse_utc(args.start), parse_utc(args.end))
    # The demo prints its own progress; Airflow's and dbt's INFO logs (task logs go to the console under
    # dag.test) would bury it. GRIDCARBON_DEMO_VERBOSE=1 shows them.
    if not os.environ.get("GRIDCARBON_DEMO_VERBOSE"):
        os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "ERROR"
    logging.basicConfig(level=logging.WARNING)

    from gridcarbon.replay.server import ReplayServer
    from gridcarbon.warehouse import connect

    server = ReplayServer(port=args.port).start()
    to_set, used = demo_connection_env(server.base_url, os.environ)
    os.environ.update(to_set)
    _say(f"gridcarbon demo: window {window}, replay server {server.base_url}")
    for source, where in sorted(used.items()):
        _say(f"  {source}: {where}")
    try:
        _ensure_airflow_db()
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
        if bag.import_errors:
            for path, err in bag.import_errors.items():
                _say(f"✗ import error in {path}: {err}")
            return 1
        chosen = [d for d in bag.dags.values() if not selected or d.dag_id in selected]
        if selected - {d.dag_id for d in chosen}:
            _say(f"✗ no such DAG: {', '.join(sorted(selected - {d.dag_id for d in chosen}))}")
            return 2
        extract = sorted((d for d in chosen if "extract" in d.tags), key=lambda d: d.dag_id)
        transform = sorted((d for d in chosen if "transform" in d.tags), key=lambda d: d.dag_id)
        conn = connect()
        failures: list[str] = []
        landed: dict[str, int] = {}
        for dag in extract:
            tables = _raw_tables_of(dag)
            _say(f"▶ {dag.dag_id}: window {window}")
            t0 = time.monotonic()
            outcome = run_dag(dag, window)
            conn.rollback()
            seconds = time.monotonic() - t0
            if outcome.skipped:
                _say(f"  ⤼ {dag.dag_id} skipped in {seconds:.1f}s: the source serves only recent data, "
                     "not this window (see the DAG's docs); running it for the last hour instead")
                now = datetime.now(UTC).replace(second=0, microsecond=0)
                now -= timedelta(minutes=now.minute % 5)
                t0 = time.monotonic()
                outcome = run_dag(dag, Window(now - timedelta(hours=1), now))
                seconds = time.monotonic() - t0
                if outcome.skipped:
                    _say(f"  ⤼ {dag.dag_id} skipped for the last hour too")
                    continue
            rows = ", ".join(f"{t} {_rows_of_run(conn, t, outcome.run_id):,} rows" for t in tables)
            mark = "✓" if outcome.state == "success" else "✗"
            _say(f"  {mark} {dag.dag_id} {outcome.state} in {seconds:.1f}s: {rows or 'no tables'}")
            if outcome.state != "success":
                failures.append(dag.dag_id)
            landed.update({t: _count(conn, t) for t in tables})
        for dag in transform:
            _say(f"▶ {dag.dag_id}: source freshness, seeds, snapshots, models and tests (Cosmos), docs")
            t0 = time.monotonic()
            outcome = run_dag(dag, window)
            tasks = ", ".join(f"{n} {state}" for state, n in sorted(outcome.task_states.items()))
            mark = "✓" if outcome.state == "success" else "✗"
            _say(f"  {mark} {dag.dag_id} {outcome.state} in {time.monotonic() - t0:.1f}s: tasks {tasks}")
            if outcome.state != "success":
                failures.append(dag.dag_id)
        _say("")
        _say("What landed (raw schemas):")
        for table, n in sorted(landed.items()):
            _say(f"  {table:<45} {n:>10,} rows")
        from gridcarbon import demo_summary

        if transform:
            demo_summary.print_marts_summary(window, _say)
        else:
            _say("(no transformation DAG selected: no marts summary)")
        conn.close()
        if failures:
            _say(f"demo finished with failures: {', '.join(failures)}")
            return 1
        _say("demo finished.")
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
