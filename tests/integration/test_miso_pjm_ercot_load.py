"""MISO, PJM and ERCOT into raw_iso.generation_by_fuel (real warehouse, replay server): rows land with the
source's own labels, an identical rerun changes nothing, and one ISO's load never touches another ISO's rows.
What a user would otherwise see: duplicated or vanished intervals after a rerun, or PJM's rows deleted by an
ERCOT run sharing the table."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from gridcarbon.intervals import Window
from gridcarbon.replay import ercot as ercot_replay
from gridcarbon.replay import miso as miso_replay
from gridcarbon.replay import pjm as pjm_replay
from gridcarbon.sources import ercot, pjm
from tests.integration.iso_helpers import extract_load

COLS = "iso, source_label, interval_start_utc, interval_minutes, generation_mw"


def _state(conn: object, iso: str) -> tuple[int, str]:
    with conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute(f"select count(*), md5(coalesce(string_agg(r::text, '|' order by r::text), '')) from "
                    f"(select {COLS} from raw_iso.generation_by_fuel where iso = %s) r", (iso,))
        count, digest = cur.fetchone()
    return int(count), digest


def _value(conn: object, iso: str, label: str, start: datetime) -> Decimal | None:
    with conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("select generation_mw from raw_iso.generation_by_fuel where iso=%s and source_label=%s "
                    "and interval_start_utc=%s", (iso, label, start))
        row = cur.fetchone()
    return row[0] if row else None


def test_pjm_load_and_identical_rerun(warehouse_db: str, admin_conn: object, replay_connections: object) -> None:
    """A day of PJM (24 h x 10 fuels) lands with PJM's labels and the replay's MW; a rerun is identical."""
    window = Window(datetime(2025, 2, 9, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC))
    result = extract_load("pjm", window, settings=pjm.Settings(lookback=timedelta(0)))
    assert result["rows"] == 240
    first = _state(admin_conn, "pjm")
    start = datetime(2025, 2, 9, 13, tzinfo=UTC)
    assert _value(admin_conn, "pjm", "Multiple Fuels", start) == Decimal(str(pjm_replay.mw("Multiple Fuels", start)))
    extract_load("pjm", window, settings=pjm.Settings(lookback=timedelta(0)))
    assert _state(admin_conn, "pjm") == first


def test_ercot_load_rerun_and_isolation(warehouse_db: str, admin_conn: object, replay_connections: object) -> None:
    """Six recent hours of ERCOT (72 intervals x 8 fuels) land; a rerun is identical; PJM's rows are untouched."""
    extract_load("pjm", Window(datetime(2025, 2, 9, tzinfo=UTC), datetime(2025, 2, 10, tzinfo=UTC)),
                 settings=pjm.Settings(lookback=timedelta(0)))
    pjm_before = _state(admin_conn, "pjm")
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    window = Window(end - timedelta(hours=6), end)
    assert extract_load("ercot", window, settings=ercot.Settings(lookback=timedelta(0)))["rows"] == 72 * 8
    first = _state(admin_conn, "ercot")
    assert _value(admin_conn, "ercot", "Wind", window.start) == Decimal(str(ercot_replay.gen("Wind", window.start)))
    extract_load("ercot", window, settings=ercot.Settings(lookback=timedelta(0)))
    assert _state(admin_conn, "ercot") == first
    assert _state(admin_conn, "pjm") == pjm_before


def _away_from_boundary() -> None:
    """Wait if the next 5-minute boundary (when the replay's snapshot moves on) is under 10 s away."""
    left = 300 - (time.time() % 300)
    if left < 10:
        time.sleep(left + 1)


def test_miso_load_and_identical_rerun(warehouse_db: str, admin_conn: object, replay_connections: object) -> None:
    """The current MISO interval (7 categories) lands; a rerun of the same run is identical."""
    _away_from_boundary()
    latest = miso_replay.latest_interval()
    window = Window(latest, latest + timedelta(minutes=5))
    assert extract_load("miso", window)["rows"] == len(miso_replay.CATEGORIES)
    first = _state(admin_conn, "miso")
    assert _value(admin_conn, "miso", "Nuclear", latest) == Decimal(miso_replay.act("Nuclear", latest))
    extract_load("miso", window)
    assert _state(admin_conn, "miso") == first
