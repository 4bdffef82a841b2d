"""EIA API v2 parser and client: recorded answers (read in place from ../shared/fixtures/eia), the replay server
for paging and errors. What a user would otherwise see: generation shifted by one hour (EIA's period is the
END of the hour), missing rows past 5000, or their API key in a task log."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError
from gridcarbon.http import build_session
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import eia
from gridcarbon.sources.contract import Fetched
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeSession, endpoint

SECRET = "s3cr3t-EIA-key-0123456789abcdef"


def _load(name: str) -> object:
    return json.loads(fixture_path(f"eia/{name}").read_text())


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- recorded answers -------------------------------------------------------------------------------------------


def test_fuel_type_2023_pacw_period_is_hour_ending() -> None:
    """The first PACW wind value (period 2023-01-01T00 = hour ending midnight UTC, 282 MWh) is stored for the
    interval starting 2022-12-31 23:00 UTC; all 845 rows of response.total (a string) are parsed."""
    payload = _load("eia_fuel-type-data_PACW_hourly_2023-01-01_2023-01-08.json")
    records = eia.parse_fuel_type_data(payload)
    assert eia.parse_total(payload) == 845 == len(records)
    wind = [r for r in records if r.fueltype == "WND"]
    assert wind[0].interval_start_utc == _utc("2022-12-31T23:00")
    assert wind[0].value_mwh == Decimal("282")
    assert (wind[0].respondent, wind[0].respondent_name, wind[0].type_name, wind[0].value_units) == (
        "PACW", "PacifiCorp West", "Wind", "megawatthours")
    hydro_last = [r for r in records if r.fueltype == "WAT"][-1]
    assert hydro_last.interval_start_utc == _utc("2023-01-07T23:00")  # period 2023-01-08T00
    assert {r.fueltype for r in records} == {"NG", "OTH", "SUN", "WAT", "WND"}


def test_fuel_type_2024_pacw() -> None:
    """2024 recording: OTH 49 MWh and WAT 256 MWh in the hour 2023-12-31 23:00-24:00 UTC; 125 rows."""
    payload = _load("eia_fuel-type-data_PACW_hourly_2024-01-01_2024-01-02.json")
    records = eia.parse_fuel_type_data(payload)
    assert len(records) == eia.parse_total(payload) == 125
    first_hour = {r.fueltype: r.value_mwh for r in records if r.interval_start_utc == _utc("2023-12-31T23:00")}
    assert first_hour["OTH"] == Decimal("49")
    assert first_hour["WAT"] == Decimal("256")
    assert first_hour["WND"] == Decimal("0")


def test_region_data_demand_2023_and_2024() -> None:
    """PACW demand: 2455 MWh in the hour ending 2023-01-01T00 UTC, 2515 MWh in the hour ending 2024-01-01T00."""
    r23 = eia.parse_region_data(_load("eia_region-data_PACW_D_hourly_2023-01-01_2023-01-08.json"))
    r24 = eia.parse_region_data(_load("eia_region-data_PACW_D_hourly_2024-01-01_2024-01-02.json"))
    assert len(r23) == 169 and len(r24) == 25
    assert (r23[0].type, r23[0].interval_start_utc, r23[0].value_mwh) == ("D", _utc("2022-12-31T23:00"), 2455)
    assert (r23[1].interval_start_utc, r23[1].value_mwh) == (_utc("2023-01-01T00:00"), 2579)
    assert (r24[0].interval_start_utc, r24[0].value_mwh, r24[0].type_name) == (_utc("2023-12-31T23:00"), 2515,
                                                                              "Demand")


def test_null_and_numeric_values_hand_edited_mock() -> None:
    """HAND-EDITED electricitymaps mock (shape only): a null value stays NULL (not 0); numbers (API < 2.1.6)
    are accepted like strings."""
    records = eia.parse_fuel_type_data(_load("em_EIA_US-NW-PGE-with-nulls.json"))
    assert [r.value_mwh for r in records] == [None, Decimal("400")]
    assert records[0].interval_start_utc == _utc("2022-10-31T10:00")


def test_empty_answer_hand_edited_mock() -> None:
    """HAND-EDITED mock: total 0 and no rows give no records and no error."""
    payload = _load("em_EIA_US_CAR_SC-nuclear_empty.json")
    assert eia.parse_total(payload) == 0
    assert eia.parse_fuel_type_data(payload) == []


def test_interchange_mock() -> None:
    """electricitymaps mock (numeric values): FPC -> FPL -329 MWh in the hour ending 2020-01-06T06 UTC."""
    records = eia.parse_interchange_data(_load("em_EIA_interchange_FPC_FPL.json"))
    assert len(records) == 25
    first = records[0]
    assert (first.from_ba, first.to_ba, first.interval_start_utc, first.value_mwh) == (
        "FPC", "FPL", _utc("2020-01-06T05:00"), Decimal("-329"))
    assert first.to_ba_name == "Florida Power & Light Co."


def test_error_bodies_in_a_200_are_source_errors() -> None:
    """The recorded 403 and 500 bodies, if ever handed to the parser, raise SourceError naming the cause."""
    with pytest.raises(SourceError, match="API_KEY_INVALID"):
        eia.parse_fuel_type_data(_load("eia_error_403_API_KEY_INVALID.json"))
    with pytest.raises(SourceError, match="Not found"):
        eia.parse_fuel_type_data(_load("eia_error_500_wholesale-prices_not-found.json"))


@pytest.mark.parametrize("payload, message", [
    ({"response": {"total": "1", "data": "nope"}}, "not a list"),
    ({"nothing": 1}, "no 'response'"),
    ({"response": {"total": "1", "data": [{"period": "2023-01-01", "respondent": "X", "fueltype": "NG",
                                           "value": "1"}]}}, "period"),
    ({"response": {"total": "1", "data": [{"period": "2023-01-01T01", "respondent": "X", "fueltype": "NG",
                                           "value": "12abc"}]}}, "not a number"),
    ({"response": {"total": "1", "data": [{"period": "2023-01-01T01", "fueltype": "NG", "value": "1"}]}},
     "respondent"),
])
def test_malformed_payload_names_source_url_and_interval(payload: object, message: str) -> None:
    """A malformed answer raises MalformedPayloadError with source, redacted URL and interval in the message."""
    window = Window(_utc("2023-01-01T00:00"), _utc("2023-01-02T00:00"))
    url = f"https://api.eia.gov/v2/electricity/rto/fuel-type-data/data/?api_key={SECRET}"
    with pytest.raises(MalformedPayloadError, match=message) as err:
        eia.parse_fuel_type_data(payload, url=url, window=window)
    text = str(err.value)
    assert "source=eia" in text and "api_key=***" in text and "2023-01-01T00:00:00+00:00" in text
    assert SECRET not in text


def test_respondent_facets() -> None:
    """The facet endpoint's answer gives the sorted BA codes (no recording: the shape of EIA's facet answer)."""
    payload = {"response": {"totalFacets": 2, "facets": [{"id": "PJM", "name": "PJM"}, {"id": "CISO", "name": "C"}]}}
    assert eia.parse_respondent_facets(payload) == ["CISO", "PJM"]


# --- windows ----------------------------------------------------------------------------------------------------


def test_fetch_with_plain_values_on_the_recorded_answer() -> None:
    """``fetch`` of one route with a fake session answering the recorded 2024 PACW day and settings as values (the
    respondents configured, a one-hour look-back): one request with the key as ``api_key``, the run's hours plus
    the look-back (the 25 hours of the recording), WAT 256 MWh in the hour starting 2023-12-31 23:00Z, and the
    route's URL (redacted) for load errors."""
    session = FakeSession({"electricity/rto/fuel-type-data/data/":
                           fixture_path("eia/eia_fuel-type-data_PACW_hourly_2024-01-01_2024-01-02.json")})
    settings = eia.Settings(respondents=("PACW",), lookback=timedelta(hours=1))
    run = Window(_utc("2024-01-01T00:15"), _utc("2024-01-02T00:15"))
    answer = eia.fetch(session, endpoint("eia", "https://mirror.example/v2", password=SECRET), run, settings)
    assert isinstance(answer, Fetched)
    assert answer.window == Window(_utc("2023-12-31T23:00"), _utc("2024-01-02T00:00"))
    assert answer.records.respondents == ("PACW",) and answer.records.route is eia.ROUTES["fuel-type-data"]
    assert len(answer.records.records) == 125
    wat = {r.value_mwh for r in answer.records.records
           if r.fueltype == "WAT" and r.interval_start_utc == _utc("2023-12-31T23:00")}
    assert wat == {Decimal("256")}
    (_, url, sent), = session.requests
    assert url == "https://mirror.example/v2/electricity/rto/fuel-type-data/data/"
    assert ("api_key", SECRET) in sent["params"] and ("facets[respondent][]", "PACW") in sent["params"]
    assert answer.url == url and SECRET not in str(answer.url)


