"""SMARD (Bundesnetzagentur) chart_data API: realised generation, load, residual load, pumped-storage
consumption per region, and the day-ahead price.

Endpoints (``https://www.smard.de/app``, no credential):

- ``/chart_data/{filter}/{region}/index_{resolution}.json`` -> ``{"timestamps": [ms, ...]}``: the start of
  every weekly block (Monday 00:00 Europe/Berlin, so a DST week holds 668 or 676 quarter hours).
- ``/chart_data/{filter}/{region}/{filter}_{region}_{resolution}_{ts}.json`` ->
  ``{"meta_data": {"version": 1, "created": ms}, "series": [[ms, value|null], ...]}``.

A 404 on the index means the combination does not exist (e.g. offshore wind in TransnetBW): the series is
recorded as ``absent`` in ``raw_smard.series_status`` and nothing fails. That is logged at INFO for the
combinations known not to exist (``EXPECTED_ABSENT``) and as a WARNING naming series, region and window for a
*required* series: the price, and every generation fuel and the total load of a region where that fuel exists.

The day-ahead price (4169) is loaded at the resolutions SMARD publishes it in, whatever ``SMARD_RESOLUTION``
says for generation (DOMAIN.md section 4.8): hourly (the only price before delivery day 2025-10-01, and still
requested after it, where SMARD may have it too) and quarter-hourly from delivery day 2025-10-01 00:00
Europe/Berlin on (SMARD has no quarter-hour price before; its index answers 404 there). Each price series
reads and replaces only the part of the window where SMARD has that resolution (``SeriesSpec.available``), so
a run before October 2025 never asks for a quarter-hour price and never records it as absent. The marts use the
quarter-hour price where there is one and the hourly price otherwise (see ``int_grid_intensity``).

Which series are loaded is configuration, not code (environment variables, read into ``Settings`` when the task
starts):

- ``SMARD_SERIES``: comma-separated filter ids; a bare id is loaded for every region of ``SMARD_REGIONS``,
  ``id@REGION`` for that one region only. Default: the 12 generation filters, 410, 4359, 4387 and
  ``4169@DE-LU``.
- ``SMARD_REGIONS``: default ``DE,50Hertz,Amprion,TenneT,TransnetBW``.
- ``SMARD_RESOLUTION``: ``quarterhour`` (default) or ``hour``, for every series except the price (above).
- ``SMARD_EXPECTED_ABSENT``: ``id@REGION`` combinations SMARD answers with 404 because the plants do not
  exist there (logged at INFO, not WARNING). Default: offshore wind in Amprion and TransnetBW (no coast),
  nuclear in 50Hertz (no nuclear plant since 1990).
- ``SMARD_LOOKBACK_HOURS``: default 48; every run re-reads ``[window.start - lookback, window.end)`` so that
  SMARD's revisions and late publications (trailing ``null``) are picked up.
- ``SMARD_CONCURRENCY``: default 4; how many series one task (one region) requests at a time.

A run has one task per region (``plan``: the series grouped by region, DE-LU's price being a region of its own):
the task fetches its region's series concurrently (each weekly block once) and replaces each series' window in a
transaction of its own (``fetch_region`` answers ``Several`` parts, one per series).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.errors import MalformedPayloadError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import Fetched, NothingToLoad, Several
from gridcarbon.sources.validation import SchemaDriftError, finite_number, show
from gridcarbon.warehouse import Completeness, LoadMeta, LoadResult, Record, replace_window, sql

log = logging.getLogger(__name__)

SOURCE = "smard"
DEFAULT_BASE_URL = "https://www.smard.de/app"
BERLIN = ZoneInfo("Europe/Berlin")

# --- the catalogue: every filter id this project knows (DOMAIN.md section 7.3) -----------------------------
GENERATION_FILTERS: dict[int, str] = {
    1223: "Braunkohle (lignite)",
    1224: "Kernenergie (nuclear)",
    1225: "Wind Offshore",
    1226: "Wasserkraft (hydro)",
    1227: "Sonstige Konventionelle (other conventional)",
    1228: "Sonstige Erneuerbare (other renewables)",
    4066: "Biomasse (biomass)",
    4067: "Wind Onshore",
    4068: "Photovoltaik (photovoltaics)",
    4069: "Steinkohle (hard coal)",
    4070: "Pumpspeicher (pumped storage, generation)",
    4071: "Erdgas (natural gas)",
}
CONSUMPTION_FILTERS: dict[int, str] = {
    410: "Netzlast (total load)",
    4359: "Residuallast (residual load)",
    4387: "Pumpspeicher (pumped-storage consumption)",
}
PRICE_FILTERS: dict[int, str] = {
    4169: "Marktpreis Deutschland/Luxemburg (day-ahead, EUR/MWh)",
}
FILTER_CATALOGUE: dict[int, str] = {**GENERATION_FILTERS, **CONSUMPTION_FILTERS, **PRICE_FILTERS}

RESOLUTIONS: dict[str, timedelta] = {"quarterhour": timedelta(minutes=15), "hour": timedelta(hours=1)}
DEFAULT_REGIONS = ("DE", "50Hertz", "Amprion", "TenneT", "TransnetBW")
DEFAULT_SERIES = (*(str(f) for f in (*GENERATION_FILTERS, *CONSUMPTION_FILTERS)), "4169@DE-LU")
DEFAULT_RESOLUTION = "quarterhour"
DEFAULT_LOOKBACK_HOURS = 48
DEFAULT_CONCURRENCY = 4

# The day-ahead market moved to 15-minute products with delivery day 2025-10-01 (DOMAIN.md sections 3.2, 4.8):
# SMARD has quarter-hour prices from then on, hourly ones before.
QUARTER_HOUR_PRICES_FROM = datetime(2025, 9, 30, 22, tzinfo=UTC)  # 2025-10-01 00:00 Europe/Berlin
# Filters whose resolutions are SMARD's, not SMARD_RESOLUTION's: resolution -> (available from, until) and
# (required from, until) in UTC, None = open. A window outside the available period is not requested at all.
Period = tuple[datetime | None, datetime | None]
FIXED_RESOLUTIONS: dict[int, dict[str, tuple[Period, Period]]] = {
    4169: {
        "hour": ((None, None), (None, QUARTER_HOUR_PRICES_FROM)),
        "quarterhour": ((QUARTER_HOUR_PRICES_FROM, None), (QUARTER_HOUR_PRICES_FROM, None)),
    },
}
# Combinations without such plants, which SMARD answers with 404 (DOMAIN.md section 4.1): not a warning.
DEFAULT_EXPECTED_ABSENT = ("1225@Amprion", "1225@TransnetBW", "1224@50Hertz")
REQUIRED_CONSUMPTION_FILTERS = frozenset({410})  # total load: the locality model needs it per control area

# --- raw tables ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChartValue(Record):
    """One row of ``raw_smard.chart_values``: a value of one series in one interval, as SMARD published it."""

    filter_id: int = field(metadata=sql("integer not null", "SMARD chart_data filter id (e.g. 4067 wind onshore)"))
    region: str = field(metadata=sql("text not null", "SMARD region (DE, 50Hertz, Amprion, TenneT, TransnetBW, DE-LU)"))
    resolution: str = field(metadata=sql("text not null", "quarterhour or hour"))
    interval_start_utc: datetime = field(metadata=sql("timestamptz not null", "start of the interval (UTC), half-open"))
    value: float | None = field(
        metadata=sql("numeric", "MWh per interval (EUR/MWh for 4169); NULL = not yet published"))
    meta_created_utc: datetime = field(
        metadata=sql("timestamptz", "meta_data.created of the weekly file the value came from"))
    block_start_utc: datetime = field(
        metadata=sql("timestamptz", "start of the weekly file (Monday 00:00 Europe/Berlin)"))


@dataclass(frozen=True)
class SeriesStatus(Record):
    """One row of ``raw_smard.series_status``: whether SMARD has a series (its index answered) when last read."""

    filter_id: int = field(metadata=sql("integer not null", "SMARD chart_data filter id"))
    region: str = field(metadata=sql("text not null", "SMARD region"))
    resolution: str = field(metadata=sql("text not null", "quarterhour or hour"))
    status: str = field(metadata=sql("text not null", "present, or absent (the index answered HTTP 404)"))
    checked_at_utc: datetime = field(metadata=sql("timestamptz not null", "when the index was last read"))


CHART_VALUES = ChartValue.table(
    "raw_smard", "chart_values", primary_key=("filter_id", "region", "resolution", "interval_start_utc"),
    completeness=Completeness(series=(), values=("value",)),
    description="SMARD chart_data values as published (Bundesnetzagentur | SMARD.de, CC BY 4.0).",
)
SERIES_STATUS = SeriesStatus.table(
    "raw_smard", "series_status", primary_key=("filter_id", "region", "resolution"),
    description="Whether a SMARD filter/region/resolution exists (404 = structurally absent, not missing).",
)
TABLES = (CHART_VALUES, SERIES_STATUS)


# --- configuration ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesSpec:
    """One SMARD series: what one mapped task loads."""

    filter_id: int
    region: str
    resolution: str

    @property
    def label(self) -> str:
        return f"{self.filter_id}_{self.region}_{self.resolution}"

    @property
    def available(self) -> Period:
        """The period (UTC, None = open) in which SMARD has this filter at this resolution."""
        return FIXED_RESOLUTIONS.get(self.filter_id, {}).get(self.resolution, ((None, None), (None, None)))[0]

    def required(self, expected_absent: frozenset[tuple[int, str]] = frozenset()) -> Period | None:
        """The period in which a missing series is an error worth a WARNING (None: never required).
        ``expected_absent``: (filter id, region) pairs without such plants (``Settings.expected_absent``)."""
        fixed = FIXED_RESOLUTIONS.get(self.filter_id)
        if fixed is not None:
            return fixed[self.resolution][1] if self.resolution in fixed else None
        if self.filter_id in PRICE_FILTERS:
            return (None, None)
        if self.filter_id in GENERATION_FILTERS or self.filter_id in REQUIRED_CONSUMPTION_FILTERS:
            return None if (self.filter_id, self.region) in expected_absent else (None, None)
        return None

    def clip(self, window: Window, period: Period | None = None) -> Window | None:
        """The part of ``window`` inside ``period`` (default: ``available``), or None if they do not overlap."""
        low, high = self.available if period is None else period
        start = max(window.start, low) if low is not None else window.start
        end = min(window.end, high) if high is not None else window.end
        return Window(start, end) if start < end else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SeriesSpec:
        return cls(int(data["filter_id"]), str(data["region"]), str(data["resolution"]))


def _filter_region(item: str, variable: str) -> tuple[int, str]:
    filter_text, _, region = item.partition("@")
    try:
        return int(filter_text), region.strip()
    except ValueError:
        raise ValueError(f"{variable} entry {item!r}: expected a filter id or id@REGION") from None


@dataclass(frozen=True)
class Settings:
    """What to load (see the module docstring): ``SMARD_SERIES``, ``SMARD_REGIONS``, ``SMARD_RESOLUTION``,
    ``SMARD_EXPECTED_ABSENT`` (as (filter id, region) pairs) and ``SMARD_LOOKBACK_HOURS``."""

    series: tuple[str, ...] = DEFAULT_SERIES
    regions: tuple[str, ...] = DEFAULT_REGIONS
    resolution: str = DEFAULT_RESOLUTION
    expected_absent: frozenset[tuple[int, str]] = field(
        default_factory=lambda: frozenset(_filter_region(item, "") for item in DEFAULT_EXPECTED_ABSENT))
    lookback: timedelta = timedelta(hours=DEFAULT_LOOKBACK_HOURS)
    concurrency: int = DEFAULT_CONCURRENCY

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(f"SMARD_CONCURRENCY must be 1 or more, got {self.concurrency}")
        if self.resolution not in RESOLUTIONS:
            raise ValueError(f"SMARD_RESOLUTION={self.resolution!r}: allowed are {sorted(RESOLUTIONS)}")
        self.series_specs()  # a typo fails the first task, naming the variable

    @classmethod
    def from_env(cls, env: Environment) -> Settings:
        absent = set()
        for item in env.items("SMARD_EXPECTED_ABSENT", DEFAULT_EXPECTED_ABSENT):
            filter_id, region = _filter_region(item, "SMARD_EXPECTED_ABSENT")
            if not region:
                raise ValueError(f"SMARD_EXPECTED_ABSENT entry {item!r}: expected id@REGION")
            absent.add((filter_id, region))
        return cls(series=env.items("SMARD_SERIES", DEFAULT_SERIES),
                   regions=env.items("SMARD_REGIONS", DEFAULT_REGIONS),
                   resolution=env.text("SMARD_RESOLUTION", DEFAULT_RESOLUTION),
                   expected_absent=frozenset(absent),
                   lookback=env.hours("SMARD_LOOKBACK_HOURS", DEFAULT_LOOKBACK_HOURS),
                   concurrency=env.integer("SMARD_CONCURRENCY", DEFAULT_CONCURRENCY, minimum=1))

    def series_specs(self) -> list[SeriesSpec]:
        """The series to load: a bare filter id for every region, ``id@REGION`` for that region only, at
        ``resolution``; a filter of ``FIXED_RESOLUTIONS`` (the price) gives one series per resolution SMARD
        publishes it in, whatever ``resolution`` says."""
        specs: list[SeriesSpec] = []
        for item in self.series:
            filter_id, region = _filter_region(item, "SMARD_SERIES")
            if filter_id not in FILTER_CATALOGUE:
                raise ValueError(f"SMARD_SERIES entry {item!r}: filter {filter_id} is not in the catalogue "
                                 f"{sorted(FILTER_CATALOGUE)}")
            resolutions = list(FIXED_RESOLUTIONS.get(filter_id, {self.resolution: None}))
            for reg in ([region] if region else self.regions):
                for res in resolutions:
                    spec = SeriesSpec(filter_id, reg, res)
                    if spec not in specs:
                        specs.append(spec)
        return specs


def plan(session: Any, endpoint: Any, settings: Settings) -> list[dict[str, Any]]:
    """The plan of a run: one mapped task per region, each with its series (``{"region": ..., "series":
    [SeriesSpec.as_dict(), ...]}``), in the order of ``series_specs``; no request."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for spec in settings.series_specs():
        groups.setdefault(spec.region, []).append(spec.as_dict())
    return [{"region": region, "series": series} for region, series in groups.items()]


