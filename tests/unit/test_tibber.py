"""Tibber parsers on the recorded real answers (read in place from ../shared/fixtures/tibber).

A user would otherwise see: consumption stored at the wrong hour (offset ignored), a NOK/SEK household
silently relabelled, unmetered hours turned into 0 kWh, an expired token retried for hours instead of a task
that says "fix the tibber connection's password", or a Pulse sample that cannot be landed later.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridcarbon.connections import Endpoint
from gridcarbon.errors import MalformedPayloadError, SourceAuthError, SourceError
from gridcarbon.intervals import Window
from gridcarbon.settings import Environment
from gridcarbon.sources import tibber
from gridcarbon.sources.contract import Fetched
from tests.conftest import fixture_path
from tests.unit.fake_http import FakeResponse

SEK = "tibber/tibber_gql_consumption_priceinfo_2023-04-10_SEK.json"
NOK = "tibber/tibber_gql_consumption_priceinfo_2021-12-31_NOK.json"


def _home(relative: str) -> dict:
    payload = tibber.loads(fixture_path(relative).read_bytes())
    return payload["data"]["viewer"]["homes"][0]


def _consumption(relative: str, alias: str = "hourly", resolution: str = "HOURLY") -> list[tibber.ConsumptionRecord]:
    home = _home(relative)
    currency = tibber._currency_of(home["currentSubscription"]["priceInfo"])
    return tibber.parse_consumption_nodes(home[alias]["nodes"], home_id="h1", resolution=resolution,
                                          currency=currency)


def test_sek_hourly_nodes_are_stored_in_utc_with_exact_values() -> None:
    """The first SEK hour (local 00:00+02:00) lands at 22:00 UTC the day before with the kWh and cost read in
    the payload, in SEK."""
    records = _consumption(SEK)
    assert len(records) == 13
    first = records[0]
    assert first.interval_start_utc == datetime(2023, 4, 9, 22, tzinfo=UTC)
    assert first.interval_end_utc == datetime(2023, 4, 9, 23, tzinfo=UTC)
    assert first.consumption_kwh == Decimal("3.229")
    assert first.cost == Decimal("2.1127347")
    assert first.unit_price == Decimal("0.6543")
    assert first.unit_price_vat == Decimal("0.13086")
    assert first.consumption_unit == "kWh"
    assert first.currency == "SEK"
    assert records[-1].interval_start_utc == datetime(2023, 4, 10, 10, tzinfo=UTC)
    assert records[-1].consumption_kwh == Decimal("0")  # not metered yet: Tibber sent 0, we keep 0


def test_nok_hourly_nodes_use_the_winter_offset() -> None:
    """A Norwegian household on New Year's Eve 2021 (+01:00): 14 hours, NOK, first hour 23:00 UTC."""
    records = _consumption(NOK)
    assert len(records) == 14
    assert records[0].interval_start_utc == datetime(2021, 12, 30, 23, tzinfo=UTC)
    assert records[0].consumption_kwh == Decimal("1.815")
    assert records[0].cost == Decimal("0.69832125")
    assert records[-1].interval_start_utc == datetime(2021, 12, 31, 12, tzinfo=UTC)
    assert records[-1].consumption_kwh == Decimal("1.518")
    assert {r.currency for r in records} == {"NOK"}


def test_interval_end_comes_from_to_across_the_dst_change() -> None:
    """The March 2023 monthly node starts at +01:00 and ends at +02:00: the end is read from `to`, not
    computed, so the month is 743 hours long."""
    march = _consumption(SEK, "monthly", "MONTHLY")[-1]
    assert march.interval_start_utc == datetime(2023, 2, 28, 23, tzinfo=UTC)
    assert march.interval_end_utc == datetime(2023, 3, 31, 22, tzinfo=UTC)
    assert (march.interval_end_utc - march.interval_start_utc).total_seconds() / 3600 == 743


