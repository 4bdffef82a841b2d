"""``make airflow``: Airflow's four components on this machine, supervised, with metadata in Postgres.

``python -m gridcarbon.airflow_local [--port 8080] [--echo]`` uses the environment as given (``scripts/env.sh``:
``AIRFLOW_HOME``, ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN``, executor, DAG and plugin folders, connections, dbt).
It

1. creates the metadata database named in ``AIRFLOW__DATABASE__SQL_ALCHEMY_CONN`` if the server lacks it
   (nothing to create for SQLite), runs ``airflow db migrate`` and creates the pools (``gridcarbon.pools``);
2. starts ``api-server``, ``scheduler``, ``dag-processor`` and ``triggerer`` as child processes, each in its own
   process group, with this virtualenv's ``bin`` first on ``PATH``, one JWT secret shared by all of them (the
   user's ``AIRFLOW__API_AUTH__JWT_SECRET``, else one generated once into ``$AIRFLOW_HOME/jwt_secret``) and the
   execution API URL pointing at this API server; each writes to ``$AIRFLOW_HOME/logs/components/<name>.log``
   (``--echo`` also prints every line, prefixed with the component's name);
3. waits until the API server answers, then prints the URL and the login;
4. restarts a component that dies (at most ``--max-restarts`` times each), saying which and showing its log's tail;
5. on Ctrl-C or SIGTERM stops every child (SIGTERM to its process group, then SIGKILL after a grace period)
   and exits 0.

``AirflowStack`` is the same thing as a class; the live tests (``tests/live``) drive the stack through it.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gridcarbon.bootstrap import ensure_metadata_database

COMPONENTS: tuple[str, ...] = ("api-server", "scheduler", "dag-processor", "triggerer")
DEFAULT_PORT = 8080


def venv_bin() -> Path:
    """The ``bin`` directory of the interpreter running this (not resolved: a venv's python is a symlink)."""
    return Path(sys.executable).parent


def _shared_secret(home: Path, name: str) -> str:
    """A random secret generated once and kept in ``home/name`` (mode 0600), so restarts keep it."""
    path = home / name
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    value = secrets.token_urlsafe(48)
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a text file ('' if it does not exist)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 200 * lines - 4096))
            data = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


@dataclass
class Component:
    name: str
    command: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)
    _pump: threading.Thread | None = field(default=None, repr=False)


