"""PJM Data Miner 2 ``gen_by_fuel`` -> ``raw_iso.generation_by_fuel`` (iso ``pjm``), hourly MW per fuel.

``GET {base}/gen_by_fuel`` (base ``https://api.pjm.com/api/v1``) with header ``Ocp-Apim-Subscription-Key``
(the password of Airflow connection ``pjm``; PJM also publishes a public key for its Data Miner web page).
Parameters: ``RowCount`` (<= 50000), ``StartRow`` (1-based), ``Order=Asc``, ``Sort=datetime_beginning_utc``,
``Fields=datetime_beginning_utc,fuel_type,mw`` and the filter
``datetime_beginning_utc=MM/DD/YYYY HH:mmtoMM/DD/YYYY HH:mm`` (both ends inclusive). Answer:
``{"items": [{"datetime_beginning_utc": "2025-02-09T00:00:00", "fuel_type": "Coal", "mw": 16908.0}, ...],
"totalRows": N, "links": [...], "searchSpecification": {...}}``; paged with ``StartRow`` against ``totalRows``.

Time: ``datetime_beginning_utc`` carries no offset but is UTC (the interval start);
``datetime_beginning_ept`` would be Eastern prevailing time (ambiguous in the repeated autumn hour: the
first occurrence is taken as EDT, the second as EST). Only the UTC field is requested.

History (decision): Data Miner serves ``gen_by_fuel`` from 2016-01-01 (the earliest date third parties
report), not only the current day, so any window back to ``PJM_OLDEST_DAY`` can be loaded with a backfill or
a manual run. The DAG nevertheless has ``catchup=False``: the non-member rate limit (about 6 requests per
minute) makes an automatic catch-up of thousands of hourly runs a bad default. For a window entirely before
``PJM_OLDEST_DAY`` ``fetch`` answers ``NotServed`` (the run ends as skipped). Each run re-reads
``PJM_LOOKBACK_HOURS`` (default 3) before its hour,
because an hour is often posted some minutes after the run and preliminary values are revised.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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
    in_window,
    intervals_ended_in,
    malformed,
    parse_mw,
    serve,
)
from gridcarbon.sources.validation import SchemaDriftError, require_keys, unique_generation

log = logging.getLogger(__name__)

SOURCE = "pjm"
DEFAULT_BASE_URL = "https://api.pjm.com/api/v1"
EASTERN = ZoneInfo("America/New_York")
MAX_ROWS = 50000
DEFAULT_LOOKBACK_HOURS = 3
DEFAULT_OLDEST_DAY = date(2016, 1, 1)
FIELDS = "datetime_beginning_utc,fuel_type,mw"


@dataclass(frozen=True)
class Settings(IsoSettings):
    """``PJM_LOOKBACK_HOURS`` (default 3): hours before the run's own that are re-read (posted late, revised);
    ``PJM_OLDEST_DAY`` (default 2016-01-01): the first day Data Miner serves (earlier windows are ``NotServed``).
    ``page_rows``: rows per request (at most 50000; smaller in tests, to exercise paging)."""

    lookback: timedelta = timedelta(hours=DEFAULT_LOOKBACK_HOURS)
    oldest_day: date = DEFAULT_OLDEST_DAY
    page_rows: int = MAX_ROWS

    @classmethod
    def own_from_env(cls, env: Environment) -> dict[str, Any]:
        return {"lookback": env.hours("PJM_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS),
                "oldest_day": env.day("PJM_OLDEST_DAY", DEFAULT_OLDEST_DAY)}




def _parse_naive(raw: Any, url: str | None, window: Window | None) -> datetime:
    text = str(raw).strip()
    if "." in text:  # "2025-02-09T00:00:00.0000000"
        text = text.split(".", 1)[0]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise malformed(SOURCE, f"timestamp {raw!r} is not ISO-8601", url, window) from None
    if value.tzinfo is not None:
        raise malformed(SOURCE, f"timestamp {raw!r} carries an offset; PJM sends none", url, window)
    return value




def parse_gen_by_fuel(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[GenerationRecord]:
    """One Data Miner answer -> hourly records (interval start UTC, PJM's own fuel label, MW)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("items"), list):
        raise malformed(SOURCE, "answer has no 'items' list", url, window)
    records: list[GenerationRecord] = []
    seen_local: set[tuple[str, datetime]] = set()
    for item in payload["items"]:
        if not isinstance(item, Mapping):
            raise malformed(SOURCE, f"item is not an object: {item!r}", url, window)
        label = item.get("fuel_type")
        if not isinstance(label, str) or not label:
            raise malformed(SOURCE, f"item without fuel_type: {dict(item)!r}", url, window)
        if item.get("datetime_beginning_utc") is not None:
            start = _parse_naive(item["datetime_beginning_utc"], url, window).replace(tzinfo=UTC)
        elif item.get("datetime_beginning_ept") is not None:
            local = _parse_naive(item["datetime_beginning_ept"], url, window)
            fold = 1 if (label, local) in seen_local else 0  # repeated autumn hour: 2nd one is EST
            seen_local.add((label, local))
            start = local.replace(tzinfo=EASTERN, fold=fold).astimezone(UTC)
        else:
            raise malformed(SOURCE, f"item without datetime_beginning_utc/_ept: {dict(item)!r}", url, window)
        try:
            require_keys(item, ("mw",), what=f"item {label!r} at {start.isoformat()}")
        except SchemaDriftError as exc:
            raise malformed(SOURCE, str(exc), url, window) from None
        mw = parse_mw(item.get("mw"), source=SOURCE, field="mw", url=url, window=window)
        records.append(GenerationRecord(SOURCE, label, start, 60, mw))
    try:
        return unique_generation(records)  # a fuel twice in one hour: same MW collapses, else error
    except SchemaDriftError as exc:
        raise malformed(SOURCE, f"items: {exc}", url, window) from None


def parse_total(payload: Any, *, url: str | None = None, window: Window | None = None) -> int:
    try:
        return int(payload["totalRows"])
    except (KeyError, TypeError, ValueError):
        raise malformed(SOURCE, "answer has no numeric 'totalRows'", url, window) from None


def range_filter(hours: Window) -> str:
    """Data Miner's inclusive range filter for the interval starts ``[a, b)`` of hourly rows."""
    last = hours.end - timedelta(minutes=1)
    return f"{hours.start:%m/%d/%Y %H:%M}to{last:%m/%d/%Y %H:%M}"


def fetch_generation(session: Any, endpoint: Any, hours: Window, *,
                     page_rows: int | None = None) -> list[GenerationRecord]:
    """All hourly rows whose interval starts in ``hours``, paged with StartRow/RowCount."""
    rows = min(page_rows or MAX_ROWS, MAX_ROWS)
    url = endpoint.url("gen_by_fuel")
    headers = {"Ocp-Apim-Subscription-Key": endpoint.password} if endpoint.password else {}
    records: list[GenerationRecord] = []
    start_row = 1
    while True:
        params = {"RowCount": rows, "StartRow": start_row, "Order": "Asc", "Sort": "datetime_beginning_utc",
                  "Fields": FIELDS, "datetime_beginning_utc": range_filter(hours), "format": "json"}
        response = http_fetch(session, url, source=SOURCE, start=hours.start, end=hours.end, params=params,
                              headers=headers)
        payload = json_body(response, source=SOURCE, start=hours.start, end=hours.end)
        total = parse_total(payload, url=response.url, window=hours)
        page = parse_gen_by_fuel(payload, url=response.url, window=hours)
        records.extend(page)
        start_row += len(page)
        if start_row - 1 >= total:
            break
        if not page:
            raise malformed(SOURCE, f"totalRows is {total} but the page at StartRow {start_row} is empty",
                            response.url, hours)
    return in_window(records, hours)


def fetch(session: Any, endpoint: Any, window: Window, settings: Settings) -> GenerationAnswer:
    """The hours that ended in ``window`` (plus ``settings.lookback``), from ``settings.oldest_day`` on."""
    hours = intervals_ended_in(window, 60)
    if hours is None:
        return NothingToLoad(f"no whole hour ended inside the window {window}")
    oldest = datetime.combine(settings.oldest_day, datetime.min.time(), tzinfo=UTC)
    served = serve(SOURCE, hours.widened(settings.lookback), settings, oldest_served=oldest,
                   what=f"gen_by_fuel from {settings.oldest_day} only")
    if isinstance(served, NotServed):
        return served
    records = fetch_generation(session, endpoint, served, page_rows=settings.page_rows)
    return generation(SOURCE, records, served, settings, url=endpoint.url("gen_by_fuel"), step=None)


load = generation_loader(SOURCE)


# --- the DAG pjm_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """PJM Data Miner 2 ``gen_by_fuel`` -> ``raw_iso.generation_by_fuel`` (iso ``pjm``).

Hourly at :10 (UTC) loads the hour that ended inside the run's interval (``[00:10, 01:10)`` loads
``00:00-01:00``), re-reading ``PJM_LOOKBACK_HOURS`` (default 3) before it because PJM posts an hour some
minutes late and revises preliminary values. ``datetime_beginning_utc`` (no offset in the string) is UTC.

**History (decision)**: Data Miner serves ``gen_by_fuel`` back to 2016 with ``datetime_beginning_utc`` range
filters, so this is NOT a current-data-only source: any window from ``PJM_OLDEST_DAY`` (default 2016-01-01)
can be loaded. ``catchup=False`` only because PJM's non-member rate limit (about 6 requests/minute) makes an
automatic catch-up of thousands of hourly runs a bad default; load history explicitly, with one manual run
per month or year (``conf={"window_start": "2024-01-01T00:00Z", "window_end": "2025-01-01T00:00Z"}``, paged
at 50,000 rows per request) or ``airflow backfill create --dag-id pjm_ingest --from-date ... --to-date ...``.
A window entirely before ``PJM_OLDEST_DAY`` ends as *skipped*.

Connection ``pjm``: host = base URL (default https://api.pjm.com/api/v1), **password = Data Miner
subscription key** (sent as header ``Ocp-Apim-Subscription-Key``). Pool ``pjm``.
"""
