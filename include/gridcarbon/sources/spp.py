"""SPP generation mix -> ``raw_iso.generation_by_fuel`` (iso ``spp``).

``GET https://marketplace.spp.org/chart-api/gen-mix/asFile`` (public, no key): a CSV of the **last two hours**
at 5-minute resolution. No real recording of it exists in the project; the format below follows the column
layout documented by gridstatus' SPP parser (``process_gen_mix``):

    GMTTime,Coal Market,Coal Self,Diesel Fuel Oil Market,Diesel Fuel Oil Self,Hydro Market,Hydro Self,
    Natural Gas Market,Natural Gas Self,Nuclear Market,Nuclear Self,Solar Market,Solar Self,
    Waste Disposal Services Market,Waste Disposal Services Self,Wind Market,Wind Self,
    Waste Heat Market,Waste Heat Self,Other Market,Other Self,Load

Schema drift is an error (``validation``): every fuel comes as a ``Market``/``Self`` pair, so a file in which
one of a pair is missing lost a column and fails naming expected and found columns (no real recording pins the
full list of fuels; a fuel that disappears entirely is caught by the load's comparison with the previous load).
A row with fewer cells than the header, a ``NaN``/``inf``/absurd cell or a time row repeated with other values
fails too.

Column names may carry surrounding spaces (stripped); the time column is ``GMTTime`` or ``GMT MKT Interval``,
an ISO-8601 UTC instant taken as the interval start. Each ``<fuel> Market``/``<fuel> Self`` column is stored
under its own label (their sum is the fuel's generation; dbt maps both to the fuel). ``Load`` (SPP's short-term
load forecast) and ``Average Actual Load`` are not generation and are not stored.

Only the last two hours can be fetched: the DAG runs hourly without catch-up, and ``fetch`` answers
``NotServed`` for a window entirely before ``now - 2 h`` (the run ends as a skip with the reason, writing
nothing). Because no later run can fetch an interval again, a window whose last interval is not published yet
fails (SourceUnavailableError) and is retried by Airflow (``iso_common.raise_if_last_interval_missing``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window, parse_utc
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    fetch_served_file,
    generation_loader,
)
from gridcarbon.sources.validation import SchemaDriftError, finite_number, require_columns, unique_generation

SOURCE = "spp"
DEFAULT_BASE_URL = "https://marketplace.spp.org"
PATH = "/chart-api/gen-mix/asFile"
TIME_COLUMNS = ("GMTTime", "GMT MKT Interval")
NOT_GENERATION = frozenset({"Load", "Average Actual Load", "Short Term Load Forecast"})
PAIR_KINDS = ("Market", "Self")
SERVED_FOR = timedelta(hours=2)
Settings = IsoSettings  # nothing of its own


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
            if len(row) <= max([i_time, *(i for i, _ in columns)]):  # lost cells would be stored as NULL
                raise ValueError(f"{len(row)} cells for the {len(header)} columns {header}")
            ts = parse_utc(row[i_time])
            cells = [(name, row[i].strip()) for i, name in columns]
            records += [GenerationRecord(SOURCE, name, ts, 5, finite_number(float(cell), field=name) if cell else None)
                        for name, cell in cells]
        except (ValueError, IndexError) as exc:
            raise MalformedPayloadError(f"gen-mix CSV line {n} {row[:3]!r}: {exc}", source=SOURCE, url=url,
                                        start=start, end=end) from None
    fuels = [name.rsplit(" ", 1)[0] for name in header if name.rsplit(" ", 1)[-1] in PAIR_KINDS]
    expected = [time_col] + [f"{fuel} {kind}" for fuel in dict.fromkeys(fuels) for kind in PAIR_KINDS]
    try:
        require_columns(header, expected, what="header")  # a fuel's Market or Self column lost
        return unique_generation(records)  # a time row twice: same values collapse, else error
    except SchemaDriftError as exc:
        raise MalformedPayloadError(f"gen-mix CSV: {exc}", source=SOURCE, url=url, start=start, end=end) from None


def fetch(session: Any, endpoint: Any, window: Window, settings: IsoSettings) -> GenerationAnswer:
    """The part of ``window`` in the gen-mix file (the last two hours), or ``NotServed``."""
    return fetch_served_file(SOURCE, session, endpoint.url(PATH), window, settings, served_for=SERVED_FOR,
                             what="the last two hours only", parse=parse_gen_mix_csv)


load = generation_loader(SOURCE)


# --- the DAG spp_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """SPP generation mix -> ``raw_iso.generation_by_fuel`` (iso ``spp``).

Hourly at minute 15 for the previous hour from ``/chart-api/gen-mix/asFile`` (CSV, 5-minute, UTC stamps; the
``Market`` and ``Self`` column of each fuel are stored under their own labels; ``Load`` is not stored).

**Cannot be backfilled:** the file holds the last two hours only, so ``catchup=False``; a run for a window that
ended more than two hours ago ends as *skipped* with the reason and writes nothing (a window partly older is
clipped). The hour's last 5-minute interval is published after the run starts: while it is missing (up to
``ISO_PUBLICATION_GRACE_MINUTES``, default 45) the task fails with SourceUnavailableError and Airflow retries it
(2, 4, 8 minutes), because no later run would fetch it. Connection ``spp`` (host = base URL,
default https://marketplace.spp.org), no credential. Pool ``spp``.
"""