def test_settings_from_the_environment() -> None:
    """EIA_RESPONDENTS (upper-cased, sorted), EIA_LOOKBACK_HOURS and EIA_PAGE_LENGTH (at most 5000) are read once."""
    settings = eia.Settings.from_env(Environment({"EIA_RESPONDENTS": "pjm, CISO", "EIA_LOOKBACK_HOURS": "0",
                                                  "EIA_PAGE_LENGTH": "9000"}))
    assert settings == eia.Settings(respondents=("CISO", "PJM"), lookback=timedelta(0), page_length=5000)
    assert eia.Settings.from_env(Environment({})) == eia.Settings()
    assert eia.configured_respondents(FakeSession({}), endpoint("eia", eia.DEFAULT_BASE_URL), settings) == [
        "CISO", "PJM"]


def test_hours_of_a_run_are_the_hours_that_ended_in_it() -> None:
    """The :15 run for [00:15, 01:15) loads the hour 00:00-01:00; with the 48 h lookback from 2 days earlier;
    EIA is asked for periods 2025-03-01T01..2025-03-01T01 (hour-ending, inclusive)."""
    run = Window(_utc("2025-03-01T00:15"), _utc("2025-03-01T01:15"))
    assert eia.hours_of(run) == Window(_utc("2025-03-01T00:00"), _utc("2025-03-01T01:00"))
    assert eia.request_bounds(eia.hours_of(run)) == ("2025-03-01T01", "2025-03-01T01")
    assert eia.hours_of(run, timedelta(hours=48)).start == _utc("2025-02-27T00:00")
    day = Window(_utc("2025-03-01T00:00"), _utc("2025-03-02T00:00"))
    assert eia.request_bounds(eia.hours_of(day)) == ("2025-03-01T01", "2025-03-02T00")
    assert eia.hours_of(Window(_utc("2018-06-01T00:00"), _utc("2018-06-02T00:00"))) is None
    assert eia.hours_of(Window(_utc("2018-06-30T00:00"), _utc("2018-07-01T05:00"))).start == eia.EARLIEST


