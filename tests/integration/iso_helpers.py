"""Shared by the ISO integration tests: one task's work without Airflow, replay-server control calls, a checksum of
one ISO's rows, and windows relative to the real clock for current-data-only sources."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.request import Request, urlopen

from gridcarbon.intervals import Window
from gridcarbon.sources import runner
from gridcarbon.sources.contract import NothingToLoad, NotServed
from gridcarbon.sources.registry import source


def extract_load(name: str, window: Window, **kwargs: Any) -> dict[str, Any] | NotServed | NothingToLoad:
    """What the task of registry entry ``name`` does for ``window`` (``runner.extract_load``: settings from the
    environment unless given, endpoint from the connection, fetch, load in one transaction), without Airflow:
    the task's summary (``rows``, ``replaced``, ``window``), or the ``NotServed``/``NothingToLoad`` value."""
    outcome = runner.extract_load(source(name), window, **kwargs)
    return outcome.summary() if isinstance(outcome, runner.Loaded) else outcome


def replay_control(server: Any, what: str, method: str = "GET", body: dict | None = None) -> Any:
    """Call a control endpoint of the replay server (``_faults``, ``_requests``)."""
    data = json.dumps(body).encode() if body is not None else None
    with urlopen(Request(f"{server.base_url}/{what}", data=data, method=method)) as resp:  # noqa: S310 - local
        return json.loads(resp.read())


def iso_state(admin_conn: Any, window: Window, *, iso: str) -> tuple[int, str]:
    """Row count and an order-independent checksum of one ISO's rows in the window (reruns must not change it)."""
    with admin_conn.cursor() as cur:
        cur.execute(
            "select count(*), md5(coalesce(string_agg(concat_ws('|', source_label, interval_start_utc, "
            "interval_minutes, generation_mw), ',' order by source_label, interval_start_utc), '')) "
            "from raw_iso.generation_by_fuel where iso = %s and interval_start_utc >= %s "
            "and interval_start_utc < %s", (iso, window.start, window.end))
        return cur.fetchone()


def recent_window(hours_back: int, hours: int) -> Window:
    """A window inside what current-data-only sources still serve (relative to the real clock)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return Window(now - timedelta(hours=hours_back), now - timedelta(hours=hours_back - hours))


def inject_fault(server: Any, **spec: Any) -> Any:
    """Make the replay server answer the next ``times`` matching requests with ``status`` (and ``body``)."""
    return replay_control(server, "_faults", "POST", spec)
