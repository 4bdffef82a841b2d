"""The carbon API in-process (FastAPI TestClient) on a test warehouse built by the real dbt project.

Every number the API serves is compared with the mart it comes from, read here as the superuser; tokens are
real Airflow JWTs signed by the configured auth manager. See conftest.py and warehouse_data.py.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from tests.api.conftest import ApiWarehouse, Auth
from tests.api.warehouse_data import HOME_EV, LAST_FINAL_HOUR, PENDING_HOURS
from tests.integration.dbt_helpers import household_id

pytestmark = pytest.mark.integration

EV_HOUSEHOLD = household_id(HOME_EV)
MODELS = ("average", "merit_order", "worst_emitter", "locality")


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_ms(value: datetime) -> str:
    """electricityMaps' format with the milliseconds of ``value`` (load times are not on whole seconds)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def grid_value(warehouse: ApiWarehouse, zone: str, at: datetime, column: str = "average_intensity_g_per_kwh",
               scope: str = "lifecycle") -> Decimal:
    rows = warehouse.query(f"select {column} from marts.fct_grid_carbon_intensity where region = %s and "
                           "scope = %s and resolution = 'PT1H' and interval_start_utc = %s", (zone, scope, at))
    assert len(rows) == 1, rows
    return rows[0][0]


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------------------------- auth
DATA_PATHS = ["/v3/zones", "/v3/carbon-intensity/latest?zone=DE", "/v3/carbon-intensity/history?zone=DE",
              "/v3/carbon-intensity/past?zone=DE&datetime=2025-03-01T12:00Z",
              "/v3/carbon-intensity/past-range?zone=DE&start=2025-03-01&end=2025-03-02",
              "/v3/power-breakdown/latest?zone=DE", "/v3/power-breakdown/history?zone=DE", "/households",
              f"/households/{EV_HOUSEHOLD}/emissions?start=2025-03-01&end=2025-03-02", "/grid/heatmap?zone=DE"]


@pytest.mark.parametrize("path", DATA_PATHS)
def test_every_data_endpoint_needs_an_airflow_token(client: Any, auth: Auth, path: str) -> None:
    anonymous = client.get(path, headers={"Authorization": ""})
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert "POST /auth/token" in anonymous.json()["detail"]
    forged = client.get(path, headers={"Authorization": f"Bearer {auth.admin_token[:-4]}AAAA"})
    assert forged.status_code == 401 and "invalid Airflow token" in forged.json()["detail"]
    roleless = client.get(path, headers={"Authorization": f"Bearer {auth.roleless_token}"})
    assert roleless.status_code == 403 and "nobody" in roleless.json()["detail"]
    assert client.get(path).status_code == 200
    # electricityMaps clients send their key as auth-token; the UI's iframe has the login cookie
    assert client.get(path, headers={"Authorization": "", "auth-token": auth.admin_token}).status_code == 200
    assert client.get(path, headers={"Authorization": "", "Cookie": f"_token={auth.admin_token}"}).status_code == 200


