"""The shared ISO helpers (iso_common): the served-window rule for current-data-only sources and the
generation loader's scope check. A user would otherwise see old runs failing forever instead of a clear skip,
or one ISO's load deleting another ISO's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import iso_common
from gridcarbon.sources.contract import NotServed
from gridcarbon.sources.iso_common import GenerationRecord
from gridcarbon.warehouse import LoadError


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


NOW = _utc("2025-06-01T12:00")


def test_served_part_clips_or_rejects() -> None:
    """Fully served windows are kept, partly served ones clipped, unserved ones give None."""
    recent = Window(NOW - timedelta(minutes=10), NOW)
    assert iso_common.served_part(recent, served_for=timedelta(minutes=15), now=NOW) == recent
    wide = Window(NOW - timedelta(hours=2), NOW)
    assert iso_common.served_part(wide, served_for=timedelta(hours=1), now=NOW) == Window(NOW - timedelta(hours=1),
                                                                                         NOW)
    old = Window(NOW - timedelta(hours=3), NOW - timedelta(hours=2))
    assert iso_common.served_part(old, oldest_served=lambda now: now - timedelta(hours=1), now=NOW) is None


def test_not_served_explains() -> None:
    """``serve`` answers ``NotServed`` (a value: the DAG layer raises the skip) naming the source, what it serves,
    the oldest instant and the window; a served window comes back clipped."""
    old = Window(NOW - timedelta(hours=3), NOW - timedelta(hours=2))
    settings = iso_common.IsoSettings(now=NOW)
    answer = iso_common.serve("miso", old, settings, served_for=timedelta(minutes=15), what="the latest only")
    assert isinstance(answer, NotServed)
    assert "miso serves the latest only" in answer.reason
    assert "2025-06-01T11:45:00+00:00" in answer.reason and "2025-06-01T09:00:00+00:00" in answer.reason
    assert "writes nothing" in answer.reason
    recent = Window(NOW - timedelta(minutes=20), NOW)
    assert iso_common.serve("miso", recent, settings, served_for=timedelta(minutes=15)) == Window(
        NOW - timedelta(minutes=15), NOW)


def test_grace_is_a_setting() -> None:
    """``ISO_PUBLICATION_GRACE_MINUTES`` is read once into the settings (default 45)."""
    assert iso_common.IsoSettings.from_env(Environment({})).grace == timedelta(minutes=45)
    assert iso_common.IsoSettings.from_env(
        Environment({"ISO_PUBLICATION_GRACE_MINUTES": "5"})).grace == timedelta(minutes=5)
    with pytest.raises(ValueError, match="ISO_PUBLICATION_GRACE_MINUTES"):
        iso_common.IsoSettings.from_env(Environment({"ISO_PUBLICATION_GRACE_MINUTES": "soon"}))


def test_intervals_ended_in() -> None:
    """An hourly run at :10 for [00:10, 01:10) loads the hour 00:00-01:00; an aligned window is unchanged."""
    run = Window(_utc("2025-03-01T00:10"), _utc("2025-03-01T01:10"))
    assert iso_common.intervals_ended_in(run, 60) == Window(_utc("2025-03-01T00:00"), _utc("2025-03-01T01:00"))
    aligned = Window(_utc("2025-03-01T00:05"), _utc("2025-03-01T00:10"))
    assert iso_common.intervals_ended_in(aligned, 5) == aligned
    assert iso_common.intervals_ended_in(Window(_utc("2025-03-01T00:10"), _utc("2025-03-01T00:50")), 60) is None


def test_load_generation_refuses_other_isos_rows() -> None:
    """A record of another ISO (or outside the window) is refused before anything is written."""
    window = Window(_utc("2025-03-01T00:00"), _utc("2025-03-01T01:00"))
    rec = GenerationRecord("pjm", "Coal", _utc("2025-03-01T00:00"), 60, None)
    with pytest.raises(LoadError, match="scope"):
        iso_common.load_generation(None, "miso", [rec], window)
    late = GenerationRecord("miso", "Coal", _utc("2025-03-01T01:00"), 5, None)
    with pytest.raises(LoadError, match="outside"):
        iso_common.load_generation(None, "miso", [late], window)


def test_table_registered_once() -> None:
    """raw_iso.generation_by_fuel, which the eight ISO entries of the registry share, is created once."""
    from gridcarbon.sources import all_raw_tables

    names = [t.qualified for t in all_raw_tables()]
    assert names.count("raw_iso.generation_by_fuel") == 1
