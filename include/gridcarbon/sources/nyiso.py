"""NYISO real-time fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``nyiso``).

Files (public, no key), base ``http://mis.nyiso.com/public``:

- daily ``/csv/rtfuelmix/{YYYYMMDD}rtfuelmix.csv``;
- monthly archive ``/csv/rtfuelmix/{YYYYMM01}rtfuelmix_csv.zip`` (one CSV per day of the month).

CSV ``Time Stamp,Time Zone,Fuel Category,Gen MW`` (older files: ``Gen MWh`` and ``MM/DD/YYYY HH:MM`` without
seconds). ``Time Stamp`` is local wall-clock time and *interval-ending*; the ``Time Zone`` column (``EST`` or
``EDT``) gives the offset, so DST days need no guessing. Stored: interval start = stamp - 5 minutes,
``interval_minutes`` 5, ``generation_mw`` = the value (``Gen MWh`` in old files is read as MW, as every
known consumer does: the values are the same magnitude as ``Gen MW``). A daily file runs from 00:05 to 00:00 of
the next day (the 2017 file stops at 23:55 and has two off-grid stamps, 00:07:34 and 00:09:40, kept as
published).

Decision on backfills: days younger than ``NYISO_DAILY_FILE_DAYS`` (default 7) are read from the daily CSV
(that is where corrections appear first); older days from the monthly archive, one download per month
instead of one per day. Both hold long history, so the DAG catches up from ``NYISO_START``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    generation,
    generation_loader,
)
from gridcarbon.sources.validation import SchemaDriftError, finite_number, unique_generation

SOURCE = "nyiso"
DEFAULT_BASE_URL = "http://mis.nyiso.com/public"
EASTERN = ZoneInfo("America/New_York")
OFFSETS = {"EST": timezone(timedelta(hours=-5)), "EDT": timezone(timedelta(hours=-4))}
VALUE_COLUMNS = ("Gen MW", "Gen MWh")
INTERVAL = timedelta(minutes=5)


DEFAULT_DAILY_FILE_DAYS = 7


@dataclass(frozen=True)
class Settings(IsoSettings):
    """``NYISO_DAILY_FILE_DAYS`` (default 7): days younger than this are read from the daily CSV, older ones from
    the monthly archive."""

    daily_file_days: int = DEFAULT_DAILY_FILE_DAYS

    @classmethod
    def own_from_env(cls, env: Environment) -> dict[str, Any]:
        return {"daily_file_days": env.integer("NYISO_DAILY_FILE_DAYS", DEFAULT_DAILY_FILE_DAYS, minimum=0)}


def _parse_stamp(text: str) -> datetime:
    for fmt in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(text)


def parse_rtfuelmix_csv(text: str, *, url: str | None = None, start: datetime | None = None,
                        end: datetime | None = None) -> list[GenerationRecord]:
    """One daily rtfuelmix CSV -> 5-minute records with UTC interval starts."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    value_col = next((c for c in VALUE_COLUMNS if c in header), None)
    if not header or "Time Stamp" not in header or "Fuel Category" not in header or value_col is None:
        raise MalformedPayloadError(f"rtfuelmix header {header!r} lacks Time Stamp/Fuel Category/Gen MW",
                                    source=SOURCE, url=url, start=start, end=end)
    i_ts, i_fuel, i_val = header.index("Time Stamp"), header.index("Fuel Category"), header.index(value_col)
    i_tz = header.index("Time Zone") if "Time Zone" in header else None
    records: list[GenerationRecord] = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            wall = _parse_stamp(row[i_ts])
            if i_tz is not None:
                zone = row[i_tz].strip().upper()
                if zone not in OFFSETS:
                    raise ValueError(f"time zone {zone!r}")
                ending = wall.replace(tzinfo=OFFSETS[zone])
            else:
                ending = wall.replace(tzinfo=EASTERN)
            cell = row[i_val].strip()
            label = row[i_fuel].strip()
            value = finite_number(float(cell), field=f"{value_col} of {label}") if cell else None
        except (ValueError, IndexError) as exc:
            raise MalformedPayloadError(f"rtfuelmix line {n} {row!r}: {exc}", source=SOURCE, url=url,
                                        start=start, end=end) from None
        records.append(GenerationRecord(SOURCE, label, (ending - INTERVAL).astimezone(UTC), 5, value))
    try:
        return unique_generation(records)  # a fuel twice at one stamp: same MW collapses, else error
    except SchemaDriftError as exc:
        raise MalformedPayloadError(f"rtfuelmix {value_col}: {exc}", source=SOURCE, url=url, start=start,
                                    end=end) from None


