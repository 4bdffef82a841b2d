"""Every source connection can be written in the Airflow UI's connection form.

A user would otherwise see: the README says ``conn_type`` ``http``, the UI's *Connection Type* list has no
HTTP entry (the HTTP provider was not installed) and they have to guess "Generic"; or a connection saved the
way the form saves it (Host, Schema, Login, Password, Extra JSON) resolves to another URL than they meant.
"""

from __future__ import annotations

import json

import pytest

from gridcarbon.connections import resolve_endpoint
from gridcarbon.demo import replay_connection_env


@pytest.fixture(scope="module")
def form_connection_types() -> set[str]:
    """The connection types the UI's form offers: the hooks registered by installed providers."""
    import warnings

    from airflow.providers_manager import ProvidersManager

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return set(ProvidersManager().hooks)


def test_every_connection_type_we_document_is_offered_by_the_form(form_connection_types: set[str]) -> None:
    used = {json.loads(value)["conn_type"] for value in replay_connection_env("http://127.0.0.1:1").values()}
    used.add("postgres")  # warehouse_postgres
    assert used <= form_connection_types, f"not in the UI's connection types: {used - form_connection_types}"
    assert "http" in form_connection_types


@pytest.mark.parametrize(
    ("fields", "expected_url"),
    [
        # Host as a full base URL: what the README and the demo use
        ({"host": "http://127.0.0.1:8765/smard/app"}, "http://127.0.0.1:8765/smard/app"),
        # Airflow's HTTP form convention: Schema is the URL scheme, Host the host name, Port the port
        ({"host": "www.smard.de", "schema": "https"}, "https://www.smard.de"),
        ({"host": "mirror.local", "schema": "http", "port": 8080}, "http://mirror.local:8080"),
    ],
)
def test_a_connection_saved_by_the_form_resolves_to_the_intended_url(
    fields: dict[str, object], expected_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow.models.connection import Connection

    conn = Connection(conn_id="smard", conn_type="http", **fields)  # type: ignore[arg-type]
    monkeypatch.setenv("AIRFLOW_CONN_SMARD", conn.as_json())
    assert resolve_endpoint("smard", "https://www.smard.de/app").base_url == expected_url
    monkeypatch.setenv("AIRFLOW_CONN_SMARD", conn.get_uri())  # the URI form gives the same
    assert resolve_endpoint("smard", "https://www.smard.de/app").base_url == expected_url


def test_netztransparenz_token_url_and_client_credentials_fit_the_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """netztransparenz needs a client id, a secret and an OAuth2 token URL: Login, Password and the Extra JSON
    field of an HTTP connection."""
    from airflow.models.connection import Connection

    conn = Connection(conn_id="netztransparenz", conn_type="http", host="https://ds.netztransparenz.de/api/v1",
                      login="client-id", password="client-secret",
                      extra=json.dumps({"token_url": "https://identity.netztransparenz.de/users/connect/token"}))
    monkeypatch.setenv("AIRFLOW_CONN_NETZTRANSPARENZ", conn.as_json())
    endpoint = resolve_endpoint("netztransparenz", "https://example.invalid")
    assert endpoint.base_url == "https://ds.netztransparenz.de/api/v1"
    assert (endpoint.login, endpoint.password) == ("client-id", "client-secret")
    assert endpoint.extra["token_url"] == "https://identity.netztransparenz.de/users/connect/token"
