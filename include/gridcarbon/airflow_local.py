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

Under the CeleryExecutor (``AIRFLOW__CORE__EXECUTOR=CeleryExecutor``) it also runs one ``airflow celery worker``
per entry of ``GRIDCARBON_CELERY_WORKERS`` (default ``default:4,dbt:2``: a worker on the queue ``default`` with
4 slots, one on ``dbt``, the transformation's queue, with 2), supervised like the other components, each with a
log server port of its own (``[logging] worker_log_server_port`` for the first, the next free ports after it
for the others). The broker is ``AIRFLOW__CELERY__BROKER_URL`` (default ``redis://127.0.0.1:6379/0``); task
results go to ``AIRFLOW__CELERY__RESULT_BACKEND`` (Airflow's default: the metadata database).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gridcarbon.bootstrap import ensure_metadata_database

COMPONENTS: tuple[str, ...] = ("api-server", "scheduler", "dag-processor", "triggerer")
DEFAULT_PORT = 8080
CELERY_WORKERS_ENV = "GRIDCARBON_CELERY_WORKERS"
DEFAULT_CELERY_WORKERS = "default:4,dbt:2"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
DEFAULT_WORKER_LOG_SERVER_PORT = 8793  # Airflow's [logging] worker_log_server_port


@dataclass(frozen=True)
class CeleryWorker:
    """One ``airflow celery worker``: the queues it consumes, its slots, and the port of its log server."""

    queues: tuple[str, ...]
    concurrency: int = 2
    log_server_port: int | None = None  # None: assigned by AirflowStack (one port per worker on this host)

    @property
    def name(self) -> str:
        return "worker-" + "-".join(self.queues)


def parse_celery_workers(spec: str) -> tuple[CeleryWorker, ...]:
    """``"default:4,dbt:2"`` -> two workers; ``queue+queue:slots`` gives one worker several queues."""
    workers = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        queues, _, slots = item.partition(":")
        names = tuple(q.strip() for q in queues.split("+") if q.strip())
        if not names or (slots and not slots.strip().isdigit()):
            raise ValueError(f"{CELERY_WORKERS_ENV}: {item!r} is not 'queue[+queue]:slots'")
        workers.append(CeleryWorker(names, int(slots) if slots else 2))
    return tuple(workers)


def uses_celery(env: Mapping[str, str]) -> bool:
    """The executor setting names the CeleryExecutor (alone or first of several executors)."""
    executors = [e.strip().rsplit(".", 1)[-1] for e in env.get("AIRFLOW__CORE__EXECUTOR", "").split(",")]
    return "CeleryExecutor" in executors


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
    env: dict[str, str] | None = None  # None: the stack's environment
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)
    _pump: threading.Thread | None = field(default=None, repr=False)


class AirflowStack:
    """Airflow's api-server, scheduler, dag-processor and triggerer as supervised child processes, and under
    the CeleryExecutor the Celery workers too.

    ``env`` is the environment to run with (``os.environ`` if None); ``home`` overrides its ``AIRFLOW_HOME``;
    ``celery_workers`` overrides ``GRIDCARBON_CELERY_WORKERS`` (ignored unless the executor is Celery).
    """

    def __init__(self, env: Mapping[str, str] | None = None, port: int = DEFAULT_PORT, home: Path | None = None,
                 *, host: str | None = None, echo: bool = False, max_restarts: int = 3,
                 celery_workers: Sequence[CeleryWorker] | None = None) -> None:
        base = dict(os.environ if env is None else env)
        self.home = Path(home or base.get("AIRFLOW_HOME") or Path.home() / "airflow")
        self.port = port
        self.host = host
        self.echo = echo
        self.max_restarts = max_restarts
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_dir = self.home / "logs" / "components"
        self.env = self._component_env(base)
        self.celery_workers = self._celery_workers(celery_workers)
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
        if uses_celery(env):
            env.setdefault("AIRFLOW__CELERY__BROKER_URL", DEFAULT_BROKER_URL)
        return env

    def _celery_workers(self, given: Sequence[CeleryWorker] | None) -> tuple[CeleryWorker, ...]:
        """The workers to run (none unless the executor is Celery), each with a log server port of its own:
        Airflow's port for the first, then the next ports that are free on this host."""
        if not uses_celery(self.env):
            return ()
        workers = tuple(given) if given is not None else parse_celery_workers(
            self.env.get(CELERY_WORKERS_ENV) or DEFAULT_CELERY_WORKERS)
        if len({w.name for w in workers}) != len(workers):
            raise ValueError(f"two Celery workers with the same queues: {[w.queues for w in workers]}")
        base = int(self.env.get("AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT") or DEFAULT_WORKER_LOG_SERVER_PORT)
        taken = {w.log_server_port for w in workers if w.log_server_port}
        taken.add(int(self.env.get("AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT") or 8794))
        assigned = []
        candidate = base
        for worker in workers:
            if worker.log_server_port is None:
                while candidate in taken or (assigned and not _port_free(candidate)):
                    candidate += 1
                worker = CeleryWorker(worker.queues, worker.concurrency, candidate)
                taken.add(candidate)
            assigned.append(worker)
        return tuple(assigned)

    @property
    def component_names(self) -> tuple[str, ...]:
        return COMPONENTS + tuple(w.name for w in self.celery_workers)

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
        for worker in self.celery_workers:
            if worker.name == name:
                # node name <queues>-<pid of this launcher>@<host>: unique per stack, so two stacks on one broker
                # (or a restarted worker) are told apart in Flower and `celery inspect`
                return [airflow, "celery", "worker", "--queues", ",".join(worker.queues),
                        "--concurrency", str(worker.concurrency),
                        "--celery-hostname", f"{'-'.join(worker.queues)}-{os.getpid()}@%h"]
        return [airflow, name]

    def _env_of(self, name: str) -> dict[str, str] | None:
        for worker in self.celery_workers:
            if worker.name == name:
                return {**self.env, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(worker.log_server_port)}
        return None

    def _spawn(self, component: Component) -> None:
        component.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = component.log_path.open("ab")
        log.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {' '.join(component.command)}\n".encode())
        log.flush()
        component._log = log
        stdout: Any = subprocess.PIPE if self.echo else log
        component.process = subprocess.Popen(component.command, env=component.env or self.env,
                                             stdin=subprocess.DEVNULL,
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
        for name in self.component_names:
            component = Component(name, self._command(name), self.log_dir / f"{name}.log", self._env_of(name))
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
        for name in self.component_names:
            path = self.log_dir / f"{name}.log"
            parts.append(f"----- {name} ({path}), last {lines} lines -----\n{tail(path, lines)}")
        return "\n".join(parts)

    def __enter__(self) -> AirflowStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("", port))  # every interface, as Airflow's log server binds
        except OSError:
            return False
    return True


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
        print(f"· starting {', '.join(stack.component_names)}; logs in {stack.log_dir}", flush=True)
        stack.wait_ready(args.ready_timeout)
        print(f"\nAirflow is up: http://localhost:{args.port}\n"
              f"  login: {stack.username} / {stack.password}   (password file {stack.passwords_file})\n"
              f"  metadata: {_redacted(stack.sql_alchemy_conn)}\n"
              f"{_celery_summary(stack)}"
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
        print(f"· {reason}: stopped every Airflow component ({', '.join(stack.component_names)}).", flush=True)


def _celery_summary(stack: AirflowStack) -> str:
    if not stack.celery_workers:
        return ""
    workers = "; ".join(f"{w.name} (queues {','.join(w.queues)}, {w.concurrency} slots, "
                        f"log server :{w.log_server_port})" for w in stack.celery_workers)
    return (f"  executor: CeleryExecutor, broker {_redacted(stack.env['AIRFLOW__CELERY__BROKER_URL'])}\n"
            f"  Celery workers: {workers}\n"
            f"  Flower: `airflow celery flower` (http://localhost:5555)\n")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
