"""ISO-NE generation fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``isone``).

``GET https://webservices.iso-ne.com/api/v1.1/genfuelmix/day/{YYYYMMDD}`` (and ``/genfuelmix/current``), header
``Accept: application/json``, HTTP basic auth with an ISO Express account: the Airflow connection ``isone``
holds it as login/password. Answer::

    {"GenFuelMixes": {"GenFuelMix": [{"BeginDate": "2024-11-03T00:08:35.000-04:00", "GenMw": 252,
                                      "FuelCategoryRollup": "Hydro", "FuelCategory": "Hydro", ...}]}}

``BeginDate`` carries the local offset, which changes on DST days (the autumn day mixes ``-04:00`` and
``-05:00`` stamps in the repeated 01:xx hour): the offset in the string is used as is. The stamps are irregular
(~5 minutes apart, e.g. 00:08:35, 00:13:37): ``source_label`` is ``FuelCategory``; ``interval_minutes`` is the
gap to the next distinct stamp of the same answer, rounded to whole minutes (at least 1); the last stamp of an
answer (and the single ``/current`` snapshot) gets 5, the nominal cadence. ``GenMw`` is the MW at that stamp.

A day is an Eastern calendar day. ISO-NE serves long history, so the DAG catches up from ``ISONE_START``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from gridcarbon.errors import MalformedPayloadError, SourceAuthError
from gridcarbon.intervals import Window
from gridcarbon.sources.iso_common import (
    GenerationAnswer,
    GenerationRecord,
    IsoSettings,
    generation,
    generation_loader,
)
from gridcarbon.sources.validation import SchemaDriftError, finite_number, require_keys, unique_generation

SOURCE = "isone"
DEFAULT_BASE_URL = "https://webservices.iso-ne.com/api/v1.1"
EASTERN = ZoneInfo("America/New_York")
NOMINAL_MINUTES = 5
STEP = timedelta(minutes=20)  # the last interval is published with a lag: "published yet" looks this far back
Settings = IsoSettings  # nothing of its own


def parse_genfuelmix(payload: Any, *, url: str | None = None, start: datetime | None = None,
                     end: datetime | None = None) -> list[GenerationRecord]:
    """One genfuelmix JSON answer (day or current) -> records."""
    def bad(message: str) -> MalformedPayloadError:
        return MalformedPayloadError(message, source=SOURCE, url=url, start=start, end=end)

    if not isinstance(payload, dict) or "GenFuelMixes" not in payload:
        shape = list(payload)[:5] if isinstance(payload, dict) else type(payload).__name__
        raise bad(f"answer has no GenFuelMixes object (got {shape})")
    container = payload["GenFuelMixes"]
    if container in ("", None) or (isinstance(container, dict) and not container.get("GenFuelMix")):
        return []  # a day without data
    if not isinstance(container, dict):
        raise bad(f"GenFuelMixes is a {type(container).__name__}, expected an object")
    items = container["GenFuelMix"]
    if isinstance(items, dict):  # one element: the XML-to-JSON mapping drops the list
        items = [items]
    parsed: list[tuple[datetime, str, float | None]] = []
    for item in items:
        try:
            stamp = datetime.fromisoformat(str(item["BeginDate"]))
            if stamp.tzinfo is None:
                raise ValueError("BeginDate without offset")
            label = str(item["FuelCategory"]).strip()
            require_keys(item, ("GenMw",), what=f"GenFuelMix element {label!r} at {item['BeginDate']}")
            raw = item["GenMw"]
            value = None if raw in (None, "") else finite_number(float(raw), field="GenMw")
        except SchemaDriftError as exc:
            raise bad(str(exc)) from None
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"GenFuelMix element {item!r}: {exc!r}") from None
        parsed.append((stamp.astimezone(UTC), label, value))
    stamps = sorted({p[0] for p in parsed})
    minutes: dict[datetime, int] = {}
    for here, following in zip(stamps, [*stamps[1:], None], strict=True):
        if following is None:
            minutes[here] = NOMINAL_MINUTES
        else:
            minutes[here] = max(1, round((following - here).total_seconds() / 60))
    records = [GenerationRecord(SOURCE, label, ts, minutes[ts], value) for ts, label, value in parsed]
    try:
        return unique_generation(records)  # a category twice at one stamp: same MW collapses, else error
    except SchemaDriftError as exc:
        raise bad(f"GenMw of {exc}") from None


def eastern_days(window: Window) -> list[date]:
    first = window.start.astimezone(EASTERN).date()
    last = (window.end - timedelta(microseconds=1)).astimezone(EASTERN).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def fetch(session: Any, endpoint: Any, window: Window, settings: IsoSettings) -> GenerationAnswer:
    """Every Eastern day the window touches (one request each, HTTP basic auth), kept to the window."""
    from gridcarbon.http import fetch as http_fetch
    from gridcarbon.http import json_body

    if not endpoint.password:
        raise SourceAuthError("ISO-NE web services need an ISO Express account: set login and password of "
                              "Airflow connection 'isone'", source=SOURCE, url=endpoint.base_url,
                              start=window.start, end=window.end)
    records: list[GenerationRecord] = []
    for day in eastern_days(window):
        lo = datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)
        hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=EASTERN).astimezone(UTC)
        url = endpoint.url(f"/genfuelmix/day/{day:%Y%m%d}")
        resp = http_fetch(session, url, source=SOURCE, start=lo, end=hi,
                          headers={"Accept": "application/json"}, auth=(endpoint.login or "", endpoint.password))
        records += parse_genfuelmix(json_body(resp, source=SOURCE, start=lo, end=hi), url=url, start=lo, end=hi)
    return generation(SOURCE, records, window, settings, url=endpoint.base_url, step=STEP)


load = generation_loader(SOURCE)


# --- the DAG isone_ingest (gridcarbon.sources.registry): its documentation in the Airflow UI
DAG_DOC = """ISO-NE generation fuel mix -> ``raw_iso.generation_by_fuel`` (iso ``isone``).

Daily at 05:30 UTC for the previous 24 hours: ``/genfuelmix/day/{YYYYMMDD}`` for each Eastern day the window
touches (JSON, irregular ~5-minute stamps with their local offset; ``interval_minutes`` = gap to the next stamp).

Connection ``isone``: host = base URL (default https://webservices.iso-ne.com/api/v1.1), login/password = an ISO
Express account (HTTP basic auth; a missing or rejected credential fails with SourceAuthError, no retry helps).
Backfill: ``catchup=True`` from ``ISONE_START`` (default: `GRIDCARBON_CATCHUP_DAYS`, 2, days back); manual runs take
``conf={"window_start", "window_end"}``. Pool ``isone``.
While the window's last interval is not published yet (up to ``ISO_PUBLICATION_GRACE_MINUTES``, default 45
minutes after the window's end) the task fails with SourceUnavailableError and Airflow retries it.
"""
