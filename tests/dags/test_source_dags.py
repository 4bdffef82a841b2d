"""The extraction DAGs generated from the source registry (``dags/source_ingest.py``) are the DAGs users have:
the same DAG ids, task ids, schedules, catch-up policy, pools and asset URIs as the twelve hand-written files they
replace (so run history and the UI stay as they were), and each keeps its own documentation. Pools, raw schemas
and the transform DAG's assets come from the same registry.

A user would otherwise see: a DAG's history gone (a changed id), a backfill that silently stops (catch-up off),
a rate-limited API hammered (a lost pool), or the transformation no longer triggered by a source (a changed asset
URI).
"""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
GENERATION = "postgres://warehouse:5432/gridcarbon/raw_iso/generation_by_fuel"


def _uri(schema: str, table: str) -> str:
    return f"postgres://warehouse:5432/gridcarbon/{schema}/{table}"


ISO = {"extract_load": ("{iso}", (GENERATION,))}
# dag id -> (cron, catchup, max_active_runs, tags, {task id: (pool, outlets)}, first line of the documentation)
EXPECTED = {
    "smard_ingest": ("30 * * * *", True, 4, {"extract", "de", "smard"}, {
        "list_series": ("default_pool", ()),
        "load_series": ("smard", (_uri("raw_smard", "chart_values"), _uri("raw_smard", "series_status")))},
        "### SMARD ingest (Bundesnetzagentur | SMARD.de, CC BY 4.0)"),
    "tibber_ingest": ("5 * * * *", True, 2, {"extract", "de", "tibber"}, {
        "extract_load_tibber": ("tibber", tuple(_uri("raw_tibber", t) for t in ("homes", "consumption", "prices")))},
        "### tibber_ingest"),
    "redispatch_ingest": ("0 6 * * *", True, 1, {"extract", "de", "redispatch"}, {
        "extract_load_redispatch": ("netztransparenz", (_uri("raw_netztransparenz", "redispatch_measures"),)),
        "load_power_plants": ("default_pool", (_uri("raw_reference", "power_plants"),))},
        "### redispatch_ingest"),
    "eia_ingest": ("15 * * * *", True, 2, {"extract", "us", "eia"}, {
        "list_respondents": ("eia", ()),
        "load_fuel_type_data": ("eia", (_uri("raw_eia", "fuel_type_data"),)),
        "load_region_data": ("eia", (_uri("raw_eia", "region_data"),)),
        "load_interchange_data": ("eia", (_uri("raw_eia", "interchange_data"),))},
        "### EIA ingest (US EIA API v2, Form EIA-930 hourly grid monitor)"),
    "caiso_ingest": ("30 8 * * *", True, 4, None, ISO, "CAISO generation by fuel"),
    "miso_ingest": ("*/5 * * * *", False, 1, None, ISO, "MISO real-time fuel mix"),
    "pjm_ingest": ("10 * * * *", False, 1, None, ISO, "PJM Data Miner 2 ``gen_by_fuel``"),
    "spp_ingest": ("15 * * * *", False, 1, None, ISO, "SPP generation mix"),
    "nyiso_ingest": ("30 5 * * *", True, 4, None, ISO, "NYISO real-time fuel mix"),
    "isone_ingest": ("30 5 * * *", True, 4, None, ISO, "ISO-NE generation fuel mix"),
    "bpa_ingest": ("30 8 * * *", False, 1, None, ISO, "BPA balancing authority generation"),
    "ercot_ingest": ("0 6 * * *", False, 1, None, ISO, "ERCOT dashboard fuel mix"),
}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS / "source_ingest.py"))
    assert not bag.import_errors, bag.import_errors
    return bag


def test_one_dag_per_registry_entry_and_nothing_else(dagbag) -> None:
    from gridcarbon.sources.registry import SOURCES

    assert set(dagbag.dag_ids) == set(EXPECTED) == {s.dag_id for s in SOURCES.values()}


# DAGs whose history comes in whole weeks (gridcarbon.timetables.HistoryTimetable); the others are plain cron
HISTORY_IN_WEEKS = {"smard_ingest", "tibber_ingest", "redispatch_ingest"}


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_generated_dag_is_the_dag_users_had(dagbag, dag_id: str) -> None:
    from airflow.sdk import CronDataIntervalTimetable

    from gridcarbon.timetables import HistoryTimetable

    cron, catchup, max_active_runs, tags, tasks, doc = EXPECTED[dag_id]
    name = dag_id.removesuffix("_ingest")
    dag = dagbag.dags[dag_id]
    if dag_id in HISTORY_IN_WEEKS:
        assert isinstance(dag.timetable, HistoryTimetable)
        assert (dag.timetable.history_period, dag.timetable.recent.days) == ("week", 7)
    else:
        assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == (cron, "UTC")
    assert (dag.catchup, dag.max_active_runs) == (catchup, max_active_runs)
    assert set(dag.tags) == (tags or {"extract", "us", name})
    found = {t.task_id: (t.pool, tuple(o.uri for o in t.outlets)) for t in dag.tasks}
    assert found == {task_id: (pool.format(iso=name), outlets) for task_id, (pool, outlets) in tasks.items()}
    assert dag.doc_md.lstrip().startswith(doc), dag.doc_md[:80]


def test_plans_feed_their_tasks(dagbag) -> None:
    """EIA's respondents go to each route's task; SMARD's series are mapped by region, one task each, labelled by
    region (``DE (15 series)``): a run is 7 task instances, not 78."""
    eia = dagbag.dags["eia_ingest"]
    for task_id in ("load_fuel_type_data", "load_region_data", "load_interchange_data"):
        assert eia.get_task(task_id).upstream_task_ids == {"list_respondents"}
    series = dagbag.dags["smard_ingest"].get_task("load_series")
    assert type(series).__name__ == "DecoratedMappedOperator"
    assert series.upstream_task_ids == {"list_series"}
    assert series.map_index_template == "{{ feed_item }}"
    from gridcarbon.sources import smard

    groups = smard.plan(None, None, smard.Settings())
    assert [(g["region"], len(g["series"])) for g in groups] == [
        ("DE", 15), ("50Hertz", 15), ("Amprion", 15), ("TenneT", 15), ("TransnetBW", 15), ("DE-LU", 2)]
    assert smard.series_label(groups[0]) == "DE (15 series)"


def test_pools_schemas_and_assets_come_from_the_registry() -> None:
    """One pool per source (name, slots); the raw schemas the bootstrap creates; every raw table once."""
    from gridcarbon.pools import pools
    from gridcarbon.sources import all_raw_tables, raw_schemas

    assert {name: slots for name, (slots, _) in pools().items()} == {
        "smard": 4, "tibber": 2, "netztransparenz": 1, "eia": 4, "caiso": 2, "miso": 1, "pjm": 2, "spp": 1,
        "nyiso": 2, "isone": 2, "bpa": 1, "ercot": 1}
    assert set(raw_schemas()) == {"raw_smard", "raw_tibber", "raw_netztransparenz", "raw_eia", "raw_iso",
                                  "raw_reference"}
    names = [t.qualified for t in all_raw_tables()]
    assert len(names) == len(set(names)) == 12 and "raw_tibber.live_measurements" in names
