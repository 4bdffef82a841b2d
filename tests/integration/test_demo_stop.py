"""``make demo`` stops on Ctrl-C and SIGTERM, and takes everything it started with it.

A user would otherwise see: Ctrl-C fails the running dbt task and the demo goes on with the next one (Airflow's
task runner, which ``dag.test()`` runs in-process, catches the signal), with no way to stop it but closing
the terminal.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.process_output import OutputReader

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_demo_stops_with_everything_it_started(signum: int, warehouse_db: str, airflow_db: Path,
                                               tmp_path: Path) -> None:
    env = {**os.environ, "DBT_DATABASE": os.environ["GRIDCARBON_TEST_DATABASE"],
           "GRIDCARBON_DBT_DOCS_DIR": str(tmp_path / "docs"), "PYTHONUNBUFFERED": "1"}
    env.pop("GRIDCARBON_DEMO_WORKER", None)
    proc = subprocess.Popen([sys.executable, "-m", "gridcarbon.demo", "--start", "2025-03-01", "--end", "2025-03-02"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    reader = OutputReader(proc)
    try:
        reader.until("▶ ", 240)  # the first extraction DAG is running
        started = psutil.Process(proc.pid).children(recursive=True)
        assert started, f"the demo runs its work in a child process; output:\n{reader.text}"
        proc.send_signal(signum)
        output = reader.rest(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, output
    assert "demo stopped" in output, output
    alive = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"processes the demo started outlived it: {[p.cmdline() for p in alive]}"
    assert "demo finished" not in output  # it did not go on to the end


def test_a_second_demo_is_refused_while_one_runs(tmp_path: Path) -> None:
    """Two demos on one Airflow home would share its metadata database and warehouse; the second says so."""
    import fcntl

    home = tmp_path / "home"
    home.mkdir()
    with (home / "demo.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = subprocess.run([sys.executable, "-m", "gridcarbon.demo"], cwd=REPO, capture_output=True, text=True,
                                env={**os.environ, "AIRFLOW_HOME": str(home)}, timeout=60, check=False)
    assert result.returncode == 1
    assert "another demo is running" in result.stdout


def test_the_demo_uses_a_connection_the_user_set(warehouse_db: str, airflow_db: Path, replay_server: object,
                                                 tmp_path: Path) -> None:
    """README says the AIRFLOW_CONN_* variables select other endpoints for `make demo`; the demo used to overwrite
    every one of them with its own replay server. A user's Tibber mirror (here: another replay server) must get
    the Tibber requests, and the demo says which endpoint each source uses."""
    import requests

    from gridcarbon.demo import replay_connection_env

    base = replay_server.base_url  # type: ignore[attr-defined]
    requests.delete(f"{base}/_requests", timeout=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_") or k.endswith("_POSTGRES")}
    env.update({"DBT_DATABASE": os.environ["GRIDCARBON_TEST_DATABASE"], "PYTHONUNBUFFERED": "1",
                "AIRFLOW_CONN_TIBBER": replay_connection_env(base)["AIRFLOW_CONN_TIBBER"]})
    env.pop("GRIDCARBON_DEMO_WORKER", None)
    result = subprocess.run([sys.executable, "-m", "gridcarbon.demo", "--start", "2025-03-01", "--end", "2025-03-02",
                             "--dags", "tibber_ingest"], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"tibber: your connection AIRFLOW_CONN_TIBBER ({base}/tibber/v1-beta/gql)" in output, output
    assert "smard: the demo's replay server" in output, output
    served = requests.get(f"{base}/_requests", timeout=5).json()
    assert any(r["source"] == "tibber" for r in served), "the user's Tibber endpoint got no request"
    assert "✓ tibber_ingest success" in output, output
