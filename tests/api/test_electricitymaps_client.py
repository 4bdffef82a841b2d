"""A real client nobody here wrote: Home Assistant's ``aioelectricitymaps`` (pinned in requirements-dev.txt) reads
our electricityMaps v3 subset over HTTP, with its own models and error mapping.

Its endpoints are module constants (``ApiEndpoints``, built from ``API_BASE_URL`` at import); the test points them
at the app served by uvicorn. The client sends its key as ``auth-token``: the Airflow JWT.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from tests.api.conftest import ApiWarehouse, Auth
from tests.api.warehouse_data import LAST_FINAL_HOUR, PENDING_HOURS

pytestmark = pytest.mark.integration


@pytest.fixture()
def electricitymaps_at(served_app: str, monkeypatch: pytest.MonkeyPatch) -> str:
    from aioelectricitymaps import const

    base = f"{served_app}/v3"
    for name, value in vars(const.ApiEndpoints).items():
        if isinstance(value, str) and value.startswith(const.API_BASE_URL):
            monkeypatch.setattr(const.ApiEndpoints, name, base + value[len(const.API_BASE_URL):])
    monkeypatch.setattr(const, "API_BASE_URL", base)
    return base


def mart_hours(warehouse: ApiWarehouse, since: Any) -> list[tuple[Any, Decimal]]:
    return warehouse.query(
        "select interval_start_utc, average_intensity_g_per_kwh from marts.fct_grid_carbon_intensity "
        "where region = 'DE' and scope = 'lifecycle' and resolution = 'PT1H' and status = 'OK' "
        "and interval_start_utc >= %s order by 1", (since,))


def test_home_assistants_client_reads_de_latest_and_history(electricitymaps_at: str, auth: Auth,
                                                            api_warehouse: ApiWarehouse) -> None:
    from aioelectricitymaps import ElectricityMaps, ZoneRequest

    async def read() -> tuple[Any, Any]:
        async with ElectricityMaps(token=auth.admin_token) as client:
            return (await client.latest_carbon_intensity(ZoneRequest("DE")),
                    await client.carbon_intensity_history(ZoneRequest("DE")))

    latest, history = asyncio.run(read())
    newest_end = LAST_FINAL_HOUR + timedelta(hours=PENDING_HOURS + 1)
    hours = mart_hours(api_warehouse, newest_end - timedelta(hours=24))
    exact = {t: v for t, v in hours}
    half_up = {t: int(v.quantize(Decimal(1), rounding=ROUND_HALF_UP)) for t, v in hours}
    assert latest.zone == "DE" and latest.timestamp == LAST_FINAL_HOUR
    assert latest.carbon_intensity == half_up[LAST_FINAL_HOUR], exact[LAST_FINAL_HOUR]
    assert (latest.is_estimated, latest.emission_factor_type) == (False, "lifecycle")
    assert latest.updated_at.tzinfo is not None
    assert history.zone == "DE"
    assert [(h.timestamp.astimezone(UTC), h.carbon_intensity) for h in history.history] == list(half_up.items())
    assert len(history.history) == 24 - PENDING_HOURS  # the pending hours are not served as final


def test_the_client_maps_a_bad_token_to_its_invalid_token_error(electricitymaps_at: str) -> None:
    from aioelectricitymaps import ElectricityMaps, ElectricityMapsInvalidTokenError, ZoneRequest

    async def read() -> None:
        async with ElectricityMaps(token="not-an-airflow-token") as client:
            await client.latest_carbon_intensity(ZoneRequest("DE"))

    with pytest.raises(ElectricityMapsInvalidTokenError):
        asyncio.run(read())


def test_the_clients_power_breakdown_refuses_the_flow_totals_we_do_not_invent(electricitymaps_at: str, auth: Auth,
                                                                                api_warehouse: ApiWarehouse) -> None:
    """aioelectricitymaps declares powerConsumptionTotal, powerImportTotal and powerExportTotal as int; the marts
    hold no flows, so we serve null and the client refuses the answer (mashumaro's InvalidFieldValue) rather than
    read made-up zeros. Everything before those fields in its model (breakdowns, percentages) it accepts."""
    from aioelectricitymaps import ElectricityMaps, ZoneRequest
    from mashumaro.exceptions import InvalidFieldValue

    async def read() -> Any:
        async with ElectricityMaps(token=auth.admin_token) as client:
            return await client.latest_power_breakdown(ZoneRequest("DE"))

    with pytest.raises(InvalidFieldValue) as refused:
        asyncio.run(read())
    assert refused.value.field_name == "power_consumption_total"