def test_the_dashboard_sends_browsers_without_login_to_airflows_login(client: Any, auth: Auth) -> None:
    page = client.get("/dashboard", headers={"Authorization": ""}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/auth/login?next=%2Fdashboard"
    page = client.get("/dashboard", headers={"Authorization": "", "Cookie": f"_token={auth.admin_token}"})
    assert page.status_code == 200 and '<base href="/">' in page.text
    assert page.headers["content-security-policy"] == "frame-ancestors 'self'"
    # code only, no data: the scripts are served without login
    assert client.get("/static/dashboard.js", headers={"Authorization": ""}).status_code == 200


def test_openapi_describes_every_endpoint_and_the_token(client: Any) -> None:
    spec = client.get("/openapi.json", headers={"Authorization": ""}).json()
    paths = {p.split("?")[0] for p in DATA_PATHS} | {"/households/{household_id}/emissions"}
    assert paths - {f"/households/{EV_HOUSEHOLD}/emissions"} <= set(spec["paths"])
    assert set(spec["components"]["securitySchemes"]) == {"AirflowJWT", "ElectricityMapsAuthToken",
                                                          "AirflowUICookie"}
    latest = spec["paths"]["/v3/carbon-intensity/latest"]["get"]
    assert {"401", "404", "422", "503"} <= set(latest["responses"])
    assert {p["name"] for p in latest["parameters"]} >= {"zone", "emissionFactorType", "temporalGranularity", "model"}


# --------------------------------------------------------------------------------------------- v3
def test_zones_are_the_regions_of_the_grid_mart(client: Any, api_warehouse: ApiWarehouse) -> None:
    zones = client.get("/v3/zones").json()
    expected = {r[0] for r in api_warehouse.query("select distinct region from marts.fct_grid_carbon_intensity")}
    assert set(zones) == expected == {"DE", "50Hertz", "Amprion", "TenneT", "TransnetBW", "CISO"}
    assert zones["DE"]["countryName"] == "Germany" and zones["CISO"]["countryName"] == "United States"
    assert zones["DE"]["lastFinalDatetime"] == iso(LAST_FINAL_HOUR + timedelta(hours=1))


def test_latest_is_the_newest_final_hour_never_a_pending_one(client: Any, api_warehouse: ApiWarehouse) -> None:
    statuses = api_warehouse.query(
        "select status, count(*) from marts.fct_grid_carbon_intensity where region = 'DE' and scope = 'lifecycle' "
        "and interval_start_utc > %s group by status", (LAST_FINAL_HOUR,))
    assert statuses == [("PENDING", PENDING_HOURS)]  # newer hours exist, none final
    body = client.get("/v3/carbon-intensity/latest", params={"zone": "de"}).json()
    exact = grid_value(api_warehouse, "DE", LAST_FINAL_HOUR)
    assert body["zone"] == "DE" and body["datetime"] == iso(LAST_FINAL_HOUR)
    assert body["carbonIntensity"] == half_up(exact) and body["carbonIntensityExact"] == pytest.approx(float(exact))
    assert (body["isEstimated"], body["estimationMethod"], body["status"]) == (False, None, "OK")
    assert (body["emissionFactorType"], body["model"], body["temporalGranularity"]) == ("lifecycle", "average",
                                                                                         "hourly")


def test_model_and_emission_factor_type_pick_the_marts_columns(client: Any, api_warehouse: ApiWarehouse) -> None:
    for model, column in (("merit_order", "merit_order_intensity_g_per_kwh"),
                          ("worst_emitter", "worst_emitter_intensity_g_per_kwh")):
        for scope in ("direct", "lifecycle"):
            body = client.get("/v3/carbon-intensity/latest", params={
                "zone": "TransnetBW", "model": model, "emissionFactorType": scope}).json()
            exact = grid_value(api_warehouse, "TransnetBW", LAST_FINAL_HOUR, column, scope)
            assert body["carbonIntensityExact"] == pytest.approx(float(exact)), (model, scope)
            assert (body["model"], body["emissionFactorType"]) == (model, scope)


def test_history_is_the_final_hours_of_the_last_24_hours_of_data(client: Any, api_warehouse: ApiWarehouse) -> None:
    body = client.get("/v3/carbon-intensity/history", params={"zone": "DE", "emissionFactorType": "direct"}).json()
    newest_end = LAST_FINAL_HOUR + timedelta(hours=PENDING_HOURS + 1)
    rows = api_warehouse.query(
        "select interval_start_utc, average_intensity_g_per_kwh from marts.fct_grid_carbon_intensity "
        "where region = 'DE' and scope = 'direct' and resolution = 'PT1H' and status = 'OK' "
        "and interval_start_utc >= %s order by 1", (newest_end - timedelta(hours=24),))
    assert len(rows) == 24 - PENDING_HOURS
    assert [(p["datetime"], p["carbonIntensityExact"]) for p in body["history"]] == [
        (iso(t), pytest.approx(float(v))) for t, v in rows]


def test_past_of_a_pending_hour_says_so(client: Any) -> None:
    pending = LAST_FINAL_HOUR + timedelta(hours=1, minutes=30)
    answer = client.get("/v3/carbon-intensity/past", params={"zone": "DE", "datetime": pending.isoformat()})
    assert answer.status_code == 404
    assert answer.json()["detail"] == f"DE {iso(LAST_FINAL_HOUR + timedelta(hours=1))}: status PENDING, no final " \
                                      "carbon intensity (yet)"
    final = client.get("/v3/carbon-intensity/past", params={"zone": "DE", "datetime": "2025-03-01T12:34:56"}).json()
    assert final["datetime"] == "2025-03-01T12:00:00.000Z"  # naive = UTC, the hour holding it


def test_days_and_months_are_served_only_when_every_hour_is_final(client: Any, api_warehouse: ApiWarehouse) -> None:
    days = client.get("/v3/carbon-intensity/past-range", params={
        "zone": "DE", "start": "2025-02-27", "end": "2025-03-07", "temporalGranularity": "daily"}).json()["data"]
    # UTC days 2025-02-27 .. 2025-03-04 are whole; 03-05 ends with pending hours, 03-06 has no data
    assert [d["datetime"][:10] for d in days] == [f"2025-0{d}" for d in
                                                  ("2-27", "2-28", "3-01", "3-02", "3-03", "3-04")]
    (energy, generation), = api_warehouse.query(
        "select sum(emissions_kg), sum(generation_mwh) from marts.fct_grid_carbon_intensity where region = 'DE' "
        "and scope = 'lifecycle' and resolution = 'PT1H' and interval_start_utc >= '2025-03-01T00:00Z' "
        "and interval_start_utc < '2025-03-02T00:00Z'")
    assert days[2]["carbonIntensityExact"] == pytest.approx(float(energy / generation), rel=1e-9)
    months = client.get("/v3/carbon-intensity/past-range", params={
        "zone": "DE", "start": "2025-01-01", "end": "2025-04-01", "temporalGranularity": "monthly"}).json()["data"]
    # January holds only its last hour, March is not over: February alone is a whole month
    assert [m["datetime"] for m in months] == ["2025-02-01T00:00:00.000Z"]


def test_power_breakdown_serves_production_by_fuel_from_the_mart(client: Any, api_warehouse: ApiWarehouse) -> None:
    body = client.get("/v3/power-breakdown/latest", params={"zone": "DE"}).json()
    fuels = dict(api_warehouse.query(
        "select fuel, generation_mwh from marts.fct_grid_generation_by_fuel where region = 'DE' "
        "and resolution = 'PT1H' and interval_start_utc = %s", (LAST_FINAL_HOUR,)))
    (generation, loaded_at), = api_warehouse.query(
        "select c.generation_mwh, (select max(source_loaded_at) from marts.fct_grid_generation_by_fuel as g "
        "  where g.region = c.region and g.resolution = c.resolution and g.interval_start_utc = c.interval_start_utc) "
        "from marts.fct_grid_carbon_intensity as c where c.region = 'DE' and c.scope = 'direct' "
        "and c.resolution = 'PT1H' and c.interval_start_utc = %s", (LAST_FINAL_HOUR,))
    assert body["datetime"] == iso(LAST_FINAL_HOUR)  # the pending hours after it are not served
    assert body["powerProductionTotal"] == half_up(generation)  # MWh in one hour = mean MW
    breakdown = body["powerProductionBreakdown"]
    assert breakdown["coal"] == half_up(fuels["lignite"] + fuels["hard_coal"])
    assert (breakdown["gas"], breakdown["wind"], breakdown["solar"], breakdown["biomass"]) == (
        half_up(fuels["natural_gas"]), half_up(fuels["wind_onshore"]), half_up(fuels["photovoltaics"]),
        half_up(fuels["biomass"]))
    assert breakdown["oil"] is None and breakdown["battery discharge"] is None  # no fuel of DE maps to them
    renewable = fuels["wind_onshore"] + fuels["photovoltaics"] + fuels["biomass"]
    assert body["renewablePercentage"] == half_up(100 * renewable / generation)
    assert body["fossilFreePercentage"] == body["renewablePercentage"]  # DE of the test data has no nuclear/hydro
    assert body["updatedAt"] == iso_ms(loaded_at) == body["createdAt"]
    # no flows in the marts: nothing invented
    assert body["powerImportBreakdown"] == body["powerExportBreakdown"] == body["powerConsumptionBreakdown"] == {}
    assert body["powerConsumptionTotal"] is body["powerImportTotal"] is body["powerExportTotal"] is None
    history = client.get("/v3/power-breakdown/history", params={"zone": "DE"}).json()["history"]
    assert len(history) == 24 - PENDING_HOURS and history[-1] == {k: v for k, v in body.items() if k != "zone"}
    ciso = client.get("/v3/power-breakdown/latest", params={"zone": "CISO"}).json()
    assert ciso["powerProductionTotal"] == sum(v for v in ciso["powerProductionBreakdown"].values() if v)


def test_power_breakdown_has_the_documented_shape_of_electricitymaps(client: Any) -> None:
    """The fields and types of electricityMaps' PowerBreakdown, as aioelectricitymaps' model declares them (its
    dataclass aliases), with the production keys electricityMaps documents."""
    import dataclasses

    from aioelectricitymaps.models.power_breakdown import PowerBreakdown

    body = client.get("/v3/power-breakdown/latest", params={"zone": "DE", "temporalGranularity": "hourly"}).json()
    declared = {f.metadata["alias"] for f in dataclasses.fields(PowerBreakdown)}
    assert declared <= set(body), declared - set(body)
    keys = {"nuclear", "geothermal", "biomass", "coal", "wind", "solar", "hydro", "gas", "oil", "unknown",
            "hydro discharge", "battery discharge"}
    assert set(body["powerProductionBreakdown"]) == keys
    assert all(v is None or (isinstance(v, int) and v >= 0) for v in body["powerProductionBreakdown"].values())
    assert all(isinstance(body[k], int) and 0 <= body[k] <= 100
               for k in ("fossilFreePercentage", "renewablePercentage"))
    assert isinstance(body["powerProductionTotal"], int) and body["isEstimated"] is False
    for name in ("datetime", "updatedAt", "createdAt"):
        assert datetime.fromisoformat(body[name].replace("Z", "+00:00")).tzinfo is not None


def test_updated_at_is_the_load_time_of_the_data_not_the_answer_time(client: Any,
                                                                      api_warehouse: ApiWarehouse) -> None:
    (loaded_at,), = api_warehouse.query(
        "select max(source_loaded_at) from marts.fct_grid_generation_by_fuel where region = 'DE' "
        "and resolution = 'PT1H' and interval_start_utc = %s", (LAST_FINAL_HOUR,))
    assert loaded_at is not None and datetime.now(UTC) - loaded_at > timedelta(seconds=0)
    latest = client.get("/v3/carbon-intensity/latest", params={"zone": "DE"}).json()
    assert latest["datetime"] == iso(LAST_FINAL_HOUR)
    assert latest["updatedAt"] == iso_ms(loaded_at) == latest["createdAt"]
    # asked again later, the answer says the same: it is the data's time, not the answer's
    time.sleep(0.01)
    assert client.get("/v3/carbon-intensity/latest", params={"zone": "DE"}).json()["updatedAt"] == iso_ms(loaded_at)
    (newest_february,), = api_warehouse.query(
        "select max(source_loaded_at) from marts.fct_grid_generation_by_fuel where region = 'DE' "
        "and resolution = 'PT1H' and interval_start_utc >= '2025-02-01' and interval_start_utc < '2025-03-01'")
    month = client.get("/v3/carbon-intensity/past", params={
        "zone": "DE", "datetime": "2025-02-10T00:00:00Z", "temporalGranularity": "monthly"}).json()
    assert month["updatedAt"] == iso_ms(newest_february)


@pytest.mark.parametrize("zone", ["50Hertz", "Amprion", "TenneT", "TransnetBW"])
def test_locality_is_served_for_the_control_areas_as_the_mart_computes_it(client: Any, api_warehouse: ApiWarehouse,
                                                                         zone: str) -> None:
    latest = client.get("/v3/carbon-intensity/latest", params={"zone": zone, "model": "locality"})
    assert latest.status_code == 200, latest.text
    body = latest.json()
    (value,), = api_warehouse.query(
        "select locality_intensity_g_per_kwh from marts.fct_grid_locality_intensity where region = %s "
        "and scope = 'lifecycle' and resolution = 'PT1H' and interval_start_utc = %s", (zone, LAST_FINAL_HOUR))
    assert (body["model"], body["datetime"]) == ("locality", iso(LAST_FINAL_HOUR))
    assert body["carbonIntensityExact"] == pytest.approx(float(value), rel=1e-12)
    history = client.get("/v3/carbon-intensity/history", params={"zone": zone, "model": "locality"}).json()
    assert len(history["history"]) == 24 - PENDING_HOURS


def test_zone_locality_is_what_a_household_of_the_area_is_attributed(client: Any,
                                                                     api_warehouse: ApiWarehouse) -> None:
    rows = api_warehouse.query(
        "select interval_start_utc, intensity_g_per_kwh from marts.fct_household_emissions "
        "where model = 'locality' and scope = 'direct' and region_used = 'TransnetBW' and status = 'OK' "
        "and interval_start_utc >= '2025-03-01' and interval_start_utc < '2025-03-02'")
    assert rows
    served = client.get("/v3/carbon-intensity/past-range", params={
        "zone": "TransnetBW", "model": "locality", "emissionFactorType": "direct",
        "start": "2025-03-01T00:00:00Z", "end": "2025-03-02T00:00:00Z"}).json()["data"]
    by_hour = {p["datetime"]: p["carbonIntensityExact"] for p in served}
    for start, intensity in rows:
        assert by_hour[iso(start)] == pytest.approx(float(intensity), rel=1e-12)


@pytest.mark.parametrize(("zone", "why"), [("DE", "DE is the pool the control areas import from"),
                                           ("CISO", "only German control areas have a load balance")])
def test_locality_where_it_does_not_exist_is_a_422_saying_why(client: Any, zone: str, why: str) -> None:
    for path in ("/v3/carbon-intensity/latest", "/v3/carbon-intensity/history", "/grid/heatmap"):
        answer = client.get(path, params={"zone": zone, "model": "locality"})
        assert answer.status_code == 422, answer.text
        detail = answer.json()["detail"]
        assert f"model 'locality' does not exist for zone {zone}" in detail and why in detail
        assert "50Hertz, Amprion, TenneT, TransnetBW" in detail


@pytest.mark.parametrize(("path", "params", "status", "words"), [
    ("/v3/carbon-intensity/latest", {"zone": "FR"}, 404, "unknown zone 'FR': zones with data are 50Hertz, Amprion"),
    ("/v3/carbon-intensity/latest", {}, 422, "zone is required"),
    ("/v3/carbon-intensity/latest", {"zone": "DE", "model": "locality"}, 422, "does not exist for zone DE"),
    ("/v3/carbon-intensity/latest", {"zone": "DE", "model": "marginal"}, 422, "unknown model 'marginal'"),
    ("/v3/carbon-intensity/latest", {"zone": "DE", "emissionFactorType": "scope3"}, 422, "emissionFactorType"),
    ("/v3/carbon-intensity/history", {"zone": "DE", "temporalGranularity": "5_minutes"}, 422, "temporalGranularity"),
    ("/v3/carbon-intensity/past", {"zone": "DE", "datetime": "yesterday"}, 422, "datetime: Input should be"),
    ("/v3/carbon-intensity/past", {"zone": "DE", "datetime": "0001-01-01T00:00:00Z"}, 422, "outside the served span"),
    # year 1 one hour east of UTC is before datetime.min in UTC (was an OverflowError, a 500)
    ("/v3/carbon-intensity/past", {"zone": "DE", "datetime": "0001-01-01T00:00:00+01:00"}, 422,
     "outside the served span"),
    ("/v3/carbon-intensity/past-range", {"zone": "DE", "start": "2025-03-02", "end": "2025-03-01"}, 400,
     "must be before end"),
    ("/v3/carbon-intensity/past-range", {"zone": "DE", "start": "2025-01-01", "end": "2025-03-01"}, 400,
     "longer than the 31 days"),
    ("/v3/power-breakdown/latest", {"zone": "DE", "temporalGranularity": "daily"}, 422, "15_minutes and hourly"),
    (f"/households/{'0' * 64}/emissions", {"start": "2025-03-01", "end": "2025-03-02"}, 404, "no household"),
    ("/households/Mallory/emissions", {"start": "2025-03-01", "end": "2025-03-02"}, 422, "not a household id"),
    (f"/households/{EV_HOUSEHOLD}/emissions", {"start": "March", "end": "2025-03-02"}, 422, "start='March'"),
    (f"/households/{EV_HOUSEHOLD}/emissions", {"start": "2025-03-01", "end": "2025-03-02", "grain": "week"}, 422,
     "grain"),
    (f"/households/{EV_HOUSEHOLD}/emissions", {"start": "2025-01-01", "end": "2025-03-01", "grain": "interval"},
     400, "longer than the 31 days"),
    ("/grid/heatmap", {"zone": "DE", "timezone": "Mars/Olympus"}, 422, "unknown time zone 'Mars/Olympus'"),
])
def test_bad_input_gets_a_4xx_with_a_clear_message(client: Any, path: str, params: dict[str, str], status: int,
                                                   words: str) -> None:
    answer = client.get(path, params=params)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]


