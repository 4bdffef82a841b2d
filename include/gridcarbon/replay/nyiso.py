"""Replay of NYISO's rtfuelmix files: the daily CSV and the monthly zip archive.

Recorded files are served where the date matches a fixture (2017-11-22 and 2025-02-01 daily, the February
2025 archive). Otherwise each day is generated in the real format (CRLF, ``Time Stamp,Time Zone,Fuel
Category,Gen MW``, interval-ending stamps 00:05 .. 00:00 of the next day, ``EST``/``EDT`` per stamp, so the
autumn DST day repeats 01:xx with EDT then EST), with MW a deterministic function of (fuel, UTC stamp): a
day's CSV and the archive member of that day are identical.
"""

from __future__ import annotations

import io
import re
import zipfile
from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, not_found, text_response, unit_noise
from gridcarbon.settings import fixtures_dir

EASTERN = ZoneInfo("America/New_York")
FUELS = {"Dual Fuel": 3000, "Natural Gas": 4000, "Nuclear": 3300, "Other Fossil Fuels": 20,
         "Other Renewables": 250, "Wind": 800, "Hydro": 2500}


def mw(fuel: str, ending: datetime) -> float:
    return float(round(FUELS[fuel] * (0.7 + 0.6 * unit_noise("nyiso", fuel, ending.isoformat()))))


def daily_csv(day: date) -> str:
    start = datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=EASTERN).astimezone(UTC)
    lines = ["Time Stamp,Time Zone,Fuel Category,Gen MW"]
    ending = start + timedelta(minutes=5)
    while ending <= end:
        local = ending.astimezone(EASTERN)
        zone = "EDT" if local.dst() else "EST"
        for fuel in FUELS:
            lines.append(f"{local:%m/%d/%Y %H:%M:%S},{zone},{fuel},{mw(fuel, ending)}")
        ending += timedelta(minutes=5)
    return "\r\n".join(lines)


def monthly_zip(year: int, month: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for d in range(1, monthrange(year, month)[1] + 1):
            day = date(year, month, d)
            archive.writestr(f"{day:%Y%m%d}rtfuelmix.csv", daily_csv(day))
    return buf.getvalue()


def handle(request: ReplayRequest) -> ReplayResponse:
    m = re.fullmatch(r"/csv/rtfuelmix/(\d{8})rtfuelmix\.csv", request.path)
    if m:
        recorded = fixtures_dir() / "nyiso" / f"nyiso_{m.group(1)}rtfuelmix.csv"
        if recorded.exists():
            return text_response(recorded.read_bytes(), content_type="text/csv")
        day = datetime.strptime(m.group(1), "%Y%m%d").date()
        return text_response(daily_csv(day), content_type="text/csv", synthetic=True)
    m = re.fullmatch(r"/csv/rtfuelmix/(\d{4})(\d{2})01rtfuelmix_csv\.zip", request.path)
    if m:
        recorded = fixtures_dir() / "nyiso" / f"nyiso_{m.group(1)}{m.group(2)}01rtfuelmix_csv.zip"
        if recorded.exists():
            return ReplayResponse(200, recorded.read_bytes(), "application/zip")
        body = monthly_zip(int(m.group(1)), int(m.group(2)))
        return ReplayResponse(200, body, "application/zip", {"X-Gridcarbon-Synthetic": "true"})
    return not_found(f"nyiso replay: unknown path {request.path}")
