"""CAISO generation by fuel -> ``raw_iso.generation_by_fuel`` (iso ``caiso``).

Two public files, no key:

- **Today's Outlook** ``/outlook/history/{YYYYMMDD}/fuelsource.csv`` (primary, 5-minute MW; the current
  Pacific day from ``/outlook/current/fuelsource.csv``). Columns
  ``Time,Solar,Wind,Geothermal,Biomass,Biogas,Small hydro,Coal,Nuclear,Natural Gas,Large Hydro,Batteries,
  Imports,Other``; ``Time`` is ``HH:MM`` Pacific local *interval start* and the date is only in the URL. Rows of
  the current day that are not published yet are empty: they are not stored (a rerun fills them). The file
  may end with a ``00:00`` row, which belongs to the next day. On the autumn DST day the 01:xx rows repeat;
  the second run of them is PST.
- **Daily Renewables Watch** ``/green/renewrpt/{YYYYMMDD}_DailyRenewablesWatch.txt`` (legacy, hourly, MW,
  hour-ending 1..24 Pacific): used for days before Today's Outlook history starts
  (``CAISO_OUTLOOK_FIRST_DAY``, default 2018-04-20). Hour-ending ``h`` is stored as the hour starting at local
  ``h-1:00``. The file always has 24 rows, also on DST days:
  on the spring day (23 hours) hour-ending 3 would start at the non-existent 02:00 and holds error text
  instead of numbers, so that row is dropped (23 rows stored); on the autumn day (25 hours) hour-ending 2 is
  taken as the first 01:00 (PDT) and the repeated 01:00 PST hour is simply absent (24 rows stored, one hour
  missing: the file does not hold it). ``RENEWABLES`` of the second table is the sum of the first table's
  columns and is not stored (it would double count); cells with error text are stored as NULL.

Decision on history: both files hold long history, so the DAG catches up from ``CAISO_START``; for a window
before ``CAISO_OLDEST_DAY`` (default 2010-04-20, the legacy report's first day) ``fetch`` answers ``NotServed``
(the run ends as a skip, not a failure).

Schema drift is an error (``validation``): a fuelsource.csv without one of ``FUELSOURCE_COLUMNS`` (compared
case-insensitively; a new column is stored under its own label) or a Daily Renewables Watch report without one of
``DRW_REQUIRED_COLUMNS`` fails naming expected and found columns; so does a row with fewer values than columns, a
``NaN``/``inf``/absurd number, and a time row (or hour) repeated with different values (an exact repeat collapses).

OASIS is not used for the fuel mix; ``raise_for_oasis_error`` turns OASIS' HTTP-200 ``INVALID_REQUEST.xml.zip``
answer into a ``SourceError`` for any caller.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.errors import MalformedPayloadError, SourceError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import NotServed
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    generation,
    generation_loader,
    local_sequence_to_utc,
    serve,
)
from gridcarbon.sources.validation import (
    SchemaDriftError,
    finite_number,
    require_columns,
    show,
    unique_generation,
)

log = logging.getLogger(__name__)

SOURCE = "caiso"
DEFAULT_BASE_URL = "https://www.caiso.com"
DRW_DEFAULT_BASE_URL = "http://content.caiso.com"
PACIFIC = ZoneInfo("America/Los_Angeles")
DRW_DROPPED_LABELS = frozenset({"RENEWABLES"})
FUELSOURCE_FIRST_COLUMN = "Time"
FUELSOURCE_COLUMNS = ("Solar", "Wind", "Geothermal", "Biomass", "Biogas", "Small hydro", "Coal", "Nuclear",
                      "Natural Gas", "Large Hydro", "Batteries", "Imports", "Other")
# Stable since the report's first days (solar came as SOLAR, later as SOLAR PV + SOLAR THERMAL: one SOLAR* column)
DRW_REQUIRED_COLUMNS = ("GEOTHERMAL", "BIOMASS", "BIOGAS", "SMALL HYDRO", "WIND TOTAL", "RENEWABLES", "NUCLEAR",
                        "THERMAL", "IMPORTS", "HYDRO")




@dataclass(frozen=True)
class Settings(IsoSettings):
    """``CAISO_OUTLOOK_FIRST_DAY``: the first day read from Today's Outlook (earlier: Daily Renewables Watch);
    ``CAISO_OLDEST_DAY``: the first day CAISO serves at all (earlier windows are ``NotServed``)."""

    outlook_first_day: date = date(2018, 4, 20)
    oldest_day: date = date(2010, 4, 20)

    @classmethod
    def own_from_env(cls, env: Environment) -> dict[str, Any]:
        return {"outlook_first_day": env.day("CAISO_OUTLOOK_FIRST_DAY", cls.outlook_first_day),
                "oldest_day": env.day("CAISO_OLDEST_DAY", cls.oldest_day)}


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


# ---------------------------------------------------------------------------- Today's Outlook fuelsource.csv
def parse_fuelsource_csv(text: str, day: date, *, url: str | None = None) -> list[GenerationRecord]:
    """One ``fuelsource.csv`` of Pacific day ``day`` -> 5-minute records (one per column and published row)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    rows = [r for r in rows if any(c.strip() for c in r)]
    start, end = _day_bounds(day)
    if not rows or rows[0][0].strip() != FUELSOURCE_FIRST_COLUMN:
        raise MalformedPayloadError(
            f"fuelsource.csv does not start with a 'Time' header (got {rows[0][:3] if rows else 'nothing'!r})",
            source=SOURCE, url=url, start=start, end=end)
    labels = [c.strip() for c in rows[0][1:]]
    walls: list[datetime] = []
    previous: time | None = None
    current_day = day
    for row in rows[1:]:
        try:
            hh, mm = row[0].strip().split(":")
            clock = time(int(hh), int(mm))
        except ValueError:
            raise MalformedPayloadError(f"fuelsource.csv row with time {row[0]!r} (expected HH:MM)",
                                        source=SOURCE, url=url, start=start, end=end) from None
        if previous is not None and clock == time(0, 0) and previous >= time(23, 0):
            current_day = day + timedelta(days=1)  # trailing 00:00 row of the next day
        walls.append(datetime.combine(current_day, clock))
        previous = clock
    utc = local_sequence_to_utc(walls, PACIFIC)
    records: list[GenerationRecord] = []
    for row, ts in zip(rows[1:], utc, strict=True):
        if ts is None:
            log.warning("caiso: dropping fuelsource row %s of %s (non-existent local time)", row[0], day)
            continue
        if len(row) - 1 > len(labels):
            raise MalformedPayloadError(f"fuelsource.csv row {row[0]} has {len(row) - 1} values for "
                                        f"{len(labels)} columns", source=SOURCE, url=url, start=start, end=end)
        if len(row) - 1 < len(labels) and any(c.strip() for c in row[1:]):
            raise MalformedPayloadError(f"fuelsource.csv row {row[0]} has {len(row) - 1} values for the "
                                        f"{len(labels)} columns {labels} (a lost cell would be stored as NULL)",
                                        source=SOURCE, url=url, start=start, end=end)
        for label, cell in zip(labels, row[1:], strict=False):
            cell = cell.strip()
            if cell == "":
                continue  # not published yet
            value = _number(cell)
            if value is None:
                raise MalformedPayloadError(f"fuelsource.csv {label} at {row[0]} is not a number: {cell!r}",
                                            source=SOURCE, url=url, start=start, end=end)
            try:
                finite_number(value, field=f"fuelsource.csv {label} at {row[0]}")
            except SchemaDriftError as exc:
                raise MalformedPayloadError(f"{exc} (sent as {cell!r})", source=SOURCE, url=url, start=start,
                                            end=end) from None
            records.append(GenerationRecord(SOURCE, label, ts, 5, value))
    try:
        require_columns(labels, FUELSOURCE_COLUMNS, what="header", ignore_case=True)
        return unique_generation(records)  # a time row twice: same MW collapses, different MW is an error
    except SchemaDriftError as exc:
        raise MalformedPayloadError(f"fuelsource.csv: {exc}", source=SOURCE, url=url, start=start,
                                    end=end) from None


