"""MISO real-time fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``miso``), 5-minute MW per fuel.

``GET {base}/MISORTWDDataBroker/DataBrokerServices.asmx?messageType=getfuelmix&returnType=json`` (base
``https://api.misoenergy.org``, no key). The answer is a snapshot of the LATEST 5-minute interval only:
``{"RefId": "25-Jan-2018 - Interval 04:30 EST", "TotalMW": "69728", "Fuel": {"Type": [{"INTERVALEST":
"2018-01-25 4:30:00 AM", "CATEGORY": "Coal", "ACT": "40384", ...}]}}``.

Time: MISO stamps in EST (UTC-5) all year, also in summer (no DST). ``INTERVALEST`` is taken as the interval
START (as gridstatus does). ``ACT`` is MW as a string; MISO uses ``-1`` for "no value", which is kept as
published in the raw table (staging decides). The parser reads every item's own ``INTERVALEST``, so a
multi-interval answer (MISO's newer ``/api/FuelMix`` has the same item shape) parses too.

Current data only: a run can only load the interval MISO is showing now. For a window that starts more than
``MISO_SERVED_MINUTES`` (default 15) ago, or whose interval MISO has already replaced by a newer one, ``fetch``
answers ``NotServed`` (the run ends as skipped with the reason, writing nothing); a run that comes before MISO
published its interval fails and is retried. Only the snapshot's interval is replaced (never the rest of a wider
manual window).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from gridcarbon.errors import SourceUnavailableError
from gridcarbon.http import fetch as http_fetch
from gridcarbon.http import json_body
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources.contract import NotServed
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    generation,
    generation_loader,
    malformed,
    parse_mw,
    serve,
)
from gridcarbon.sources.validation import SchemaDriftError, require_keys, unique_generation

log = logging.getLogger(__name__)

SOURCE = "miso"
DEFAULT_BASE_URL = "https://api.misoenergy.org"
PATH = "MISORTWDDataBroker/DataBrokerServices.asmx"
PARAMS = {"messageType": "getfuelmix", "returnType": "json"}
EST = timezone(timedelta(hours=-5), "EST")
STEP = timedelta(minutes=5)
DEFAULT_SERVED_MINUTES = 15


@dataclass(frozen=True)
class Settings(IsoSettings):
    """``MISO_SERVED_MINUTES`` (default 15): how long after its start a window can still be fetched."""

    served_for: timedelta = timedelta(minutes=DEFAULT_SERVED_MINUTES)

    @classmethod
    def own_from_env(cls, env: Environment) -> dict[str, Any]:
        return {"served_for": env.minutes("MISO_SERVED_MINUTES", DEFAULT_SERVED_MINUTES)}


def parse_interval_est(raw: Any, *, url: str | None = None, window: Window | None = None) -> datetime:
    """``"2018-01-25 4:30:00 AM"`` (fixed EST) -> ``2018-01-25T09:30Z``."""
    text = str(raw).strip()
    for fmt in ("%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=EST).astimezone(UTC)
        except ValueError:
            continue
    raise malformed(SOURCE, f"INTERVALEST {raw!r} is not 'YYYY-MM-DD h:mm:ss AM'", url, window)


def parse_fuel_mix(payload: Any, *, url: str | None = None, window: Window | None = None) -> list[GenerationRecord]:
    """One getfuelmix answer -> records (interval start UTC, MISO's CATEGORY label, MW)."""
    fuel = payload.get("Fuel") if isinstance(payload, Mapping) else None
    types = fuel.get("Type") if isinstance(fuel, Mapping) else None
    if isinstance(types, Mapping):  # a single category may come as an object
        types = [types]
    if not isinstance(types, list):
        raise malformed(SOURCE, "answer has no Fuel.Type list", url, window)
    records: list[GenerationRecord] = []
    for item in types:
        if not isinstance(item, Mapping):
            raise malformed(SOURCE, f"Fuel.Type item is not an object: {item!r}", url, window)
        label = item.get("CATEGORY")
        if not isinstance(label, str) or not label.strip():
            raise malformed(SOURCE, f"Fuel.Type item without CATEGORY: {dict(item)!r}", url, window)
        start = parse_interval_est(item.get("INTERVALEST"), url=url, window=window)
        try:
            require_keys(item, ("ACT",), what=f"Fuel.Type item {label!r} at {start.isoformat()}")
        except SchemaDriftError as exc:
            raise malformed(SOURCE, str(exc), url, window) from None
        mw = parse_mw(item.get("ACT"), source=SOURCE, field="ACT", url=url, window=window)
        records.append(GenerationRecord(SOURCE, label.strip(), start, 5, mw))
    try:
        return unique_generation(records)  # a category twice at one interval: same MW collapses, else error
    except SchemaDriftError as exc:
        raise malformed(SOURCE, f"Fuel.Type: {exc}", url, window) from None


def fetch_snapshot(session: Any, endpoint: Any, window: Window) -> list[GenerationRecord]:
    url = endpoint.url(PATH)
    response = http_fetch(session, url, source=SOURCE, start=window.start, end=window.end, params=PARAMS)
    payload = json_body(response, source=SOURCE, start=window.start, end=window.end)
    return parse_fuel_mix(payload, url=response.url, window=window)


def fetch(session: Any, endpoint: Any, window: Window, settings: Settings) -> GenerationAnswer:
    """MISO's current snapshot if its interval lies in the (still served) window; ``NotServed`` if the window is
    too old or MISO already shows a later interval; SourceUnavailableError (retried) if it shows an earlier one."""
    served = serve(SOURCE, window, settings, served_for=settings.served_for, what="the latest 5-minute interval only")
    if isinstance(served, NotServed):
        return served
    records = fetch_snapshot(session, endpoint, served)
    starts = sorted({r.interval_start_utc for r in records})
    if not starts:
        raise malformed(SOURCE, "the snapshot holds no interval", endpoint.url(PATH), served)
    inside = [s for s in starts if served.start <= s < served.end]
    if not inside:
        if starts[-1] >= served.end:
            return NotServed(f"miso serves the latest 5-minute interval only: it shows {starts[-1].isoformat()} "
                             f"now, so the window {served} can no longer be fetched; this run writes nothing.")
        raise SourceUnavailableError(
            f"MISO has not published an interval of the window yet (latest is {starts[-1].isoformat()}); "
            "the task retry will ask again", source=SOURCE, url=endpoint.url(PATH), start=served.start,
            end=served.end)
    return generation(SOURCE, records, Window(inside[0], inside[-1] + STEP), settings, url=endpoint.url(PATH),
                      step=None)


load = generation_loader(SOURCE)


# --- the DAG miso_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """MISO real-time fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``miso``).

Every 5 minutes (UTC) loads MISO's latest 5-minute interval from the real-time data broker
(``getfuelmix``: MW per fuel category, stamped in fixed EST, UTC-5 all year).

**Current data only**: MISO shows one interval at a time and keeps no history behind this API, so
``catchup=False`` and a run for an interval MISO no longer shows (older than ``MISO_SERVED_MINUTES``,
default 15, or already replaced by a newer interval) ends as *skipped* with the reason, writing nothing. A run
that comes before MISO published its interval fails and is retried. History for MISO comes from EIA's
hourly fuel-type data (`eia_ingest`, respondent MISO).

Connection ``miso``: host = base URL (default https://api.misoenergy.org); no credential. Pool ``miso``.
"""
