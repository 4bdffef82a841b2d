"""Build ``dbt_project/seeds/emission_factors_published.csv`` from the flattened electricityMaps factors.

Input (read in place, never copied into the repository): ``emission_factors/electricitymaps_emission_factors_flat.csv``
under ``GRIDCARBON_FIXTURES_DIR`` (default ``../shared/fixtures``): one row per (zone, kind, mode, valid_from) of
``config/defaults.yaml`` and ``config/zones/*.yaml`` of electricitymaps-contrib at commit ``b354f28``.

Output: the dated history of published factors, one row per (fuel, region, scope, valid_from), sorted. The seed is
committed; rerun this script when the fixture changes (``python scripts/build_factor_seed.py``; ``--check`` exits
1 when the committed seed is stale).

Decisions (documented again in ``seeds/_seeds__models.yml``):

- Modes -> canonical fuels: coal -> lignite, hard_coal, coal (electricityMaps lumps coal; SMARD splits it, the
  EIA does not); gas -> natural_gas; oil -> oil; biomass -> biomass and other_renewables (SMARD "Sonstige
  Erneuerbare" is mostly biogenic gas: sewage, landfill; [U]); geothermal -> geothermal; hydro -> hydro;
  nuclear -> nuclear; solar -> photovoltaics; wind -> wind_onshore, wind_offshore, wind; unknown -> unknown and
  other_conventional (SMARD "Sonstige Konventionelle" is a mixed thermal bag: waste, mine/blast-furnace gas,
  oil products [U]; electricityMaps' "assumes thermal" default fits it); hydro discharge -> pumped_storage and
  battery discharge -> battery_storage (emissions counted at discharge with the mean intensity of the charging
  hours, DOMAIN §4.4); battery charge / hydro charge are skipped (charging is load, never generation).
- Zones -> regions: DE -> DE (SMARD control areas fall back to DE in the lookup); the US zones -> the EIA
  respondent code (CISO, MISO, PJM, SWPP, NYIS, ISNE, BPAT, ERCO), the one region key staging gives a balancing
  authority whichever source (EIA or the ISO feed) delivered it (seed us_balancing_authorities);
  ``_default`` -> GLOBAL.
- Zone files override the defaults per mode (electricityMaps semantics). Where a zone's list for a mode starts
  later than the defaults, the default rows dated before the zone's first entry are kept for that period (with
  a comment saying so) instead of stretching the zone's first value back to the epoch as electricityMaps does.
  Modes without a zone list take the default list.
- valid_from = local midnight of the published date in the region's business time zone, stored in UTC:
  DE Europe/Berlin (2025-01-01 -> 2024-12-31T23:00Z, DOMAIN §1.3); US regions the time zone where most of the
  area's load is (CAISO/BPA America/Los_Angeles; MISO, SPP, ERCOT America/Chicago; PJM, NYISO, ISONE
  America/New_York; eGRID factors are calendar-year values); GLOBAL UTC midnight (no local calendar applies).
- Constant factors (no date in the YAML) get valid_from 2015-01-01 local: SMARD data starts in 2015 and no
  factor is stretched back to the epoch; an interval before a region's first row gets NO_FACTOR downstream.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_PATH = REPO_ROOT / "dbt_project" / "seeds" / "emission_factors_published.csv"
FIXTURE_RELATIVE = Path("emission_factors") / "electricitymaps_emission_factors_flat.csv"
ELECTRICITYMAPS_COMMIT = "b354f28aad434182bf591c51481e7eded62306cf"
SOURCE_URL = f"https://github.com/electricitymaps/electricitymaps-contrib/blob/{ELECTRICITYMAPS_COMMIT}/{{config_file}}"
CONSTANT_VALID_FROM = date(2015, 1, 1)
DEFAULT_ZONE = "_default"

MODE_TO_FUELS: dict[str, tuple[str, ...]] = {
    "coal": ("lignite", "hard_coal", "coal"),
    "gas": ("natural_gas",),
    "oil": ("oil",),
    "biomass": ("biomass", "other_renewables"),
    "geothermal": ("geothermal",),
    "hydro": ("hydro",),
    "nuclear": ("nuclear",),
    "solar": ("photovoltaics",),
    "wind": ("wind_onshore", "wind_offshore", "wind"),
    "unknown": ("unknown", "other_conventional"),
    "hydro discharge": ("pumped_storage",),
    "battery discharge": ("battery_storage",),
}
SKIPPED_MODES = {"battery charge", "hydro charge"}  # load, not generation: emissions are counted at discharge

MAPPING_NOTES: dict[tuple[str, str], str] = {
    ("coal", "lignite"): "electricityMaps lumps coal; the same factor is used for lignite",
    ("coal", "hard_coal"): "electricityMaps lumps coal; the same factor is used for hard coal",
    ("biomass", "other_renewables"): "SMARD Sonstige Erneuerbare treated as biogenic (sewage/landfill gas) [U]",
    ("unknown", "other_conventional"): "SMARD Sonstige Konventionelle: mixed thermal, factor of unknown [U]",
    ("wind", "wind_onshore"): "electricityMaps has one wind factor",
    ("wind", "wind_offshore"): "electricityMaps has one wind factor",
    ("hydro discharge", "pumped_storage"): "emissions counted at discharge (mean intensity of charging hours); "
    "pumping (SMARD 4387) is load and gets no factor (DOMAIN 4.4)",
    ("battery discharge", "battery_storage"): "emissions counted at discharge (mean intensity of charging hours)",
}

# zone -> (regions used in staging, business time zone)
ZONE_REGIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "DE": (("DE",), "Europe/Berlin"),
    "US-CAL-CISO": (("CISO",), "America/Los_Angeles"),
    "US-MIDW-MISO": (("MISO",), "America/Chicago"),
    "US-MIDA-PJM": (("PJM",), "America/New_York"),
    "US-CENT-SWPP": (("SWPP",), "America/Chicago"),
    "US-NY-NYIS": (("NYIS",), "America/New_York"),
    "US-NE-ISNE": (("ISNE",), "America/New_York"),
    "US-NW-BPAT": (("BPAT",), "America/Los_Angeles"),
    "US-TEX-ERCO": (("ERCO",), "America/Chicago"),
    DEFAULT_ZONE: (("GLOBAL",), "UTC"),
}

COLUMNS = (
    "fuel", "region", "scope", "g_co2eq_per_kwh", "valid_from", "source", "source_url", "comment",
    "source_zone", "source_mode", "source_valid_from_date",
)


def fixtures_dir() -> Path:
    return Path(os.environ.get("GRIDCARBON_FIXTURES_DIR", REPO_ROOT.parent / "shared" / "fixtures")).resolve()


def read_fixture(path: Path) -> dict[tuple[str, str, str], list[dict[str, str]]]:
    """(zone, kind, mode) -> rows sorted by date (constant rows dated CONSTANT_VALID_FROM)."""
    entries: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["mode"] in SKIPPED_MODES:
                continue
            if row["mode"] not in MODE_TO_FUELS:
                raise SystemExit(f"{path}: unmapped electricityMaps mode {row['mode']!r}")
            if row["zone"] not in ZONE_REGIONS:
                raise SystemExit(f"{path}: unmapped zone {row['zone']!r}")
            row = dict(row, is_constant="1" if not row["valid_from"] else "")
            row["valid_from"] = row["valid_from"] or CONSTANT_VALID_FROM.isoformat()
            entries[(row["zone"], row["kind"], row["mode"])].append(row)
    for key, rows in entries.items():
        rows.sort(key=lambda r: r["valid_from"])
        dates = [r["valid_from"] for r in rows]
        if len(set(dates)) != len(dates):
            raise SystemExit(f"{path}: duplicate valid_from in {key}: {dates}")
    return entries


def resolve_zone(entries: dict[tuple[str, str, str], list[dict[str, str]]], zone: str, kind: str, mode: str
                 ) -> list[tuple[dict[str, str], str]]:
    """The effective list for one zone/kind/mode: the zone's own list, preceded by default rows for the period
    before the zone's first entry; (row, note) pairs."""
    defaults = entries.get((DEFAULT_ZONE, kind, mode), [])
    own = entries.get((zone, kind, mode), []) if zone != DEFAULT_ZONE else []
    if not own:
        note = "" if zone == DEFAULT_ZONE else f"zone {zone} has no own {kind} factor: electricityMaps global default"
        return [(r, note) for r in defaults]
    first = own[0]["valid_from"]
    before = [
        (r, f"global default, used before the first {zone} entry ({first})")
        for r in defaults if r["valid_from"] < first
    ]
    return before + [(r, "") for r in own]


