"""Redaction by value: every configured secret is masked wherever it shows up in text, not only after ``api_key=``.

Secrets are registered where a task resolves its connection (``gridcarbon.connections.resolve_endpoint``):
the source connections' passwords and sensitive extras (EIA key, Tibber token, netztransparenz client secret),
every ``AIRFLOW_CONN_*`` password and the database passwords of the environment. Registered values are masked
by ``gridcarbon.http.redact``, in every log record of the process and by Airflow's task-log secrets masker.

Case | what the user saw before | test
- a connection read from ``AIRFLOW_CONN_*`` (the path tasks take first) | Airflow's masker never heard of its
  password; a message quoting it printed it | ``test_resolved_connection_secrets_reach_airflows_masker``
- database passwords from the environment (``WAREHOUSE_*_PASSWORD``, ``PGPASSWORD``, the warehouse URI) | not
  masked anywhere | ``test_database_passwords_from_the_environment_are_masked``
- a secret in free text (``"key ABC is rate limited"``), URL-encoded, or after ``Bearer`` | ``redact`` matched
  ``api_key=`` only | ``test_redact_masks_registered_values_whatever_the_text``
- a secret in one of our own log lines, any logger | printed | ``test_our_log_records_mask_registered_secrets``
- the EIA API echoing the key in a ``warnings`` entry (eia.py) | the key in the task log
  | ``test_eia_warning_echo_is_redacted_by_value``
- the replay server's access log (DEBUG) | the request line with ``api_key=<key>``
  | ``test_replay_access_log_never_prints_keys``
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.request import urlopen

import pytest

from gridcarbon import http
from gridcarbon.connections import Endpoint, resolve_endpoint
from gridcarbon.http import build_session, redact
from gridcarbon.intervals import Window
from tests.integration.iso_helpers import inject_fault, replay_control


def unique(prefix: str) -> str:
    """A secret nobody registered before (the registry lives as long as the process)."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def airflow_masks(text: str) -> str:
    from airflow.sdk._shared.secrets_masker import redact as airflow_redact

    return str(airflow_redact(text))


def test_resolved_connection_secrets_reach_airflows_masker(monkeypatch: pytest.MonkeyPatch) -> None:
    key, token, client_secret = unique("eia-key"), unique("tibber-token"), unique("nt-secret")
    monkeypatch.setenv("AIRFLOW_CONN_EIA", json.dumps({"conn_type": "http", "host": "http://127.0.0.1:1/eia",
                                                       "password": key}))
    monkeypatch.setenv("AIRFLOW_CONN_TIBBER", f"http://:{token}@127.0.0.1:1/tibber")
    monkeypatch.setenv("AIRFLOW_CONN_NETZTRANSPARENZ", json.dumps({
        "conn_type": "http", "host": "http://127.0.0.1:1/nt", "login": "client-id-visible",
        "password": client_secret, "extra": {"token_url": "http://127.0.0.1:1/token",
                                             "client_secret": client_secret + "-x"}}))
    resolve_endpoint("eia", "https://api.eia.gov/v2")  # one resolution registers every configured connection
    for secret in (key, token, client_secret, client_secret + "-x"):
        shown = airflow_masks(f"upstream said: {secret} is not valid")
        assert secret not in shown, shown
    assert "client-id-visible" in airflow_masks("login client-id-visible")  # logins are not secrets


def test_database_passwords_from_the_environment_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    loader_pw, pg_pw, uri_pw = unique("loader-pw"), unique("pg-pw"), unique("uri-pw")
    monkeypatch.setenv("WAREHOUSE_LOADER_PASSWORD", loader_pw)
    monkeypatch.setenv("PGPASSWORD", pg_pw)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE_POSTGRES", f"postgresql://gridcarbon_loader:{uri_pw}@db:5432/gc")
    resolve_endpoint("smard", "https://www.smard.de/app")
    for secret in (loader_pw, pg_pw, uri_pw):
        assert secret not in redact(f"connect failed: password {secret}")
        assert secret not in airflow_masks(f"connect failed: password {secret}")