def test_sek_and_nok_prices_today_and_tomorrow() -> None:
    """priceInfo today and tomorrow become 48 hourly price rows each, in the home's currency, in UTC."""
    sek = tibber.parse_price_info(_home(SEK)["currentSubscription"]["priceInfo"], home_id="h1")
    assert len(sek) == 48
    assert {p.resolution for p in sek} == {"HOURLY"}
    assert sek[0].starts_at_utc == datetime(2023, 4, 9, 22, tzinfo=UTC)
    assert (sek[0].total, sek[0].energy, sek[0].tax, sek[0].currency, sek[0].level) == (
        Decimal("0.6543"), Decimal("0.4294"), Decimal("0.2249"), "SEK", "CHEAP")
    assert sek[24].starts_at_utc == datetime(2023, 4, 10, 22, tzinfo=UTC)
    assert sek[24].total == Decimal("0.1387")
    nok = tibber.parse_price_info(_home(NOK)["currentSubscription"]["priceInfo"], home_id="h1")
    assert nok[0].starts_at_utc == datetime(2021, 12, 30, 23, tzinfo=UTC)
    assert (nok[0].total, nok[0].level, nok[0].currency) == (Decimal("0.3848"), "VERY_CHEAP", "NOK")
    assert nok[-1].starts_at_utc == datetime(2022, 1, 1, 22, tzinfo=UTC)
    assert len({p.starts_at_utc for p in nok}) == 48


def test_empty_tomorrow_gives_today_only() -> None:
    """Before the next day's prices are published `tomorrow` is an empty list: today's prices still land."""
    info = _home(SEK)["currentSubscription"]["priceInfo"]
    info = {**info, "tomorrow": []}
    assert len(tibber.parse_price_info(info, home_id="h1")) == 24


def test_null_consumption_stays_null() -> None:
    """An hour Tibber has not metered (`consumption: null`) is stored as NULL, not 0."""
    node = dict(_home(SEK)["hourly"]["nodes"][-1], consumption=None, cost=None)
    [record] = tibber.parse_consumption_nodes([node], home_id="h1", resolution="HOURLY")
    assert record.consumption_kwh is None
    assert record.cost is None


def test_unauthenticated_answer_raises_auth_error_naming_the_connection() -> None:
    """The recorded invalid-token answer fails with SourceAuthError telling the user to fix the password of
    the `tibber` connection."""
    payload = json.loads(fixture_path("tibber/tibber_gql_error_UNAUTHENTICATED.json").read_text())
    with pytest.raises(SourceAuthError) as info:
        tibber.check_graphql_errors(payload, url="https://api.tibber.com/v1-beta/gql")
    message = str(info.value)
    assert "invalid token" in message
    assert "password" in message and "'tibber'" in message
    assert "source=tibber" in message and "api.tibber.com" in message