def test_marts_that_cannot_answer_give_503_not_500(auth: Auth, api_warehouse: ApiWarehouse) -> None:
    from fastapi.testclient import TestClient

    from gridcarbon.api.app import create_app
    from gridcarbon.api.settings import ApiSettings

    nowhere = ApiSettings(dsn=f"postgresql://bi_reader@{api_warehouse.host}:{api_warehouse.port}/gridcarbon_missing")
    with TestClient(create_app(nowhere), headers=auth.headers) as broken:
        answer = broken.get("/v3/carbon-intensity/latest", params={"zone": "DE"})
    assert answer.status_code == 503
    assert "cannot connect to the warehouse" in answer.json()["detail"] and "bi_reader" in answer.json()["detail"]


# --------------------------------------------------------------------------------------------- households
def emissions(client: Any, grain: str, start: str, end: str, household: str = EV_HOUSEHOLD) -> dict[str, Any]:
    answer = client.get(f"/households/{household}/emissions", params={"start": start, "end": end, "grain": grain})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_households_are_listed_pseudonymously(client: Any, api_warehouse: ApiWarehouse) -> None:
    listed = {h["household_id"]: h for h in client.get("/households").json()}
    assert set(listed) == {r[0] for r in api_warehouse.query("select household_id from marts.dim_households")}
    ev = listed[EV_HOUSEHOLD]
    assert (ev["has_ev"], ev["control_area"], ev["timezone"]) == (True, "TransnetBW", "Europe/Berlin")
    assert ev["last_final_interval_end"].startswith("2025-03-05T20:00")
    assert not any(HOME_EV in str(h) for h in listed.values())  # never the Tibber home id


