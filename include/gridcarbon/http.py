"""One requests Session factory for every source: timeouts, urllib3 retries on 429/5xx honouring
``Retry-After``, and one ``fetch`` helper that turns HTTP outcomes into the named errors of ``errors.py``.

Retry policy (documented in the README):
- 429, 500, 502, 503, 504: retried ``GRIDCARBON_HTTP_RETRIES`` times (default 4) with exponential backoff
  (``GRIDCARBON_HTTP_BACKOFF`` seconds, default 1.0), honouring ``Retry-After`` up to
  ``GRIDCARBON_HTTP_BACKOFF_MAX`` seconds (default 120; a longer ``Retry-After`` is capped there); then
  SourceUnavailableError and Airflow's task retries (exponential backoff) take over.
- Every ``fetch`` has an overall deadline, ``GRIDCARBON_HTTP_DEADLINE`` seconds (default 300) for everything:
  connecting, retries and their waits, headers and body. The read timeout alone is per socket read, so a
  server dripping a byte every 20 s would never trip it; at the deadline a watchdog shuts the socket down
  and the fetch raises SourceUnavailableError naming the deadline (Airflow's retries and the task's
  ``execution_timeout`` take over).
- 401 and 403: no retry, SourceAuthError naming the connection to fix.
- anything else >= 400: SourceError with the status and the start of the body.

These four variables are read once, at the task boundary (``HttpSettings.from_env``, called by the shared task
runner); the session built from them (``build_session``) carries them down, so nothing here reads the
environment while a request runs.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, quote_plus

import requests
import urllib3
import urllib3.connection
import urllib3.poolmanager
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError, SourceUnavailableError
from gridcarbon.settings import Environment

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read
USER_AGENT = "gridcarbon/0.1 (+https://github.com/gridcarbon/gridcarbon)"


@dataclass(frozen=True)
class HttpSettings:
    """The retry policy and deadline of every source's HTTP session (see the module docstring), with the
    documented defaults; ``from_env`` reads ``GRIDCARBON_HTTP_RETRIES``, ``GRIDCARBON_HTTP_BACKOFF``,
    ``GRIDCARBON_HTTP_BACKOFF_MAX`` and ``GRIDCARBON_HTTP_DEADLINE`` once, at the task boundary."""

    retries: int = 4  # retries of a 429/5xx answer
    backoff: float = 1.0  # seconds: the backoff factor of urllib3's exponential backoff
    backoff_max: float = 120.0  # seconds: cap of one backoff wait and of a Retry-After
    deadline: float = 300.0  # seconds: everything one ``fetch`` may take, retries and waits included
    timeout: tuple[float, float] = DEFAULT_TIMEOUT  # connect, read (per socket read)

    @classmethod
    def from_env(cls, env: Environment) -> HttpSettings:
        return cls(
            retries=env.integer("GRIDCARBON_HTTP_RETRIES", cls.retries, minimum=0),
            backoff=env.number("GRIDCARBON_HTTP_BACKOFF", cls.backoff, minimum=0),
            backoff_max=env.number("GRIDCARBON_HTTP_BACKOFF_MAX", cls.backoff_max, minimum=0),
            deadline=env.number("GRIDCARBON_HTTP_DEADLINE", cls.deadline, minimum=0.001),
        )

_SECRET_PARAMS = re.compile(r"((?:api_key|apikey|token|access_token|client_secret|subscription-key)=)[^&\s]+", re.I)
_BEARER = re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.I)
MIN_SECRET_LENGTH = 5  # as Airflow's [logging] min_length_masked_secret: shorter values would mask ordinary text
_secrets: set[str] = set()
_secrets_re: re.Pattern[str] | None = None
_secrets_lock = threading.Lock()


def _forms(secret: str) -> set[str]:
    """A secret as it may appear in text: as is, and percent-encoded the way it travels in a URL or form."""
    return {f for f in (secret, quote(secret, safe=""), quote_plus(secret)) if len(f) >= MIN_SECRET_LENGTH}


def register_secret(secret: str | None) -> None:
    """Mask ``secret`` (and its URL-encoded forms) from now on: in ``redact``, in every log record of this
    process (a log record factory) and, inside an Airflow task, in the task log (Airflow's secrets masker,
    which also tells the supervisor). Values shorter than ``MIN_SECRET_LENGTH`` are not masked (as Airflow)."""
    global _secrets_re
    if not secret or len(secret) < MIN_SECRET_LENGTH:
        return
    forms = _forms(secret)
    with _secrets_lock:
        if forms <= _secrets:
            return
        _secrets.update(forms)
        _secrets_re = re.compile("|".join(re.escape(f) for f in sorted(_secrets, key=len, reverse=True)))
    _install_log_record_masking()
    try:
        from airflow.sdk.execution_time import task_runner
        from airflow.sdk.log import _secrets_masker, mask_secret
    except ImportError:  # pragma: no cover - Airflow is in the project venv; scripts may run without it
        return
    # Under dag.test() the supervisor runs in this process and shares this masker; telling it through the
    # in-process comms would make Airflow log the message, value included, at DEBUG. Elsewhere mask_secret
    # also tells the supervisor process, which writes the task log.
    in_process = type(getattr(task_runner, "SUPERVISOR_COMMS", None)).__name__ == "InProcessSupervisorComms"
    for form in forms:
        if in_process:
            _secrets_masker().add_mask(form)
        else:
            mask_secret(form)


def redact(text: str, *secrets: str | None) -> str:
    """Remove credentials from URLs and messages before they reach a log line or an exception: ``api_key=``-like
    query values, bearer tokens, every registered secret and every value in ``secrets``, whatever the text
    around them."""
    text = _BEARER.sub(r"\1***", _SECRET_PARAMS.sub(r"\1***", text))
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            for form in sorted(_forms(secret), key=len, reverse=True):
                text = text.replace(form, "***")
    pattern = _secrets_re
    return pattern.sub("***", text) if pattern is not None else text


_previous_factory: Callable[..., logging.LogRecord] | None = None


def _masking_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    assert _previous_factory is not None
    record = _previous_factory(*args, **kwargs)
    pattern = _secrets_re
    if pattern is None:
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken record is the logging module's to report
        return record
    if pattern.search(message):
        record.msg, record.args = pattern.sub("***", message), None
    if record.exc_info and record.exc_info[0] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        if pattern.search(text):
            record.exc_text = pattern.sub("***", text)  # formatters print exc_text when it is set
    return record


def _install_log_record_masking() -> None:
    """Every log record created in this process has registered secrets masked, whatever logger and handler."""
    global _previous_factory
    with _secrets_lock:
        if _previous_factory is None:
            _previous_factory = logging.getLogRecordFactory()
            logging.setLogRecordFactory(_masking_record_factory)


class _Deadline:
    """The overall deadline of one ``fetch``: connections used meanwhile are shut down when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def passed(self) -> bool:
        return self.expired or self.remaining() <= 0

    def watch(self, connection: Any) -> None:
        with self._lock:
            if not self.expired:
                self._connections.append(connection)
                return
        _shut_down(connection)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            connections, self._connections = self._connections, []
        for connection in connections:
            _shut_down(connection)


