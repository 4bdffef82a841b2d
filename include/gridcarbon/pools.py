"""One Airflow pool per upstream API, so a backfill cannot hammer a rate-limited API.

The pools come from the source registry (``gridcarbon.sources.registry``: pool name = source name, slots and
description per entry). ``make airflow`` and the demo create them (``airflow pools set``); docker-compose's
airflow-init does too. Slot counts follow each API's published or observed limits (EIA: ~5 requests/second;
SMARD and the ISOs: no published limit, be polite).
"""

from __future__ import annotations


def pools() -> dict[str, tuple[int, str]]:
    """Pool name -> (slots, description), one per registered source."""
    from gridcarbon.sources.registry import SOURCES

    return {source.pool: (source.pool_slots, source.pool_description) for source in SOURCES.values()}


def ensure_pools() -> None:
    """Create or update the pools in Airflow's metadata database (idempotent; one CLI process)."""
    import json
    import subprocess
    import sys
    import tempfile

    spec = {name: {"slots": slots, "description": description, "include_deferred": False}
            for name, (slots, description) in pools().items()}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(spec, handle)
        handle.flush()
        subprocess.run([sys.executable, "-m", "airflow", "pools", "import", handle.name], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
