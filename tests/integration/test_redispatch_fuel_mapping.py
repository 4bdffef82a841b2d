"""Issue 14, redispatch fuel mapping, on the real 2024 netztransparenz file (17,312 measures) and the OPSD plant list.

Both are read in place from the fixtures folder and loaded through the project's parser and loader into this
module's fresh warehouse; ``dbt build`` runs the mapping and everything upstream (seeds, staging,
``int_redispatch_plants_matched``, ``int_redispatch_measures_mapped``, their data and unit tests). Then:

(a) the issue's example: "Reservekraftwerk Rheinhafen-Dampfkraftwerk Karlsruhe Block 4" is the gas block RDK 4S,
    not ``unknown``; exchange-based countertrading ("Börse") is a market, not a plant with a fuel;
(b) at least 95 % of the plant (non-market) redispatch energy of 2024 has a mapped fuel, read from the dbt models
    with the SQL that ``scripts/measure_redispatch_mapping.py`` prints, and the README states the figures;
(c) every row of the reviewed seed is valid and used: its plant keys exist in the plant list and have the seed's
    fuel (pumped storage excepted, see the seed's docs), its fuel is canonical, its name occurs in the 2024 file,
    the model applies it, and it settles something the plant list alone does not.

A user would otherwise see gas plants counted as ``unknown`` (575 g/kWh), most of the year's redispatch on class
fallbacks, or a seed row that silently does nothing (a typo in a published name).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from gridcarbon.settings import REPO_ROOT
from gridcarbon.sources import netztransparenz as nt
from scripts.measure_redispatch_mapping import (
    MEASURES_FIXTURE,
    PLANTS_FIXTURE,
    coverage,
    largest_unmapped,
    load_fixture,
    run_dbt,
)
from tests.conftest import fixture_path
from tests.integration.dbt_helpers import query

pytestmark = pytest.mark.integration

KARLSRUHE_BLOCK_4 = "Reservekraftwerk Rheinhafen-Dampfkraftwerk Karlsruhe Block 4"
SEED = REPO_ROOT / "dbt_project" / "seeds" / "redispatch_plant_fuel_map.csv"
CANONICAL_FUELS = REPO_ROOT / "dbt_project" / "seeds" / "canonical_fuels.csv"
README = REPO_ROOT / "README.md"
TARGET_SHARE = 0.95


@pytest.fixture(scope="module")
def recorded() -> list[nt.RedispatchMeasure]:
    return nt.parse_redispatch_csv(fixture_path(MEASURES_FIXTURE).read_bytes())


@pytest.fixture(scope="module")
def built(warehouse_db: str, pg_server: tuple[str, str, str], tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Any]:
    """The 2024 file and the plant list loaded (as the loader role), the mapping built and tested by dbt; yields a
    superuser connection to the module's warehouse."""
    import psycopg2

    load_fixture(warehouse_db, fixture_path(MEASURES_FIXTURE), fixture_path(PLANTS_FIXTURE))
    database = os.environ["GRIDCARBON_TEST_DATABASE"]
    try:
        run_dbt(database, tmp_path_factory.mktemp("dbt_redispatch_mapping"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    host, port, user = pg_server
    conn = psycopg2.connect(host=host, port=port, user=user, dbname=database)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


# --------------------------------------------------------------------------------------------- (a)
def test_karlsruhe_reserve_block_4_is_the_gas_block(built: Any, recorded: list[nt.RedispatchMeasure]) -> None:
    """Every 2024 measure of the Karlsruhe reserve block 4 maps to natural gas through the plant RDK 4S (a gas
    combined-cycle block in the plant list), without the fallback flag; before issue 14 all were `unknown`."""
    published = [m for m in recorded if m.affected_plant == KARLSRUHE_BLOCK_4]
    assert len(published) == 60
    rows = query(built, "select fuel, fuel_source, plant_key, plant_category, is_fuel_fallback, "
                        "is_market_or_foreign, count(*), sum(total_mwh) "
                        "from intermediate.int_redispatch_measures_mapped where affected_plant = %s "
                        "group by 1, 2, 3, 4, 5, 6", (KARLSRUHE_BLOCK_4,))
    assert rows == [("natural_gas", "mapping_seed", "BNA0514", "plant", False, False, 60,
                     sum(m.total_mwh for m in published))]
    assert query(built, "select name, block, energy_source from raw_reference.power_plants "
                        "where plant_key = 'BNA0514'") == [("Rheinhafen-Dampfkraftwerk", "RDK 4S", "Natural gas")]
    # the rule before issue 14 (exact name) finds nothing for it
    assert query(built, "select exact_name_fuel from intermediate.int_redispatch_plants_matched "
                        "where affected_plant = %s", (KARLSRUHE_BLOCK_4,)) == [(None,)]


def test_normalised_names_match_the_plant_list(built: Any) -> None:
    """Names the plant list spells differently match after normalisation, block by block, with the right fuel."""
    rows = dict((r[0], r[1:]) for r in query(
        built, "select affected_plant, plant_key, fuel, fuel_source from intermediate.int_redispatch_plants_matched "
               "where affected_plant = any(%s)",
        (["Reservekraftwerk Heilbronn Block 6", "ReserveKW Staudinger 4", "ReserveKW Staudinger 5",
          "Emsland Block D", "Schwarze Pumpe (Standort)", "WALSUM_10", "Staudinger 5"],)))
    assert rows == {
        "Reservekraftwerk Heilbronn Block 6": ("BNA0433", "hard_coal", "plant_list_normalised"),  # HLB 6
        "ReserveKW Staudinger 4": ("BNA0374", "natural_gas", "plant_list_normalised"),
        "ReserveKW Staudinger 5": ("BNA0377", "hard_coal", "plant_list_normalised"),
        "Emsland Block D": ("BNA0606", "natural_gas", "plant_list_normalised"),
        "Schwarze Pumpe (Standort)": ("BNA0914 BNA0915", "lignite", "plant_list_normalised"),  # the whole site
        "WALSUM_10": ("BNA0216b", "hard_coal", "plant_list_normalised"),
        "Staudinger 5": ("BNA0377", "hard_coal", "plant_list_exact"),
    }


def test_exchange_countertrading_is_a_market_not_a_plant(built: Any, recorded: list[nt.RedispatchMeasure]) -> None:
    """"Börse" (and its encoding-damaged spelling) is exchange-based countertrading: no fuel, excluded from the
    area balances (DOMAIN §8.3 step 3), never on the fuel fallback."""
    names = {"Börse", "B¿rse"}
    published = [m for m in recorded if m.affected_plant in names]
    rows = query(built, "select plant_category, fuel, fuel_source, is_market_or_foreign, "
                        "is_included_in_area_balance, count(*), sum(total_mwh) "
                        "from intermediate.int_redispatch_measures_mapped where affected_plant = any(%s) "
                        "group by 1, 2, 3, 4, 5", (sorted(names),))
    assert rows == [("market", None, None, True, False, len(published), sum(m.total_mwh for m in published))]
    assert len(published) == 1_846


# --------------------------------------------------------------------------------------------- (b)
def test_at_least_95_percent_of_the_2024_plant_energy_has_a_mapped_fuel(
        built: Any, recorded: list[nt.RedispatchMeasure]) -> None:
    figures = coverage(built)
    assert figures.measures == len(recorded) == 17_312
    assert figures.total_mwh == sum(m.total_mwh for m in recorded if m.total_mwh is not None)
    assert figures.plant_mwh + figures.market_or_foreign_mwh == figures.total_mwh
    assert figures.after_share >= TARGET_SHARE, (
        f"{figures.after_share:.2%} of the plant MWh mapped; largest unmapped: {largest_unmapped(built, 10)}")
    # each step adds: exact name only (the rule before issue 14) < + normalised names < + reviewed seed
    assert figures.before_share < figures.normalised_share < figures.after_share
    assert figures.before_share < 0.05


def test_readme_states_the_measured_figures(built: Any) -> None:
    """The README's figures are today's: rerun scripts/measure_redispatch_mapping.py and update the section
    when the seed or the normalisation changes."""
    figures = coverage(built)
    section = readme_section("Redispatch fuel mapping")
    for label, share in (("before", figures.before_share), ("normalised", figures.normalised_share),
                         ("after", figures.after_share)):
        assert re.search(rf"\b{share * 100:.1f} ?%", section), f"README lacks the {label} share {share:.1%}"
    for name, *_ in largest_unmapped(built, 5):
        assert name in section, f"README does not list the unmapped plant {name!r}"


# --------------------------------------------------------------------------------------------- (c)
def test_every_seed_row_is_valid_and_used(built: Any, recorded: list[nt.RedispatchMeasure]) -> None:
    with SEED.open(encoding="utf-8", newline="") as fh:
        seed = list(csv.DictReader(fh))
    with CANONICAL_FUELS.open(encoding="utf-8", newline="") as fh:
        canonical = {row["fuel"] for row in csv.DictReader(fh) if row["counts_as_generation"] == "true"}
    plants = {key: (fuel, technology) for key, fuel, technology in query(
        built, "select plant_key, fuel, technology from staging.stg_reference__power_plants")}
    matched = {row[0]: row[1:] for row in query(
        built, "select affected_plant, fuel_source, fuel, plant_key, exact_name_fuel, normalised_name_fuel "
               "from intermediate.int_redispatch_plants_matched")}
    published = {m.affected_plant for m in recorded}
    assert len(seed) == len({row["affected_plant"] for row in seed}) > 100

    problems = []
    for row in seed:
        name, fuel = row["affected_plant"], row["fuel"] or None
        if name not in published:
            problems.append(f"{name!r}: no 2024 measure has this name")
        if (fuel is None) != (row["category"] == "market") or (fuel is not None and fuel not in canonical):
            problems.append(f"{name!r}: fuel {fuel!r} is not canonical (or missing) for category {row['category']}")
        for key in row["plant_key"].split():
            if key not in plants:
                problems.append(f"{name!r}: plant_key {key} is not in the plant list")
                continue
            list_fuel, technology = plants[key]
            expected = "pumped_storage" if technology == "Pumped storage" else list_fuel
            if fuel != expected:
                problems.append(f"{name!r}: {key} is {list_fuel} ({technology}) in the plant list, seed says {fuel}")
        source, model_fuel, model_key, exact_fuel, normalised_fuel = matched.get(name, (None,) * 5)
        if (source, model_fuel, model_key) != ("mapping_seed", fuel, row["plant_key"] or None):
            problems.append(f"{name!r}: the model does not apply the row ({source}, {model_fuel}, {model_key})")
        if fuel is not None and (exact_fuel or normalised_fuel) == fuel:
            problems.append(f"{name!r}: redundant, the plant list alone gives {fuel}")
        if not row["provenance"].strip() or not row["reviewed_on"] or int(row["mapping_version"]) < 1:
            problems.append(f"{name!r}: provenance, reviewed_on and mapping_version are required")
    assert problems == []

    # and every measure of a seeded name takes the row's fuel (a plant's class never overrides it)
    mismatched = query(built, "select m.affected_plant, m.fuel, count(*) "
                              "from intermediate.int_redispatch_measures_mapped as m "
                              "inner join seeds.redispatch_plant_fuel_map as s using (affected_plant) "
                              "where m.fuel is distinct from s.fuel or m.is_fuel_fallback <> (s.fuel is null) "
                              "group by 1, 2")
    assert mismatched == []
