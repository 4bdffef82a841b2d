"""Replay of the netztransparenz.de identity server and data service.

- ``POST /users/connect/token`` (form ``grant_type=client_credentials``, ``client_id``, ``client_secret``, or
  HTTP basic auth): the demo credentials (``CLIENT_ID``/``CLIENT_SECRET``, what ``gridcarbon.demo`` puts into
  the connection) get ``{"access_token", "expires_in": 3600, "token_type": "Bearer"}``; anything else gets
  ``400 {"error": "invalid_client"}`` as an OAuth2 server answers.
- ``GET /api/v1/data/redispatch/{from}/{to}`` (ISO ``YYYY-MM-DDTHH:MM:SS``, UTC) with ``Bearer <token>``
  (401 otherwise): the measures overlapping ``[from, to)`` in the published CSV format. Inside 2024, when the
  recorded file ``netztransparenz/redispatch_2024.csv`` exists, its rows are served unchanged; otherwise a few
  deterministic synthetic measures per local day (plausible plants, TSOs, energies), marked with the header
  ``X-Gridcarbon-Synthetic``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from urllib.parse import parse_qs, unquote
from zoneinfo import ZoneInfo

from gridcarbon.replay.core import ReplayRequest, ReplayResponse, json_response, not_found, text_response, unit_noise
from gridcarbon.settings import fixtures_dir

CLIENT_ID = "replay-client-id"
CLIENT_SECRET = "replay-client-secret"
ACCESS_TOKEN = "replay-" + hashlib.sha256(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).hexdigest()[:24]
RECORDED = "netztransparenz/redispatch_2024.csv"
RECORDED_SPAN = (datetime(2023, 12, 31, 23, 0, tzinfo=UTC), datetime(2024, 12, 31, 23, 0, tzinfo=UTC))
BERLIN = ZoneInfo("Europe/Berlin")
HEADER = ("BEGINN_DATUM;BEGINN_UHRZEIT;ZEITZONE_VON;ENDE_DATUM;ENDE_UHRZEIT;ZEITZONE_BIS;GRUND_DER_MASSNAHME;"
          "RICHTUNG;MITTLERE_LEISTUNG_MW;MAXIMALE_LEISTUNG_MW;GESAMTE_ARBEIT_MWH;ANWEISENDER_UENB;"
          "ANFORDERNDER_UENB;BETROFFENE_ANLAGE;PRIMAERENERGIEART")
CSV_TYPE = "text/csv; charset=utf-8"
ALL_TSOS = "50Hertz & Amprion & TenneT DE & TransnetBW"
UP = "Wirkleistungseinspeisung erhöhen"
DOWN = "Wirkleistungseinspeisung reduzieren"

# (plant, instructing TSO, primary energy class, typical MW)
PLANTS: tuple[tuple[str, str, str, int], ...] = (
    ("Grosskraftwerk Mannheim Block 9", "TransnetBW", "Konventionell", 400),
    ("Reservekraftwerk Heilbronn Block 6", "TransnetBW", "Konventionell", 80),
    ("Irsching 5", "TenneT DE", "Konventionell", 250),
    ("Lippendorf EnBW", "50Hertz", "Konventionell", 300),
    ("KMW_KW3", "Amprion", "Konventionell", 220),
    ("EE Niedersachsen", "TenneT DE", "Erneuerbar", 60),
    ("OWP UW Büttel", "TenneT DE", "Erneuerbar", 500),
    ("EE Schleswig-Holstein", "TenneT DE", "Erneuerbar", 120),
    ("Börse", "50Hertz", "Sonstiges", 40),
)


# --------------------------------------------------------------------------------------------- helpers
def _to_utc(day: str, clock: str, zone: str) -> datetime:
    offset = {"CET": 1, "CEST": 2, "UTC": 0}[zone.strip().upper()]
    naive = datetime.strptime(day.strip(), "%d.%m.%Y")
    hours, minutes = (int(x) for x in clock.strip().split(":")[:2])
    return (naive + timedelta(hours=hours, minutes=minutes)).replace(
        tzinfo=timezone(timedelta(hours=offset))).astimezone(UTC)


def _parse_bound(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@lru_cache(maxsize=2)
def _recorded_rows(path: str) -> tuple[tuple[datetime, datetime, str], ...]:
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        next(fh)
        for line in fh:
            line = line.rstrip("\r\n")
            if not line:
                continue
            f = line.split(";")
            rows.append((_to_utc(f[0], f[1], f[2]), _to_utc(f[3], f[4], f[5]), line))
    return tuple(rows)


def _german(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _local_parts(moment: datetime) -> tuple[str, str, str]:
    local = moment.astimezone(BERLIN)
    return local.strftime("%d.%m.%Y"), local.strftime("%H:%M"), str(local.tzname())


def synthetic_day(day: date) -> list[tuple[datetime, datetime, str]]:
    """Two to five deterministic measures starting on local ``day`` (start, end in UTC, CSV line)."""
    midnight = datetime.combine(day, time(0), tzinfo=BERLIN).astimezone(UTC)
    measures = []
    for i in range(2 + int(unit_noise("nt-count", day.isoformat()) * 4)):
        key = (day.isoformat(), i)
        plant, tso, energy_class, mw = PLANTS[int(unit_noise("nt-plant", *key) * len(PLANTS))]
        start = midnight + timedelta(minutes=15 * int(unit_noise("nt-start", *key) * 80))
        end = start + timedelta(minutes=15 * (2 + int(unit_noise("nt-dur", *key) * 46)))
        if energy_class == "Erneuerbar":
            direction = DOWN
        elif energy_class == "Sonstiges":
            direction = UP if unit_noise("nt-dir", *key) < 0.5 else DOWN
        else:
            direction = UP if unit_noise("nt-dir", *key) < 0.8 else DOWN
        reason = ("Strombedingter Countertrade DE-DK2" if plant == "Börse" else
                  "Spannungsbedingter Redispatch" if unit_noise("nt-reason", *key) < 0.1 else
                  "Strombedingter Redispatch")
        mean = mw * (0.3 + 0.7 * unit_noise("nt-mw", *key))
        peak = min(mw * 1.0, mean * (1 + 0.3 * unit_noise("nt-max", *key)))
        peak = max(peak, mean)
        hours = (end - start).total_seconds() / 3600
        total = round(mean * hours * 4) / 4
        requesting = tso if unit_noise("nt-req", *key) < 0.5 else ALL_TSOS
        sd, st, sz = _local_parts(start)
        ed, et, ez = _local_parts(end)
        line = ";".join((sd, st, sz, ed, et, ez, reason, direction, _german(mean), _german(round(peak)),
                         _german(total), tso, requesting, plant, energy_class))
        measures.append((start, end, line))
    return measures


def synthetic_rows(start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    rows = []
    day = start.astimezone(BERLIN).date() - timedelta(days=3)  # measures last up to 12 h; a margin of days
    last = end.astimezone(BERLIN).date()
    while day <= last:
        rows.extend(synthetic_day(day))
        day += timedelta(days=1)
    return rows


def _csv(lines: list[str]) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode("utf-8")


# --------------------------------------------------------------------------------------------- handlers
def _token(request: ReplayRequest) -> ReplayResponse:
    if request.method != "POST":
        return json_response({"error": "invalid_request"}, 400, synthetic=True)
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace")).items()}
    client_id, secret = form.get("client_id"), form.get("client_secret")
    auth = request.header("Authorization") or ""
    if auth.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            pass
    if form.get("grant_type") != "client_credentials":
        return json_response({"error": "unsupported_grant_type"}, 400, synthetic=True)
    if client_id != CLIENT_ID or secret != CLIENT_SECRET:
        return json_response({"error": "invalid_client"}, 400, synthetic=True)
    return json_response({"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer",
                          "scope": "ntpStatistic.read_all_public"}, synthetic=True)


def _redispatch(request: ReplayRequest, date_from: str, date_to: str) -> ReplayResponse:
    if (request.header("Authorization") or "") != f"Bearer {ACCESS_TOKEN}":
        return ReplayResponse(401, b"", "text/plain", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    try:
        start, end = _parse_bound(date_from), _parse_bound(date_to)
    except ValueError:
        return text_response(f"invalid dates {date_from!r} / {date_to!r}", 400)
    if not start < end:
        return text_response("dateFrom must be before dateTo", 400)
    recorded = fixtures_dir() / RECORDED
    if recorded.exists() and RECORDED_SPAN[0] <= start and end <= RECORDED_SPAN[1]:
        rows = [r for r in _recorded_rows(str(recorded)) if r[0] < end and r[1] > start]
        return text_response(_csv([r[2] for r in rows]), content_type=CSV_TYPE)
    rows = [r for r in synthetic_rows(start, end) if r[0] < end and r[1] > start]
    rows.sort(key=lambda r: (r[0], r[2]))
    return text_response(_csv([r[2] for r in rows]), content_type=CSV_TYPE, synthetic=True)


def handle(request: ReplayRequest) -> ReplayResponse:
    path = request.path.rstrip("/")
    if path == "/users/connect/token":
        return _token(request)
    match = re.fullmatch(r"/api/v1/data/redispatch/([^/]+)/([^/]+)", path)
    if match:
        return _redispatch(request, unquote(match.group(1)), unquote(match.group(2)))
    return not_found(f"no netztransparenz endpoint {request.path}")