class AirflowStack:
    """Airflow's api-server, scheduler, dag-processor and triggerer as supervised child processes.

    ``env`` is the environment to run with (``os.environ`` if None); ``home`` overrides its ``AIRFLOW_HOME``.
    """

    def __init__(self, env: Mapping[str, str] | None = None, port: int = DEFAULT_PORT, home: Path | None = None,
                 *, host: str | None = None, echo: bool = False, max_restarts: int = 3) -> None:
        base = dict(os.environ if env is None else env)
        self.home = Path(home or base.get("AIRFLOW_HOME") or Path.home() / "airflow")
        self.port = port
        self.host = host
        self.echo = echo
        self.max_restarts = max_restarts
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_dir = self.home / "logs" / "components"
        self.env = self._component_env(base)
        self.components: dict[str, Component] = {}
        self._token: str | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    # --- environment ----------------------------------------------------------------------------------------
    def _component_env(self, base: dict[str, str]) -> dict[str, str]:
        env = dict(base)
        env["AIRFLOW_HOME"] = str(self.home)
        bin_dir = str(venv_bin())
        rest = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != bin_dir]
        env["PATH"] = os.pathsep.join([bin_dir, *rest])
        if not env.get("AIRFLOW__API_AUTH__JWT_SECRET"):
            env["AIRFLOW__API_AUTH__JWT_SECRET"] = _shared_secret(self.home, "jwt_secret")
        if not env.get("AIRFLOW__API__SECRET_KEY"):
            env["AIRFLOW__API__SECRET_KEY"] = _shared_secret(self.home, "api_secret_key")
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"{self.base_url}/execution/"
        env.setdefault("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
        env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        env.setdefault("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
        env["PYTHONUNBUFFERED"] = "1"
        return env

    @property
    def sql_alchemy_conn(self) -> str:
        return self.env.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN") or f"sqlite:///{self.home}/airflow.db"

    @property
    def username(self) -> str:
        users = self.env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "admin:admin")
        return users.split(",")[0].split(":")[0].strip()

    @property
    def passwords_file(self) -> Path:
        configured = self.env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
        return Path(configured) if configured else self.home / "simple_auth_manager_passwords.json.generated"

    @property
    def password(self) -> str:
        """The user's password from the simple auth manager's generated file (written by the API server)."""
        passwords: dict[str, str] = json.loads(self.passwords_file.read_text() or "{}")
        return passwords[self.username]

    # --- preparation ----------------------------------------------------------------------------------------
    def _run_cli(self, *args: str, timeout: float = 600) -> None:
        result = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n"
                               f"{(result.stdout + result.stderr)[-4000:]}")

    def prepare(self) -> None:
        """Metadata database (created if missing, migrated) and the pools."""
        self.home.mkdir(parents=True, exist_ok=True)
        created = ensure_metadata_database(self.sql_alchemy_conn)
        if created:
            print(f"· created Airflow's metadata database {created!r}", flush=True)
        print("· airflow db migrate", flush=True)
        self._run_cli(str(venv_bin() / "airflow"), "db", "migrate")
        print("· pools", flush=True)
        self._run_cli(sys.executable, "-c", "from gridcarbon.pools import ensure_pools; ensure_pools()")

    # --- processes ------------------------------------------------------------------------------------------
    def _command(self, name: str) -> list[str]:
        airflow = str(venv_bin() / "airflow")
        if name == "api-server":
            command = [airflow, "api-server", "--port", str(self.port)]
            if self.host:
                command += ["--host", self.host]
            return command
        return [airflow, name]

    def _spawn(self, component: Component) -> None:
        component.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = component.log_path.open("ab")
        log.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {' '.join(component.command)}\n".encode())
        log.flush()
        component._log = log
        stdout: Any = subprocess.PIPE if self.echo else log
        component.process = subprocess.Popen(component.command, env=self.env, stdin=subprocess.DEVNULL,
                                             stdout=stdout, stderr=subprocess.STDOUT, start_new_session=True)
        if self.echo:
            component._pump = threading.Thread(target=self._pump, args=(component,), daemon=True)
            component._pump.start()

    @staticmethod
    def _pump(component: Component) -> None:
        """Copy a child's output to its log file and to stdout, each line prefixed with the component's name."""
        assert component.process is not None and component.process.stdout is not None
        log = component._log
        for line in iter(component.process.stdout.readline, b""):
            if log is not None:
                log.write(line)
                log.flush()
            sys.stdout.write(f"{component.name:13}| {line.decode('utf-8', errors='replace')}")
            sys.stdout.flush()

    def start(self, *, supervise: bool = False) -> None:
        """Start every component (``supervise=True``: restart dead ones from a background thread)."""
        for name in COMPONENTS:
            component = Component(name, self._command(name), self.log_dir / f"{name}.log")
            self.components[name] = component
            self._spawn(component)
        if supervise:
            self._supervisor = threading.Thread(target=self._supervise_loop, name="airflow-supervisor", daemon=True)
            self._supervisor.start()

    def _supervise_loop(self) -> None:
        while not self._stopping.wait(2.0):
            self.check()

    def check(self) -> list[str]:
        """Restart components that died (at most ``max_restarts`` each); returns the names restarted.
        A component past its restart budget stays down and is reported once more on every call."""
        restarted: list[str] = []
        with self._lock:
            if self._stopping.is_set():
                return restarted
            for component in self.components.values():
                process = component.process
                if process is None or process.poll() is None:
                    continue
                if component.restarts >= self.max_restarts:
                    continue
                component.restarts += 1
                print(f"! {component.name} exited with code {process.returncode}; restarting "
                      f"({component.restarts}/{self.max_restarts}). Last lines of {component.log_path}:\n"
                      f"{tail(component.log_path, 30)}", flush=True)
                self._close_log(component)
                self._spawn(component)
                restarted.append(component.name)
        return restarted

    def dead(self) -> list[str]:
        """Components that are down for good (exited after their last allowed restart)."""
        return [c.name for c in self.components.values()
                if c.process is not None and c.process.poll() is not None and c.restarts >= self.max_restarts]

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Wait until the API server answers its health endpoint and the scheduler reports healthy."""
        import requests

        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if not self._supervisor:
                self.check()
            if "api-server" in self.dead():
                break
            try:
                response = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
                if response.ok:
                    health = response.json()
                    scheduler = (health.get("scheduler") or {}).get("status")
                    if scheduler == "healthy" and self.passwords_file.exists():
                        return
                    last = f"health: {health}"
                else:
                    last = f"HTTP {response.status_code}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(1.0)
        raise TimeoutError(f"Airflow at {self.base_url} not ready after {timeout:.0f} s ({last}); "
                           f"logs in {self.log_dir}\n{self.log_tails(30)}")

    def token(self) -> str:
        """A JWT for the REST API from the simple auth manager (``POST /auth/token``), cached."""
        import requests

        if self._token is None:
            response = requests.post(f"{self.base_url}/auth/token", timeout=30,
                                     json={"username": self.username, "password": self.password})
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return self._token

    def _close_log(self, component: Component) -> None:
        if component._pump is not None:
            component._pump.join(timeout=5)
            component._pump = None
        if component._log is not None:
            component._log.close()
            component._log = None

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM every component's process group, wait up to ``grace`` seconds, then SIGKILL what is left."""
        self._stopping.set()
        with self._lock:
            running = [c for c in self.components.values() if c.process is not None]
            for component in running:
                _signal_group(component.process, signal.SIGTERM)  # type: ignore[arg-type]
            deadline = time.monotonic() + grace
            for component in running:
                process = component.process
                assert process is not None
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    pass
                # The group may hold grandchildren (task processes, gunicorn/uvicorn workers) after the leader left.
                _signal_group(process, signal.SIGKILL)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    print(f"! {component.name} (pid {process.pid}) did not exit after SIGKILL", flush=True)
                self._close_log(component)
        if self._supervisor is not None and self._supervisor is not threading.current_thread():
            self._supervisor.join(timeout=5)

    def log_tails(self, lines: int = 60) -> str:
        parts = []
        for name in COMPONENTS:
            path = self.log_dir / f"{name}.log"
            parts.append(f"----- {name} ({path}), last {lines} lines -----\n{tail(path, lines)}")
        return "\n".join(parts)

    def __enter__(self) -> AirflowStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)  # start_new_session: the child's pid is its process group id
    except (ProcessLookupError, PermissionError):
        pass