def series_label(item: Mapping[str, Any]) -> str:
    """A mapped task's label in the UI: the region and its number of series (``DE (15 series)``)."""
    if "series" in item:
        return f"{item['region']} ({len(item['series'])} series)"
    return SeriesSpec.from_dict(item).label


# --- parsing ------------------------------------------------------------------------------------------------
def _ms_to_utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _utc_to_ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


_BLOCK_TS = re.compile(r"_(\d{10,14})\.json(?:$|\?)")


def _decode(payload: str | bytes | Mapping[str, Any], fail: Any) -> Any:
    if isinstance(payload, Mapping):
        return payload
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise fail(f"body is not valid JSON ({exc})") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_chart_data(
    payload: str | bytes | Mapping[str, Any],
    *,
    filter_id: int,
    region: str,
    resolution: str,
    url: str,
    window: Window,
    block_start: datetime | None = None,
    catalogue: Mapping[int, str] = FILTER_CATALOGUE,
) -> list[ChartValue]:
    """One weekly chart_data file -> the records inside ``window`` (values as given: null stays None).

    The whole file is validated, not only the part inside the window. Raises ``MalformedPayloadError``
    (source, URL, interval in the message) on invalid JSON, a changed shape, a value that is not a number or
    null, a non-finite or absurd value (``NaN``/``Infinity`` tokens, ``1e300``: ``validation.finite_number``),
    a timestamp repeated with a different value (an exact repeat collapses), timestamps off the resolution grid,
    or a filter id outside ``catalogue``.
    """

    def fail(message: str) -> MalformedPayloadError:
        return MalformedPayloadError(f"{filter_id}/{region}/{resolution}: {message}", source=SOURCE, url=url,
                                     start=window.start, end=window.end)

    if filter_id not in catalogue:
        raise fail(f"unknown filter id {filter_id}: not in the configured catalogue {sorted(catalogue)}")
    if resolution not in RESOLUTIONS:
        raise fail(f"unknown resolution {resolution!r}")
    data = _decode(payload, fail)
    if not isinstance(data, Mapping):
        raise fail(f"expected a JSON object, got {type(data).__name__}")
    missing = {"meta_data", "series"} - set(data)
    if missing:
        raise fail(f"missing keys {sorted(missing)}; keys present: {sorted(data)}")
    meta = data["meta_data"]
    if not isinstance(meta, Mapping) or not _is_int(meta.get("created")):
        raise fail(f"meta_data.created missing or not an integer: {meta!r:.120}")
    series = data["series"]
    if not isinstance(series, list):
        raise fail(f"series is a {type(series).__name__}, expected a list of [ms, value] pairs")
    created = _ms_to_utc(meta["created"])
    if block_start is None:
        found = _BLOCK_TS.search(url)
        if found:
            block_start = _ms_to_utc(int(found.group(1)))
        elif series and isinstance(series[0], list) and series[0] and _is_int(series[0][0]):
            block_start = _ms_to_utc(series[0][0])
        else:
            raise fail("cannot tell the block start (no timestamp in the URL and no series)")

    step_ms = int(RESOLUTIONS[resolution].total_seconds() * 1000)
    lo, hi = _utc_to_ms(window.start), _utc_to_ms(window.end)
    seen: dict[int, Any] = {}
    records: list[ChartValue] = []
    for position, point in enumerate(series):
        if not isinstance(point, list) or len(point) != 2:
            raise fail(f"series[{position}] is {point!r:.60}, expected [ms, value]")
        ts, value = point
        if not _is_int(ts):
            raise fail(f"series[{position}] timestamp {ts!r:.40} is not an integer (ms since epoch)")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise fail(f"series[{position}] at {_ms_to_utc(ts).isoformat()} has value {value!r:.40} "
                       f"of type {type(value).__name__}, expected a number or null")
        try:
            finite_number(value, field=f"series[{position}] at {_ms_to_utc(ts).isoformat()}: value")
        except SchemaDriftError as exc:
            raise fail(str(exc)) from None
        if ts % step_ms:
            raise fail(f"series[{position}] timestamp {ts} ({_ms_to_utc(ts).isoformat()}) is not on the "
                       f"{resolution} grid")
        if ts in seen:
            if seen[ts] == value:
                continue  # an exact repeat: collapsed (validation.unique_by's rule)
            raise fail(f"duplicate timestamp {ts} ({_ms_to_utc(ts).isoformat()}) with different values: "
                       f"{show(seen[ts])} and {show(value)}")
        seen[ts] = value
        if lo <= ts < hi:
            records.append(ChartValue(filter_id, region, resolution, _ms_to_utc(ts),
                                      None if value is None else float(value), created, block_start))
    return records


