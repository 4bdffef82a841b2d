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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError
from gridcarbon.http import fetch as http_fetch
from gridcarbon.http import json_body, register_secret
from gridcarbon.intervals import Window
from gridcarbon.settings import DEFAULT_FIXTURES_DIR, Environment, fixtures_dir
from gridcarbon.sources.contract import Fetched
from gridcarbon.sources.validation import finite_number
from gridcarbon.warehouse import Completeness, LoadMeta, LoadResult, Record, replace_window, sql

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

SOURCE = "netztransparenz"
DEFAULT_BASE_URL = "https://ds.netztransparenz.de/api/v1"
DEFAULT_TOKEN_URL = "https://identity.netztransparenz.de/users/connect/token"  # noqa: S105 - a URL
FIRST_DATA = datetime(2021, 1, 1, tzinfo=UTC)  # first day the data service has redispatch measures for
API_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
POWER_PLANTS_FIXTURE = "netztransparenz/conventional_power_plants_DE.csv"

@dataclass(frozen=True)
class RedispatchMeasure(Record):
    """One row of ``raw_netztransparenz.redispatch_measures``: one published redispatch measure."""

    measure_id: str = field(
        metadata=sql("text not null", "hash of the natural key and a sequence number for repeated keys"))
    start_utc: datetime = field(
        metadata=sql("timestamptz not null", "measure start (BEGINN_DATUM/UHRZEIT/ZEITZONE_VON), UTC"))
    end_utc: datetime = field(
        metadata=sql("timestamptz not null", "measure end (ENDE_DATUM/UHRZEIT/ZEITZONE_BIS), UTC"))
    zone_from: str = field(metadata=sql("text", "ZEITZONE_VON as published (CET/CEST)"))
    zone_to: str = field(metadata=sql("text", "ZEITZONE_BIS as published (CET/CEST)"))
    reason: str = field(metadata=sql("text", "GRUND_DER_MASSNAHME"))
    direction: str = field(metadata=sql("text not null", "up (Einspeisung erhöhen) or down (reduzieren)"))
    direction_raw: str = field(metadata=sql("text", "RICHTUNG as published (including the damaged erh¿hen)"))
    mean_mw: Decimal | None = field(metadata=sql("numeric", "MITTLERE_LEISTUNG_MW"))
    max_mw: Decimal | None = field(metadata=sql("numeric", "MAXIMALE_LEISTUNG_MW"))
    total_mwh: Decimal | None = field(metadata=sql("numeric", "GESAMTE_ARBEIT_MWH (use this, not mean x duration)"))
    instructing_tso: str = field(metadata=sql("text", "ANWEISENDER_UENB"))
    requesting_tso: str = field(metadata=sql("text", "ANFORDERNDER_UENB"))
    affected_plant: str = field(metadata=sql("text", "BETROFFENE_ANLAGE (plant, cluster or Börse)"))
    primary_energy_class: str | None = field(
        metadata=sql("text", "PRIMAERENERGIEART (Konventionell/Erneuerbar/Sonstiges)"))


@dataclass(frozen=True)
class PowerPlant(Record):
    """One row of ``raw_reference.power_plants``: one block of the OPSD list."""

    plant_key: str = field(metadata=sql("text not null", "BNetzA id (id), #n appended where the list repeats an id"))
    name: str | None = field(metadata=sql("text", "name_bnetza"))
    block: str | None = field(metadata=sql("text", "block_bnetza"))
    energy_source: str | None = field(metadata=sql("text", "energy_source (OPSD label, e.g. Hard coal, Natural gas)"))
    technology: str | None = field(metadata=sql("text", "technology"))
    capacity_net_mw: Decimal | None = field(metadata=sql("numeric", "capacity_net_bnetza (MW)"))
    state: str | None = field(metadata=sql("text", "German federal state"))
    status: str | None = field(metadata=sql("text", "operating, shutdown, reserve, ..."))