class _Stop(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gridcarbon.airflow_local", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIRFLOW_PORT", DEFAULT_PORT)),
                        help="API server / UI port (env AIRFLOW_PORT, default 8080)")
    parser.add_argument("--host", default=os.environ.get("AIRFLOW_HOST") or None,
                        help="address the API server binds to (default: Airflow's, all interfaces)")
    parser.add_argument("--echo", action="store_true", help="also print every component's log lines")
    parser.add_argument("--max-restarts", type=int, default=3, help="restarts allowed per component")
    parser.add_argument("--ready-timeout", type=float, default=300.0)
    args = parser.parse_args(argv)

    def _raise_stop(signum: int, _frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    stack = AirflowStack(port=args.port, host=args.host, echo=args.echo, max_restarts=args.max_restarts)
    reason = "finished"
    try:
        stack.prepare()
        stack.start()
        print(f"· starting {', '.join(COMPONENTS)}; logs in {stack.log_dir}", flush=True)
        stack.wait_ready(args.ready_timeout)
        print(f"\nAirflow is up: http://localhost:{args.port}\n"
              f"  login: {stack.username} / {stack.password}   (password file {stack.passwords_file})\n"
              f"  metadata: {_redacted(stack.sql_alchemy_conn)}\n"
              f"  Ctrl-C stops every component.\n", flush=True)
        while True:
            time.sleep(2.0)
            stack.check()
            dead = stack.dead()
            if dead:
                print(f"! {', '.join(dead)} keeps dying (restarted {args.max_restarts} times); stopping. "
                      f"See {stack.log_dir}", flush=True)
                reason = "a component kept dying"
                return 1
    except _Stop as stop:
        reason = f"{stop} received"
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"! {exc}", flush=True)
        reason = "start-up failed"
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        print(f"· {reason}: stopped every Airflow component ({', '.join(COMPONENTS)}).", flush=True)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