def utc_of_local_midnight(day: str, tz: str) -> str:
    local = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


def build_rows(entries: dict[tuple[str, str, str], list[dict[str, str]]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    kinds = sorted({k for (_, k, _) in entries})
    for zone, (regions, tz) in ZONE_REGIONS.items():
        for kind in kinds:
            for mode, fuels in MODE_TO_FUELS.items():
                for row, note in resolve_zone(entries, zone, kind, mode):
                    for fuel in fuels:
                        comment = "; ".join(
                            part for part in (
                                row["comment"].strip(),
                                note,
                                MAPPING_NOTES.get((mode, fuel), ""),
                                "constant in the YAML: valid from 2015-01-01 (gridcarbon choice)"
                                if row["is_constant"] else "",
                            ) if part
                        )
                        for region in regions:
                            out.append({
                                "fuel": fuel,
                                "region": region,
                                "scope": kind,
                                "g_co2eq_per_kwh": row["value_gco2eq_per_kwh"],
                                "valid_from": utc_of_local_midnight(row["valid_from"], tz),
                                "source": f"electricityMaps ({row['config_file']}): {row['source'].strip()}",
                                "source_url": SOURCE_URL.format(config_file=row["config_file"]),
                                "comment": comment,
                                "source_zone": row["zone"],
                                "source_mode": row["mode"],
                                "source_valid_from_date": row["valid_from"],
                            })
    out.sort(key=lambda r: (r["region"], r["scope"], r["fuel"], r["valid_from"]))
    keys = [(r["fuel"], r["region"], r["scope"], r["valid_from"]) for r in out]
    if len(set(keys)) != len(keys):
        raise SystemExit("duplicate (fuel, region, scope, valid_from) in the generated seed")
    return out


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", type=Path, default=None, help="flat CSV (default: fixtures dir)")
    parser.add_argument("--output", type=Path, default=SEED_PATH)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed seed differs")
    args = parser.parse_args(argv)
    fixture = args.fixture or fixtures_dir() / FIXTURE_RELATIVE
    if not fixture.exists():
        print(f"fixture {fixture} not found (set GRIDCARBON_FIXTURES_DIR)", file=sys.stderr)
        return 2
    text = render(build_rows(read_fixture(fixture)))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: rerun scripts/build_factor_seed.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {text.count(chr(10)) - 1} rows to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
