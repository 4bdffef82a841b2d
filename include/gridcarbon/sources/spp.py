"""SPP generation mix -> ``raw_iso.generation_by_fuel`` (iso ``spp``).

``GET https://marketplace.spp.org/chart-api/gen-mix/asFile`` (public, no key): a CSV of the **last two hours**
at 5-minute resolution. No real recording of it exists in the project; the format below follows the column
layout documented by gridstatus' SPP parser (``process_gen_mix``):

    GMTTime,Coal Market,Coal Self,Diesel Fuel Oil Market,Diesel Fuel Oil Self,Hydro Market,Hydro Self,
    Natural Gas Market,Natural Gas Self,Nuclear Market,Nuclear Self,Solar Market,Solar Self,
    Waste Disposal Services Market,Waste Disposal Services Self,Wind Market,Wind Self,
    Waste Heat Market,Waste Heat Self,Other Market,Other Self,Load

Column names may carry surrounding spaces (stripped); the time column is ``GMTTime`` or ``GMT MKT Interval``,
an ISO-8601 UTC instant taken as the interval start. Each ``<fuel> Market``/``<fuel> Self`` column is stored
under its own label (their sum is the fuel's generation; dbt maps both to the fuel). ``Load`` (SPP's short-term
load forecast) and ``Average Actual Load`` are not generation and are not stored.

Only the last two hours can be fetched: the DAG runs hourly without catch-up, and a run whose window lies
entirely before ``now - 2 h`` ends as a skip with the reason, writing nothing. Because no later run can fetch
an interval again, a window whose last interval is not published yet fails (SourceUnavailableError) and is
retried by Airflow (``iso_common.raise_if_last_interval_missing``).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window, parse_utc
from gridcarbon.sources.iso_common import (
    GenerationRecord,
    fetch_and_load,
    in_window,
    skip_if_not_served,
)

SOURCE = "spp"
ISO = "spp"
DEFAULT_BASE_URL = "https://marketplace.spp.org"
PATH = "/chart-api/gen-mix/asFile"
TIME_COLUMNS = ("GMTTime", "GMT MKT Interval")
NOT_GENERATION = frozenset({"Load", "Average Actual Load", "Short Term Load Forecast"})
SERVED_FOR = timedelta(hours=2)


def parse_gen_mix_csv(text: str, *, url: str | None = None, start: datetime | None = None,
                      end: datetime | None = None) -> list[GenerationRecord]:
    """The gen-mix CSV -> 5-minute records, one per generation column and row."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    time_col = next((c for c in TIME_COLUMNS if c in header), None)
    if time_col is None:
        raise MalformedPayloadError(f"gen-mix CSV header {header[:4]!r} has no GMTTime column", source=SOURCE,
                                    url=url, start=start, end=end)
    i_time = header.index(time_col)
    columns = [(i, name) for i, name in enumerate(header) if i != i_time and name and name not in NOT_GENERATION]
    records: list[GenerationRecord] = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            ts = parse_utc(row[i_time])
            cells = [(name, row[i].strip() if i < len(row) else "") for i, name in columns]
            records += [GenerationRecord(ISO, name, ts, 5, float(cell) if cell else None) for name, cell in cells]
        except (ValueError, IndexError) as exc:
            raise MalformedPayloadError(f"gen-mix CSV line {n} {row[:3]!r}: {exc}", source=SOURCE, url=url,
                                        start=start, end=end) from None
    return records


def served_window(window: Window, now: datetime | None = None) -> Window:
    return skip_if_not_served(SOURCE, window, served_for=SERVED_FOR, now=now, what="the last two hours only")


def fetch(session: Any, endpoint: Any, window: Window) -> list[GenerationRecord]:
    from gridcarbon.http import fetch as http_fetch

    url = endpoint.url(PATH)
    resp = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end)
    return in_window(parse_gen_mix_csv(resp.text, url=url, start=window.start, end=window.end), window)


def extract_and_load(window: Window, *, conn: Any, meta: Any = None, session: Any = None,
                     now: datetime | None = None) -> dict[str, Any]:
    window = served_window(window, now or datetime.now(UTC))
    return fetch_and_load(SOURCE, DEFAULT_BASE_URL, window, fetch, conn=conn, meta=meta,
                          session=session, now=now)
