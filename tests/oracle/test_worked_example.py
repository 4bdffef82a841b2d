"""The oracle alone (no database) reproduces DOMAIN.md §9 exactly, and the §2.2 split table of §2.1."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.oracle import worked_example as ex
from tests.oracle.domain import Household, HouseholdRow, Result, compute, split_consumption

D = Decimal

# §9.9, default split, scope direct: intensity t1..t3 (g/kWh), grams t1..t3, total / EV / HH kg
EXPECTED = {
    "average": (["420", "388.75", "340"], ["336", "4859.375", "7820"], "13.015375", "8.01625", "4.999125"),
    "merit_order": (["400", "400", "0"], ["320", "5000", "0"], "5.320", "4.400", "0.920"),
    "worst_emitter": (["1100", "1100", "1050"], ["880", "13750", "24150"], "38.780", "23.650", "15.130"),
    "locality": (["340", "343.75", "300"], ["272", "4296.875", "6900"], "11.468875", "7.08125", "4.387625"),
}
# §9.9 last line: modulo changes only t3's EV / HH grams
MODULO_T3 = {"average": ("7480", "340"), "merit_order": ("0", "0"), "worst_emitter": ("23100", "1050"),
             "locality": ("6600", "300")}
EFFECTIVE = {"average": "358.55", "merit_order": "146.56", "worst_emitter": "1068.32", "locality": "315.95"}


@pytest.fixture(scope="module")
def result():
    return compute(ex.scenario())


def rows(result, home: str, model: str) -> list[HouseholdRow]:
    return sorted((r for r in result.household if r.home_id == home and r.model == model and r.scope == "direct"),
                  key=lambda r: r.interval_start_utc)


@pytest.mark.parametrize("model", list(EXPECTED))
def test_section_9_9_per_interval_and_totals(result: Result, model: str) -> None:
    intensities, grams, total, ev, hh = EXPECTED[model]
    got = rows(result, ex.EV_HOME, model)
    assert [r.interval_start_utc for r in got] == ex.HOURS
    assert [r.status for r in got] == ["OK"] * 3
    assert [r.intensity_g_per_kwh for r in got] == [D(i) for i in intensities]
    assert [r.emissions_kg * 1000 for r in got] == [D(g) for g in grams]  # type: ignore[operator]
    assert sum(r.emissions_kg for r in got) == D(total)  # type: ignore[misc]
    assert sum(r.ev_emissions_kg for r in got) == D(ev)  # type: ignore[misc]
    assert sum(r.household_emissions_kg for r in got) == D(hh)  # type: ignore[misc]
    effective = sum(r.emissions_kg for r in got) * 1000 / sum(ex.KWH)  # type: ignore[misc]
    assert round(effective, 2) == D(EFFECTIVE[model])
    assert {r.region_used for r in got} == ({"TransnetBW"} if model == "locality" else {"DE"})


@pytest.mark.parametrize("model", list(EXPECTED))
def test_section_9_9_modulo_changes_only_t3_split(result: Result, model: str) -> None:
    cap, modulo = rows(result, ex.EV_HOME, model), rows(result, ex.MODULO_HOME, model)
    assert [r.emissions_kg for r in modulo] == [r.emissions_kg for r in cap]
    assert [(r.ev_emissions_kg, r.household_emissions_kg) for r in modulo[:2]] == \
        [(r.ev_emissions_kg, r.household_emissions_kg) for r in cap[:2]]
    ev_g, hh_g = MODULO_T3[model]
    assert (modulo[2].ev_emissions_kg * 1000, modulo[2].household_emissions_kg * 1000) == (D(ev_g), D(hh_g))  # type: ignore[operator]
    assert "MULTI_EV_INFERRED" in modulo[2].flags and "HH_EXCEEDS_ASSUMPTION" in cap[2].flags


def test_section_9_grid_rows_and_marginal_fuels(result: Result) -> None:
    de = [r for r in result.grid if r.region == "DE" and r.scope == "direct"]
    assert [r.generation_mwh for r in de] == [D(40000)] * 3
    assert [r.emissions_kg for r in de] == [D(16800000), D(15550000), D(13600000)]  # §9.5
    assert [r.average_intensity_g_per_kwh for r in de] == [D(420), D("388.75"), D(340)]
    assert [(r.marginal_fuel, r.merit_order_intensity_g_per_kwh) for r in de] == \
        [("natural_gas", 400), ("natural_gas", 400), ("renewable_surplus", 0)]
    assert [(r.worst_fuel, r.worst_emitter_intensity_g_per_kwh) for r in de] == \
        [("lignite", 1100), ("lignite", 1100), ("lignite", 1050)]
    assert de[2].factor_ids == ["biomass", "hard_coal", "lignite_2025", "natural_gas", "wind_onshore"]
    assert {r.status for r in de} == {"OK"}


def test_section_9_8_redispatch_component(result: Result) -> None:
    got = rows(result, ex.EV_HOME, "locality")
    assert [r.rd_intensity_g_per_kwh for r in got] == [0, 25, 0]
    assert sum(r.rd_emissions_kg for r in got) == D("0.3125")  # type: ignore[misc]
    t2 = {r.control_area: r for r in result.locality if r.interval_start_utc == ex.HOURS[1] and r.scope == "direct"}
    assert {a: r.intensity_g_per_kwh for a, r in t2.items()} == \
        {"50Hertz": 400, "Amprion": 400, "TenneT": 400, "TransnetBW": D("343.75")}
    assert "REDISPATCH_FUEL_FALLBACK" in t2["TenneT"].flags and "REDISPATCH_FUEL_FALLBACK" not in t2["TransnetBW"].flags


def test_section_9_10_invariants(result: Result) -> None:
    """§9.10.4: worst >= average >= 0; ev + household = consumption; §3.4 (ii) conservation."""
    de = {r.interval_start_utc: r for r in result.grid if r.region == "DE" and r.scope == "direct"}
    for r in de.values():
        assert r.worst_emitter_intensity_g_per_kwh >= r.average_intensity_g_per_kwh >= 0
    for r in result.household:
        assert r.ev_kwh + r.household_kwh == r.consumption_kwh
    # §3.4 (ii): DE is balanced in §9 (L_DE = G_DE, M = 0, no exports), so the emissions attributed to the four
    # areas' load are exactly the emissions of German generation
    load = {"TransnetBW": D(8000), **{area: 32000 * share for area, share in ex.REST_SPLIT.items()}}
    for t, row in de.items():
        areas = [r for r in result.locality if r.interval_start_utc == t and r.scope == "direct"]
        assert sum(load[r.control_area] * r.intensity_g_per_kwh for r in areas) == row.emissions_kg  # type: ignore[operator]


def test_section_9_10_stale_factor_is_not_what_the_oracle_computes() -> None:
    """§9.10.1: with lignite 1100 at t3 (the time-zone bug) the average would be 351.25, not 340."""
    stale = ex.scenario()
    stale.factors = [f for f in stale.factors if f.factor_id != "lignite_2025"]
    stale.factors = [f if f.factor_id != "lignite_2024" else
                     type(f)(f.factor_id, f.fuel, f.region, f.scope, f.g_per_kwh, f.valid_from, None)
                     for f in stale.factors]
    t3 = [r for r in compute(stale).grid if r.region == "DE" and r.scope == "direct"][2]
    assert t3.average_intensity_g_per_kwh == D("351.25")


@pytest.mark.parametrize(("power", "rule", "ev", "hh", "flag"), [
    # §2.1 table (ev_power_kw 11)
    ("0.8", "single_ev_cap", "0", "0.8", None),
    ("11.0", "single_ev_cap", "0", "11.0", "EV_AT_THRESHOLD"),
    ("11.0", "modulo", "11", "0", None),
    ("12.5", "single_ev_cap", "11", "1.5", None),
    ("22.0", "single_ev_cap", "11", "11", None),
    ("22.0", "modulo", "22", "0", "MULTI_EV_INFERRED"),
    ("23.0", "single_ev_cap", "11", "12", "HH_EXCEEDS_ASSUMPTION"),
    ("23.0", "modulo", "22", "1", "MULTI_EV_INFERRED"),
])
def test_section_2_split_table(power: str, rule: str, ev: str, hh: str, flag: str | None) -> None:
    home = Household("h", "TenneT", True, D("11.0"), rule)
    kwh, got_ev, got_hh, flags = split_consumption(D(power) / 4, timedelta(minutes=15), home, "PT15M")
    assert (got_ev * 4, got_hh * 4) == (D(ev), D(hh))
    assert kwh == got_ev + got_hh
    if flag:
        assert flag in flags