def test_other_graphql_errors_raise_source_error_with_the_message() -> None:
    """Any other GraphQL error is shown with Tibber's own message (and is not an auth error)."""
    payload = {"errors": [{"message": "Cannot query field \"foo\" on type \"Home\".",
                           "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}], "data": None}
    with pytest.raises(SourceError) as info:
        tibber.check_graphql_errors(payload)
    assert not isinstance(info.value, SourceAuthError)
    assert 'Cannot query field "foo"' in str(info.value)


def test_recorded_answer_without_home_ids_is_malformed() -> None:
    """The recorded answers were queried without `id`; a homes answer without ids cannot be stored and
    says so, naming the source."""
    payload = tibber.loads(fixture_path(SEK).read_bytes())
    with pytest.raises(MalformedPayloadError) as info:
        tibber.parse_homes(payload, url="https://api.tibber.com/v1-beta/gql")
    assert "has no id" in str(info.value) and "source=tibber" in str(info.value)


def test_bad_timestamp_raises_malformed_payload_naming_url_and_interval() -> None:
    """A node whose `from` has no offset cannot be placed in UTC: MalformedPayloadError with URL and window."""
    from gridcarbon.intervals import Window

    node = dict(_home(SEK)["hourly"]["nodes"][0], **{"from": "2023-04-10T00:00:00"})
    window = Window(datetime(2023, 4, 9, tzinfo=UTC), datetime(2023, 4, 11, tzinfo=UTC))
    with pytest.raises(MalformedPayloadError) as info:
        tibber.parse_consumption_nodes([node], home_id="h1", resolution="HOURLY", url="http://x/gql",
                                       window=window)
    text = str(info.value)
    assert "without offset" in text and "url=http://x/gql" in text and "2023-04-09T00:00:00+00:00" in text


def test_live_measurement_next_message() -> None:
    """A Pulse websocket `next` message becomes one live sample: 15:47:35+02:00 -> 13:47:35 UTC, power in W,
    accumulated import in kWh, export power."""
    message = json.loads(fixture_path("tibber/tibber_ws_next_liveMeasurement_2025-05-19.json").read_text(),
                         parse_float=Decimal)
    sample = tibber.parse_live_measurement(message, home_id="h1")
    assert sample.measured_at_utc == datetime(2025, 5, 19, 13, 47, 35, tzinfo=UTC)
    assert sample.power_w == Decimal("0")
    assert sample.power_production_w == Decimal("3128")
    assert sample.accumulated_consumption_kwh == Decimal("0.0832")
    assert sample.accumulated_consumption_last_hour_kwh == Decimal("0.0023")
    assert len(sample.row()) == len(tibber.LIVE_MEASUREMENTS.columns)
    with pytest.raises(MalformedPayloadError):
        tibber.parse_live_measurement({"type": "complete", "id": "1"}, home_id="h1")


def test_resolution_follows_the_recorded_schema() -> None:
    """The introspected schema (Aug 2023) has no QUARTER_HOURLY EnergyResolution: the default is HOURLY."""
    schema = json.loads(fixture_path("tibber/tibber_graphql_introspection_2023-08.json").read_text())
    schema = schema.get("data", schema)["__schema"]
    [enum] = [t for t in schema["types"] if t["name"] == "EnergyResolution"]
    values = {v["name"] for v in enum["enumValues"]}
    assert "HOURLY" in values
    expected = "QUARTER_HOURLY" if "QUARTER_HOURLY" in values else "HOURLY"
    assert tibber.DEFAULT_RESOLUTION == expected
    with pytest.raises(ValueError):
        tibber.consumption_query("MINUTELY")


def test_token_never_appears_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint's repr (what a log line shows) does not contain the token."""
    from gridcarbon.connections import Endpoint

    endpoint = Endpoint("tibber", "https://api.tibber.com/v1-beta/gql", password="secret-token-123")
    assert "secret-token-123" not in repr(endpoint)


def _selection_paths(query: str) -> list[list[str]]:
    """Field paths of a GraphQL query's selection set (arguments and variable definitions skipped)."""
    import re

    body = query[query.index("{"):]
    body = re.sub(r"\([^)]*\)", "", body)
    paths: list[list[str]] = []
    stack: list[str] = []
    last: str | None = None
    for token in re.findall(r"[A-Za-z_]\w*|[{}]", body):
        if token == "{":
            if last is not None:
                stack.append(last)
            last = None
        elif token == "}":
            if stack:
                stack.pop()
            last = None
        else:
            paths.append([*stack, token])
            last = token
    return paths


def test_queries_use_only_fields_of_the_recorded_schema() -> None:
    """Every field the source asks for exists in Tibber's introspected schema (a typo would otherwise only
    show up as a GraphQL error in production)."""
    schema = json.loads(fixture_path("tibber/tibber_graphql_introspection_2023-08.json").read_text())
    schema = schema.get("data", schema)["__schema"]
    types = {t["name"]: t for t in schema["types"]}

    def unwrap(type_ref: dict) -> str:
        while type_ref.get("ofType"):
            type_ref = type_ref["ofType"]
        return type_ref["name"]

    def field_type(type_name: str, field: str) -> str:
        fields = {f["name"]: f for f in types[type_name].get("fields") or []}
        assert field in fields, f"{type_name}.{field} is not in the Tibber schema"
        return unwrap(fields[field]["type"])

    root = schema["queryType"]["name"]
    for query in (tibber.HOMES_QUERY, tibber.consumption_query("HOURLY")):
        paths = _selection_paths(query)
        assert len(paths) > 10
        for path in paths:
            current = root
            for field in path:
                current = field_type(current, field)


class _RecordedAccount:
    """A fake session answering Tibber's two queries from the recorded SEK answer: the homes query with its home
    (given the id the recording lacks) and prices, the consumption query with its hourly nodes."""

    def __init__(self) -> None:
        home = json.loads(fixture_path(SEK).read_text())["data"]["viewer"]["homes"][0]
        self.homes = {"data": {"viewer": {"homes": [{"id": "h1", "timeZone": "Europe/Stockholm",
                                                     "currentSubscription": home["currentSubscription"]}]}}}
        self.page = {"data": {"viewer": {"home": {"id": "h1", "consumption": {
            "nodes": home["hourly"]["nodes"], "pageInfo": {"endCursor": None, "hasNextPage": False}}}}}}
        self.requests: list[tuple[str, dict, dict]] = []

    def request(self, method: str, url: str, **kwargs: object) -> FakeResponse:
        body = json.loads(str(kwargs["data"]))
        self.requests.append((url, body, dict(kwargs["headers"])))  # type: ignore[arg-type]
        answer = self.homes if body["query"] == tibber.HOMES_QUERY else self.page
        return FakeResponse(url, 200, json.dumps(answer).encode(), "application/json")


def test_fetch_with_plain_values_on_the_recorded_answer() -> None:
    """``fetch`` with a fake session answering the recorded SEK account and settings as values (a 2-hour look-back):
    the token as bearer, the widened window's 8 hours of consumption (3.229 kWh at 2023-04-09 22:00Z, in SEK) and
    the home's prices, all to replace the widened window."""
    session = _RecordedAccount()
    run = Window(datetime(2023, 4, 10, tzinfo=UTC), datetime(2023, 4, 10, 6, tzinfo=UTC))
    answer = tibber.fetch(session, Endpoint("tibber", "https://mirror.example/gql", password="the-token"), run,
                          tibber.Settings(lookback=timedelta(hours=2)))
    assert isinstance(answer, Fetched)
    assert answer.window == answer.records.window == Window(datetime(2023, 4, 9, 22, tzinfo=UTC), run.end)
    (data,) = answer.records.homes
    assert len(data.consumption) == 8
    first = data.consumption[0]
    assert (first.interval_start_utc, first.consumption_kwh, first.currency) == (
        datetime(2023, 4, 9, 22, tzinfo=UTC), Decimal("3.229"), "SEK")
    assert data.prices and {p.currency for p in data.prices} == {"SEK"}
    assert [url for url, _, _ in session.requests] == ["https://mirror.example/gql"] * 2
    assert {headers["Authorization"] for _, _, headers in session.requests} == {"Bearer the-token"}
    assert session.requests[1][1]["variables"]["homeId"] == "h1"


def test_settings_from_the_environment() -> None:
    settings = tibber.Settings.from_env(Environment({"TIBBER_RESOLUTION": "quarter_hourly",
                                                     "TIBBER_LOOKBACK_HOURS": "6", "TIBBER_PAGE_SIZE": "50"}))
    assert settings == tibber.Settings(resolution="QUARTER_HOURLY", lookback=timedelta(hours=6), page_size=50)
    with pytest.raises(ValueError, match="TIBBER_RESOLUTION='DAILY'"):
        tibber.Settings.from_env(Environment({"TIBBER_RESOLUTION": "daily"}))
