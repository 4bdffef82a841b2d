"""One module per upstream API. Each module exposes:

- ``SOURCE``: the source name (also its Airflow connection id and pool name),
- ``DEFAULT_BASE_URL``: the real public URL used when the connection is not defined,
- ``TABLES``: the ``RawTable`` definitions it fills,
- ``parse_*`` functions (one raw payload -> typed records) and ``fetch``/``load`` functions called by the DAG.

Adding a source = one module here, one DAG in ``dags/``, one staging folder in dbt.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from gridcarbon.warehouse import RawTable


def source_modules() -> list[ModuleType]:
    mods = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return mods


def all_raw_tables() -> list[RawTable]:
    tables: list[RawTable] = []
    for mod in source_modules():
        tables.extend(getattr(mod, "TABLES", ()))
    return tables
