"""``make airflow`` as a user runs it: ``python -m gridcarbon.airflow_local`` starts the four components, says
where the UI is and how to log in, and stops every component on Ctrl-C (SIGINT).

A user would otherwise see what the first round shipped: ``airflow standalone`` hanging because its children
could not find ``airflow`` on PATH (port 8080 never answered), and no clean way to stop it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import requests

from tests.live.conftest import _free_port
from tests.process_output import OutputReader

REPO = Path(__file__).resolve().parents[2]


def test_make_airflow_serves_the_ui_prints_the_login_and_stops_on_ctrl_c(pg_server: tuple[str, str, str],
                                                                         tmp_path: Path) -> None:
    from gridcarbon.bootstrap import drop_database

    host, port, user = pg_server
    name = f"airflow_launcher_{os.getpid()}"
    web_port = _free_port()
    # the environment scripts/env.sh gives `make airflow`, but without the venv on PATH: the launcher must not
    # depend on the caller's PATH (airflow standalone did, and hung)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__DATABASE")}
    env.update({
        "AIRFLOW_HOME": str(tmp_path / "home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{user}@{host}:{port}/{name}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PATH": "/usr/bin:/bin",
        "PYTHONUNBUFFERED": "1",
        # a developer's own `make airflow` may hold the default log-server ports
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(_free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(_free_port()),
    })
    proc = subprocess.Popen([sys.executable, "-m", "gridcarbon.airflow_local", "--port", str(web_port)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = OutputReader(proc)
    try:
        login = output.until(r"login: (\S+) / (\S+)", 420)
        response = requests.post(f"http://127.0.0.1:{web_port}/auth/token",
                                 json={"username": login.group(1), "password": login.group(2)}, timeout=30)
        assert response.status_code in (200, 201), response.text  # the printed login works
        children = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        for component in ("api_server", "scheduler", "dag-processor", "triggerer"):  # api-server's process title
            assert component in names, f"{component} not running: {names}"
        proc.send_signal(signal.SIGINT)
        printed = output.rest(120)
    finally:
        if proc.poll() is None:  # a failed wait: stop it the way a user would, so no component is orphaned
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
                print(Path(env["AIRFLOW_HOME"], "logs", "components").glob("*.log"))
        drop_database(name)
    assert proc.returncode == 0, printed
    assert "stopped every Airflow component" in printed
    alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"left running after Ctrl-C: {[c.cmdline() for c in alive]}"