# ---------------------------------------------------------------------------- Daily Renewables Watch
def parse_renewables_watch(text: str, day: date, *, url: str | None = None) -> list[GenerationRecord]:
    """One Daily Renewables Watch report -> hourly records (see the module docstring for DST days)."""
    start, end = _day_bounds(day)
    by_hour: dict[int, dict[str, float | None]] = {}
    header: list[str] | None = None
    found: list[str] = []
    tables = 0
    for row in csv.reader(io.StringIO(text), delimiter="\t"):
        cells = [c.strip() for c in row if c.strip()]
        if not cells:
            continue
        if cells[0] == "Hour":
            header = cells[1:]
            found += header
            tables += 1
            continue
        if header is None or not re.fullmatch(r"\d{1,2}", cells[0]):
            continue  # title lines
        hour = int(cells[0])
        values = cells[1:]
        if not 1 <= hour <= 24 or len(values) != len(header):
            raise MalformedPayloadError(
                f"Daily Renewables Watch hour {cells[0]}: {len(values)} values for columns {header}",
                source=SOURCE, url=url, start=start, end=end)
        slot = by_hour.setdefault(hour, {})
        for label, cell in zip(header, values, strict=True):
            if label not in DRW_DROPPED_LABELS:
                value = _number(cell)  # error text (the skipped spring hour) -> NULL
                try:
                    finite_number(value, field=f"Daily Renewables Watch {label} at hour-ending {hour}")
                except SchemaDriftError as exc:
                    raise MalformedPayloadError(f"{exc} (sent as {cell!r})", source=SOURCE, url=url, start=start,
                                                end=end) from None
                if label in slot and slot[label] != value:
                    raise MalformedPayloadError(
                        f"Daily Renewables Watch {label} at hour-ending {hour} appears twice with different values: "
                        f"{show(slot[label])} and {show(value)}", source=SOURCE, url=url, start=start, end=end)
                slot[label] = value
    if tables == 0 or not by_hour:
        raise MalformedPayloadError("Daily Renewables Watch report has no 'Hour' table",
                                    source=SOURCE, url=url, start=start, end=end)
    try:
        require_columns(found, DRW_REQUIRED_COLUMNS, what="Daily Renewables Watch report")
    except SchemaDriftError as exc:
        raise MalformedPayloadError(str(exc), source=SOURCE, url=url, start=start, end=end) from None
    if not any(c.startswith("SOLAR") for c in found):
        raise MalformedPayloadError(f"Daily Renewables Watch report lost its solar column(s): expected SOLAR or "
                                    f"SOLAR PV/SOLAR THERMAL, found {found}", source=SOURCE, url=url, start=start,
                                    end=end)
    hours = sorted(by_hour)
    utc = local_sequence_to_utc([datetime.combine(day, time(0)) + timedelta(hours=h - 1) for h in hours], PACIFIC)
    records: list[GenerationRecord] = []
    for hour, ts in zip(hours, utc, strict=True):
        if ts is None:
            log.info("caiso: hour-ending %d of %s does not exist (spring DST); row dropped", hour, day)
            continue
        for label, value in by_hour[hour].items():
            records.append(GenerationRecord(SOURCE, label, ts, 60, value))
    return records