def parse_index(payload: str | bytes | Mapping[str, Any], *, url: str, window: Window) -> list[int]:
    """``index_{resolution}.json`` -> sorted block start timestamps (ms)."""

    def fail(message: str) -> MalformedPayloadError:
        return MalformedPayloadError(f"index: {message}", source=SOURCE, url=url, start=window.start,
                                     end=window.end)

    data = _decode(payload, fail)
    if not isinstance(data, Mapping) or not isinstance(data.get("timestamps"), list):
        raise fail(f"expected {{\"timestamps\": [ms, ...]}}, got {str(data)[:120]!r}")
    stamps = data["timestamps"]
    if not all(_is_int(ts) for ts in stamps):
        raise fail("timestamps must be integers (ms since epoch)")
    if len(set(stamps)) != len(stamps):
        raise fail("duplicate block timestamps")
    return sorted(stamps)


def local_week_end(block_start: datetime) -> datetime:
    """The end of the weekly block starting at ``block_start``: the same local time seven local days later."""
    local = block_start.astimezone(BERLIN)
    naive_next = local.replace(tzinfo=None) + timedelta(days=7)
    return naive_next.replace(tzinfo=BERLIN).astimezone(UTC)


def blocks_overlapping(timestamps: Sequence[int], window: Window) -> list[tuple[datetime, datetime]]:
    """The weekly blocks ``[start, end)`` that overlap ``window``.

    A block covers until the next index timestamp; the last one covers one local (Europe/Berlin) week. Never
    step by a fixed number of milliseconds: DST weeks are 167/169 hours long.
    """
    starts = [_ms_to_utc(ts) for ts in sorted(timestamps)]
    selected = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else local_week_end(start)
        if start < window.end and end > window.start:
            selected.append((start, end))
    return selected


