"""One module per upstream API, each following the contract of ``gridcarbon.sources.contract``: ``Settings``
(read once at the task boundary), a pure ``fetch(session, endpoint, window, settings)`` returning typed records,
``parse_*`` functions (one raw payload -> records) and ``load(conn, records, window, meta)``.

``registry.py`` holds one entry per source (connection, pool, schedule, history policy, tables, fetch and load);
``runner.py`` is the one task body; ``iso_common.py`` and ``validation.py`` hold what several sources share.
Adding a source = one module here, one entry in the registry, one staging folder in dbt (and the tests).
"""

from __future__ import annotations

from gridcarbon.warehouse import RawTable


def all_raw_tables() -> list[RawTable]:
    """Every raw table of every registered source, each once (the ISOs share ``raw_iso.generation_by_fuel``)."""
    from gridcarbon.sources.registry import SOURCES

    tables: dict[str, RawTable] = {}
    for source in SOURCES.values():
        for table in source.tables:
            tables.setdefault(table.qualified, table)
    return list(tables.values())


def raw_schemas() -> tuple[str, ...]:
    """The raw schemas (owned by the loader role, created by the bootstrap): those of ``all_raw_tables``."""
    return tuple(dict.fromkeys(table.schema for table in all_raw_tables()))