def test_interval_grain_puts_every_model_and_scope_side_by_side(client: Any, api_warehouse: ApiWarehouse) -> None:
    hour = datetime(2025, 3, 2, 18, tzinfo=UTC)  # 19:00 local, the EV charges on even days
    body = emissions(client, "interval", hour.isoformat(), (hour + timedelta(hours=1)).isoformat())
    (period,) = body["periods"]
    rows = api_warehouse.query(
        "select model, scope, consumption_kwh, ev_kwh, intensity_g_per_kwh, emissions_kg, ev_emissions_kg, status "
        "from marts.fct_household_emissions where household_id = %s and interval_start_utc = %s",
        (EV_HOUSEHOLD, hour))
    assert len(rows) == 8
    for model, scope, kwh, ev_kwh, intensity, kg, ev_kg, status in rows:
        served = period["emissions"][model][scope]
        assert (served["status"], served["intensity_g_per_kwh"]) == (status, pytest.approx(float(intensity)))
        assert (served["emissions_kg"], served["ev_emissions_kg"]) == (pytest.approx(float(kg)),
                                                                       pytest.approx(float(ev_kg)))
        assert (period["consumption_kwh"], period["ev_kwh"]) == (float(kwh), float(ev_kwh))
    assert period["ev_kwh"] == 11.0 and period["ev_share"] == pytest.approx(11.0 / period["consumption_kwh"])
    for scope in ("direct", "lifecycle"):
        kgs = {m: period["emissions"][m][scope]["emissions_kg"] for m in MODELS}
        spread = period["spread"][scope]
        assert (spread["min_kg"], spread["max_kg"]) == (min(kgs.values()), max(kgs.values()))
        assert kgs[spread["min_model"]] == spread["min_kg"] and kgs[spread["max_model"]] == spread["max_kg"]