def _shut_down(connection: Any) -> None:
    """Wake a thread blocked reading ``connection``: the read returns end-of-stream, urllib3 raises."""
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's: also under a TLS socket
        except OSError:
            pass


_DEADLINE: ContextVar[_Deadline | None] = ContextVar("gridcarbon_http_deadline", default=None)


class _DeadlineConnectionMixin:
    """Registers the connection with the running fetch's deadline (when connected and on every request)."""

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if (deadline := _DEADLINE.get()) is not None:
            deadline.watch(self)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        if (deadline := _DEADLINE.get()) is not None and getattr(self, "sock", None) is not None:
            deadline.watch(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _DeadlineHTTPConnection(_DeadlineConnectionMixin, urllib3.connection.HTTPConnection):
    pass


class _DeadlineHTTPSConnection(_DeadlineConnectionMixin, urllib3.connection.HTTPSConnection):
    pass


class _DeadlineHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_DEADLINE_POOLS = {"http": _DeadlineHTTPPool, "https": _DeadlineHTTPSPool}


class _DeadlineRetry(Retry):
    """urllib3's Retry that stops retrying at the fetch's deadline and never waits past it."""

    def is_exhausted(self) -> bool:
        deadline = _DEADLINE.get()
        return super().is_exhausted() or (deadline is not None and deadline.passed())

    def sleep(self, response: Any = None) -> None:
        deadline = _DEADLINE.get()
        if deadline is None:
            super().sleep(response)
            return
        wait = self.get_retry_after(response) if (self.respect_retry_after_header and response) else None
        if not wait:
            wait = self.get_backoff_time()
        wait = min(wait, max(0.0, deadline.remaining()))
        if wait > 0:
            time.sleep(wait)


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, *args: Any, timeout: tuple[float, float], **kwargs: Any) -> None:
        self._timeout = timeout
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _DEADLINE_POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if manager.pool_classes_by_scheme is urllib3.poolmanager.pool_classes_by_scheme:  # not SOCKS
            manager.pool_classes_by_scheme = _DEADLINE_POOLS
        return manager

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


