"""One Airflow pool per upstream API, so a backfill cannot hammer a rate-limited API.

``make airflow`` and the demo create them (``airflow pools set``); docker-compose's airflow-init does too.
Slot counts follow each API's published or observed limits (EIA: ~5 requests/second; SMARD and the ISOs:
no published limit, be polite).
"""

from __future__ import annotations

POOLS: dict[str, tuple[int, str]] = {
    "smard": (4, "SMARD (Bundesnetzagentur) chart_data API"),
    "tibber": (2, "Tibber GraphQL API"),
    "netztransparenz": (1, "netztransparenz.de data service (OAuth2)"),
    "eia": (4, "US EIA API v2 (~5 requests/second)"),
    "caiso": (2, "CAISO Today's Outlook / OASIS"),
    "miso": (1, "MISO real-time data broker"),
    "pjm": (2, "PJM Data Miner 2"),
    "spp": (1, "SPP marketplace chart API"),
    "nyiso": (2, "NYISO MIS public CSV"),
    "isone": (2, "ISO-NE web services"),
    "bpa": (1, "BPA transmission operations text files"),
    "ercot": (1, "ERCOT dashboards"),
}


def ensure_pools() -> None:
    """Create or update the pools in Airflow's metadata database (idempotent; one CLI process)."""
    import json
    import subprocess
    import sys
    import tempfile

    spec = {name: {"slots": slots, "description": description, "include_deferred": False}
            for name, (slots, description) in POOLS.items()}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(spec, handle)
        handle.flush()
        subprocess.run([sys.executable, "-m", "airflow", "pools", "import", handle.name], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