# --- fetching and loading -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesLoadResult:
    series: SeriesSpec
    status: str  # present / absent (index 404) / not_available (SMARD has no such data for the window)
    window: Window
    blocks: int
    rows: int
    non_null: int
    deleted: int

    def as_dict(self) -> dict[str, Any]:
        return {"series": self.series.label, "status": self.status, "window": str(self.window),
                "blocks": self.blocks, "rows": self.rows, "non_null": self.non_null, "deleted": self.deleted}


def index_url(base_url: str, spec: SeriesSpec) -> str:
    return f"{base_url.rstrip('/')}/chart_data/{spec.filter_id}/{spec.region}/index_{spec.resolution}.json"


def block_url(base_url: str, spec: SeriesSpec, block_start: datetime) -> str:
    f, r, res = spec.filter_id, spec.region, spec.resolution
    return f"{base_url.rstrip('/')}/chart_data/{f}/{r}/{f}_{r}_{res}_{_utc_to_ms(block_start)}.json"


def fetch_series(
    session: Any, base_url: str, spec: SeriesSpec, window: Window,
    expected_absent: frozenset[tuple[int, str]] = frozenset(),
) -> tuple[str, list[ChartValue], int]:
    """Read the index and every weekly block overlapping ``window``.

    Returns ``(status, records inside window, number of blocks)``; status ``absent`` when the index is 404.
    """
    from gridcarbon.http import fetch as http_fetch

    url = index_url(base_url, spec)
    response = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end, ok_statuses=(200, 404))
    if response.status_code == 404:
        return "absent", [], 0
    stamps = parse_index(response.content, url=url, window=window)
    records: list[ChartValue] = []
    blocks = blocks_overlapping(stamps, window)
    if not blocks:
        first = _ms_to_utc(stamps[0]).isoformat() if stamps else "none"
        period = spec.required(expected_absent)
        level = logging.WARNING if period is not None and spec.clip(window, period) is not None else logging.INFO
        log.log(level, "smard %s: no weekly block overlaps %s (index: %d blocks, first %s); nothing to load. "
                "Before the first block, try SMARD_RESOLUTION=hour.", spec.label, window, len(stamps), first)
    for block_start, _block_end in blocks:
        burl = block_url(base_url, spec, block_start)
        resp = http_fetch(session, burl, source=SOURCE, start=window.start, end=window.end)
        records.extend(parse_chart_data(resp.content, filter_id=spec.filter_id, region=spec.region,
                                        resolution=spec.resolution, url=burl, window=window,
                                        block_start=block_start))
    return "present", records, len(blocks)