class Session(requests.Session):
    """A requests session that knows the overall deadline of each ``fetch`` made through it."""

    def __init__(self, deadline: float = HttpSettings.deadline) -> None:
        super().__init__()
        self.deadline = deadline


def build_session(
    settings: HttpSettings | None = None,
    *,
    retries: int | None = None,
    backoff: float | None = None,
    timeout: tuple[float, float] | None = None,
    backoff_max: float | None = None,
) -> Session:
    """A session with the timeouts, retries and deadline of ``settings`` (default: the documented defaults);
    the keyword arguments override single values. ``backoff_max`` caps the exponential backoff and
    ``Retry-After``."""
    overrides = {name: value for name, value in (("retries", retries), ("backoff", backoff), ("timeout", timeout),
                                                 ("backoff_max", backoff_max)) if value is not None}
    settings = replace(settings or HttpSettings(), **overrides)
    retry = _DeadlineRetry(
        total=settings.retries,
        connect=3,
        read=3,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "POST", "HEAD"}),
        backoff_factor=settings.backoff,
        backoff_max=settings.backoff_max,
        # a float works; Retry-After: 150 waits at most the cap
        retry_after_max=settings.backoff_max,  # type: ignore[arg-type]
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = Session(settings.deadline)
    adapter = _TimeoutAdapter(max_retries=retry, timeout=settings.timeout)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


@contextmanager
def session_scope(session: requests.Session | None = None,
                  settings: HttpSettings | None = None) -> Iterator[requests.Session]:
    """The caller's session as is, or a new one from ``build_session(settings)`` that is closed afterwards."""
    if session is not None:
        yield session
        return
    own = build_session(settings)
    try:
        yield own
    finally:
        own.close()


def fetch(
    session: requests.Session,
    url: str,
    *,
    source: str,
    start: datetime | None = None,
    end: datetime | None = None,
    method: str = "GET",
    ok_statuses: tuple[int, ...] = (200,),
    deadline: float | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send one request; return the response if its status is in ``ok_statuses`` else raise a named error.

    Everything (retries, waits, headers, body) ends within ``deadline`` seconds (default: the session's, i.e.
    ``HttpSettings.deadline`` as resolved from ``GRIDCARBON_HTTP_DEADLINE`` when the task started; 300)."""
    shown = redact(url)
    seconds = deadline if deadline is not None else float(getattr(session, "deadline", HttpSettings.deadline))
    guard = _Deadline(seconds)
    token = _DEADLINE.set(guard)
    watchdog = threading.Timer(seconds, guard.expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        response = session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        if guard.passed():
            raise SourceUnavailableError(
                f"no complete answer within the overall deadline of {seconds:g} s (GRIDCARBON_HTTP_DEADLINE): "
                f"the server was still sending or failing; last error: {redact(str(exc))[:200]}",
                source=source, url=shown, start=start, end=end) from None
        raise SourceUnavailableError(f"request failed: {redact(str(exc))}", source=source, url=shown,
                                     start=start, end=end) from None
    finally:
        watchdog.cancel()
        _DEADLINE.reset(token)
    status = response.status_code
    if status in ok_statuses:
        return response
    body = redact(response.text[:300])
    if status in (401, 403):
        raise SourceAuthError(
            f"HTTP {status}: credential rejected, fix the password/extra of Airflow connection {source!r}; "
            f"body: {body}",
            source=source, url=shown, start=start, end=end,
        )
    if status in RETRY_STATUSES:
        raise SourceUnavailableError(f"HTTP {status} after retries; body: {body}", source=source, url=shown,
                                     start=start, end=end)
    raise SourceError(f"HTTP {status}; body: {body}", source=source, url=shown, start=start, end=end)


def json_body(response: requests.Response, *, source: str, start: datetime | None = None,
              end: datetime | None = None) -> Any:
    """Decode a JSON body or raise MalformedPayloadError naming source, URL and interval."""
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError) as exc:
        raise MalformedPayloadError(
            f"body is not valid JSON ({exc}); starts with {response.text[:80]!r}",
            source=source, url=redact(response.url), start=start, end=end,
        ) from None
