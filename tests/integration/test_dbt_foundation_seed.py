"""The committed emission-factor seed is what scripts/build_factor_seed.py derives from the fixture (no DB)."""

from __future__ import annotations

import csv
import subprocess
import sys

from gridcarbon.settings import REPO_ROOT
from tests.conftest import fixture_path

SCRIPT = REPO_ROOT / "scripts" / "build_factor_seed.py"
SEED = REPO_ROOT / "dbt_project" / "seeds" / "emission_factors_published.csv"


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_seed_is_up_to_date_with_the_fixture() -> None:
    fixture = fixture_path("emission_factors/electricitymaps_emission_factors_flat.csv")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--check", "--fixture", str(fixture)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_seed_dates_are_local_midnight_and_fuels_are_mapped() -> None:
    rows = seed_rows()
    index = {(r["fuel"], r["region"], r["scope"], r["valid_from"]): r for r in rows}
    # DE coal 2025 (1052.69) -> lignite and hard_coal, valid from 2025-01-01 00:00 Europe/Berlin
    for fuel in ("lignite", "hard_coal", "coal"):
        assert index[(fuel, "DE", "direct", "2024-12-31 23:00:00+00")]["g_co2eq_per_kwh"] == "1052.69"
    # summer-time never shifts a 1 January date; US: local midnight of the area's zone; GLOBAL: UTC midnight
    # one region key per balancing authority (EIA's respondent code), whichever source delivered the data
    assert not {r["region"] for r in rows} & {"CAISO", "SPP", "NYISO", "ISONE", "BPA", "ERCOT"}
    assert index[("natural_gas", "CISO", "direct", "2023-01-01 08:00:00+00")]["g_co2eq_per_kwh"] == "396.16"
    assert index[("unknown", "GLOBAL", "direct", "2015-01-01 00:00:00+00")]["g_co2eq_per_kwh"] == "575"
    assert index[("other_conventional", "DE", "lifecycle", "2014-12-31 23:00:00+00")]["g_co2eq_per_kwh"] == "700"
    assert index[("pumped_storage", "DE", "direct", "2023-12-31 23:00:00+00")]["g_co2eq_per_kwh"] == "240.13"
    # provenance on every row; no factor before 2014 (no stretching back to the epoch)
    assert all(r["source"] and r["source_url"].startswith("https://github.com/electricitymaps/") for r in rows)
    assert min(r["valid_from"] for r in rows) >= "2013-12-31"
    assert {r["scope"] for r in rows} == {"direct", "lifecycle"}
