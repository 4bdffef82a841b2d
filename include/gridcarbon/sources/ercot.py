"""ERCOT dashboard fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``ercot``), 5-minute MW per fuel.

``GET {base}/api/1/services/read/dashboards/fuel-mix.json`` (base ``https://www.ercot.com``, no key). The
dashboard covers **yesterday and today so far** (Central time) and nothing older, so a run for an older
window ends as skipped (``skip_if_not_served``); the DAG runs daily just after the Central day ends.

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
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.http import fetch, json_body
from gridcarbon.intervals import Window
from gridcarbon.settings import env_int
from gridcarbon.sources.iso_common import (
    GenerationRecord,
    in_window,
    intervals_ended_in,
    load_generation,
    malformed,
    parse_mw,
    skip_if_not_served,
)
from gridcarbon.sources.validation import show
from gridcarbon.warehouse import LoadMeta

log = logging.getLogger(__name__)

SOURCE = "ercot"
ISO = "ercot"
DEFAULT_BASE_URL = "https://www.ercot.com"
PATH = "api/1/services/read/dashboards/fuel-mix.json"
CENTRAL = ZoneInfo("America/Chicago")
STEP = timedelta(minutes=5)
DEFAULT_LOOKBACK_HOURS = 2


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
    return [GenerationRecord(ISO, label, start, 5, value)
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


def fetch_generation(session: Any, endpoint: Any, window: Window) -> list[GenerationRecord]:
    url = endpoint.url(PATH)
    response = fetch(session, url, source=SOURCE, start=window.start, end=window.end)
    json_body(response, source=SOURCE, start=window.start, end=window.end)  # named error if not JSON
    return in_window(parse_fuel_mix(response.content, url=url, window=window), window)


def extract_and_load(
    window: Window,
    *,
    conn: Any = None,
    meta: LoadMeta | None = None,
    session: Any = None,
    now: datetime | None = None,
    lookback_hours: int | None = None,
) -> dict[str, Any]:
    """The task body: the run's 5-minute intervals (plus lookback), clipped to what the dashboard still
    serves; skipped (writing nothing) if nothing is served any more."""
    from gridcarbon.connections import resolve_endpoint
    from gridcarbon.http import session_scope
    from gridcarbon.warehouse import connection_scope

    aligned = intervals_ended_in(window, 5)
    if aligned is None:
        return {"rows": 0, "window": str(window), "note": "no whole 5-minute interval in the window"}
    lookback = timedelta(hours=lookback_hours if lookback_hours is not None
                         else env_int("ERCOT_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS))
    served = skip_if_not_served(SOURCE, aligned.widened(lookback), oldest_served=oldest_served, now=now,
                                what="yesterday and today (Central time) only")
    endpoint = resolve_endpoint(SOURCE, DEFAULT_BASE_URL)
    with session_scope(session) as http:
        records = fetch_generation(http, endpoint, served)
    with connection_scope(conn) as db:
        result = load_generation(db, ISO, records, served,
                                 LoadMeta(dag_id=meta.dag_id, run_id=meta.run_id, window=served) if meta else None)
    log.info("ERCOT: %d rows for %s", result.inserted, served)
    return {"rows": result.inserted, "deleted": result.deleted, "window": str(served)}