# ---------------------------------------------------------------------------- OASIS errors
def raise_for_oasis_error(content: bytes, *, url: str | None = None, start: datetime | None = None,
                          end: datetime | None = None) -> None:
    """OASIS answers errors with HTTP 200 and a zip holding ``INVALID_REQUEST.xml``: raise SourceError."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise MalformedPayloadError(f"OASIS answer is not a zip (starts with {content[:40]!r})",
                                    source=SOURCE, url=url, start=start, end=end) from None
    for name in archive.namelist():
        if "INVALID_REQUEST" in name.upper():
            xml = archive.read(name).decode("utf-8", "replace")
            code = re.search(r"<(?:\w+:)?ERR_CODE>([^<]*)<", xml)
            desc = re.search(r"<(?:\w+:)?ERR_DESC>([^<]*)<", xml)
            raise SourceError(
                f"OASIS rejected the request: ERR_CODE {code.group(1) if code else '?'} "
                f"{desc.group(1) if desc else '(no description)'} ({name})",
                source=SOURCE, url=url, start=start, end=end)


# ---------------------------------------------------------------------------- fetch + load
def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=PACIFIC).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PACIFIC).astimezone(UTC)
    return start, end


def pacific_days(window: Window) -> list[date]:
    """The Pacific days whose files can hold intervals starting in ``window``."""
    first = window.start.astimezone(PACIFIC).date() - timedelta(days=1)  # a trailing 00:00 row
    last = (window.end - timedelta(microseconds=1)).astimezone(PACIFIC).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def fetch(session: Any, endpoint: Any, window: Window, settings: Settings) -> GenerationAnswer:
    """Fetch every Pacific day the window touches (today's from ``/outlook/current/``) and keep the window;
    ``NotServed`` before ``settings.oldest_day``."""
    from gridcarbon.http import fetch as http_fetch

    oldest = datetime.combine(settings.oldest_day, time(0), tzinfo=PACIFIC).astimezone(UTC)
    served = serve(SOURCE, window, settings, oldest_served=oldest,
                   what=f"generation by fuel from {settings.oldest_day} on")
    if isinstance(served, NotServed):
        return served
    today = settings.clock().astimezone(PACIFIC).date()
    drw_base = endpoint.extra.get("drw_base_url") or (
        DRW_DEFAULT_BASE_URL if endpoint.base_url == DEFAULT_BASE_URL else endpoint.base_url)
    by_key: dict[tuple[str, datetime], GenerationRecord] = {}
    for day in pacific_days(served):
        if day < settings.oldest_day or day > today:
            continue  # before the reports start / not published yet
        start, end = _day_bounds(day)
        stamp = day.strftime("%Y%m%d")
        if day >= settings.outlook_first_day:
            path = "current" if day == today else f"history/{stamp}"
            url = endpoint.url(f"/outlook/{path}/fuelsource.csv")
            resp = http_fetch(session, url, source=SOURCE, start=start, end=end)
            parsed = parse_fuelsource_csv(resp.text, day, url=url)
        else:
            url = drw_base.rstrip("/") + f"/green/renewrpt/{stamp}_DailyRenewablesWatch.txt"
            resp = http_fetch(session, url, source=SOURCE, start=start, end=end)
            parsed = parse_renewables_watch(resp.text, day, url=url)
        # a day's own rows win over the previous file's trailing 00:00 row for the same interval
        by_key.update({(r.source_label, r.interval_start_utc): r for r in parsed})
    return generation(SOURCE, by_key.values(), served, settings, url=endpoint.base_url)


load = generation_loader(SOURCE)


# --- the DAG caiso_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """CAISO generation by fuel -> ``raw_iso.generation_by_fuel`` (iso ``caiso``).

Daily at 08:30 UTC for the previous 24 hours (by then the Pacific day is complete). Primary file: Today's
Outlook ``/outlook/history/{YYYYMMDD}/fuelsource.csv`` (5-minute, MW, Pacific local ``HH:MM``); for days before
``CAISO_OUTLOOK_FIRST_DAY`` (default 2018-04-20) the legacy hourly Daily Renewables Watch report.

Backfill: both files hold long history; ``catchup=True`` from ``CAISO_START`` (default: `GRIDCARBON_CATCHUP_DAYS`=2
days back), older history by backfill. A window before ``CAISO_OLDEST_DAY`` (default 2010-04-20) ends as *skipped*
with the reason. A manual run can load any
window with ``conf={"window_start": "...", "window_end": "..."}``. Rerunning a day replaces its rows.

Connection ``caiso``: host = base URL (default https://www.caiso.com); no credential. Pool ``caiso``.
Empty cells of a file that is still being written are not stored. The window's last 5-minute interval is
usually published a few minutes after the run: while it is missing (up to ``ISO_PUBLICATION_GRACE_MINUTES``,
default 45, after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""