def test_day_grain_sums_local_days_and_flags_partial_ones(client: Any, api_warehouse: ApiWarehouse) -> None:
    body = emissions(client, "day", "2025-03-03", "2025-03-07")
    days = {p["local_date"]: p for p in body["periods"]}
    assert list(days) == ["2025-03-03", "2025-03-04", "2025-03-05"]
    ((kg, kwh, ev_kwh),) = api_warehouse.query(
        "select sum(emissions_kg), sum(consumption_kwh), sum(ev_kwh) from marts.fct_household_emissions "
        "where household_id = %s and model = 'locality' and scope = 'direct' "
        "and interval_start_utc >= '2025-03-03T00:00+01:00' and interval_start_utc < '2025-03-04T00:00+01:00'",
        (EV_HOUSEHOLD,))
    march_3 = days["2025-03-03"]
    assert march_3["emissions"]["locality"]["direct"]["emissions_kg"] == pytest.approx(float(kg))
    assert (march_3["consumption_kwh"], march_3["ev_kwh"]) == (pytest.approx(float(kwh)), float(ev_kwh))
    assert (march_3["period_hours"], march_3["covered_hours"], march_3["is_complete"]) == (24, 24, True)
    assert march_3["period_start"].startswith("2025-03-02T23:00")
    # the last day is metered to its end, but its last hours have no intensity: complete, not comparable
    march_5 = days["2025-03-05"]
    assert march_5["is_complete"] is True
    assert march_5["emissions"]["average"]["direct"]["unattributed_interval_count"] == PENDING_HOURS
    assert march_5["spread"] == {"direct": None, "lifecycle": None}
    # a day cut by the range is partial
    cut = emissions(client, "day", "2025-03-03T12:00", "2025-03-04")["periods"]
    assert [(p["local_date"], p["covered_hours"], p["is_complete"]) for p in cut] == [("2025-03-03", 12, False)]


