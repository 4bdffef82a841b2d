"""Differential test: hypothesis scenarios (tests/oracle/scenarios.py) go into the raw tables of a test warehouse,
dbt builds the marts, and every row of marts.fct_grid_carbon_intensity and marts.fct_household_emissions must
equal what the oracle (tests/oracle/domain.py, written from DOMAIN.md) computes: numbers to 1e-9 (kg, g/kWh),
statuses, flags, marginal/worst fuels, regions and the factor ids behind each intensity.

A dbt build takes 10-60 s, so: one database per session, few examples by default (GRIDCARBON_ORACLE_EXAMPLES,
3; `make verify` runs 50), derandomized unless GRIDCARBON_ORACLE_DERANDOMIZE=0, no example database, no
shrinking (each shrink step would be a dbt build; the failure message lists every differing row instead).
Half of the examples build twice: an earlier state (other household settings, the last quarter-hours not yet
published, a redispatch measure not loaded yet) with a full refresh, then the final state incrementally, as
the scheduled runs do."""

from __future__ import annotations

import os
import pickle

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.oracle.conftest import OracleWarehouse
from tests.oracle.domain import compute
from tests.oracle.harness import build, compare, load_scenario, warehouse_rows
from tests.oracle.scenarios import Run, runs

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("GRIDCARBON_ORACLE_EXAMPLES", "3"))
DERANDOMIZE = os.environ.get("GRIDCARBON_ORACLE_DERANDOMIZE", "1") != "0"
SHOWN = 40  # differing rows shown in a failure message


@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, database=None, deadline=None, print_blob=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(run=runs())
def test_both_facts_equal_the_oracle(oracle_warehouse: OracleWarehouse, run: Run) -> None:
    w = oracle_warehouse
    if run.earlier is not None:
        load_scenario(w.conn, run.earlier)
        build(w.work, w.database)
        load_scenario(w.conn, run.final)
        build(w.work, w.database, full_refresh=False)
    else:
        load_scenario(w.conn, run.final)
        build(w.work, w.database)
    expected = compute(run.final)
    grid, household = warehouse_rows(w.conn, run.final)
    diffs = compare(expected, grid, household)
    if diffs:
        kept = w.work / f"failing-run-{os.getpid()}-{len(list(w.work.glob('failing-run-*')))}.pickle"
        kept.write_bytes(pickle.dumps(run))
        pytest.fail(f"{len(diffs)} differences between the marts and the oracle (run kept in {kept}; "
                    f"{'two builds' if run.earlier else 'one build'}):\n" + "\n".join(diffs[:SHOWN]))
    assert len(grid) == len(expected.grid) and len(household) == len(expected.household)