def parse_rtfuelmix_zip(content: bytes, *, url: str | None = None, start: datetime | None = None,
                        end: datetime | None = None) -> list[GenerationRecord]:
    """A monthly ``rtfuelmix_csv.zip`` -> the records of all its daily CSVs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise MalformedPayloadError(f"rtfuelmix archive is not a zip (starts with {content[:40]!r})",
                                    source=SOURCE, url=url, start=start, end=end) from None
    records: list[GenerationRecord] = []
    for name in sorted(archive.namelist()):
        if name.lower().endswith(".csv"):
            text = archive.read(name).decode("utf-8-sig")
            records += parse_rtfuelmix_csv(text, url=f"{url}::{name}" if url else name, start=start, end=end)
    return records


def eastern_days(window: Window) -> list[date]:
    """Eastern days whose (interval-ending) files can hold intervals starting in ``window``."""
    first = window.start.astimezone(EASTERN).date()
    last = (window.end - timedelta(microseconds=1) + INTERVAL).astimezone(EASTERN).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _dedupe(records: Iterable[GenerationRecord]) -> list[GenerationRecord]:
    # a day's 00:00 row and the next day's file can both carry the same interval; the later file wins
    return list({(r.source_label, r.interval_start_utc): r for r in records}.values())


def fetch(session: Any, endpoint: Any, window: Window, settings: Settings) -> GenerationAnswer:
    """The window's intervals: recent days from their daily CSV, older ones from the monthly archive (one
    download per month)."""
    from gridcarbon.http import fetch as http_fetch

    cutoff = settings.clock().astimezone(EASTERN).date() - timedelta(days=settings.daily_file_days)
    records: list[GenerationRecord] = []
    months_done: set[tuple[int, int]] = set()
    for day in eastern_days(window):
        lo = datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=EASTERN).astimezone(UTC)
        if day >= cutoff:
            url = endpoint.url(f"/csv/rtfuelmix/{day:%Y%m%d}rtfuelmix.csv")
            resp = http_fetch(session, url, source=SOURCE, start=lo, end=hi)
            records += parse_rtfuelmix_csv(resp.text, url=url, start=lo, end=hi)
        elif (day.year, day.month) not in months_done:
            months_done.add((day.year, day.month))
            url = endpoint.url(f"/csv/rtfuelmix/{day:%Y%m}01rtfuelmix_csv.zip")
            resp = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end)
            records += parse_rtfuelmix_zip(resp.content, url=url, start=window.start, end=window.end)
    return generation(SOURCE, _dedupe(records), window, settings, url=endpoint.base_url)


load = generation_loader(SOURCE)


# --- the DAG nyiso_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """NYISO real-time fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``nyiso``).

Daily at 05:30 UTC for the previous 24 hours. Days younger than ``NYISO_DAILY_FILE_DAYS`` (default 7) come from
the daily ``{YYYYMMDD}rtfuelmix.csv``; older days (backfills) from the monthly ``{YYYYMM01}rtfuelmix_csv.zip``
archive, one download per month. Stamps are interval-ending local time with an EST/EDT column; rows store the
interval start in UTC.

Backfill: ``catchup=True`` from ``NYISO_START`` (default: `GRIDCARBON_CATCHUP_DAYS`, 2, days back); manual runs take
``conf={"window_start", "window_end"}``. Connection ``nyiso`` (host = base URL, default
http://mis.nyiso.com/public), no credential. Pool ``nyiso``.
While the window's last interval is not published yet (up to ``ISO_PUBLICATION_GRACE_MINUTES``, default 45
minutes after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""
