"""netztransparenz.de (the four German TSOs' joint platform): redispatch measures, plus the OPSD list of
German conventional power plants used to map redispatched plants to fuels.

Redispatch (``raw_netztransparenz.redispatch_measures``):
- OAuth2 client credentials: ``POST <token_url>`` (connection extra ``token_url``, default
  ``https://identity.netztransparenz.de/users/connect/token``) with ``grant_type=client_credentials`` and the
  client id/secret from the login/password of the Airflow connection ``netztransparenz``;
- ``GET {host}/data/redispatch/{dateFrom}/{dateTo}`` with ``Authorization: Bearer <access_token>``, host default
  ``https://ds.netztransparenz.de/api/v1``. The date format is ISO ``YYYY-MM-DDTHH:MM:SS`` in UTC: that is
  what third-party clients of the data service send (the official documentation was not available here);
- the answer is the CSV of the web download: ``;``-separated, German decimal commas, UTF-8 with BOM, local
  dates/times with an explicit zone column per bound (``CET``/``CEST``; ``UTC`` is accepted too, since the API
  reportedly answers in UTC). One row per measure.

Parsing: start/end -> UTC using the zone column; ``RICHTUNG`` -> ``up`` (``...erhöhen``, including the
encoding-damaged ``erh¿hen`` of 1,637 rows in the 2024 file) / ``down`` (``...reduzieren``); the raw text is
kept in ``direction_raw``. Numbers keep their exact decimal value.

``measure_id`` is a hash of the natural key (start, end, reason, direction, instructing TSO, requesting TSO,
plant) **plus a sequence number**: the published 2024 file has 172 natural keys shared by 354 rows (28 rows
are byte-identical copies, the others differ in power/energy, e.g. two ``OWP UW Büttel`` rows on 13.01.2024
with 17,923.75 and 7,264.25 MWh). Dropping either would lose energy, and summing would invent a mean/max power
nobody published, so every row is kept: rows sharing a natural key are ordered by their remaining values and
numbered 0, 1, ... (so the ids do not depend on the order of rows in the answer).

A run loads every measure that overlaps its window, including one that started before it: it asks the service
for ``[window.start - REDISPATCH_LOOKBACK_HOURS, window.end)`` (default 48 h; the longest measure of the 2024
file lasts 24 h) and replaces, in one transaction, the measures whose start lies in that widened window by the
measures of the answer starting there. So a measure that started the day before and overlaps the window is
(re)loaded even when the earlier day's run never happened, and measures revised or withdrawn within the
look-back are picked up. A measure of the answer that started before the widened window but reaches into the
window is longer than the look-back: it is logged as a WARNING (raise the look-back) and not stored.

Power plants (``raw_reference.power_plants``): the Open Power System Data "conventional power plants" list for
Germany (``GRIDCARBON_POWER_PLANTS_CSV``, a path or an http(s) URL, e.g.
``https://data.open-power-system-data.org/conventional_power_plants/latest/conventional_power_plants_DE.csv``;
default: the recorded copy ``netztransparenz/conventional_power_plants_DE.csv`` in the fixtures folder).
The whole table is replaced. ``plant_key`` is the BNetzA id; the list reuses two ids (``BNA0083``,
``BNA0085b``) for an operating and a shut-down block, so repeated ids get ``#2``, ``#3`` in file order.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import requests

from gridcarbon.connections import Endpoint, resolve_endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError
from gridcarbon.http import fetch as http_fetch
from gridcarbon.http import json_body, register_secret
from gridcarbon.intervals import Window
from gridcarbon.settings import env_int, env_str, fixtures_dir
from gridcarbon.sources.validation import finite_number
from gridcarbon.warehouse import Column, Completeness, LoadMeta, LoadResult, RawTable, replace_window

log = logging.getLogger(__name__)

SOURCE = "netztransparenz"
DEFAULT_BASE_URL = "https://ds.netztransparenz.de/api/v1"
DEFAULT_TOKEN_URL = "https://identity.netztransparenz.de/users/connect/token"  # noqa: S105 - a URL
FIRST_DATA = datetime(2021, 1, 1, tzinfo=UTC)  # first day the data service has redispatch measures for
API_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
POWER_PLANTS_FIXTURE = "netztransparenz/conventional_power_plants_DE.csv"

REDISPATCH_MEASURES = RawTable(
    schema="raw_netztransparenz",
    name="redispatch_measures",
    columns=(
        Column("measure_id", "text not null", "hash of the natural key and a sequence number for repeated keys"),
        Column("start_utc", "timestamptz not null", "measure start (BEGINN_DATUM/UHRZEIT/ZEITZONE_VON), UTC"),
        Column("end_utc", "timestamptz not null", "measure end (ENDE_DATUM/UHRZEIT/ZEITZONE_BIS), UTC"),
        Column("zone_from", "text", "ZEITZONE_VON as published (CET/CEST)"),
        Column("zone_to", "text", "ZEITZONE_BIS as published (CET/CEST)"),
        Column("reason", "text", "GRUND_DER_MASSNAHME"),
        Column("direction", "text not null", "up (Einspeisung erhöhen) or down (reduzieren)"),
        Column("direction_raw", "text", "RICHTUNG as published (including the damaged erh¿hen)"),
        Column("mean_mw", "numeric", "MITTLERE_LEISTUNG_MW"),
        Column("max_mw", "numeric", "MAXIMALE_LEISTUNG_MW"),
        Column("total_mwh", "numeric", "GESAMTE_ARBEIT_MWH (use this, not mean x duration)"),
        Column("instructing_tso", "text", "ANWEISENDER_UENB"),
        Column("requesting_tso", "text", "ANFORDERNDER_UENB"),
        Column("affected_plant", "text", "BETROFFENE_ANLAGE (plant, cluster or Börse)"),
        Column("primary_energy_class", "text", "PRIMAERENERGIEART (Konventionell/Erneuerbar/Sonstiges)"),
    ),
    primary_key=("measure_id",),
    # Measures are corrected upstream (a corrected measure gets another natural key, so another measure_id):
    # a smaller answer may replace a larger one; only an empty answer over stored measures is refused.
    completeness=Completeness(series=(), values=("total_mwh", "mean_mw"), withdraws=True),
    description="Redispatch measures published on netztransparenz.de, one row per published row.",
)

POWER_PLANTS = RawTable(
    schema="raw_reference",
    name="power_plants",
    columns=(
        Column("plant_key", "text not null", "BNetzA id (id), #n appended where the list repeats an id"),
        Column("name", "text", "name_bnetza"),
        Column("block", "text", "block_bnetza"),
        Column("energy_source", "text", "energy_source (OPSD label, e.g. Hard coal, Natural gas)"),
        Column("technology", "text", "technology"),
        Column("capacity_net_mw", "numeric", "capacity_net_bnetza (MW)"),
        Column("state", "text", "German federal state"),
        Column("status", "text", "operating, shutdown, reserve, ..."),
    ),
    primary_key=("plant_key",),
    # Plants leave the list; an empty list over a stored one is refused.
    completeness=Completeness(series=(), values=("name", "energy_source"), withdraws=True),
    description="German conventional power plants (Open Power System Data), for mapping redispatched plants.",
)

TABLES = [REDISPATCH_MEASURES, POWER_PLANTS]

CSV_COLUMNS = (
    "BEGINN_DATUM", "BEGINN_UHRZEIT", "ZEITZONE_VON", "ENDE_DATUM", "ENDE_UHRZEIT", "ZEITZONE_BIS",
    "GRUND_DER_MASSNAHME", "RICHTUNG", "MITTLERE_LEISTUNG_MW", "MAXIMALE_LEISTUNG_MW", "GESAMTE_ARBEIT_MWH",
    "ANWEISENDER_UENB", "ANFORDERNDER_UENB", "BETROFFENE_ANLAGE", "PRIMAERENERGIEART",
)
ZONE_OFFSETS = {"CET": timedelta(hours=1), "MEZ": timedelta(hours=1), "CEST": timedelta(hours=2),
                "MESZ": timedelta(hours=2), "UTC": timedelta(0), "GMT": timedelta(0), "Z": timedelta(0)}


@dataclass(frozen=True)
class RedispatchMeasure:
    measure_id: str
    start_utc: datetime
    end_utc: datetime
    zone_from: str
    zone_to: str
    reason: str
    direction: str
    direction_raw: str
    mean_mw: Decimal | None
    max_mw: Decimal | None
    total_mwh: Decimal | None
    instructing_tso: str
    requesting_tso: str
    affected_plant: str
    primary_energy_class: str | None

    def row(self) -> tuple[Any, ...]:
        return (self.measure_id, self.start_utc, self.end_utc, self.zone_from, self.zone_to, self.reason,
                self.direction, self.direction_raw, self.mean_mw, self.max_mw, self.total_mwh,
                self.instructing_tso, self.requesting_tso, self.affected_plant, self.primary_energy_class)


@dataclass(frozen=True)
class PowerPlant:
    plant_key: str
    name: str | None
    block: str | None
    energy_source: str | None
    technology: str | None
    capacity_net_mw: Decimal | None
    state: str | None
    status: str | None

    def row(self) -> tuple[Any, ...]:
        return (self.plant_key, self.name, self.block, self.energy_source, self.technology, self.capacity_net_mw,
                self.state, self.status)


# --------------------------------------------------------------------------------------------- parsing
def german_decimal(text: str | None) -> Decimal | None:
    """``35,79`` -> 35.79, ``1.437,5`` -> 1437.5, empty -> None."""
    if text is None:
        return None
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if "," in value:
        value = value.replace(".", "").replace(",", ".")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def local_to_utc(day: str, clock: str, zone: str) -> datetime:
    """``02.01.2024``, ``09:00``, ``CET`` -> 2024-01-02T08:00Z. The zone column decides the offset (it also
    tells the two 02:30 of the October DST night apart)."""
    day, clock, zone = day.strip(), clock.strip(), zone.strip().upper()
    if zone not in ZONE_OFFSETS:
        raise ValueError(f"unknown time zone {zone!r}")
    if re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", day):
        d = datetime.strptime(day, "%d.%m.%Y")
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        d = datetime.strptime(day, "%Y-%m-%d")
    else:
        raise ValueError(f"unknown date format {day!r}")
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", clock)
    if not match:
        raise ValueError(f"unknown time format {clock!r}")
    hours, minutes, seconds = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hours > 24 or minutes > 59 or seconds > 59 or (hours == 24 and (minutes or seconds)):
        raise ValueError(f"invalid time {clock!r}")
    naive = d + timedelta(hours=hours, minutes=minutes, seconds=seconds)  # 24:00 = next midnight
    return naive.replace(tzinfo=timezone(ZONE_OFFSETS[zone])).astimezone(UTC)


def normalise_direction(raw: str) -> str:
    """``Wirkleistungseinspeisung erhöhen`` (also ``erh¿hen``, ``erhÃ¶hen``) -> up; ``... reduzieren`` -> down."""
    text = raw.strip().lower()
    if "reduz" in text or "absenk" in text or "verring" in text:
        return "down"
    if re.search(r"erh.{1,3}hen", text) or "erhoehen" in text:
        return "up"
    raise ValueError(f"unknown RICHTUNG {raw!r}")


def _decode(payload: str | bytes) -> str:
    if isinstance(payload, str):
        return payload.lstrip("\ufeff")
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        return payload.decode("cp1252")  # the web download has been seen in Windows-1252 as well


def natural_key(start: datetime, end: datetime, reason: str, direction: str, instructing: str, requesting: str,
                plant: str) -> tuple[str, ...]:
    return (start.isoformat(), end.isoformat(), reason, direction, instructing, requesting, plant)


def measure_id(key: tuple[str, ...], sequence: int) -> str:
    text = "\x1f".join((*key, str(sequence)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def parse_redispatch_csv(
    payload: str | bytes,
    *,
    url: str | None = None,
    window: Window | None = None,
) -> list[RedispatchMeasure]:
    """The redispatch CSV (web download or data-service answer) -> one record per published row.

    Raises ``MalformedPayloadError`` (naming source, URL, interval and the line) on a missing column, an
    unparseable date, number or direction, or a non-finite or absurd number (``NaN``, ``inf``, ``1e300``:
    ``validation.finite_number``). Rows sharing a natural key are legitimate here (see the module doc).
    """
    start_, end_ = (window.start, window.end) if window else (None, None)
    text = _decode(payload)
    if not text.strip():
        return []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
    header = [h.strip().lstrip("\ufeff").upper() for h in next(reader, [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise MalformedPayloadError(f"redispatch CSV lacks columns {missing}; header is {header[:16]}",
                                    source=SOURCE, url=url, start=start_, end=end_)
    idx = {name: header.index(name) for name in CSV_COLUMNS}
    parsed: list[tuple[tuple[str, ...], tuple[str, ...], dict[str, Any]]] = []
    for line_no, raw in enumerate(reader, start=2):
        if not raw or all(not v.strip() for v in raw):
            continue
        try:
            if len(raw) < len(header):
                raise ValueError(f"{len(raw)} fields, header has {len(header)}")

            def col(name: str, row: list[str] = raw) -> str:
                return row[idx[name]].strip()

            start = local_to_utc(col("BEGINN_DATUM"), col("BEGINN_UHRZEIT"), col("ZEITZONE_VON"))
            end = local_to_utc(col("ENDE_DATUM"), col("ENDE_UHRZEIT"), col("ZEITZONE_BIS"))
            if end < start:
                raise ValueError(f"end {end.isoformat()} before start {start.isoformat()}")
            fields = {
                "start_utc": start,
                "end_utc": end,
                "zone_from": col("ZEITZONE_VON"),
                "zone_to": col("ZEITZONE_BIS"),
                "reason": col("GRUND_DER_MASSNAHME"),
                "direction": normalise_direction(col("RICHTUNG")),
                "direction_raw": col("RICHTUNG"),
                "mean_mw": finite_number(german_decimal(col("MITTLERE_LEISTUNG_MW")), field="MITTLERE_LEISTUNG_MW"),
                "max_mw": finite_number(german_decimal(col("MAXIMALE_LEISTUNG_MW")), field="MAXIMALE_LEISTUNG_MW"),
                "total_mwh": finite_number(german_decimal(col("GESAMTE_ARBEIT_MWH")), field="GESAMTE_ARBEIT_MWH"),
                "instructing_tso": col("ANWEISENDER_UENB"),
                "requesting_tso": col("ANFORDERNDER_UENB"),
                "affected_plant": col("BETROFFENE_ANLAGE"),
                "primary_energy_class": col("PRIMAERENERGIEART") or None,
            }
        except (ValueError, IndexError) as exc:
            raise MalformedPayloadError(f"redispatch CSV line {line_no}: {exc}; line: {';'.join(raw)[:200]!r}",
                                        source=SOURCE, url=url, start=start_, end=end_) from None
        key = natural_key(start, end, fields["reason"], fields["direction"], fields["instructing_tso"],
                          fields["requesting_tso"], fields["affected_plant"])
        rest = tuple(str(fields[k]) for k in ("mean_mw", "max_mw", "total_mwh", "zone_from", "zone_to",
                                              "direction_raw", "primary_energy_class"))
        parsed.append((key, rest, fields))

    groups: dict[tuple[str, ...], list[tuple[tuple[str, ...], dict[str, Any]]]] = defaultdict(list)
    for key, rest, fields in parsed:
        groups[key].append((rest, fields))
    sequence: dict[int, int] = {}
    for members in groups.values():
        for seq, (_, fields) in enumerate(sorted(members, key=lambda m: m[0])):
            sequence[id(fields)] = seq
    return [RedispatchMeasure(measure_id=measure_id(key, sequence[id(fields)]), **fields)
            for key, _, fields in parsed]


def parse_power_plants(payload: str | bytes, *, url: str | None = None) -> list[PowerPlant]:
    """The OPSD ``conventional_power_plants_DE.csv`` -> one record per block (comma-separated, UTF-8)."""
    text = _decode(payload)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    needed = ("id", "name_bnetza", "block_bnetza", "energy_source", "technology", "capacity_net_bnetza",
              "state", "status")
    missing = [c for c in needed if c not in (reader.fieldnames or [])]
    if missing:
        raise MalformedPayloadError(f"power plant list lacks columns {missing}", source="opsd", url=url)
    seen: dict[str, int] = defaultdict(int)
    plants = []
    for line_no, row in enumerate(reader, start=2):
        plant_id = (row.get("id") or "").strip()
        if not plant_id:
            raise MalformedPayloadError(f"power plant list line {line_no} has no id", source="opsd", url=url)
        seen[plant_id] += 1
        key = plant_id if seen[plant_id] == 1 else f"{plant_id}#{seen[plant_id]}"
        try:
            capacity = Decimal(row["capacity_net_bnetza"]) if (row["capacity_net_bnetza"] or "").strip() else None
        except InvalidOperation:
            raise MalformedPayloadError(f"power plant list line {line_no}: capacity "
                                        f"{row['capacity_net_bnetza']!r} is not a number", source="opsd",
                                        url=url) from None

        def opt(name: str, r: Mapping[str, str | None] = row) -> str | None:
            return (r.get(name) or "").strip() or None

        plants.append(PowerPlant(key, opt("name_bnetza"), opt("block_bnetza"), opt("energy_source"),
                                 opt("technology"), capacity, opt("state"), opt("status")))
    return plants


# --------------------------------------------------------------------------------------------- fetching
def token_url(endpoint: Endpoint) -> str:
    return str(endpoint.extra.get("token_url") or DEFAULT_TOKEN_URL)


def access_token(session: requests.Session, endpoint: Endpoint, window: Window | None = None) -> str:
    """OAuth2 client-credentials token for the data service (never logged)."""
    url = token_url(endpoint)
    start, end = (window.start, window.end) if window else (None, None)
    if not endpoint.login or not endpoint.password:
        raise SourceAuthError(f"no client id/secret: set login (client id) and password (client secret) of "
                              f"Airflow connection {SOURCE!r}", source=SOURCE, url=url, start=start, end=end)
    response = http_fetch(session, url, source=SOURCE, start=start, end=end, method="POST", ok_statuses=(200, 400),
                          data={"grant_type": "client_credentials", "client_id": endpoint.login,
                                "client_secret": endpoint.password})
    body = json_body(response, source=SOURCE, start=start, end=end)
    if response.status_code == 400 or not isinstance(body, Mapping) or not body.get("access_token"):
        error = body.get("error") if isinstance(body, Mapping) else None
        if error in ("invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope"):
            raise SourceAuthError(f"token endpoint answered {error!r}: fix login (client id) and password "
                                  f"(client secret) of Airflow connection {SOURCE!r}",
                                  source=SOURCE, url=url, start=start, end=end)
        raise MalformedPayloadError(f"token answer without access_token (HTTP {response.status_code}, "
                                    f"error {error!r})", source=SOURCE, url=url, start=start, end=end)
    token = str(body["access_token"])
    register_secret(token)  # a bearer token is a credential for its lifetime: masked in every log from now on
    return token


def redispatch_url(endpoint: Endpoint, window: Window) -> str:
    return endpoint.url(f"data/redispatch/{window.start.astimezone(UTC).strftime(API_DATE_FORMAT)}/"
                        f"{window.end.astimezone(UTC).strftime(API_DATE_FORMAT)}")


DEFAULT_LOOKBACK_HOURS = 48


def configured_lookback() -> timedelta:
    """``REDISPATCH_LOOKBACK_HOURS`` (default 48): how far before a window measures overlapping it may start."""
    hours = env_int("REDISPATCH_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS)
    if hours < 0:
        raise ValueError(f"REDISPATCH_LOOKBACK_HOURS={hours} must be >= 0")
    return timedelta(hours=hours)


def load_window(window: Window, lookback: timedelta | None = None) -> Window:
    """The window a run reads and replaces: ``window`` widened by the look-back (see the module doc)."""
    return window.widened(configured_lookback() if lookback is None else lookback)


def fetch(session: requests.Session, window: Window, *, endpoint: Endpoint | None = None,
          lookback: timedelta | None = None) -> list[RedispatchMeasure]:
    """The measures starting in ``load_window(window)``: with the default look-back every measure that
    overlaps ``window``, including those that started before it. The service may also answer measures that
    started earlier and overlap the request; those are left out (a WARNING if they reach into ``window``)."""
    endpoint = endpoint or resolve_endpoint(SOURCE, DEFAULT_BASE_URL)
    requested = window
    window = load_window(window, lookback)
    token = access_token(session, endpoint, window)
    url = redispatch_url(endpoint, window)
    response = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end,
                          ok_statuses=(200, 204), headers={"Authorization": f"Bearer {token}",
                                                           "Accept": "text/csv"})
    if response.status_code == 204:
        return []
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type or "html" in content_type:
        raise MalformedPayloadError(f"expected CSV, got {content_type}: {response.text[:120]!r}",
                                    source=SOURCE, url=url, start=window.start, end=window.end)
    measures = parse_redispatch_csv(response.content, url=url, window=window)
    kept = [m for m in measures if window.start <= m.start_utc < window.end]
    too_long = [m for m in measures if m.start_utc < window.start and m.end_utc > requested.start]
    if too_long:
        longest = max(m.end_utc - m.start_utc for m in too_long)
        log.warning("redispatch: %d measures overlapping %s started before the look-back window %s (longest %s, "
                    "e.g. %r from %s); they are not stored: raise REDISPATCH_LOOKBACK_HOURS", len(too_long),
                    requested, window, longest, too_long[0].affected_plant, too_long[0].start_utc.isoformat())
    overlapping = sum(1 for m in kept if m.start_utc < requested.end and m.end_utc > requested.start)
    log.info("redispatch: %d measures answered, %d start in %s, %d of them overlap the run's window %s",
             len(measures), len(kept), window, overlapping, requested)
    return kept


def load_measures(conn: Any, measures: Iterable[RedispatchMeasure], window: Window,
                  meta: LoadMeta | None = None, *, lookback: timedelta | None = None) -> LoadResult:
    """Replace the measures whose start lies in ``load_window(window)`` by ``measures`` (what ``fetch``
    returned for ``window``), in one transaction."""
    widened = load_window(window, lookback)
    return replace_window(conn, REDISPATCH_MEASURES, (m.row() for m in measures), time_column="start_utc",
                          window=widened, meta=meta or LoadMeta(window=widened))


def power_plants_location() -> str:
    return env_str("GRIDCARBON_POWER_PLANTS_CSV", str(fixtures_dir() / POWER_PLANTS_FIXTURE))


def read_power_plants(location: str | None = None, session: requests.Session | None = None) -> list[PowerPlant]:
    """The plant list from a path or an http(s) URL."""
    location = location or power_plants_location()
    if location.startswith(("http://", "https://")):
        from gridcarbon.http import build_session

        response = http_fetch(session or build_session(), location, source="opsd")
        return parse_power_plants(response.content, url=location)
    path = Path(location)
    if not path.exists():
        raise SourceError(f"power plant list {path} not found: set GRIDCARBON_POWER_PLANTS_CSV to a path or URL",
                          source="opsd", url=str(path))
    return parse_power_plants(path.read_bytes(), url=str(path))


def load_power_plants(conn: Any, plants: Iterable[PowerPlant], meta: LoadMeta | None = None) -> LoadResult:
    """Replace the whole ``raw_reference.power_plants`` table, in one transaction."""
    return replace_window(conn, POWER_PLANTS, (p.row() for p in plants), meta=meta)