def test_month_grain_reads_the_monthly_mart_with_is_complete(client: Any, api_warehouse: ApiWarehouse) -> None:
    body = emissions(client, "month", "2025-02-10", "2025-03-02")
    months = {p["local_date"]: p for p in body["periods"]}
    assert list(months) == ["2025-02-01", "2025-03-01"]
    rows = api_warehouse.query(
        "select month_start_local, emissions_kg, covered_hours, period_hours, is_complete "
        "from marts.agg_household_emissions_monthly where household_id = %s and model = 'worst_emitter' "
        "and scope = 'lifecycle' order by 1", (EV_HOUSEHOLD,))
    assert [(r[0], r[4]) for r in rows] == [(date(2025, 2, 1), True), (date(2025, 3, 1), False)]
    for month, kg, covered, hours, complete in rows:
        served = months[month.isoformat()]
        assert served["emissions"]["worst_emitter"]["lifecycle"]["emissions_kg"] == pytest.approx(float(kg))
        assert (served["covered_hours"], served["period_hours"], served["is_complete"]) == (covered, hours, complete)
    assert (months["2025-03-01"]["covered_hours"], months["2025-03-01"]["period_hours"]) == (120, 743)


def test_heatmap_has_a_cell_per_local_day_and_hour(client: Any, api_warehouse: ApiWarehouse) -> None:
    body = client.get("/grid/heatmap", params={"zone": "Amprion", "start": "2025-03-01", "end": "2025-03-06",
                                               "scope": "direct"}).json()
    assert body["timezone"] == "Europe/Berlin"
    cells = {(c["local_date"], c["hour"]): c for c in body["cells"]}
    assert len(cells) == 5 * 24
    noon = cells[("2025-03-02", 12)]
    exact = grid_value(api_warehouse, "Amprion", datetime(2025, 3, 2, 11, tzinfo=UTC), scope="direct")
    assert noon["intensity_g_per_kwh"] == pytest.approx(float(exact)) and noon["status"] == "OK"
    late = [cells[("2025-03-05", h)] for h in (21, 22, 23)]  # 20:00-23:00 UTC: not published yet
    assert [(c["intensity_g_per_kwh"], c["status"]) for c in late] == [(None, "PENDING")] * PENDING_HOURS