def store_series(conn: Any, spec: SeriesSpec, window: Window, records: Sequence[ChartValue], *,
                 meta: LoadMeta | None = None) -> LoadResult:
    """Replace ``window`` of one series by ``records`` (one ``replace_window`` call, in the caller's transaction)."""
    return replace_window(
        conn, CHART_VALUES, [r.row() for r in records],
        scope={"filter_id": spec.filter_id, "region": spec.region, "resolution": spec.resolution},
        time_column="interval_start_utc", window=window, meta=meta or LoadMeta(window=window),
    )


def record_status(conn: Any, spec: SeriesSpec, status: str, *, checked_at: datetime | None = None,
                  meta: LoadMeta | None = None) -> LoadResult:
    row = SeriesStatus(spec.filter_id, spec.region, spec.resolution, status, checked_at or datetime.now(UTC)).row()
    return replace_window(conn, SERIES_STATUS, [row], scope={"filter_id": spec.filter_id, "region": spec.region,
                                                             "resolution": spec.resolution}, meta=meta)


def read_series(
    session: Any, base_url: str, spec: SeriesSpec, window: Window, settings: Settings
) -> tuple[SeriesLoadResult, list[ChartValue]]:
    """Fetch one series for ``[window.start - settings.lookback, window.end)``, clipped to the period in which
    SMARD has it at this resolution (``SeriesSpec.available``), and log a required series that is missing.

    Returns the result (its ``window`` is the window read, which ``load`` replaces) and the records.
    Status ``not_available`` (nothing requested) when the window lies outside that period, e.g. the
    quarter-hour price before delivery day 2025-10-01.
    """
    widened = window.widened(settings.lookback)
    fetched = spec.clip(widened)
    if fetched is None:
        low, high = spec.available
        log.info("smard %s: SMARD has no %s data in %s (only from %s until %s); not requested", spec.label,
                 spec.resolution, widened, low.isoformat() if low else "the start",
                 high.isoformat() if high else "now")
        return SeriesLoadResult(spec, "not_available", widened, 0, 0, 0, 0), []
    status, records, blocks = fetch_series(session, base_url, spec, fetched, settings.expected_absent)
    result = SeriesLoadResult(spec, status, fetched, blocks, len(records),
                              sum(1 for r in records if r.value is not None), 0)
    warn_if_required_missing(result, records, settings.expected_absent)
    return result, records


