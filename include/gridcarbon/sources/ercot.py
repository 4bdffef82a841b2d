"""ERCOT dashboard fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``ercot``), 5-minute MW per fuel.

``GET {base}/api/1/services/read/dashboards/fuel-mix.json`` (base ``https://www.ercot.com``, no key). The
dashboard covers **yesterday and today so far** (Central time) and nothing older, so ``fetch`` answers
``NotServed`` for an older window (the run ends as skipped); the DAG runs daily just after the Central day ends.
A run loads its 5-minute intervals plus ``ERCOT_LOOKBACK_HOURS`` (default 2) before them.

Layouts seen (the parser handles all three):

- 2023: ``data[day]["YYYY-MM-DD HH:MM:SS"][fuel] = {gen, hsl}``: timestamps WITHOUT offset, Central local
  time. In the autumn the repeated hour appears twice; the parser reads the raw text keeping duplicate keys in
  order, so the first occurrence is CDT and the second CST (a dict would silently drop one).
- 2024: timestamps with offset (``-0600``/``-0500``), per fuel ``{gen, hsl, seasonalCapacity}``.
- 2025: timestamps with offset, per fuel ``{gen}``, capacities in a top-level ``monthlyCapacity``.

A timestamp (e.g. ``00:04:56-0500``) is the end of a 5-minute interval, stamped a few seconds before the
boundary: the interval start is the timestamp rounded to the nearest 5 minutes, minus 5 minutes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.http import fetch as http_fetch
from gridcarbon.http import json_body
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import NothingToLoad, NotServed
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    generation,
    generation_loader,
    intervals_ended_in,
    malformed,
    parse_mw,
    serve,
)
from gridcarbon.sources.validation import show

log = logging.getLogger(__name__)

SOURCE = "ercot"
DEFAULT_BASE_URL = "https://www.ercot.com"
PATH = "api/1/services/read/dashboards/fuel-mix.json"
CENTRAL = ZoneInfo("America/Chicago")
STEP = timedelta(minutes=5)
DEFAULT_LOOKBACK_HOURS = 2


@dataclass(frozen=True)
class Settings(IsoSettings):
    """``ERCOT_LOOKBACK_HOURS`` (default 2): intervals before the run's own that are re-read (published late)."""

    lookback: timedelta = timedelta(hours=DEFAULT_LOOKBACK_HOURS)

    @classmethod
    def own_from_env(cls, env: Environment) -> dict[str, Any]:
        return {"lookback": env.hours("ERCOT_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS)}


class _Pairs(list):  # type: ignore[type-arg]
    """A JSON object as its (key, value) pairs in document order, duplicates kept."""


def _items(obj: Any) -> list[tuple[str, Any]]:
    if isinstance(obj, _Pairs):
        return list(obj)
    if isinstance(obj, Mapping):
        return list(obj.items())
    raise TypeError


def _get(obj: Any, key: str) -> Any:
    for k, v in _items(obj):
        if k == key:
            return v
    return None


def loads_keeping_duplicates(text: str | bytes) -> Any:
    return json.loads(text, object_pairs_hook=_Pairs)


def interval_start(stamp: datetime) -> datetime:
    """The start of the 5-minute interval whose end is stamped ``stamp`` (a few seconds before the boundary)."""
    utc = stamp.astimezone(UTC)
    seconds = utc.timestamp()
    nearest = round(seconds / STEP.total_seconds()) * STEP.total_seconds()
    return datetime.fromtimestamp(nearest, UTC) - STEP


def parse_fuel_mix(payload: str | bytes | Mapping[str, Any], *, url: str | None = None,
                   window: Window | None = None) -> list[GenerationRecord]:
    """One fuel-mix answer (raw text preferred, so repeated local timestamps survive) -> 5-minute records."""
    if isinstance(payload, (str, bytes)):
        try:
            payload = loads_keeping_duplicates(payload)
        except ValueError as exc:
            raise malformed(SOURCE, f"body is not valid JSON ({exc})", url, window) from None
    try:
        days = _items(_get(payload, "data"))
    except TypeError:
        raise malformed(SOURCE, "answer has no 'data' object", url, window) from None
    latest: dict[tuple[str, datetime], tuple[datetime, Decimal | None]] = {}
    for day, stamps in days:
        seen_local: set[datetime] = set()
        try:
            stamp_items = _items(stamps)
        except TypeError:
            raise malformed(SOURCE, f"data[{day!r}] is not an object", url, window) from None
        for raw_stamp, fuels in stamp_items:
            stamp = _parse_stamp(raw_stamp, seen_local, url, window)
            start = interval_start(stamp)
            try:
                fuel_items = _items(fuels)
            except TypeError:
                raise malformed(SOURCE, f"data[{day!r}][{raw_stamp!r}] is not an object", url, window) from None
            for label, fields in fuel_items:
                if isinstance(fields, (Mapping, _Pairs)) and all(k != "gen" for k, _ in _items(fields)):
                    raise malformed(SOURCE, f"data[{day!r}][{raw_stamp!r}][{label!r}] has no 'gen' field (renamed "
                                    f"or dropped?); fields present: {sorted(k for k, _ in _items(fields))}",
                                    url, window)
                raw = _get(fields, "gen") if isinstance(fields, (Mapping, _Pairs)) else fields
                value = parse_mw(raw, source=SOURCE, field="gen", url=url, window=window)
                key = (label, start)
                if key in latest and latest[key][0].astimezone(UTC) == stamp.astimezone(UTC) \
                        and latest[key][1] != value:
                    raise malformed(SOURCE, f"{label} at {stamp.isoformat()} appears twice with different values: "
                                    f"{show(latest[key][1])} and {show(value)}", url, window)
                if key in latest and latest[key][0] != stamp:
                    log.warning("ERCOT: %s and %s fall in the same interval %s; keeping the later", latest[key][0],
                                stamp, start)
                if key not in latest or latest[key][0] <= stamp:
                    latest[key] = (stamp, value)
    return [GenerationRecord(SOURCE, label, start, 5, value)
            for (label, start), (_, value) in sorted(latest.items(), key=lambda kv: (kv[0][1], kv[0][0]))]


def _parse_stamp(raw: str, seen_local: set[datetime], url: str | None, window: Window | None) -> datetime:
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d %H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            local = datetime.strptime(text, fmt)
        except ValueError:
            continue
        fold = 1 if local in seen_local else 0  # 2023 layout: the repeated autumn hour comes CDT, then CST
        seen_local.add(local)
        return local.replace(tzinfo=CENTRAL, fold=fold)
    raise malformed(SOURCE, f"timestamp {raw!r} is not 'YYYY-MM-DD HH:MM:SS[+-HHMM]'", url, window)


def oldest_served(now: datetime) -> datetime:
    """Midnight (Central) at the start of yesterday: the dashboard's first interval."""
    today = now.astimezone(CENTRAL).date()
    return datetime.combine(today - timedelta(days=1), time(0), tzinfo=CENTRAL).astimezone(UTC)


def fetch(session: Any, endpoint: Any, window: Window, settings: Settings) -> GenerationAnswer:
    """The run's 5-minute intervals (plus ``settings.lookback``), clipped to what the dashboard still serves;
    ``NotServed`` if nothing is served any more."""
    aligned = intervals_ended_in(window, 5)
    if aligned is None:
        return NothingToLoad(f"no whole 5-minute interval in the window {window}")
    served = serve(SOURCE, aligned.widened(settings.lookback), settings, oldest_served=oldest_served,
                   what="yesterday and today (Central time) only")
    if isinstance(served, NotServed):
        return served
    url = endpoint.url(PATH)
    response = http_fetch(session, url, source=SOURCE, start=served.start, end=served.end)
    json_body(response, source=SOURCE, start=served.start, end=served.end)  # named error if not JSON
    return generation(SOURCE, parse_fuel_mix(response.content, url=url, window=served), served, settings, url=url,
                      step=None)


load = generation_loader(SOURCE)


# --- the DAG ercot_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """ERCOT dashboard fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``ercot``).

Daily at 06:00 UTC (midnight CST / 01:00 CDT) loads the previous 24 hours of 5-minute MW per fuel from
ERCOT's fuel-mix dashboard, plus ``ERCOT_LOOKBACK_HOURS`` (default 2) before them, so the last intervals
published after the previous run are filled in.

**Current data only**: the dashboard covers yesterday and today (Central time) and nothing older, so
``catchup=False``; a run for a window the dashboard no longer covers ends as *skipped* with the reason,
writing nothing (a partly covered window is clipped to the covered part). History for ERCOT comes from EIA's
hourly fuel-type data (`eia_ingest`, respondent ERCO). The parser reads the 2023 (local time without offset),
2024 (offset; gen/hsl/seasonalCapacity) and 2025 (offset; gen + monthlyCapacity) layouts.

Connection ``ercot``: host = base URL (default https://www.ercot.com); no credential. Pool ``ercot``.
"""