REDISPATCH_MEASURES = RedispatchMeasure.table(
    "raw_netztransparenz", "redispatch_measures", primary_key=("measure_id",),
    # Measures are corrected upstream (a corrected measure gets another natural key, so another measure_id):
    # a smaller answer may replace a larger one; only an empty answer over stored measures is refused.
    completeness=Completeness(series=(), values=("total_mwh", "mean_mw"), withdraws=True),
    description="Redispatch measures published on netztransparenz.de, one row per published row.",
)
POWER_PLANTS = PowerPlant.table(
    "raw_reference", "power_plants", primary_key=("plant_key",),
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


@dataclass(frozen=True)
class Settings:
    """``REDISPATCH_LOOKBACK_HOURS`` (default 48): how far before a window measures overlapping it may start;
    ``GRIDCARBON_POWER_PLANTS_CSV``: the power plant list, a path or an http(s) URL (default: the recorded copy
    in the fixtures folder)."""

    lookback: timedelta = timedelta(hours=DEFAULT_LOOKBACK_HOURS)
    power_plants: str = str(DEFAULT_FIXTURES_DIR.resolve() / POWER_PLANTS_FIXTURE)

    @classmethod
    def from_env(cls, env: Environment) -> Settings:
        default = str(fixtures_dir(env.values) / POWER_PLANTS_FIXTURE)  # GRIDCARBON_FIXTURES_DIR moves it
        return cls(lookback=env.hours("REDISPATCH_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS),
                   power_plants=env.text("GRIDCARBON_POWER_PLANTS_CSV", default))


def fetch(session: requests.Session, endpoint: Endpoint, window: Window,
          settings: Settings) -> Fetched[list[RedispatchMeasure]]:
    """The measures starting in ``window`` widened by ``settings.lookback`` (the window they replace): with the
    default look-back every measure that overlaps ``window``, including those that started before it. The
    service may also answer measures that started earlier and overlap the request; those are left out (a WARNING
    if they reach into ``window``)."""
    requested = window
    window = window.widened(settings.lookback)
    token = access_token(session, endpoint, window)
    url = redispatch_url(endpoint, window)
    response = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end,
                          ok_statuses=(200, 204), headers={"Authorization": f"Bearer {token}",
                                                           "Accept": "text/csv"})
    if response.status_code == 204:
        return Fetched([], window, url=url)
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
    return Fetched(kept, window, url=url)


def load(conn: Any, measures: Iterable[RedispatchMeasure], window: Window, meta: LoadMeta) -> list[LoadResult]:
    """Replace the measures whose start lies in ``window`` (the widened window ``fetch`` answered) by
    ``measures``, in the caller's transaction."""
    return [replace_window(conn, REDISPATCH_MEASURES, (m.row() for m in measures), time_column="start_utc",
                           window=window, meta=meta)]


def read_power_plants(location: str, session: requests.Session | None = None) -> list[PowerPlant]:
    """The plant list from a path or an http(s) URL."""
    if location.startswith(("http://", "https://")):
        from gridcarbon.http import build_session

        response = http_fetch(session or build_session(), location, source="opsd")
        return parse_power_plants(response.content, url=location)
    path = Path(location)
    if not path.exists():
        raise SourceError(f"power plant list {path} not found: set GRIDCARBON_POWER_PLANTS_CSV to a path or URL",
                          source="opsd", url=str(path))
    return parse_power_plants(path.read_bytes(), url=str(path))


def fetch_power_plants(session: requests.Session, endpoint: Endpoint, window: Window,
                       settings: Settings) -> Fetched[list[PowerPlant]]:
    """The whole plant list (``settings.power_plants``; the run's window does not matter): it replaces the table."""
    return Fetched(read_power_plants(settings.power_plants, session), None, url=settings.power_plants)


def load_power_plants(conn: Any, plants: Iterable[PowerPlant], window: Window | None = None,
                      meta: LoadMeta | None = None) -> list[LoadResult]:
    """Replace the whole ``raw_reference.power_plants`` table, in the caller's transaction."""
    return [replace_window(conn, POWER_PLANTS, (p.row() for p in plants), meta=meta)]


# --- the DAG redispatch_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """### redispatch_ingest

Daily extraction of the redispatch measures published on netztransparenz.de (the four German TSOs' data
service) into `raw_netztransparenz.redispatch_measures`, and of the German conventional power plant list
(Open Power System Data) into `raw_reference.power_plants` (for mapping redispatched plants to fuels).

- **Schedule**: `0 6 * * *` UTC (CronDataIntervalTimetable: each run loads the previous day), catchup from
  `REDISPATCH_START` (ISO date, default `GRIDCARBON_CATCHUP_DAYS`=2 days back). The service has data from
  2021-01-01: set
  `REDISPATCH_START=2021-01-01` (or `airflow backfill create --dag-id redispatch_ingest --from-date 2021-01-01
  --to-date ...`) to load the history.
- **Window**: every measure overlapping the data interval (or a manual run's
  `conf={"window_start", "window_end"}`) is loaded, also one that started before it: a run reads the measures
  starting in the interval widened by `REDISPATCH_LOOKBACK_HOURS` (default 48; the longest 2024 measure lasts
  24 h) and replaces exactly those in one transaction; reruns give the same rows.
- **Connection** `netztransparenz`: host = data service URL (default `https://ds.netztransparenz.de/api/v1`),
  login = client id, password = client secret, extra `token_url` (default
  `https://identity.netztransparenz.de/users/connect/token`). Rejected credentials fail without retries.
- **Power plants**: `GRIDCARBON_POWER_PLANTS_CSV` (path or URL), whole table replaced each run.
- **Pool** `netztransparenz`.
"""
