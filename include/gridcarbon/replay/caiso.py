"""Replay of CAISO: Today's Outlook ``fuelsource.csv`` (history and current), the legacy Daily Renewables
Watch report and OASIS' error answer.

Generated payloads are a deterministic function of (column, UTC interval start), so a day's file, the previous
day's trailing ``00:00`` row and reruns always agree. Recorded Daily Renewables Watch reports are served when
the date matches a fixture. OASIS queries are answered with the recorded ``INVALID_REQUEST.xml.zip`` (the only
OASIS answer recorded; the DAGs do not query OASIS).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, not_found, text_response, unit_noise
from gridcarbon.settings import fixtures_dir

PACIFIC = ZoneInfo("America/Los_Angeles")
FUELSOURCE_COLUMNS = ("Solar", "Wind", "Geothermal", "Biomass", "Biogas", "Small hydro", "Coal", "Nuclear",
                      "Natural Gas", "Large Hydro", "Batteries", "Imports", "Other")
BASE_MW = {"Solar": 9000, "Wind": 3000, "Geothermal": 900, "Biomass": 300, "Biogas": 200, "Small hydro": 300,
           "Coal": 0, "Nuclear": 2200, "Natural Gas": 8000, "Large Hydro": 2500, "Batteries": 800,
           "Imports": 6000, "Other": 50}
DRW_RENEWABLES = ("GEOTHERMAL", "BIOMASS", "BIOGAS", "SMALL HYDRO", "WIND TOTAL", "SOLAR PV", "SOLAR THERMAL")
DRW_TOTALS = ("RENEWABLES", "NUCLEAR", "THERMAL", "IMPORTS", "HYDRO")
INVALID_TIME = ('"The supplied DateTime represents an invalid time.  For example, when the clock is adjusted '
                'forward, any time in the period that is skipped is invalid.\nParameter name: dateTime"')


def mw(label: str, ts: datetime) -> int:
    """Deterministic MW for a column and UTC instant (solar follows the Pacific daylight hours)."""
    base = BASE_MW.get(label, 500)
    noise = unit_noise("caiso", label, ts.isoformat())
    if label in ("Solar", "SOLAR PV", "SOLAR THERMAL"):
        hour = ts.astimezone(PACIFIC).hour + ts.astimezone(PACIFIC).minute / 60
        shape = max(0.0, math.sin(math.pi * (hour - 6) / 13)) if 6 <= hour <= 19 else 0.0
        return round(base * shape * (0.9 + 0.2 * noise))
    if label == "Batteries":
        return round(base * (noise - 0.5) * 2)  # charging is negative
    return round(base * (0.8 + 0.4 * noise))


def _day_instants(day: date) -> list[datetime]:
    start = datetime.combine(day, time(0), tzinfo=PACIFIC).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PACIFIC).astimezone(UTC)
    out = []
    ts = start
    while ts < end:
        out.append(ts)
        ts += timedelta(minutes=5)
    return out


def fuelsource_csv(day: date, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lines = ["Time," + ",".join(FUELSOURCE_COLUMNS)]
    instants = _day_instants(day)
    instants.append(instants[-1] + timedelta(minutes=5))  # the trailing 00:00 row of the next day
    for ts in instants:
        clock = ts.astimezone(PACIFIC).strftime("%H:%M")
        published = ts + timedelta(minutes=5) <= now
        cells = [str(mw(c, ts)) if published else "" for c in FUELSOURCE_COLUMNS]
        lines.append(clock + "," + ",".join(cells))
    return "\r\n".join(lines) + "\r\n"


def renewables_watch(day: date) -> str:
    """Hour-ending 1..24 (always 24 rows, as CAISO's report); the skipped spring hour holds error text."""
    rows = [f"{day:%m/%d/%y}\t\t\tHourly Breakdown of Renewable Resources (MW)" + "\t" * 14,
            "\tHour\t\t" + "\t".join(DRW_RENEWABLES) + "\t" * 6]
    starts: dict[int, datetime | None] = {}
    for hour in range(1, 25):
        wall = datetime.combine(day, time(0)) + timedelta(hours=hour - 1)
        aware = wall.replace(tzinfo=PACIFIC)
        back = aware.astimezone(UTC).astimezone(PACIFIC).replace(tzinfo=None)
        starts[hour] = aware.astimezone(UTC) if back == wall else None
    for hour in range(1, 25):
        ts = starts[hour]
        cells = [INVALID_TIME if ts is None else str(mw(c, ts)) for c in DRW_RENEWABLES]
        rows.append(f"\t{hour}\t\t" + "\t\t".join(cells) + "\t\t")
    rows += ["\t" * 17, "\t" * 17, "\t\t\tHourly Breakdown of Total Production by Resource Type (MW)" + "\t" * 14,
             "\tHour\t\t" + "\t".join(DRW_TOTALS) + "\t" * 7]
    for hour in range(1, 25):
        ts = starts[hour]
        if ts is None:
            cells = ["0", "0", "#VALUE!", "#VALUE!", "0"]
        else:
            renewables = sum(mw(c, ts) for c in DRW_RENEWABLES)
            cells = [str(renewables)] + [str(mw(c, ts)) for c in DRW_TOTALS[1:]]
        rows.append(f"\t{hour}\t\t" + "\t\t".join(cells) + "\t" * 6)
    return "\r\n".join(rows) + "\r\n"


def handle(request: ReplayRequest) -> ReplayResponse:
    path = request.path
    m = re.fullmatch(r"/outlook/history/(\d{8})/fuelsource\.csv", path)
    if m:
        day = datetime.strptime(m.group(1), "%Y%m%d").date()
        if day > datetime.now(PACIFIC).date():
            return not_found("no such day yet")
        return text_response(fuelsource_csv(day), content_type="text/csv", synthetic=True)
    if path == "/outlook/current/fuelsource.csv":
        return text_response(fuelsource_csv(datetime.now(PACIFIC).date()), content_type="text/csv",
                             synthetic=True)
    m = re.fullmatch(r"/green/renewrpt/(\d{8})_DailyRenewablesWatch\.txt", path)
    if m:
        recorded = fixtures_dir() / "caiso" / f"caiso_{m.group(1)}_DailyRenewablesWatch.txt"
        if recorded.exists():
            return text_response(recorded.read_bytes())
        day = datetime.strptime(m.group(1), "%Y%m%d").date()
        return text_response(renewables_watch(day), synthetic=True)
    if path.startswith("/oasisapi/SingleZip"):
        recorded = fixtures_dir() / "caiso" / "caiso_oasis_SLD_RTO_INVALID_REQUEST.xml.zip"
        if recorded.exists():
            return ReplayResponse(200, recorded.read_bytes(), "application/x-zip-compressed",
                                  {"Content-Disposition": "inline; filename=INVALID_REQUEST.xml.zip"})
    return not_found(f"caiso replay: unknown path {path}")