# --- against the replay server ------------------------------------------------------------------------------------


def _endpoint(replay_server: object, key: str = SECRET) -> Endpoint:
    return Endpoint("eia", replay_server.source_url("eia", "/v2"), password=key)  # type: ignore[attr-defined]


def _requests_log(replay_server: object) -> list[dict]:
    return requests.get(replay_server.base_url + "/_requests", timeout=10).json()  # type: ignore[attr-defined]


def _client_log(caplog: pytest.LogCaptureFixture) -> str:
    """Our process's log lines, without the replay server's own access log (that is the upstream's log)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("gridcarbon.replay"))


def _clear(replay_server: object) -> None:
    requests.delete(replay_server.base_url + "/_requests", timeout=10)  # type: ignore[attr-defined]
    requests.delete(replay_server.base_url + "/_faults", timeout=10)  # type: ignore[attr-defined]


def test_more_than_5000_rows_are_fetched_completely_once(replay_server: object) -> None:
    """A 3-day window of 10 BAs x all fuels is 5184 rows: two pages (offset 0 and 5000), every row once."""
    _clear(replay_server)
    hours = Window(_utc("2025-03-01T00:00"), _utc("2025-03-04T00:00"))
    respondents = eia.fetch_respondents(build_session(), _endpoint(replay_server))
    assert len(respondents) == 10
    _clear(replay_server)
    records = eia.fetch_route(build_session(), _endpoint(replay_server), eia.ROUTES["fuel-type-data"], hours,
                              respondents)
    assert len(records) == 5184
    assert len({(r.respondent, r.fueltype, r.interval_start_utc) for r in records}) == 5184
    assert min(r.interval_start_utc for r in records) == hours.start
    assert max(r.interval_start_utc for r in records) == _utc("2025-03-03T23:00")
    data_requests = [r for r in _requests_log(replay_server) if r["path"].endswith("/data/")]
    offsets = sorted(int(q.split("offset=")[1].split("&")[0]) for q in (r["query"] for r in data_requests))
    assert offsets == [0, 5000]


def test_api_key_never_in_logs_even_on_errors(replay_server: object, caplog: pytest.LogCaptureFixture) -> None:
    """At DEBUG level (urllib3 logs every URL), on success and on a 400 whose body echoes the key, the key
    never appears in a log line or an error message."""
    _clear(replay_server)
    caplog.set_level(logging.DEBUG)
    hours = Window(_utc("2025-03-01T00:00"), _utc("2025-03-01T03:00"))
    endpoint = _endpoint(replay_server)
    eia.fetch_route(build_session(), endpoint, eia.ROUTES["region-data"], hours, ["PJM"])
    echo = json.dumps({"error": "bad request", "request": {"params": {"api_key": SECRET}}})
    requests.post(replay_server.base_url + "/_faults", json={"source": "eia", "path_contains": "interchange",  # type: ignore[attr-defined]
                                                             "status": 400, "times": 1, "body": echo}, timeout=10)
    with pytest.raises(SourceError) as err:
        eia.fetch_route(build_session(), endpoint, eia.ROUTES["interchange-data"], hours, ["PJM"])
    assert SECRET not in str(err.value)
    assert '"api_key": "***"' in str(err.value)
    client_log = _client_log(caplog)
    assert "api_key=***" in client_log  # urllib3 logged the URLs ...
    assert SECRET not in client_log  # ... redacted
    _clear(replay_server)


def test_invalid_key_403_is_source_auth_error(replay_server: object, caplog: pytest.LogCaptureFixture) -> None:
    """The replay answers key 'invalid' with EIA's 403 API_KEY_INVALID body: SourceAuthError telling which
    connection to fix; the recorded 403 body, served by a fault, gives the same."""
    _clear(replay_server)
    hours = Window(_utc("2025-03-01T00:00"), _utc("2025-03-01T03:00"))
    with pytest.raises(SourceAuthError, match="API_KEY_INVALID") as err:
        eia.fetch_route(build_session(), _endpoint(replay_server, "invalid"), eia.ROUTES["fuel-type-data"], hours,
                        ["PJM"])
    assert "connection 'eia'" in str(err.value)
    body = fixture_path("eia/eia_error_403_API_KEY_INVALID.json").read_text()
    requests.post(replay_server.base_url + "/_faults", json={"source": "eia", "path_contains": "fuel-type",  # type: ignore[attr-defined]
                                                             "status": 403, "times": 1, "body": body}, timeout=10)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceAuthError, match="An invalid api_key was supplied") as err:
        eia.fetch_route(build_session(), _endpoint(replay_server), eia.ROUTES["fuel-type-data"], hours, ["PJM"])
    assert SECRET not in str(err.value) and SECRET not in _client_log(caplog)
    _clear(replay_server)


def test_unknown_route_500_not_found_is_a_clear_source_error(replay_server: object) -> None:
    """EIA answers an unknown route with HTTP 500 {"error":"Not found.","code":404} (recorded body): a
    SourceError saying the route does not exist (after the HTTP retries), key redacted."""
    _clear(replay_server)
    hours = Window(_utc("2025-03-01T00:00"), _utc("2025-03-01T03:00"))
    bad = dataclasses.replace(eia.ROUTES["fuel-type-data"], name="wholesale-prices")
    with pytest.raises(SourceError, match="route does not exist") as err:
        eia.fetch_route(build_session(retries=1), _endpoint(replay_server), bad, hours, ["PJM"])
    assert SECRET not in str(err.value)
    body = fixture_path("eia/eia_error_500_wholesale-prices_not-found.json").read_text()
    requests.post(replay_server.base_url + "/_faults", json={"source": "eia", "path_contains": "region",  # type: ignore[attr-defined]
                                                             "status": 500, "times": 5, "body": body}, timeout=10)
    with pytest.raises(SourceError, match="route does not exist"):
        eia.fetch_route(build_session(retries=1), _endpoint(replay_server), eia.ROUTES["region-data"], hours,
                        ["PJM"])
    _clear(replay_server)


def test_replay_answer_has_the_real_shape(replay_server: object) -> None:
    """Synthetic replay answers are marked, echo the key like EIA, and carry string values and totals."""
    url = replay_server.source_url("eia", "/v2/electricity/rto/region-data/data/")  # type: ignore[attr-defined]
    params = {"frequency": "hourly", "facets[respondent][]": "CISO", "facets[type][]": "D",
              "start": "2025-03-01T01", "end": "2025-03-01T03", "api_key": "echo-me"}
    response = requests.get(url, params=params, timeout=10)
    assert response.headers["X-Gridcarbon-Synthetic"] == "true"
    body = response.json()
    assert body["request"]["params"]["api_key"] == "echo-me"
    assert body["response"]["total"] == "3"
    assert [r["period"] for r in body["response"]["data"]] == ["2025-03-01T01", "2025-03-01T02", "2025-03-01T03"]
    assert all(isinstance(r["value"], str) or r["value"] is None for r in body["response"]["data"])
    again = requests.get(url, params=params, timeout=10).json()
    assert again["response"]["data"] == body["response"]["data"]  # deterministic


def test_total_changing_while_paging_fails_for_a_retry(replay_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """If EIA publishes rows between two pages (response.total changes), offsets would skip or repeat rows: the
    fetch fails with SourceUnavailableError (Airflow retries the task) instead of loading a shifted set."""
    from gridcarbon.errors import SourceUnavailableError

    _clear(replay_server)
    real_parse_total = eia.parse_total
    calls = {"n": 0}

    def growing_total(payload: object, **kwargs: object) -> int:
        calls["n"] += 1
        return real_parse_total(payload, **kwargs) + (calls["n"] - 1)

    monkeypatch.setattr(eia, "parse_total", growing_total)
    hours = Window(_utc("2025-03-01T00:00"), _utc("2025-03-04T00:00"))
    respondents = sorted(eia.fetch_respondents(build_session(), _endpoint(replay_server)))
    with pytest.raises(SourceUnavailableError, match="changed from 5184 to 5185"):
        eia.fetch_route(build_session(), _endpoint(replay_server), eia.ROUTES["fuel-type-data"], hours, respondents)
