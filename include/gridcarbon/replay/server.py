"""The replay HTTP server. ``python -m gridcarbon.replay --port 8765``.

Control endpoints (for tests; not part of any real API):
- ``POST /_faults`` body ``{"source": "smard", "path_contains": "index", "status": 429, "times": 2,
  "retry_after": 0, "body": "...", "drip_seconds": 20, "drip_from": "body"}``: the next ``times`` matching
  requests get that status (with ``drip_seconds``, one byte every that many seconds: a stalled server).
- ``GET /_requests``: the log of requests served (method, source, path, query); ``DELETE /_requests`` clears it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from gridcarbon.http import redact
from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found

log = logging.getLogger(__name__)

Handler = Callable[[ReplayRequest], ReplayResponse]


@dataclass
class Fault:
    source: str
    path_contains: str
    status: int
    times: int
    retry_after: int | None = None
    body: str = ""
    drip_seconds: float | None = None  # send one byte, wait this long, send the next (a stalled server)
    drip_from: str = "body"  # "body": headers at once, then the body drips; "status": everything drips


class ReplayState:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.requests: list[dict[str, Any]] = []
        self.handlers: dict[str, Handler | None] = {}

    def handler_for(self, source: str) -> Handler | None:
        if source not in self.handlers:
            try:
                module = importlib.import_module(f"gridcarbon.replay.{source}")
                self.handlers[source] = module.handle
            except (ImportError, AttributeError):
                self.handlers[source] = None
        return self.handlers[source]

    def take_fault(self, source: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.source == source and fault.path_contains in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None


def _make_handler(state: ReplayState) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: without this, keep-alive clients wait ~40 ms

        def log_message(self, fmt: str, *args: Any) -> None:  # quiet; the request log is at /_requests
            log.debug("%s", redact(fmt % args))  # the request line carries api_key=...: never printed

        def _send(self, resp: ReplayResponse) -> None:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(resp.body)

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            segments = parts.path.lstrip("/").split("/", 1)
            source = segments[0]
            rest = "/" + (segments[1] if len(segments) > 1 else "")
            if source == "_faults":
                self._control_faults(body)
                return
            if source == "_requests":
                self._control_requests()
                return
            with state.lock:
                state.requests.append({"method": self.command, "source": source, "path": rest,
                                       "query": parts.query})
            fault = state.take_fault(source, rest + "?" + parts.query)
            if fault is not None:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                response = ReplayResponse(fault.status, fault.body.encode(), "text/plain", headers)
                if fault.drip_seconds is not None:
                    self._drip(response, fault.drip_seconds, fault.drip_from)
                else:
                    self._send(response)
                return
            handler = state.handler_for(source)
            if handler is None:
                self._send(not_found(f"no replay handler for source {source!r}"))
                return
            request = ReplayRequest(self.command, rest, parts.query, dict(self.headers.items()), body)
            try:
                self._send(handler(request))
            except Exception as exc:  # a bug in a handler must show up as a 500, not a hung client
                log.exception("replay handler %s failed", source)
                self._send(json_response({"replay_error": repr(exc)}, 500))

        def _drip(self, resp: ReplayResponse, seconds: float, drip_from: str) -> None:
            """Answer byte by byte, ``seconds`` apart (from the status line or from the body on)."""
            head = (f"HTTP/1.1 {resp.status} X\r\nContent-Type: {resp.content_type}\r\n"
                    f"Content-Length: {len(resp.body)}\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items()) + "\r\n").encode()
            self.close_connection = True
            dripped = head + resp.body if drip_from == "status" else resp.body
            try:
                if drip_from != "status":
                    self.wfile.write(head)
                for i in range(len(dripped)):
                    self.wfile.write(dripped[i:i + 1])
                    time.sleep(seconds)
            except OSError:  # the client gave up: what a deadline is for
                log.debug("drip: client closed the connection")

        def _control_faults(self, body: bytes) -> None:
            if self.command == "POST":
                spec = json.loads(body or b"{}")
                with state.lock:
                    state.faults.append(Fault(spec["source"], spec.get("path_contains", ""), int(spec["status"]),
                                              int(spec.get("times", 1)), spec.get("retry_after"),
                                              spec.get("body", ""), spec.get("drip_seconds"),
                                              spec.get("drip_from", "body")))
            elif self.command == "DELETE":
                with state.lock:
                    state.faults.clear()
            self._send(json_response({"faults": len(state.faults)}))

        def _control_requests(self) -> None:
            with state.lock:
                if self.command == "DELETE":
                    state.requests.clear()
                payload = list(state.requests)
            self._send(json_response(payload))

        do_GET = do_POST = do_DELETE = do_HEAD = _dispatch

    return _Handler


class ReplayServer:
    """The server in a background thread: ``with ReplayServer() as srv: srv.base_url``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = ReplayState()
        self.httpd = ThreadingHTTPServer((host, port), _make_handler(self.state))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="replay-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def source_url(self, source: str, path: str = "") -> str:
        return f"{self.base_url}/{source}{path}"

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay server answering like the upstream APIs.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    server = ReplayServer(args.host, args.port)
    print(f"replay server on http://{args.host}:{server.port}/<source>/...", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0
