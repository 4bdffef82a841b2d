"""The registry: every source the project loads, one entry each (in the spirit of electricityMaps' zone config
and gridstatus' ISO list). An entry says where the code is (the module's ``Settings``, ``fetch``, ``load``) and what
Airflow needs: connection id and pool (both the source's name), default base URL, raw tables, schedule (cron,
UTC), history policy (and whether history comes in whole weeks: ``history_period``, ``gridcarbon.timetables``),
DAG id, tags and documentation.

Everything else is derived from it: the ingest DAGs (``dags/source_ingest.py``), the pools
(``gridcarbon.pools``), the raw schemas and tables the bootstrap creates (``gridcarbon.sources.all_raw_tables``)
and the assets the transform DAG is scheduled on. Adding a source: a module in this package, an entry here, a
staging folder in dbt (README, "Adding a source").
"""

from __future__ import annotations

from types import ModuleType

from gridcarbon.sources import bpa, caiso, eia, ercot, isone, miso, netztransparenz, nyiso, pjm, smard, spp, tibber
from gridcarbon.sources.contract import Feed, History, Plan, Source
from gridcarbon.sources.iso_common import GENERATION_BY_FUEL


def _iso(module: ModuleType, *, schedule: str, history: History, slots: int, description: str,
         max_active_runs: int) -> Source:
    """A US ISO: one task (``extract_load``) replacing its rows of ``raw_iso.generation_by_fuel``."""
    return Source(
        name=module.SOURCE, dag_id=f"{module.SOURCE}_ingest", default_base_url=module.DEFAULT_BASE_URL,
        tables=(GENERATION_BY_FUEL,), settings=module.Settings.from_env,
        feeds=(Feed("extract_load", (GENERATION_BY_FUEL,), module.fetch, module.load),),
        schedule=schedule, history=history, pool_slots=slots, pool_description=description, tags=("us",),
        doc=module.DAG_DOC, max_active_runs=max_active_runs,
    )


SOURCES: dict[str, Source] = {source.name: source for source in (
    Source(
        name=smard.SOURCE, dag_id="smard_ingest", default_base_url=smard.DEFAULT_BASE_URL, tables=smard.TABLES,
        settings=smard.Settings.from_env,
        plan=Plan("list_series", smard.plan, mapped=True, label=smard.series_label),
        feeds=(Feed("load_series", (smard.CHART_VALUES, smard.SERIES_STATUS), smard.fetch_region, smard.load),),
        schedule="30 * * * *", history=History.CATCHUP, pool_slots=4,
        pool_description="SMARD (Bundesnetzagentur) chart_data API", tags=("de",), doc=smard.DAG_DOC,
        max_active_runs=4, history_period="week",
    ),
    Source(
        name=tibber.SOURCE, dag_id="tibber_ingest", default_base_url=tibber.DEFAULT_BASE_URL, tables=tibber.TABLES,
        settings=tibber.Settings.from_env,
        feeds=(Feed("extract_load_tibber", (tibber.HOMES, tibber.CONSUMPTION, tibber.PRICES), tibber.fetch,
                    tibber.load),),
        schedule="5 * * * *", history=History.CATCHUP, pool_slots=2, pool_description="Tibber GraphQL API",
        tags=("de",), doc=tibber.DAG_DOC, max_active_runs=2, history_period="week",
    ),
    Source(
        name=netztransparenz.SOURCE, dag_id="redispatch_ingest", default_base_url=netztransparenz.DEFAULT_BASE_URL,
        tables=netztransparenz.TABLES, settings=netztransparenz.Settings.from_env,
        feeds=(
            Feed("extract_load_redispatch", (netztransparenz.REDISPATCH_MEASURES,), netztransparenz.fetch,
                 netztransparenz.load),
            Feed("load_power_plants", (netztransparenz.POWER_PLANTS,), netztransparenz.fetch_power_plants,
                 netztransparenz.load_power_plants, pooled=False),
        ),
        schedule="0 6 * * *", history=History.CATCHUP, pool_slots=1,
        pool_description="netztransparenz.de data service (OAuth2)", tags=("de",), doc=netztransparenz.DAG_DOC,
        history_period="week",
    ),
    Source(
        name=eia.SOURCE, dag_id="eia_ingest", default_base_url=eia.DEFAULT_BASE_URL, tables=tuple(eia.TABLES),
        settings=eia.Settings.from_env,
        plan=Plan("list_respondents", eia.configured_respondents, pooled=True),
        feeds=tuple(Feed(f"load_{route.name.replace('-', '_')}", (route.table,), eia.route_fetch(route.name), eia.load)
                    for route in eia.ROUTES.values()),
        schedule="15 * * * *", history=History.CATCHUP, pool_slots=4,
        pool_description="US EIA API v2 (~5 requests/second)", tags=("us",), doc=eia.DAG_DOC, max_active_runs=2,
    ),
    _iso(caiso, schedule="30 8 * * *", history=History.CATCHUP, slots=2,
         description="CAISO Today's Outlook / OASIS", max_active_runs=4),
    _iso(miso, schedule="*/5 * * * *", history=History.CURRENT_ONLY, slots=1,
         description="MISO real-time data broker", max_active_runs=1),
    _iso(pjm, schedule="10 * * * *", history=History.ON_REQUEST, slots=2, description="PJM Data Miner 2",
         max_active_runs=1),
    _iso(spp, schedule="15 * * * *", history=History.CURRENT_ONLY, slots=1,
         description="SPP marketplace chart API", max_active_runs=1),
    _iso(nyiso, schedule="30 5 * * *", history=History.CATCHUP, slots=2, description="NYISO MIS public CSV",
         max_active_runs=4),
    _iso(isone, schedule="30 5 * * *", history=History.CATCHUP, slots=2, description="ISO-NE web services",
         max_active_runs=4),
    _iso(bpa, schedule="30 8 * * *", history=History.CURRENT_ONLY, slots=1,
         description="BPA transmission operations text files", max_active_runs=1),
    _iso(ercot, schedule="0 6 * * *", history=History.CURRENT_ONLY, slots=1, description="ERCOT dashboards",
         max_active_runs=1),
)}


def source(name: str) -> Source:
    """The registry entry of ``name`` (the source's name, also its connection id and pool)."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"no source {name!r} in the registry (sources: {sorted(SOURCES)})") from None
