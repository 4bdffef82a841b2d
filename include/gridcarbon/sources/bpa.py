"""BPA balancing authority generation -> ``raw_iso.generation_by_fuel`` (iso ``bpa``).

``GET https://transmission.bpa.gov/business/operations/Wind/baltwg.txt`` (public, no key): tab-separated text
holding **the last 7 days only**, after a free-text preamble of variable length (2014: five lines and a blank
line; later files more). The table starts at the line beginning with ``Date/Time``; rows are
``MM/DD/YYYY HH:MM`` Pacific local time, 5-minute, MW, padded with empty rows to the end of the day.

Columns changed over time (2014 ``Load, Wind, Hydro, Thermal``; later ``Wind, Hydro, Fossil/Biomass,
Nuclear``; 2026 ``Load, VER, Hydro, Fossil/Biomass, Nuclear``), so they are mapped by header name and every
generation column is stored under its own label. **``Load`` is not generation and is not stored** in
``raw_iso.generation_by_fuel`` (the table's contract is generation by fuel; a load series belongs in a load
table, and storing it with ``counts_as_generation=false`` would invite it into sums). Rows whose generation
cells are all empty (the padding) are ignored; a single empty cell is stored as NULL.

The stamp is taken as the start of its 5-minute interval (BPA does not say; readings are 5-minute SCADA
values). On the autumn DST day the repeated 01:xx stamps become PST once the sequence goes backwards; a stamp
in the spring gap is dropped.

Only the last 7 days can be fetched, so the DAG does not catch up; ``fetch`` answers ``NotServed`` for a window
that ended more than 7 days ago (the run ends as a skip with the reason, writing nothing).
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    fetch_served_file,
    generation_loader,
    local_sequence_to_utc,
)
from gridcarbon.sources.validation import SchemaDriftError, finite_number, unique_generation

log = logging.getLogger(__name__)

SOURCE = "bpa"
DEFAULT_BASE_URL = "https://transmission.bpa.gov"
PATH = "/business/operations/Wind/baltwg.txt"
PACIFIC = ZoneInfo("America/Los_Angeles")
SERVED_FOR = timedelta(days=7)
NOT_GENERATION = frozenset({"load"})
Settings = IsoSettings  # nothing of its own


def parse_baltwg(text: str, *, url: str | None = None, start: datetime | None = None,
                 end: datetime | None = None) -> list[GenerationRecord]:
    """One ``baltwg.txt`` -> 5-minute records, one per generation column and row with values."""
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines) if line.strip().lower().startswith("date/time")), None)
    if at is None:
        raise MalformedPayloadError("baltwg.txt has no 'Date/Time' header line", source=SOURCE, url=url,
                                    start=start, end=end)
    rows = list(csv.reader(io.StringIO("\n".join(lines[at:])), delimiter="\t"))
    header = [h.strip() for h in rows[0]]
    columns = [(i, name) for i, name in enumerate(header) if i > 0 and name and name.lower() not in NOT_GENERATION]
    if not columns:
        raise MalformedPayloadError(f"baltwg.txt header {header!r} has no generation column", source=SOURCE,
                                    url=url, start=start, end=end)
    walls: list[datetime] = []
    values: list[list[tuple[str, float | None]]] = []
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        cells = [(name, row[i].strip() if i < len(row) else "") for i, name in columns]
        if not any(cell for _, cell in cells):
            continue  # padding row
        try:
            if len(row) <= columns[-1][0]:  # a row that lost cells would store NULL for published values
                raise ValueError(f"{len(row) - 1} values for the {len(header) - 1} columns {header[1:]}")
            walls.append(datetime.strptime(row[0].strip(), "%m/%d/%Y %H:%M"))
            values.append([(name, finite_number(float(cell), field=name) if cell else None) for name, cell in cells])
        except ValueError as exc:
            raise MalformedPayloadError(f"baltwg.txt row {row!r}: {exc}", source=SOURCE, url=url,
                                        start=start, end=end) from None
    records: list[GenerationRecord] = []
    for ts, row_values in zip(local_sequence_to_utc(walls, PACIFIC), values, strict=True):
        if ts is None:
            log.warning("bpa: dropping a row at a non-existent local time (spring DST)")
            continue
        records += [GenerationRecord(SOURCE, name, ts, 5, value) for name, value in row_values]
    try:
        return unique_generation(records)  # a time row twice: same values collapse, else error
    except SchemaDriftError as exc:
        raise MalformedPayloadError(f"baltwg.txt: {exc}", source=SOURCE, url=url, start=start, end=end) from None


def fetch(session: Any, endpoint: Any, window: Window, settings: IsoSettings) -> GenerationAnswer:
    """The part of ``window`` baltwg.txt still holds (the last 7 days), or ``NotServed``."""
    return fetch_served_file(SOURCE, session, endpoint.url(PATH), window, settings, served_for=SERVED_FOR,
                             what="the last 7 days only", parse=parse_baltwg)


load = generation_loader(SOURCE)


# --- the DAG bpa_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """BPA balancing authority generation -> ``raw_iso.generation_by_fuel`` (iso ``bpa``).

Daily at 08:30 UTC for the previous 24 hours from ``baltwg.txt`` (5-minute, MW, Pacific local time).

**Cannot be backfilled:** BPA publishes the last 7 days only, so ``catchup=False``. A run (or manual run) for a
window older than that ends as *skipped* with the reason and writes nothing; a window partly older is clipped to
the days still served. A manual run can reload any of the last 7 days with
``conf={"window_start", "window_end"}``. ``Load`` is not stored (not generation). Connection ``bpa`` (host =
base URL, default https://transmission.bpa.gov), no credential. Pool ``bpa``.
While the window's last interval is not published yet (up to ``ISO_PUBLICATION_GRACE_MINUTES``, default 45
minutes after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""
