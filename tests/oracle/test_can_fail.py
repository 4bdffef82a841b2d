"""The differential test can fail: a deliberate bug in each attribution model, injected into a copy of the dbt
project (the real models are never touched), makes the marts differ from the oracle on a hand-written scenario
(scenarios.fixed_scenario) that the unmodified project reproduces exactly.

The bugs are ones a reviewer could miss: pumped-storage discharge left out of the average (§3.1, §4.4); the
negative-price override only for negative prices, not zero (§3.2 step 2 says p <= 0); the worst emitter chosen
among fuels that report but do not run (§3.3 takes the dispatched set F+); the locality pool ignoring the import
gap M (§3.4 steps 3-4). Each is found by its SQL text; if the SQL is rewritten so a pattern no longer matches,
the test says which one to update.

The fixed scenario runs in `make test` (one dbt build). The four bugs need a dbt build each (~30-60 s on a busy
2-core machine), so they run in `make verify` (GRIDCARBON_ORACLE_MUTATIONS=1)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.oracle.conftest import OracleWarehouse
from tests.oracle.domain import Result, compute
from tests.oracle.harness import build, compare, copy_project, load_scenario, warehouse_rows
from tests.oracle.scenarios import fixed_scenario

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Bug:
    pattern: str  # regular expression matching exactly once in the project's models
    replacement: str
    evidence: str  # what a differing row of the oracle comparison must mention


BUGS = {
    "average": Bug(r"sum\(generation_mwh \* g_co2eq_per_kwh\) as emissions_kg",
                   "sum(generation_mwh * g_co2eq_per_kwh) filter (where fuel <> 'pumped_storage') as emissions_kg",
                   "average_intensity_g_per_kwh"),
    "merit_order": Bug(r"price_eur_per_mwh <= 0 and is_wind_or_pv_dispatched",
                       "price_eur_per_mwh < 0 and is_wind_or_pv_dispatched", "merit_order_intensity_g_per_kwh"),
    "worst_emitter": Bug(r"(from fuel_rows\s+)where is_dispatched(\s+order by\s+region asc, resolution asc, "
                         r"interval_start_utc asc, scope asc,\s+g_co2eq_per_kwh desc)",
                         r"\1where generation_mwh is not null\2", "worst_emitter_intensity_g_per_kwh"),
    "locality": Bug(r"\(pool_emissions_kg \+ import_gap_mwh \* coalesce\(import_intensity_g_per_kwh, 0\)\)\s*"
                    r"/ \(total_surplus_mwh \+ import_gap_mwh\)",
                    "pool_emissions_kg / nullif(total_surplus_mwh, 0)", ", locality, "),
}


@dataclass
class Fixed:
    expected: Result
    baseline: list[str]
    project: Path


@pytest.fixture(scope="module")
def fixed(oracle_warehouse: OracleWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixed]:
    w = oracle_warehouse
    scenario = fixed_scenario()
    load_scenario(w.conn, scenario)
    build(w.work, w.database)
    expected = compute(scenario)
    baseline = compare(expected, *warehouse_rows(w.conn, scenario))
    yield Fixed(expected, baseline, copy_project(tmp_path_factory.mktemp("mutant") / "dbt_project"))


def test_the_fixed_scenario_equals_the_oracle(fixed: Fixed) -> None:
    assert not fixed.baseline, f"{len(fixed.baseline)} differences:\n" + "\n".join(fixed.baseline[:40])


@pytest.mark.skipif(os.environ.get("GRIDCARBON_ORACLE_MUTATIONS") != "1",
                    reason="a dbt build per bug: run by `make verify` (GRIDCARBON_ORACLE_MUTATIONS=1)")
@pytest.mark.parametrize("model", list(BUGS))
def test_a_deliberate_bug_in_each_model_makes_the_comparison_fail(
        oracle_warehouse: OracleWarehouse, fixed: Fixed, model: str, tmp_path: Path) -> None:
    bug = BUGS[model]
    files = [(p, p.read_text()) for p in (fixed.project / "models").rglob("*.sql")]
    hits = [(p, text) for p, text in files if re.search(bug.pattern, text)]
    assert len(hits) == 1 and len(re.findall(bug.pattern, hits[0][1])) == 1, \
        f"the SQL changed: pattern of the {model} bug matches {len(hits)} files; update BUGS[{model!r}]"
    path, original = hits[0]
    path.write_text(re.sub(bug.pattern, bug.replacement, original))
    try:
        w = oracle_warehouse
        build(tmp_path, w.database, project_dir=fixed.project, select=["int_grid_intensity+"])
        scenario = fixed_scenario()
        diffs = compare(fixed.expected, *warehouse_rows(w.conn, scenario))
    finally:
        path.write_text(original)
    new = [d for d in diffs if d not in fixed.baseline]
    assert new, f"the {model} bug in {path.name} went unnoticed"
    assert any(bug.evidence in d for d in new), f"the {model} bug showed elsewhere:\n" + "\n".join(new[:20])