def test_redact_masks_registered_values_whatever_the_text() -> None:
    secret = unique("k&y/with+odd=chars")
    http.register_secret(secret)
    from urllib.parse import quote, quote_plus

    for text in (f"Your key {secret} is rate limited", f"{secret}", f"?x=1&key={quote(secret, safe='')}",
                 f"body: key={quote_plus(secret)}", f"({secret})"):
        shown = redact(text)
        assert secret not in shown and quote(secret, safe="") not in shown and quote_plus(secret) not in shown, shown
    assert redact("Authorization: Bearer abc.def-ghi") == "Authorization: Bearer ***"
    other = unique("passed-in")
    assert other not in redact(f"echo {other}", other)  # a value passed at the call site, unregistered
    assert redact("abc") == "abc"


def test_our_log_records_mask_registered_secrets(caplog: pytest.LogCaptureFixture) -> None:
    secret = unique("tok")
    http.register_secret(secret)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("gridcarbon.anything.new").warning("token %s in %r", secret, {"t": secret})
    logging.getLogger("urllib3.connectionpool").debug("GET /x?t=%s", secret)
    try:
        raise ValueError(f"bad {secret}")
    except ValueError:
        logging.getLogger("gridcarbon.other").exception("failed")
    assert secret not in caplog.text, caplog.text
    assert "***" in caplog.text


def test_eia_warning_echo_is_redacted_by_value(replay_server: object, caplog: pytest.LogCaptureFixture) -> None:
    """EIA's ``warnings`` may quote the key in prose; the endpoint was built directly (not resolved), so only
    the call site's by-value redaction can hide it."""
    from gridcarbon.sources import eia

    key = unique("eia-echo")
    base = replay_server.base_url + "/eia/v2"  # type: ignore[attr-defined]
    hours = Window(datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 1, 2, tzinfo=UTC))
    start, end = eia.request_bounds(hours)
    route = eia.ROUTES["interchange-data"]
    url = (f"{base}/{route.data_path}?frequency=hourly&data[0]=value&start={start}&end={end}"
           f"&offset=0&length=5000&api_key={key}")
    with urlopen(url) as resp:  # noqa: S310 - the local replay server
        payload = json.loads(resp.read())
    payload["response"]["warnings"] = [{"warning": "rate limit",
                                        "description": f"Your API key {key} made too many requests."}]
    replay_control(replay_server, "_faults", "DELETE")
    inject_fault(replay_server, source="eia", path_contains="interchange-data", status=200, times=1,
                 body=json.dumps(payload))
    caplog.set_level(logging.INFO)
    endpoint = Endpoint(conn_id="eia", base_url=base, password=key)
    respondents = sorted({getattr(r, route.scope_column) for r in route.parse(payload, url=url, window=hours)})
    eia.fetch_route(build_session(), endpoint, route, hours, respondents)
    replay_control(replay_server, "_faults", "DELETE")
    warnings = [r.getMessage() for r in caplog.records if "warning" in r.getMessage()]
    assert warnings, "the warning was not logged at all"
    assert all(key not in w for w in warnings), warnings


def test_replay_access_log_never_prints_keys(replay_server: object, caplog: pytest.LogCaptureFixture) -> None:
    key, token = unique("access-key"), unique("access-token")
    caplog.set_level(logging.DEBUG, logger="gridcarbon.replay.server")
    base = replay_server.base_url  # type: ignore[attr-defined]
    for path in (f"/eia/v2/electricity/rto/fuel-type-data/facet/respondent?api_key={key}",
                 f"/nope/x?token={token}&a=1"):
        try:
            urlopen(base + path).close()  # noqa: S310 - the local replay server
        except OSError:
            pass  # a 404 is fine: the access line is written either way
    lines = [r.getMessage() for r in caplog.records if r.name == "gridcarbon.replay.server"]
    assert any("GET" in line for line in lines), lines  # the access log is there...
    assert not any(key in line or token in line for line in lines), lines  # ...without the secrets