@dataclass(frozen=True)
class SeriesRecords:
    """What ``fetch`` answered for one series: how it was read, and its records inside ``result.window``."""

    result: SeriesLoadResult
    records: list[ChartValue]


def fetch(session: Any, endpoint: Any, window: Window, settings: Settings,
          series: SeriesSpec | Mapping[str, Any]) -> Fetched[SeriesRecords] | NothingToLoad:
    """One series (a ``SeriesSpec``, or its ``as_dict`` from the plan) for the run's window widened by the
    look-back and clipped to the period in which SMARD has it at this resolution (``read_series``)."""
    spec = series if isinstance(series, SeriesSpec) else SeriesSpec.from_dict(series)
    result, records = read_series(session, endpoint.base_url, spec, window, settings)
    if result.status == "not_available":
        return NothingToLoad(f"SMARD has no {spec.label} data in {result.window}")
    note = {"series": spec.label, "status": result.status, "blocks": result.blocks, "non_null": result.non_null}
    return Fetched(SeriesRecords(result, records), result.window, url=index_url(endpoint.base_url, spec), note=note)


def fetch_region(session: Any, endpoint: Any, window: Window, settings: Settings,
                 group: Mapping[str, Any]) -> Several:
    """The series of one plan item (a region) for the run's window, each as ``fetch`` reads it, fetched
    ``settings.concurrency`` at a time over the one session; one part per series, in the plan's order, each
    replaced in its own transaction by the runner. The first error (after the HTTP retries) fails the task. A
    single series (``SeriesSpec.as_dict``, the plan item before runs were grouped by region) is a group of one."""
    from concurrent.futures import ThreadPoolExecutor

    items = group["series"] if "series" in group else [group]
    specs = [SeriesSpec.from_dict(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(settings.concurrency, len(specs)) or 1,
                            thread_name_prefix="smard") as pool:
        parts = list(pool.map(lambda spec: fetch(session, endpoint, window, settings, spec), specs))
    statuses: dict[str, int] = {}
    for part in parts:
        status = part.note["status"] if isinstance(part, Fetched) else "not_available"
        statuses[status] = statuses.get(status, 0) + 1
    note = {"region": specs[0].region if specs else None, "series": len(specs), "statuses": statuses,
            "blocks": sum(p.note["blocks"] for p in parts if isinstance(p, Fetched))}
    return Several(tuple(parts), note)


def load(conn: Any, fetched: SeriesRecords, window: Window, meta: LoadMeta) -> list[LoadResult]:
    """Replace ``window`` of the series by its records (all blocks in ONE ``replace_window``: revised values replace
    the old ones, values still null stay NULL), then write its status (present/absent), in the caller's
    transaction: a failure anywhere leaves the previous state."""
    spec, status = fetched.result.series, fetched.result.status
    results = [store_series(conn, spec, window, fetched.records, meta=meta)] if status == "present" else []
    return [*results, record_status(conn, spec, status, meta=meta)]


def warn_if_required_missing(result: SeriesLoadResult, records: Sequence[ChartValue] = (),
                             expected_absent: frozenset[tuple[int, str]] = frozenset()) -> None:
    """Log a series missing for the whole run: WARNING if it is required there, INFO otherwise.

    Missing means: the index answered 404 (absent), or (for a price, which is published a day ahead) not one
    published value in the part of the window where it is required.
    """
    spec = result.series
    period = spec.required(expected_absent)
    required = spec.clip(result.window, period) if period is not None else None
    name = FILTER_CATALOGUE.get(spec.filter_id, str(spec.filter_id))
    if result.status == "absent":
        if required is not None:
            log.warning("smard: required series %d (%s) at resolution %s is ABSENT for region %s in window %s: "
                        "SMARD's index answers HTTP 404. Intervals will carry SERIES_ABSENT%s.", spec.filter_id,
                        name, spec.resolution, spec.region, result.window,
                        " and PRICE_MISSING" if spec.filter_id in PRICE_FILTERS else "")
        else:
            log.info("smard %s: index answers 404, series absent (expected: no such plants in %s)", spec.label,
                     spec.region)
        return
    if required is None or spec.filter_id not in PRICE_FILTERS:
        return
    inside = [r for r in records if required.start <= r.interval_start_utc < required.end]
    if not any(r.value is not None for r in inside):
        log.warning("smard: required series %d (%s) at resolution %s has no published value for region %s in "
                    "window %s (%d rows, all null): these intervals will carry PRICE_MISSING.", spec.filter_id,
                    name, spec.resolution, spec.region, required, len(inside))


# --- the DAG smard_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """
### SMARD ingest (Bundesnetzagentur | SMARD.de, CC BY 4.0)

Every hour at :30 (UTC) loads the data interval of the run from SMARD's chart_data API into
`raw_smard.chart_values`, one mapped task per region, which requests its series concurrently
(`SMARD_CONCURRENCY`, default 4) and replaces each series in a transaction of its own (realised generation
1223-1228 and 4066-4071, total load 410, residual load 4359, pumped-storage consumption 4387 for DE and the four
control areas, and the day-ahead price 4169 for DE-LU at SMARD's resolutions: hourly, and quarter-hourly from
delivery day 2025-10-01, whatever `SMARD_RESOLUTION` says; each price series reads only the period in which SMARD
has its resolution, so a run before October 2025 loads the hourly price and never asks for a quarter-hour one).
Each series re-reads the last
`SMARD_LOOKBACK_HOURS` (default 48) before its interval too and replaces that whole window in one transaction, so
revised values and values published late (SMARD pads the current week with `null`) are picked up. A series SMARD
answers with 404 (e.g. offshore wind in TransnetBW) is recorded as `absent` in `raw_smard.series_status`; it does
not fail the run, but a required series (the price, a fuel that exists in the region, the load) missing for the
whole run is logged as a WARNING naming series, region and window. HTTP 429/5xx are retried (honouring
`Retry-After`), then Airflow's task retries take over; a 401/403 (a mirror behind auth) fails the task at once.

**Configuration** (environment of the workers, read at run time): `SMARD_SERIES` (filter ids, `id@REGION` for one
region only), `SMARD_REGIONS`, `SMARD_RESOLUTION` (`quarterhour` default, or `hour`; not for the price),
`SMARD_EXPECTED_ABSENT` (404s that are no warning), `SMARD_LOOKBACK_HOURS`; `SMARD_START` (parse time, default
`GRIDCARBON_CATCHUP_DAYS`=2 days back) is the first scheduled interval. The Airflow connection `smard` (host = base
URL) can point at a mirror; without it the public `https://www.smard.de/app` is used.

**History in whole weeks.** Intervals that end before the cut-off (`GRIDCARBON_RECENT_DAYS`, default 7, days
ago, rounded down to Monday 00:00 Europe/Berlin, where SMARD's weekly blocks start) are whole SMARD weeks; later
ones are hourly. The scheduler's catch-up and backfills (the UI's dialog, `airflow backfill create`) both get
them: a month of history is about 5 runs of 7 tasks, each weekly block read once per run.

**Backfill** (catchup is on; hourly data exist from 2015, quarter-hourly from 2018-10):

    airflow backfill create --dag-id smard_ingest --from-date 2015-01-01 --to-date 2015-02-01

Runs are idempotent (same interval, same rows), so a backfill can be repeated or overlap scheduled runs.

**Manual run for a longer window** (one run instead of hundreds of hourly ones), trigger with conf:

    {"window_start": "2025-03-01T00:00:00Z", "window_end": "2025-03-08T00:00:00Z"}
"""
