"""The Airflow plugin: Airflow's own plugins manager finds it in ``plugins/``, and Airflow's own API-server app
(``airflow.api_fastapi.app.create_app``) mounts the carbon API under ``/gridcarbon`` behind its middlewares, with
the dashboard in the UI's navigation. (The same through the running API server: tests/live/test_carbon_api_live.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ApiWarehouse, Auth

pytestmark = pytest.mark.integration

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


@pytest.fixture()
def carbon_plugin(monkeypatch: pytest.MonkeyPatch, api_warehouse: ApiWarehouse) -> Iterator[Any]:
    """The plugin as Airflow loads it, its app (built at the first request) reading the test warehouse."""
    from airflow import plugins_manager, settings

    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_BI", api_warehouse.bi_dsn)
    monkeypatch.setattr(settings, "PLUGINS_FOLDER", str(PLUGINS))  # as scripts/env.sh and docker-compose set it
    caches = (plugins_manager._get_plugins, plugins_manager.get_fastapi_plugins, plugins_manager._get_ui_plugins)
    for cached in caches:
        cached.cache_clear()
    plugins, errors = plugins_manager._get_plugins()
    assert not {k: v for k, v in errors.items() if "gridcarbon" in k}, errors
    (plugin,) = [p for p in plugins if p.name == "gridcarbon_carbon_api"]
    lazy = plugin.fastapi_apps[0]["app"]
    lazy._app = None
    yield plugin
    if lazy._app is not None:
        lazy._app.state.reader.close()
    lazy._app = None
    for cached in caches:
        cached.cache_clear()


def test_airflow_finds_the_plugin_with_its_app_and_view(carbon_plugin: Any) -> None:
    from airflow import plugins_manager

    apps, _ = plugins_manager.get_fastapi_plugins()
    assert [(a["url_prefix"], a["name"]) for a in apps if a["name"] == "gridcarbon carbon API"] == [
        ("/gridcarbon", "gridcarbon carbon API")]
    views, _ = plugins_manager._get_ui_plugins()
    (view,) = [v for v in views if v.get("url_route") == "gridcarbon-dashboard"]
    assert (view["name"], view["href"], view["nav_top_level"]) == ("Carbon dashboard", "/gridcarbon/dashboard", True)
    # the UI's serializer of /api/v2/plugins accepts it
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse

    ExternalViewResponse.model_validate(view)


def test_airflows_api_server_app_serves_the_carbon_api(carbon_plugin: Any, auth: Auth,
                                                      api_warehouse: ApiWarehouse) -> None:
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    with TestClient(create_app(apps="core")) as client:
        anonymous = client.get("/gridcarbon/v3/carbon-intensity/latest", params={"zone": "DE"})
        assert anonymous.status_code == 401
        latest = client.get("/gridcarbon/v3/carbon-intensity/latest", params={"zone": "DE"}, headers=auth.headers)
        assert latest.status_code == 200, latest.text
        spec = client.get("/gridcarbon/openapi.json").json()
        page = client.get("/gridcarbon/dashboard", cookies={"_token": auth.admin_token})
        plugins = client.get("/api/v2/plugins", headers=auth.headers).json()["plugins"]
    (value,) = api_warehouse.query(
        "select average_intensity_g_per_kwh from marts.fct_grid_carbon_intensity where region = 'DE' "
        "and scope = 'lifecycle' and resolution = 'PT1H' and status = 'OK' order by interval_start_utc desc limit 1")
    assert latest.json()["carbonIntensityExact"] == pytest.approx(float(value[0]))
    assert spec["servers"] == [{"url": "/gridcarbon"}]  # clients reading the description find the prefix
    assert page.status_code == 200 and '<base href="/gridcarbon/">' in page.text
    (ours,) = [p for p in plugins if p["name"] == "gridcarbon_carbon_api"]
    assert ours["external_views"][0]["url_route"] == "gridcarbon-dashboard"
