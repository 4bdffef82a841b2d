"""gridcarbon's carbon API and dashboard in Airflow's API server (an Airflow 3 plugin).

- ``fastapi_apps``: ``gridcarbon.api.app.create_app()`` mounted under ``/gridcarbon`` (the electricityMaps v3
  subset under ``/gridcarbon/v3``, households, the heat map, the OpenAPI description at
  ``/gridcarbon/openapi.json``); every data endpoint needs an Airflow JWT (see ``gridcarbon.api.auth``).
- ``external_views``: *Carbon dashboard* in the UI's navigation, the page ``/gridcarbon/dashboard`` shown
  inside the UI (an iframe on the same origin, so the UI's login cookie authenticates it).

Business logic lives in ``include/gridcarbon/api``. The app is built at its first request and opens its first
connection to the marts (as ``bi_reader``) at its first query.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin

from gridcarbon.api.settings import URL_PREFIX

API_BASE_PATH = urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


class LazyCarbonApi:
    """The carbon API as an ASGI app built at its first request: every Airflow process loads plugins (task
    processes too, for macros), only the API server ever calls this, so only it pays for FastAPI and the app."""

    def __init__(self) -> None:
        self._app: Any = None

    @property
    def app(self) -> Any:
        if self._app is None:
            from gridcarbon.api.app import create_app

            self._app = create_app()
        return self._app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def __repr__(self) -> str:
        return "gridcarbon.api.app:create_app()"


class GridcarbonCarbonApiPlugin(AirflowPlugin):
    name = "gridcarbon_carbon_api"

    def __init__(self) -> None:
        super().__init__()
        self.fastapi_apps = [{"name": "gridcarbon carbon API", "app": LazyCarbonApi(), "url_prefix": URL_PREFIX}]
        self.external_views = [
            {
                "name": "Carbon dashboard",
                "href": f"{API_BASE_PATH}{URL_PREFIX}/dashboard",
                "url_route": "gridcarbon-dashboard",
                "destination": "nav",
                "nav_top_level": True,
                "icon": f"{API_BASE_PATH}{URL_PREFIX}/static/icon.svg",
            },
        ]
